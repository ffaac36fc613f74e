package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cemcp/cemcp/internal/runner/spawn"
)

// spawner is the gateway's side of a cemcp-runner spawner
// (spawn.Flag): a small process, started once per Jail in the
// runners' network namespace, that forks and execs the confined runners:
// a confining one (born) for JavaScript, whose runners start confined
// (spawn.Confinement), and a plain one for Python.
// Forking the gateway itself for every runner (a user namespace rules out
// vfork) copied its page tables and made every page it wrote afterwards
// fault once; the spawner's heap is tiny, so its forks are cheap. The
// spawner is the runners' parent: they die with it (parent-death signal),
// and it dies with the starter thread that started it.
type spawner struct {
	// born: a confining spawner (spawn.Confinement), whose JavaScript
	// runners start confined; otherwise each runner confines itself.
	born   bool
	cmd    *exec.Cmd
	conn   *net.UnixConn
	stderr *tailBuffer

	mu      sync.Mutex // one request at a time
	replies chan spawned

	exitsMu sync.Mutex
	exits   map[int]chan int // pid -> its wait status, once
	dead    chan struct{}    // closed when the spawner is gone
	gone    bool

	waitOnce sync.Once
	waited   chan struct{} // closed once the spawner process is reaped
}

// spawned is the spawner's answer to one request.
type spawned struct {
	pid   int
	pidfd int
	exit  chan int // receives the wait status, or -1 if the spawner died
	err   error
}

// spawnerGone is the wait status reported for runners of a dead spawner
// (they die with it).
const spawnerGone = -1

// startSpawner starts a spawner for j's confined runners and waits for it
// to be ready. A confining one (born) starts only JavaScript runners, born
// confined; the other starts runners that confine themselves.
func startSpawner(j *Jail, born bool) (_ *spawner, retErr error) {
	cfg := spawn.Config{
		Path:        j.cfg.RunnerPath,
		Env:         j.runnerEnv,
		Cloneflags:  jailCloneflags,
		UID:         jailUID,
		GID:         jailGID,
		HostUID:     j.cfg.HostUID,
		HostGID:     j.cfg.HostGID,
		AmbientCaps: jailAmbientCaps,
	}
	if born {
		cfg.Cloneflags = bornCloneflags
		cfg.Confine = &spawn.Confinement{NProc: bornNProc}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	hostEnd := os.NewFile(uintptr(fds[0]), "spawner-host")
	childEnd := os.NewFile(uintptr(fds[1]), "spawner")
	defer childEnd.Close()
	defer hostEnd.Close() // net.FileConn dups it
	s := &spawner{born: born, stderr: &tailBuffer{max: 8 << 10}, replies: make(chan spawned, 1),
		exits: make(map[int]chan int), dead: make(chan struct{}), waited: make(chan struct{})}
	cmd := exec.Command(j.cfg.RunnerPath, spawn.Flag, string(cfgJSON))
	cmd.Env = j.runnerEnv
	cmd.Dir = "/"
	cmd.ExtraFiles = []*os.File{childEnd}
	cmd.Stderr = s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setsid: true}
	if born {
		// The jail's uid in user, mount, IPC and UTS namespaces of the
		// spawner's own (shared by its runners), with the two capabilities
		// it confines itself with; see spawn.Confinement.
		cmd.SysProcAttr = j.jailAttr(bornSpawnerCloneflags)
	}
	if err := j.netns.start(cmd); err != nil {
		return nil, fmt.Errorf("start spawner: %w", err)
	}
	s.cmd = cmd
	defer func() {
		if retErr != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	childEnd.Close()
	c, err := net.FileConn(hostEnd)
	if err != nil {
		return nil, err
	}
	conn, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, errors.New("spawner socket is not a UNIX socket")
	}
	s.conn = conn
	_ = conn.SetReadDeadline(time.Now().Add(j.cfg.StartTimeout))
	var first spawn.Reply
	buf := make([]byte, 4096)
	n, _, _, _, err := conn.ReadMsgUnix(buf, nil)
	if err == nil {
		err = json.Unmarshal(buf[:n], &first)
	}
	if err == nil && !first.Ready {
		err = errors.New("no ready")
	}
	if err != nil {
		conn.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("spawner did not start: %w (%s): %s", err, cmd.ProcessState, s.stderr.String())
	}
	_ = conn.SetReadDeadline(time.Time{})
	go s.readLoop()
	return s, nil
}

// readLoop dispatches the spawner's messages: answers to requests and the
// exits of runners.
func (s *spawner) readLoop() {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 {
			s.fail()
			return
		}
		var fds []int
		if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if got, err := unix.ParseUnixRights(&m); err == nil {
					fds = append(fds, got...)
				}
			}
		}
		var r spawn.Reply
		if err := json.Unmarshal(buf[:n], &r); err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			continue
		}
		if r.Exit {
			s.exitsMu.Lock()
			ch := s.exits[r.Pid]
			delete(s.exits, r.Pid)
			s.exitsMu.Unlock()
			if ch != nil {
				ch <- r.Status
			}
			continue
		}
		res := spawned{pid: r.Pid, pidfd: -1}
		switch {
		case r.Err != "":
			res.err = errors.New(r.Err)
		case r.Pid <= 0 || len(fds) != 1:
			res.err = fmt.Errorf("spawner answered pid %d with %d descriptors", r.Pid, len(fds))
		default:
			res.pidfd = fds[0]
			fds = nil
			res.exit = make(chan int, 1)
			s.exitsMu.Lock()
			s.exits[r.Pid] = res.exit
			s.exitsMu.Unlock()
		}
		for _, fd := range fds {
			unix.Close(fd)
		}
		select {
		case s.replies <- res:
		default: // nobody waits (cannot happen: one request at a time)
			if res.pidfd >= 0 {
				unix.Close(res.pidfd)
			}
		}
	}
}

// fail marks the spawner gone: its runners died with it.
func (s *spawner) fail() {
	s.exitsMu.Lock()
	defer s.exitsMu.Unlock()
	if s.gone {
		return
	}
	s.gone = true
	close(s.dead)
	s.reap()
	for pid, ch := range s.exits {
		ch <- spawnerGone
		delete(s.exits, pid)
	}
}

// spawn starts a runner with the given -setup argument, the runner's end
// of the bridge, its stderr and, on cgroup v2, the cgroup to clone it into.
func (s *spawner) spawn(setup []byte, bridgeEnd, stderr, cgroup *os.File) spawned {
	req, err := json.Marshal(spawn.Request{Setup: string(setup), Cgroup: cgroup != nil})
	if err != nil {
		return spawned{err: err}
	}
	rights := []int{int(bridgeEnd.Fd()), int(stderr.Fd())}
	if cgroup != nil {
		rights = append(rights, int(cgroup.Fd()))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, _, err := s.conn.WriteMsgUnix(req, unix.UnixRights(rights...), nil); err != nil {
		return spawned{err: fmt.Errorf("spawner: %w", err)}
	}
	select {
	case r := <-s.replies:
		return r
	case <-s.dead:
		return spawned{err: errors.New("the spawner is gone" + s.diagnostics())}
	}
}

// alive reports whether the spawner can still start runners.
func (s *spawner) alive() bool {
	select {
	case <-s.dead:
		return false
	default:
		return true
	}
}

func (s *spawner) diagnostics() string {
	if t := s.stderr.String(); t != "" {
		return ": " + t
	}
	return ""
}

// reap waits for the spawner process in the background, once.
func (s *spawner) reap() {
	s.waitOnce.Do(func() {
		go func() { _ = s.cmd.Wait(); close(s.waited) }()
	})
}

// close stops the spawner (call it once its runners are gone) and waits
// for it.
func (s *spawner) close() {
	s.conn.Close()
	s.reap()
	select {
	case <-s.waited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.waited
	}
}
