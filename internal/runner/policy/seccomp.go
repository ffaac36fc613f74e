// Package policy is the seccomp allow-list of the jail's runner, one reason
// per syscall, and its assembly into a BPF program. The host (package
// sandbox) assembles the program once and hands the bytes to each runner in
// its bridge.Setup, so the confined binary neither links the assembler nor
// pays for it at every start; the runner only loads the bytes.
package policy

import (
	"encoding/binary"
	"fmt"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Rule is one line of the allow-list: a syscall and why the jail
// needs it. Anything not listed fails with EPERM.
type Rule struct {
	Name   string
	Reason string
	// python marks syscalls only CPython needs; the JavaScript runner's
	// filter leaves them out.
	Python bool
}

// Allowed is the seccomp allow-list of the runner (Go runtime and goja) and
// of CPython after the runner execs it. Notably absent, so denied with
// EPERM: socket, socketpair, connect, bind, listen, accept (the bridge is
// already open, nothing needs a new socket); fork, vfork, and clone without
// CLONE_THREAD (no new processes); execveat; ptrace, process_vm_readv/
// writev; mount, umount2, pivot_root, chroot, unshare, setns; kexec_*,
// init_module, finit_module, bpf, perf_event_open, userfaultfd, keyctl,
// add_key, request_key, io_uring_*; kill and tkill (tgkill is kept for the
// Go scheduler: the pid namespace holds nothing but the jail itself);
// setuid and friends; prctl; seccomp; landlock_*.
var Allowed = []Rule{
	{"read", "bridge and file reads", false},
	{"write", "bridge and file writes", false},
	{"readv", "vectored reads (Python io)", true},
	{"writev", "vectored writes (Python io)", true},
	{"pread64", "the Go runtime and Python read files at offsets", false},
	{"pwrite64", "Python writes files in scratch", true},
	{"close", "closing descriptors", false},
	{"close_range", "Python closes descriptor ranges", true},
	{"lseek", "Python file positioning", false},
	{"openat", "opening files (Landlock and the private root decide which)", false},
	{"open", "older libc open", false},
	{"newfstatat", "stat", false},
	{"fstat", "stat of an open descriptor", false},
	{"stat", "older libc stat", false},
	{"lstat", "older libc lstat", false},
	{"statx", "stat on newer libc", false},
	{"statfs", "Python checks file systems", true},
	{"fstatfs", "Python checks file systems", true},
	{"readlink", "Python resolves its own path", false},
	{"readlinkat", "the Go runtime and Python resolve paths", false},
	{"access", "Python probes files", true},
	{"faccessat", "Python probes files", true},
	{"faccessat2", "Python probes files", true},
	{"getdents64", "listing directories (Python imports)", false},
	{"getcwd", "Python startup", true},
	{"chdir", "chdir inside the private root", true},
	{"mkdir", "directories in scratch", true},
	{"mkdirat", "directories in scratch", true},
	{"unlink", "removing files in scratch", true},
	{"unlinkat", "removing files in scratch", true},
	{"rmdir", "removing directories in scratch", true},
	{"rename", "renaming in scratch", true},
	{"renameat", "renaming in scratch", true},
	{"renameat2", "renaming in scratch", true},
	{"ftruncate", "truncating files in scratch", true},
	{"fsync", "flushing files in scratch", true},
	{"fdatasync", "flushing files in scratch", true},
	{"umask", "Python startup", true},
	{"dup", "Python duplicates descriptors", true},
	{"dup2", "Python duplicates descriptors", true},
	{"dup3", "Python and the Go runtime duplicate descriptors", false},
	{"fcntl", "descriptor flags (non-blocking, close-on-exec)", false},
	{"pipe2", "the Go runtime's netpoll wakeup", false},
	{"eventfd2", "the Go runtime's netpoll wakeup", false},
	{"epoll_create1", "the Go runtime's netpoll", false},
	{"epoll_ctl", "the Go runtime's netpoll", false},
	{"epoll_pwait", "the Go runtime's netpoll", false},
	{"epoll_pwait2", "the Go runtime's netpoll", false},
	{"epoll_wait", "the Go runtime's netpoll", false},
	{"poll", "Python select module", true},
	{"ppoll", "Python select module", true},
	{"select", "Python select module", true},
	{"pselect6", "Python select module", true},
	{"mmap", "memory allocation", false},
	{"munmap", "memory allocation", false},
	{"mremap", "Python's allocator", true},
	{"mprotect", "the loader and Python's allocator", false},
	{"madvise", "the Go garbage collector returns memory", false},
	{"brk", "Python's allocator", true},
	{"membarrier", "the Go runtime on some kernels", false},
	{"futex", "thread synchronization", false},
	{"set_robust_list", "thread start", false},
	{"get_robust_list", "thread start", false},
	{"set_tid_address", "thread start", false},
	{"rseq", "glibc restartable sequences", true},
	{"arch_prctl", "thread-local storage", false},
	{"sched_yield", "the Go scheduler", false},
	{"sched_getaffinity", "the Go runtime sizes GOMAXPROCS", false},
	{"rt_sigaction", "signal handlers", false},
	{"rt_sigprocmask", "signal masks", false},
	{"rt_sigreturn", "return from a signal handler", false},
	{"sigaltstack", "signal stacks of Go threads", false},
	{"tgkill", "the Go scheduler preempts its own threads", false},
	{"gettid", "thread ids", false},
	{"getpid", "process id (the jail's own)", false},
	{"getppid", "Python os module", true},
	{"getuid", "Python startup", true},
	{"geteuid", "Python startup", true},
	{"getgid", "Python startup", true},
	{"getegid", "Python startup", true},
	{"getrandom", "randomness (map hashing, Python hash seed)", false},
	{"nanosleep", "sleeps", false},
	{"clock_nanosleep", "sleeps", false},
	{"clock_gettime", "clocks (vDSO fallback)", false},
	{"clock_getres", "clocks", false},
	{"gettimeofday", "clocks", false},
	{"time", "clocks", false},
	{"times", "Python time module", true},
	{"getrusage", "Python resource use", true},
	{"sysinfo", "Python startup", true},
	{"uname", "runtime startup", false},
	{"getrlimit", "limits, read", false},
	{"prlimit64", "limits, read (raising needs capabilities the jail lacks)", false},
	{"restart_syscall", "interrupted syscalls", false},
	{"exit", "thread exit", false},
	{"exit_group", "process exit", false},
}

// Selected ioctls: terminal probes that Python makes on every file it
// opens (isatty) and non-blocking / close-on-exec switches.
var AllowedIoctls = []uint64{unix.TCGETS, 0x5421 /* FIONBIO */, 0x5451 /* FIOCLEX */, 0x5450 /* FIONCLEX */}

// nsFlags are the clone flags that would create namespaces.
const nsFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

// Policy returns the seccomp policy of a runner; python adds what CPython
// needs, including the execve that starts it (Landlock limits what it may
// execute to the interpreter).
func Policy(python bool) seccomp.Policy {
	var names []string
	for _, r := range Allowed {
		if r.Python && !python {
			continue
		}
		names = append(names, r.Name)
	}
	if python {
		names = append(names, "execve") // the runner execs CPython; Landlock allows only it
	}
	var conds []seccomp.NameWithConditions
	// clone only for threads: CLONE_THREAD set, no namespace flags. A fork
	// (what os.fork, subprocess and system() reach) lacks CLONE_THREAD.
	conds = append(conds, seccomp.NameWithConditions{Name: "clone", Conditions: []seccomp.Condition{
		{Argument: 0, Operation: seccomp.BitsSet, Value: unix.CLONE_THREAD},
		{Argument: 0, Operation: seccomp.BitsNotSet, Value: nsFlags},
	}})
	for _, req := range AllowedIoctls {
		conds = append(conds, seccomp.NameWithConditions{Name: "ioctl", Conditions: []seccomp.Condition{
			{Argument: 1, Operation: seccomp.Equal, Value: req},
		}})
	}
	return seccomp.Policy{
		DefaultAction: seccomp.ActionErrno,
		Syscalls: []seccomp.SyscallGroup{
			{Action: seccomp.ActionAllow, Names: names, NamesWithCondtions: conds},
			// clone3 passes its flags in memory the filter cannot read:
			// ENOSYS makes libc fall back to clone, which it can.
			{Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS), Names: []string{"clone3"}},
		},
	}
}

// Program assembles Policy(python) for the machine's architecture into the
// bytes of a struct sock_filter array (8 bytes per instruction, native byte
// order), what seccomp(SECCOMP_SET_MODE_FILTER) takes.
func Program(python bool) ([]byte, error) {
	p := Policy(python)
	insts, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp policy: %w", err)
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp BPF: %w", err)
	}
	if len(raw) == 0 || len(raw) > 4096 {
		return nil, fmt.Errorf("seccomp program of %d instructions", len(raw))
	}
	out := make([]byte, 0, 8*len(raw))
	for _, in := range raw {
		out = binary.NativeEndian.AppendUint16(out, in.Op)
		out = append(out, in.Jt, in.Jf)
		out = binary.NativeEndian.AppendUint32(out, in.K)
	}
	return out, nil
}
