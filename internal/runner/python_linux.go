package runner

import (
	_ "embed"
	"strconv"
	"syscall"
)

//go:embed bootstrap.py
var bootstrapPy string

// execPython replaces the runner with CPython running the bootstrap, which
// speaks the bridge on fd 3 itself: it sends ready, reads the run, runs the
// program and sends done. The interpreter inherits every layer of the
// confinement (namespaces, root, uid, Landlock, seccomp).
func execPython(s *Setup) error {
	maxFrame := s.MaxFrame
	if maxFrame <= 0 {
		maxFrame = 4 << 20
	}
	argv := []string{"python3", "-I", "-S", "-B", "-X", "utf8", "-c", bootstrapPy, strconv.Itoa(maxFrame)}
	env := []string{"LANG=C.UTF-8", "PATH=/usr/bin"}
	return syscall.Exec(s.Python, argv, env)
}
