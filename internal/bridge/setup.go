package bridge

// SetupFlag precedes the JSON Setup in a runner's arguments.
const SetupFlag = "-setup"

// FD is the runner's descriptor of its end of the socketpair.
const FD = 3

// Setup is what the host tells a runner before it confines itself. It comes
// from the trusted host on the command line, never from the program.
type Setup struct {
	// Confine is false only for benchmarks of a bare exec.
	Confine bool `json:"confine"`
	// Born, with Confine, says that a confining spawner started the runner
	// already confined (spawn.Confinement): it checks that and only loads
	// its seccomp filter.
	Born bool `json:"born,omitempty"`
	// ScratchBytes is the size of the tmpfs mounted at /tmp.
	ScratchBytes int64 `json:"scratch_bytes"`
	// MemoryBytes is the run's memory limit; the Go heap is kept below it.
	MemoryBytes int64 `json:"memory_bytes"`
	// NProc bounds the tasks of the jail's uid (RLIMIT_NPROC).
	NProc int `json:"nproc"`
	// UID and GID are the unprivileged ids inside the user namespace that
	// the runner switches to; 0 inside is used for setup only.
	UID int `json:"uid"`
	GID int `json:"gid"`
	// Python, when set, is the interpreter (a path under /usr) that the
	// runner execs instead of running JavaScript itself.
	Python string `json:"python,omitempty"`
	// PythonLoader is the interpreter's ELF program interpreter (its
	// PT_INTERP, resolved), which Landlock lets it execute too; the host
	// reads it so that the runner need not link an ELF parser.
	PythonLoader string `json:"python_loader,omitempty"`
	// PythonCode is the Python bootstrap compiled by the host with the same
	// interpreter: a marshalled code object (package pyboot). Empty: the
	// runner passes the source and CPython compiles it.
	PythonCode []byte `json:"python_code,omitempty"`
	// Seccomp is the runner's seccomp filter, assembled by the host (package
	// runner/policy): a struct sock_filter array in native byte order. A
	// confined runner without one refuses to start.
	Seccomp []byte `json:"seccomp,omitempty"`
	// MaxFrame bounds a bridge frame; zero means the default.
	MaxFrame int `json:"max_frame,omitempty"`
}
