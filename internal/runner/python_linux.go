package runner

import (
	_ "embed"
	"strconv"
	"syscall"
)

//go:embed bootstrap.py
var bootstrapPy string

// pythonPrelude is the program CPython starts with (-c). It sends ready and
// waits in its first read of fd 3, the idle state of a warm Python runner;
// when the run frame starts arriving it compiles and runs the bootstrap,
// which it takes from the end of its arguments, in the module __main__ (as
// if the bootstrap were the -c program itself). Compiling the bootstrap
// (and importing what it needs) only then keeps the idle interpreter near
// the size of a bare CPython: building it at start-up leaves about 1 MB of
// parser memory resident for the life of the runner.
const pythonPrelude = `import posix, sys
if posix.write(3, b'\0\0\0\x0d{"t":"ready"}') != 17:
    posix._exit(12)
_head = posix.read(3, 4)
exec(compile(sys.argv.pop(), "<cemcp-bootstrap>", "exec"))
`

// pythonArgv is CPython's command line: isolated (-I: no environment
// variables, no user site, no script directory on the path), no site
// module, no bytecode writes, UTF-8 mode; then the prelude, the frame size
// limit (sys.argv[1]) and the bootstrap, which the prelude removes from
// sys.argv before running it.
func pythonArgv(maxFrame int) []string {
	if maxFrame <= 0 {
		maxFrame = 4 << 20
	}
	return []string{"python3", "-I", "-S", "-B", "-X", "utf8", "-c", pythonPrelude, strconv.Itoa(maxFrame), bootstrapPy}
}

// pythonEnv is CPython's whole environment.
var pythonEnv = []string{"LANG=C.UTF-8", "PATH=/usr/bin"}

// execPython replaces the runner with CPython running the prelude and then
// the bootstrap, which speak the bridge on fd 3 themselves: ready, the run,
// the program's tool calls, done. The interpreter inherits every layer of
// the confinement (namespaces, root, uid, Landlock, seccomp).
func execPython(s *Setup) error {
	return syscall.Exec(s.Python, pythonArgv(s.MaxFrame), pythonEnv)
}
