package runner

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cemcp/cemcp/internal/runner/pyboot"
)

// pythonPrelude is the program CPython starts with (-c). It sends ready and
// waits in its first read of fd 3, the idle state of a warm Python runner;
// when the run frame starts arriving it runs the bootstrap, which it takes
// from the end of its arguments, in the module __main__ (as if the
// bootstrap were the -c program itself): the code object the host compiled
// with the same interpreter, read from the descriptor the argument names
// (pyboot.FDPrefix), else the source, compiled here (3 ms). Loading or
// compiling the bootstrap (and importing what it needs) only then keeps the
// idle interpreter near the size of a bare CPython: building it at
// start-up leaves about 1 MB of parser memory resident for the life of the
// runner.
const pythonPrelude = `import posix, sys
if posix.write(3, b'\0\0\0\x0d{"t":"ready"}') != 17:
    posix._exit(12)
_head = posix.read(3, 4)
_boot = sys.argv.pop()
if _boot[:1] == "` + pyboot.FDPrefix + `":
    import marshal
    _fd, _boot = int(_boot[1:]), []
    while True:
        _c = posix.read(_fd, 1 << 16)
        if not _c:
            break
        _boot.append(_c)
    posix.close(_fd)
    _boot = marshal.loads(b"".join(_boot))
    del _fd, _c
else:
    _boot = compile(_boot, "<cemcp-bootstrap>", "exec")
exec(_boot)
`

// pythonArgv is CPython's command line: isolated (-I: no environment
// variables, no user site, no script directory on the path), no site
// module, no bytecode writes, UTF-8 mode; then the prelude, the frame size
// limit (sys.argv[1]) and the bootstrap, which the prelude removes from
// sys.argv before running it.
func pythonArgv(maxFrame int, codeFD int) []string {
	if maxFrame <= 0 {
		maxFrame = 4 << 20
	}
	boot := pyboot.Source
	if codeFD >= 0 {
		boot = pyboot.FDPrefix + strconv.Itoa(codeFD)
	}
	return []string{"python3", "-I", "-S", "-B", "-X", "utf8", "-c", pythonPrelude, strconv.Itoa(maxFrame), boot}
}

// codeFile returns an anonymous file (memfd) holding code, at offset 0 and
// inherited across exec, for CPython to read the bootstrap from.
func codeFile(code []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("cemcp-bootstrap", 0)
	if err != nil {
		return nil, fmt.Errorf("memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "cemcp-bootstrap")
	if _, err := f.Write(code); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// pythonEnv is CPython's whole environment.
var pythonEnv = []string{"LANG=C.UTF-8", "PATH=/usr/bin"}

// bootFile holds the compiled bootstrap for execPython (prepareBootstrap).
var bootFile *os.File

// prepareBootstrap puts the host-compiled bootstrap, if any, in a memfd
// that CPython inherits. It runs before the confinement (seccomp, then,
// allows no memfd_create); without a file the runner passes the source.
func prepareBootstrap(s *Setup) {
	if len(s.PythonCode) == 0 {
		return
	}
	f, err := codeFile(s.PythonCode)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: the compiled bootstrap is not usable, CPython compiles it: %v\n", err)
		return
	}
	bootFile = f
}

// execPython replaces the runner with CPython running the prelude and then
// the bootstrap, which speak the bridge on fd 3 themselves: ready, the run,
// the program's tool calls, done. The interpreter inherits every layer of
// the confinement (namespaces, root, uid, Landlock, seccomp).
func execPython(s *Setup) error {
	fd := -1
	if bootFile != nil {
		fd = int(bootFile.Fd())
	}
	return syscall.Exec(s.Python, pythonArgv(s.MaxFrame, fd), pythonEnv)
}
