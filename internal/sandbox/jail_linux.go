package sandbox

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/runner/policy"
	"github.com/cemcp/cemcp/internal/runner/pyboot"
	"github.com/cemcp/cemcp/internal/runner/spawn"
	"github.com/cemcp/cemcp/internal/transpile"
	"golang.org/x/sys/unix"
)

// Jail runs each program in a fresh cemcp-runner process confined by
// namespaces, a private root, rlimits, dropped capabilities, Landlock,
// seccomp and a per-run cgroup, with a wall-clock kill. Runners are never
// reused: each serves one program and dies.
type Jail struct {
	cfg    JailConfig
	log    *slog.Logger
	cg     *cgroups // nil with NoCgroups
	python string   // resolved interpreter; "" when unavailable
	pyLoad string   // its ELF program interpreter (resolved), if any
	pyCode []byte   // the bootstrap compiled by it (pyboot), or nil to pass the source
	noPy   string   // why Python is unavailable
	netns  *netNS   // the runners' shared, empty network namespace
	// spawner starts the JavaScript runners, born confined when it is a
	// confining one (spawner.born); pySpawner starts the Python runners,
	// which confine themselves. Either is nil when it could not start: the
	// Jail then forks those runners itself, as it does if one dies.
	spawner   *spawner
	pySpawner *spawner
	pool      *pool // JavaScript runners
	pyPool    *pool // Python runners
	// seccompJS and seccompPy are the runners' seccomp programs, assembled
	// once (package policy) and handed to each runner in its setup.
	seccompJS, seccompPy []byte
	runnerEnv            []string

	mu     sync.Mutex
	live   map[*proc]struct{}
	closed bool

	reaping sync.WaitGroup // background teardowns (release)
	// onRun, when set (benchmarks), is called with the time from Execute's
	// entry to the run frame written to the runner's socket.
	onRun func(time.Duration)
}

var _ Executor = (*Jail)(nil)

// jailCloneflags are the namespaces of a confined runner. No CLONE_NEWNET:
// the runner inherits the shared, empty network namespace of the thread
// (or the spawner) that clones it (see netNS).
const jailCloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS |
	syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWCGROUP

// bornSpawnerCloneflags are the namespaces of a confining spawner, which
// its runners share: the user namespace (so each runner can be cloned with
// vfork, without id maps to write), and IPC and UTS namespaces of their own
// that nothing in the jail can use or change (seccomp denies SysV IPC,
// POSIX message queues and sethostname). bornCloneflags are those each
// runner gets of its own. See design/jail.md.
const (
	bornSpawnerCloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
	bornCloneflags        = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWCGROUP
)

// bornNProc is RLIMIT_NPROC of a confining spawner's uid, which all its
// runners share: a bound on the threads of every JavaScript runner
// together, far above what a run can start (its Go runtime's threads;
// seccomp lets it create no process). Per run, the cgroup's pids limit
// applies.
const bornNProc = 4096

// jailAmbientCaps are the only capabilities a runner starts with, and only
// in its own user namespace: CAP_SYS_ADMIN (mounts, pivot_root,
// sethostname, Landlock without no_new_privs) and CAP_SETPCAP (bounding set
// and securebits). It clears them on every thread before it reads a program
// (runner.Confine). Starting with the final ids saves the runner three
// stop-the-world uid, gid and groups changes.
var jailAmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_SETPCAP}

// runSeq numbers the runners of this process: cgroup names are
// "r<gateway pid>-<seq>", unique across the Jails of one process.
var runSeq atomic.Uint64

// NewJail checks the configuration, prepares the cgroup parent and starts
// the warm pool. A nil logger means silence.
func NewJail(cfg JailConfig, logger *slog.Logger) (*Jail, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	if cfg.RunnerPath == "" {
		p, err := findRunner()
		if err != nil {
			return nil, err
		}
		cfg.RunnerPath = p
	}
	if fi, err := os.Stat(cfg.RunnerPath); err != nil {
		return nil, fmt.Errorf("runner %s: %w", cfg.RunnerPath, err)
	} else if fi.Mode().Perm()&0o005 != 0o005 {
		return nil, fmt.Errorf("runner %s: must be readable and executable by others (mode %v)", cfg.RunnerPath, fi.Mode().Perm())
	}
	j := &Jail{cfg: cfg, log: logger, live: make(map[*proc]struct{})}
	if !cfg.NoCgroups {
		cg, err := newCgroups(cfg.CgroupRoot)
		if err != nil {
			return nil, fmt.Errorf("cgroups (set NoCgroups to run without memory, pids and cpu limits): %w", err)
		}
		cg.removeStale()
		// Enough clean cgroups for the warm pools, their refills and the
		// runs in flight and in teardown: fewer, and a busy jail creates
		// and removes cgroups all the time (each costs the host more than
		// a run's other cgroup work on v1).
		cg.maxFree = 2*(max(cfg.PoolSize, 0)+max(cfg.PythonPoolSize, 0)) + 8*runtime.NumCPU()
		j.cg = cg
	}
	j.python, j.noPy = findPython(cfg.Python)
	if j.python != "" {
		j.pyLoad, _ = elfInterpreter(j.python)
		code, err := compileBootstrap(j.python)
		if err != nil {
			logger.Warn("jail: Python runs compile their bootstrap themselves (3 ms each)", "err", err)
		}
		j.pyCode = code
	}
	var err error
	if j.seccompJS, err = policy.Program(false); err != nil {
		return nil, err
	}
	if j.seccompPy, err = policy.Program(true); err != nil {
		return nil, err
	}
	j.runnerEnv = runnerEnv(cfg.CPUPercent)
	if j.netns, err = newNetNS(max(2, runtime.NumCPU())); err != nil {
		return nil, err
	}
	if j.spawner, err = startSpawner(j, true); err != nil {
		logger.Warn("jail: no confining spawner, each JavaScript runner confines itself", "err", err)
		if j.spawner, err = startSpawner(j, false); err != nil {
			logger.Warn("jail: no spawner, the gateway forks each runner itself", "err", err)
		}
	}
	if j.python != "" {
		if j.pySpawner, err = startSpawner(j, false); err != nil {
			logger.Warn("jail: no spawner for Python, the gateway forks each Python runner itself", "err", err)
		}
	}
	if cfg.PoolSize > 0 {
		j.pool = newPool(j, cfg.PoolSize, false)
	}
	if cfg.PythonPoolSize > 0 && j.python != "" {
		j.pyPool = newPool(j, cfg.PythonPoolSize, true)
	}
	return j, nil
}

// runnerEnv is the whole environment of a runner: nothing of the
// gateway's, only the Go runtime's knobs. GOMAXPROCS matches the cgroup's
// CPU quota (a runner cannot use more), and with fewer threads the runner's
// every-thread privilege drops are cheaper.
func runnerEnv(cpuPercent int) []string {
	procs := (cpuPercent + 99) / 100
	if procs < 1 {
		procs = 1
	}
	return []string{"GOMAXPROCS=" + strconv.Itoa(procs)}
}

func findRunner() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "cemcp-runner")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("cemcp-runner")
	if err != nil {
		return "", fmt.Errorf("find cemcp-runner (beside the executable or in PATH; build it with CGO_ENABLED=0 go build ./cmd/cemcp-runner): %w", err)
	}
	return filepath.Abs(p)
}

// findPython resolves the interpreter. Only interpreters under /usr can
// run: that is all the jail binds.
// compileBootstrap compiles the Python bootstrap with python, the
// interpreter the jail runs (marshal's format is its own), and returns the
// marshalled code object. It runs on the host, once per Jail, with the
// jail's own source as its only input.
func compileBootstrap(python string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-I", "-S", "-B", "-c", pyboot.MarshalProgram)
	cmd.Stdin = strings.NewReader(pyboot.Source)
	cmd.Env = []string{"LANG=C.UTF-8"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("compile the Python bootstrap with %s: %w: %s", python, err, strings.TrimSpace(stderr.String()))
	}
	// A marshalled code object starts with TYPE_CODE ('c', maybe with the
	// FLAG_REF bit).
	if len(out) == 0 || out[0]&0x7f != 'c' {
		return nil, fmt.Errorf("compile the Python bootstrap with %s: no code object in its output", python)
	}
	return out, nil
}

// elfInterpreter returns the resolved PT_INTERP of the executable at path.
func elfInterpreter(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return "", err
			}
			return filepath.EvalSymlinks(strings.TrimRight(string(b), "\x00"))
		}
	}
	return "", errors.New("no PT_INTERP")
}

func findPython(path string) (string, string) {
	switch path {
	case "none":
		return "", "Python is disabled in this gateway's configuration"
	case "":
		path = "/usr/bin/python3"
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Sprintf("python3 is not available on this machine (%s not found)", path)
	}
	if !strings.HasPrefix(real, "/usr/") {
		return "", fmt.Sprintf("python3 at %s is outside /usr, which is all the jail can bind", real)
	}
	return real, ""
}

// Isolated implements Executor.
func (j *Jail) Isolated() bool { return true }

// Close kills the warm pool and every running program.
func (j *Jail) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	live := make([]*proc, 0, len(j.live))
	for p := range j.live {
		live = append(live, p)
	}
	j.mu.Unlock()
	for _, pl := range []*pool{j.pool, j.pyPool} {
		if pl != nil {
			pl.close()
		}
	}
	for _, p := range live {
		p.kill()
	}
	j.reaping.Wait()
	for _, s := range []*spawner{j.spawner, j.pySpawner} {
		if s != nil {
			s.close()
		}
	}
	j.netns.close()
	if j.cg != nil {
		if err := j.cg.removeFree(); err != nil {
			j.log.Warn("cgroups left behind", "err", err)
		}
	}
	return nil
}

// proc is one runner process.
type proc struct {
	j    *Jail
	name string
	cmd  *exec.Cmd // nil for a runner started by the spawner
	pid  int
	// pidfd refers to a runner started by the spawner (not our child);
	// -1 otherwise, and once closed. pidMu guards it.
	pidMu  sync.Mutex
	pidfd  int
	sock   *os.File
	conn   *bridge.Conn
	state  *bridge.HostState
	cg     *cgroup
	exited chan struct{}
	status string // how the process ended; set before exited is closed
	stderr *tailBuffer
	// freeSlot, for a runner from a pool, lets the pool start its
	// replacement; called once the run was handed over (or at release).
	freeSlot func()

	once sync.Once
}

// spawn starts a confined runner and waits for its ready.
func (j *Jail) spawn(ctx context.Context, python bool) (*proc, error) {
	return j.start(ctx, python, true)
}

// start starts a runner and waits for its ready. Without confine (only for
// the benchmark that prices the jail) it is a plain exec: no namespaces,
// no cgroup, no confinement in the runner.
//
// The host's share of a cold start overlaps the runner's: the run's cgroup
// is taken (or created) and the runner moved into it while the runner
// starts its Go runtime and confines itself; on v2, a runner that the
// gateway or a plain spawner starts is cloned straight into its cgroup
// (CLONE_INTO_CGROUP) instead. Either way the runner is in its cgroup
// before start returns, so before it can receive a program.
func (j *Jail) start(ctx context.Context, python, confine bool) (_ *proc, retErr error) {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil, errors.New("the jail is closed")
	}
	j.mu.Unlock()

	name := fmt.Sprintf("r%d-%d", os.Getpid(), runSeq.Add(1))
	sp := j.spawner
	if python {
		sp = j.pySpawner
	}
	if !confine || sp == nil || !sp.alive() {
		sp = nil
	}
	args, err := j.setupArgs(python, confine, sp != nil && sp.born)
	if err != nil {
		return nil, err
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return nil, err
	}
	host := os.NewFile(uintptr(fds[0]), "bridge-host")
	child := os.NewFile(uintptr(fds[1]), "bridge-runner")
	// Our copy of the runner's end is closed as soon as the runner has its
	// own (below): then a runner that dies before ready is an immediate
	// EOF, not a wait for StartTimeout.
	closeChild := sync.OnceFunc(func() { child.Close() })
	defer closeChild()

	p := &proc{j: j, name: name, sock: host, pidfd: -1, exited: make(chan struct{}), stderr: &tailBuffer{max: 8 << 10}}
	j.track(p, true)
	defer func() {
		if retErr != nil {
			p.kill()
		}
	}()
	lim := cgroupLimits{memory: j.cfg.MemoryBytes, pids: j.cfg.MaxPids, cpuPercent: j.cfg.CPUPercent}
	useCgroup := j.cg != nil && confine
	// On v2 a runner is cloned straight into its cgroup, but not by a
	// confining spawner: it runs as the jail's unprivileged uid, which may
	// not move processes between the host's cgroups. Its runners are
	// attached by the gateway instead, as on v1.
	cloneInto := useCgroup && j.cg.v2 && (sp == nil || !sp.born)
	var cgFD *os.File
	if cloneInto {
		// v2: create the cgroup first and clone into it.
		g, err := j.cg.get(name, lim)
		if err != nil {
			host.Close()
			return nil, err
		}
		p.setCgroup(g)
		if cgFD, err = os.Open(p.cg.dirs[""]); err != nil {
			host.Close()
			return nil, fmt.Errorf("open cgroup: %w", err)
		}
		defer cgFD.Close()
	}
	// Otherwise: take the cgroup while the runner starts.
	type created struct {
		g   *cgroup
		err error
	}
	var cgDone chan created
	if useCgroup && !cloneInto {
		cgDone = make(chan created, 1)
		go func() {
			g, err := j.cg.get(name, lim)
			cgDone <- created{g, err}
		}()
	}

	var startErr error
	if sp != nil {
		startErr = j.spawnRunner(sp, p, args, child, cgFD)
	} else {
		startErr = j.execRunner(p, args, child, cgFD, confine)
	}
	if cgDone != nil {
		// Collect the cgroup even when the start failed, so kill removes it.
		c := <-cgDone
		p.setCgroup(c.g)
		if c.err != nil && startErr == nil {
			p.signalKill()
			<-p.exited
			return nil, c.err
		}
	}
	if startErr != nil {
		return nil, fmt.Errorf("start runner: %w", startErr)
	}
	closeChild()
	var attachErr error
	if cgDone != nil {
		// A runner that already died cannot be attached; its EOF below
		// reports it better than ESRCH.
		attachErr = p.cg.add(p.pid)
	}
	p.conn = bridge.NewConn(host, bridge.Limits{MaxDone: j.maxDone()})
	p.state = bridge.NewHostState(bridge.DefaultMaxInFlight)

	deadline := time.Now().Add(j.cfg.StartTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = host.SetReadDeadline(deadline)
	m, err := p.conn.Recv()
	_ = host.SetReadDeadline(time.Time{})
	if err == nil {
		err = p.state.Received(m)
	}
	if err == nil && m.T != bridge.TypeReady {
		err = fmt.Errorf("%w: %s before ready", bridge.ErrProtocol, m.T)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("the runner exited before ready")
		}
		p.kill()
		return nil, fmt.Errorf("runner did not start: %w%s", err, p.diagnostics())
	}
	if attachErr != nil {
		return nil, attachErr
	}
	return p, nil
}

// execRunner starts the runner as the gateway's own child (os/exec): the
// unconfined runner of the benchmark that prices the jail, and confined
// runners when the spawner could not start. On failure p.exited is closed.
func (j *Jail) execRunner(p *proc, args []byte, child, cgFD *os.File, confine bool) error {
	cmd := exec.Command(j.cfg.RunnerPath, bridge.SetupFlag, string(args))
	cmd.Env = j.runnerEnv // nothing of the gateway's environment
	cmd.Dir = "/"
	cmd.ExtraFiles = []*os.File{child} // fd 3
	cmd.Stderr = p.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setsid: true}
	if confine {
		cmd.SysProcAttr = j.jailAttr(jailCloneflags)
		if cgFD != nil {
			cmd.SysProcAttr.UseCgroupFD = true
			cmd.SysProcAttr.CgroupFD = int(cgFD.Fd())
		}
	}
	p.cmd = cmd
	var err error
	if confine {
		err = j.netns.start(cmd)
	} else {
		err = cmd.Start()
	}
	if err != nil {
		close(p.exited)
		return err
	}
	p.pid = cmd.Process.Pid
	go func() {
		_ = cmd.Wait()
		p.status = cmd.ProcessState.String()
		close(p.exited)
	}()
	return nil
}

// spawnRunner has the spawner start a confined runner. Its stderr comes
// back through a pipe. On failure p.exited is closed.
func (j *Jail) spawnRunner(sp *spawner, p *proc, args []byte, child, cgFD *os.File) error {
	r, w, err := os.Pipe()
	if err != nil {
		close(p.exited)
		return err
	}
	res := sp.spawn(args, child, w, cgFD)
	w.Close()
	if res.err != nil {
		r.Close()
		close(p.exited)
		return res.err
	}
	p.pid = res.pid
	p.pidMu.Lock()
	p.pidfd = res.pidfd
	p.pidMu.Unlock()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(p.stderr, r)
		r.Close()
	}()
	go func() {
		status := <-res.exit
		<-copied // the runner's stderr is complete once it exited
		if status == spawnerGone {
			p.status = "killed with the spawner"
		} else {
			p.status = spawn.StatusString(status)
		}
		close(p.exited)
	}()
	return nil
}

// jailAttr starts a process as the jail's unprivileged uid and gid in a
// new user namespace (and the other namespaces of cloneflags) that maps only
// them, with no supplementary groups and jailAmbientCaps of that namespace:
// a self-confining runner, or a confining spawner. Nothing in the jail is
// ever uid 0, even during setup.
func (j *Jail) jailAttr(cloneflags uintptr) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Cloneflags:                 cloneflags,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: jailUID, HostID: j.cfg.HostUID, Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: jailGID, HostID: j.cfg.HostGID, Size: 1}},
		GidMappingsEnableSetgroups: true, // so that the supplementary groups can be dropped
		Credential:                 &syscall.Credential{Uid: jailUID, Gid: jailGID, Groups: []uint32{}},
		AmbientCaps:                jailAmbientCaps,
		Pdeathsig:                  syscall.SIGKILL,
		Setsid:                     true,
	}
}

// signalKill sends SIGKILL to the runner, if it was started.
func (p *proc) signalKill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		return
	}
	p.pidMu.Lock()
	defer p.pidMu.Unlock()
	if p.pidfd >= 0 {
		_ = unix.PidfdSendSignal(p.pidfd, unix.SIGKILL, nil, 0)
	}
}

// setupArgs returns the runner's -setup argument; born says that a
// confining spawner starts it.
func (j *Jail) setupArgs(python, confine, born bool) ([]byte, error) {
	setup := bridge.Setup{
		Confine:      confine,
		Born:         confine && born && !python,
		ScratchBytes: j.cfg.ScratchBytes,
		MemoryBytes:  j.cfg.MemoryBytes,
		NProc:        64,
		UID:          jailUID,
		GID:          jailGID,
	}
	if confine {
		setup.Seccomp = j.seccompJS
	}
	if python {
		setup.Python = j.python
		setup.PythonLoader = j.pyLoad
		setup.PythonCode = j.pyCode
		setup.Seccomp = j.seccompPy
	}
	return json.Marshal(setup)
}

func (j *Jail) maxDone() int {
	n := j.cfg.Limits.MaxOutputBytes
	if n < 1<<20 {
		n = 1 << 20
	}
	return 16*n + 64<<10
}

func (j *Jail) track(p *proc, add bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if add {
		j.live[p] = struct{}{}
	} else {
		delete(j.live, p)
	}
}

// diagnostics returns the runner's exit status and the tail of its stderr.
func (p *proc) diagnostics() string {
	var b strings.Builder
	select {
	case <-p.exited:
		if p.status != "" {
			fmt.Fprintf(&b, " (%s)", p.status)
		}
	case <-time.After(time.Second):
	}
	if s := strings.TrimSpace(p.stderr.String()); s != "" {
		fmt.Fprintf(&b, ": %s", s)
	}
	return b.String()
}

// kill ends the runner (the init of its pid namespace: every process of the
// jail dies with it), waits for it and removes its cgroup.
func (p *proc) kill() {
	p.once.Do(func() {
		started := p.cmd != nil || p.pid > 0
		p.signalKill()
		// The runner is its pid namespace's init: its death takes every
		// process of the run with it, so on v1 (where killing a cgroup means
		// reading its pids) the cgroup is killed only if it has not died.
		// v2 kills a cgroup with one write. put checks that it is empty.
		if p.cg != nil && (p.cg.v2 || !started) {
			p.cg.kill()
		}
		if started {
			select {
			case <-p.exited:
			case <-time.After(5 * time.Second):
				p.j.log.Warn("runner did not exit after SIGKILL", "runner", p.name)
				if p.cg != nil {
					p.cg.kill()
				}
			}
		}
		p.pidMu.Lock()
		if p.pidfd >= 0 {
			unix.Close(p.pidfd)
			p.pidfd = -1
		}
		p.pidMu.Unlock()
		if p.cg != nil {
			if err := p.j.cg.put(p.cg); err != nil {
				p.j.log.Warn("cgroup left behind", "runner", p.name, "err", err)
			}
		}
		p.sock.Close()
		p.j.track(p, false)
	})
}

// setCgroup records the runner's cgroup, under the Jail's lock: the
// runner is already tracked in live, which tests read.
func (p *proc) setCgroup(g *cgroup) {
	p.j.mu.Lock()
	p.cg = g
	p.j.mu.Unlock()
}

// handedOff frees the pool slot of a pooled runner.
func (p *proc) handedOff() {
	if p.freeSlot != nil {
		p.freeSlot()
	}
}

// release ends a runner whose run is over: SIGKILL at once (nothing of
// the run keeps running), the wait and the cgroup removal in the
// background, so that the next run does not wait for them. Close waits for
// every release.
func (p *proc) release() {
	p.signalKill()
	p.handedOff()
	p.j.reaping.Add(1)
	go func() {
		defer p.j.reaping.Done()
		p.kill()
	}()
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Execute implements Executor.
func (j *Jail) Execute(ctx context.Context, req *Request, caller ToolCaller) (*Response, error) {
	start := time.Now()
	lim := j.limits(req.Limits)
	resp := func(e *RunError) (*Response, error) {
		return &Response{Error: e, Duration: time.Since(start)}, nil
	}
	lang := req.Language
	if lang == "" {
		lang = TypeScript
	}
	msg := &bridge.Message{T: bridge.TypeRun, Language: string(lang), Tools: req.Tools, Limits: &bridge.RunLimits{
		TimeoutMS:      lim.Timeout.Milliseconds(),
		MaxOutputBytes: lim.MaxOutputBytes,
		MaxToolCalls:   lim.MaxToolCalls,
		MaxConcurrency: lim.MaxConcurrency,
		MaxCallDepth:   lim.MaxCallDepth,
	}}
	var (
		p   *proc
		err error
	)
	switch lang {
	case TypeScript, JavaScript:
		// The gateway transpiles once for its static analysis and passes
		// the result: do not pay for esbuild a second time.
		js, rerr := req.JS, (*RunError)(nil)
		if js == "" {
			js, rerr = transpile.Program(req.Code, string(lang))
		}
		if rerr != nil {
			return resp(rerr)
		}
		msg.Program = js
		if j.pool != nil {
			p = j.pool.get()
		}
		if p == nil {
			p, err = j.spawn(ctx, false)
		}
	case Python:
		if j.python == "" {
			return resp(&RunError{Kind: "unsupported", Message: j.noPy})
		}
		if strings.TrimSpace(req.Code) == "" {
			msg.Program = "pass"
		} else {
			msg.Program = req.Code
		}
		if j.pyPool != nil {
			p = j.pyPool.get()
		}
		if p == nil {
			p, err = j.spawn(ctx, true)
		}
	default:
		return resp(&RunError{Kind: "unsupported", Message: fmt.Sprintf("language %q is not supported; use typescript, javascript or python", lang)})
	}
	if err != nil {
		return nil, fmt.Errorf("jail: %w", err)
	}
	defer p.release()
	if p.cg != nil && (lowerThan(req.Limits.MemoryBytes, j.cfg.MemoryBytes) || lowerThan(int64(req.Limits.MaxPids), int64(j.cfg.MaxPids))) {
		mem, pids := req.Limits.MemoryBytes, req.Limits.MaxPids
		if !lowerThan(mem, j.cfg.MemoryBytes) {
			mem = 0
		}
		if !lowerThan(int64(pids), int64(j.cfg.MaxPids)) {
			pids = 0
		}
		if err := p.cg.lower(mem, pids); err != nil {
			j.log.Warn("lower cgroup limits", "runner", p.name, "err", err)
			return resp(&RunError{Kind: "limit", Limit: "memory", Message: "the requested memory or task limit is below what the runtime needs"})
		}
	}
	r := j.drive(ctx, p, msg, req, lim, caller, start)
	r.Duration = time.Since(start)
	return r, nil
}

// lowerThan reports whether a requested limit is set and below the jail's.
func lowerThan(req, jail int64) bool { return req > 0 && req < jail }

// limits fills the request's zero limits from the jail's defaults.
func (j *Jail) limits(l Limits) Limits {
	d := j.cfg.Limits
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.Timeout <= 0 {
		l.Timeout = j.cfg.Timeout
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = d.MaxOutputBytes
	}
	if l.MaxToolCalls <= 0 {
		l.MaxToolCalls = d.MaxToolCalls
	}
	if l.MaxToolCalls <= 0 {
		l.MaxToolCalls = 1000
	}
	if l.MaxConcurrency <= 0 {
		l.MaxConcurrency = d.MaxConcurrency
	}
	if l.MaxCallDepth <= 0 {
		l.MaxCallDepth = d.MaxCallDepth
	}
	return l
}

// timeoutGrace is how long after its own time limit a JavaScript runner
// may take to report it before the host kills it.
const timeoutGrace = 2 * time.Second

type received struct {
	m   *bridge.Message
	err error
}

// drive sends the run and serves the runner until done, a limit, a
// protocol violation, its death or ctx's end.
func (j *Jail) drive(ctx context.Context, p *proc, msg *bridge.Message, req *Request, lim Limits, caller ToolCaller, start time.Time) *Response {
	if err := p.conn.Send(msg); err != nil {
		return &Response{Error: &RunError{Kind: "internal", Message: "the runner is gone" + p.diagnostics()}}
	}
	if j.onRun != nil {
		j.onRun(time.Since(start))
	}
	p.handedOff()
	stop := make(chan struct{})
	defer close(stop)
	frames := make(chan received)
	go func() {
		for {
			m, err := p.conn.Recv()
			select {
			case frames <- received{m, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	known := make(map[string]bool, len(req.Tools))
	for _, t := range req.Tools {
		known[t.Qualified] = true
	}
	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	wall := lim.Timeout
	if msg.Language != string(Python) {
		wall += timeoutGrace
	}
	timer := time.NewTimer(wall)
	defer timer.Stop()
	calls := 0
	for {
		select {
		case <-ctx.Done():
			p.kill()
			return &Response{Error: &RunError{Kind: "cancelled", Message: "the run was cancelled"}, ToolCalls: calls}
		case <-timer.C:
			p.kill()
			return &Response{Error: &RunError{Kind: "timeout", Limit: "time",
				Message: fmt.Sprintf("the program ran longer than %v and was killed", lim.Timeout)}, ToolCalls: calls}
		case r := <-frames:
			if r.err != nil {
				return j.died(p, r.err, calls)
			}
			if err := p.state.Received(r.m); err != nil {
				p.kill()
				j.log.Warn("runner broke the bridge protocol", "runner", p.name, "err", err)
				return &Response{Error: &RunError{Kind: "internal", Message: "the runner broke the bridge protocol: " + err.Error()}, ToolCalls: calls}
			}
			switch r.m.T {
			case bridge.TypeCall:
				calls++
				m := r.m
				if calls > lim.MaxToolCalls {
					p.answer(m.ID, nil, &ToolError{Code: "budget", Message: fmt.Sprintf("tool call limit of %d reached", lim.MaxToolCalls)})
					continue
				}
				if !known[m.Tool] {
					p.answer(m.ID, nil, &ToolError{Code: "not_found", Message: "no such tool: " + truncateString(m.Tool, 100)})
					continue
				}
				go func() {
					v, err := caller.CallTool(callCtx, m.Tool, m.Args)
					p.answer(m.ID, v, err)
				}()
			case bridge.TypeLog:
				j.log.Debug("runner log", "runner", p.name, "bytes", len(r.m.Data))
			case bridge.TypeDone:
				d := r.m
				return &Response{Output: d.Output, Result: d.Value, Error: d.Error, Truncated: d.Truncated, ToolCalls: d.ToolCalls}
			}
		}
	}
}

// answer sends the result of call id unless it was already answered.
func (p *proc) answer(id uint64, v json.RawMessage, err error) {
	if !p.state.Answered(id) {
		return
	}
	m := &bridge.Message{T: bridge.TypeResult, ID: id}
	switch {
	case err != nil:
		var te *ToolError
		if !errors.As(err, &te) {
			te = &ToolError{Code: "internal", Message: "tool call failed"}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				te.Code, te.Message = "timeout", "the tool call was cancelled"
			}
		}
		m.ToolError = te
	case len(v) == 0:
		m.Value = json.RawMessage("null")
	default:
		m.Value = v
	}
	if err := p.conn.Send(m); err != nil && p.alive() {
		p.j.log.Debug("send result", "runner", p.name, "err", err)
	}
}

// died classifies a runner that stopped talking before done.
func (j *Jail) died(p *proc, err error, calls int) *Response {
	if errors.Is(err, bridge.ErrProtocol) {
		p.kill()
		return &Response{Error: &RunError{Kind: "internal", Message: "the runner broke the bridge protocol: " + err.Error()}, ToolCalls: calls}
	}
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
	}
	limit := ""
	if p.cg != nil {
		limit = p.cg.limitHit()
	}
	p.kill()
	switch limit {
	case "memory":
		return &Response{Error: &RunError{Kind: "limit", Limit: "memory", Message: "the program exceeded its memory limit and was killed"}, ToolCalls: calls}
	case "pids":
		return &Response{Error: &RunError{Kind: "limit", Limit: "pids", Message: "the program exceeded its limit of tasks and was killed"}, ToolCalls: calls}
	}
	j.log.Warn("runner died", "runner", p.name, "err", err, "diag", p.diagnostics())
	return &Response{Error: &RunError{Kind: "internal", Message: "the runner exited without a result" + exitNote(p)}, ToolCalls: calls}
}

func exitNote(p *proc) string {
	select {
	case <-p.exited:
		if p.status != "" {
			return " (" + p.status + ")"
		}
	default:
	}
	return ""
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// tailBuffer keeps the first max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

var _ io.Writer = (*tailBuffer)(nil)

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		t.b = append(t.b, p[:room]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
