package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/runner/spawn"
)

// serveSpawner runs a spawner (package spawn) until the gateway closes its
// socket.
func serveSpawner(cfgJSON string) int {
	var cfg spawn.Config
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: bad spawner configuration: %v\n", err)
		return ExitSetup
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: %v\n", err)
		return ExitSetup
	}
	s := &spawner{cfg: cfg, devNull: devNull.Fd(), path: cfg.Path}
	s.liveCond = sync.NewCond(&s.liveMu)
	go s.reap()
	if cfg.Confine != nil {
		// Runners get the credentials of the thread that clones them: this
		// goroutine confines its thread and forks every runner from it
		// (s.spawn is called below, never on another goroutine).
		runtime.LockOSThread()
		if err := confineSpawner(cfg.Confine, cfg.Path); err != nil {
			fmt.Fprintf(os.Stderr, "cemcp-runner: confine the spawner: %v\n", err)
			return ExitSetup
		}
		s.path = spawn.RunnerPath
	}
	if err := s.send(spawn.Reply{Ready: true}, -1); err != nil {
		return ExitBridge
	}
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(3*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(spawn.FD, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err != nil || n == 0 {
			return ExitOK // the gateway is gone or closed the socket
		}
		var fds []int
		if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if got, err := unix.ParseUnixRights(&m); err == nil {
					fds = append(fds, got...)
				}
			}
		}
		var req spawn.Request
		reply := spawn.Reply{}
		pidfd := -1
		// Held from the fork to the reply: the reaper reports no exit of
		// a runner before the reply that names it.
		s.liveMu.Lock()
		switch err := json.Unmarshal(buf[:n], &req); {
		case err != nil:
			reply.Err = "bad request: " + err.Error()
		case len(fds) != 2 && !(req.Cgroup && len(fds) == 3):
			reply.Err = fmt.Sprintf("%d descriptors with the request", len(fds))
		default:
			reply.Pid, pidfd, err = s.spawn(&req, fds)
			if err != nil {
				reply.Err = err.Error()
			}
		}
		for _, fd := range fds {
			unix.Close(fd)
		}
		sendErr := s.send(reply, pidfd)
		if reply.Pid > 0 {
			s.live++
			s.liveCond.Signal()
		}
		s.liveMu.Unlock()
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
		if sendErr != nil {
			return ExitBridge
		}
	}
}

type spawner struct {
	cfg     spawn.Config
	path    string // of the runner binary, in the spawner's root
	devNull uintptr
	sendMu  sync.Mutex

	liveMu   sync.Mutex
	liveCond *sync.Cond
	live     int // runners started and not yet reaped
}

// spawn starts one runner with the request's setup and descriptors
// (bridge, stderr[, cgroup]) and returns its pid and a pidfd of it.
func (s *spawner) spawn(req *spawn.Request, fds []int) (int, int, error) {
	pidfd := -1
	var attr *syscall.SysProcAttr
	if s.cfg.Confine != nil {
		// No user namespace of its own: Go clones with vfork, and the
		// runner keeps the uid and credentials of this thread, except the
		// capabilities, which it loses at exec.
		attr = &syscall.SysProcAttr{
			Cloneflags: s.cfg.Cloneflags,
			Pdeathsig:  syscall.SIGKILL,
			Setsid:     true,
			PidFD:      &pidfd,
		}
	} else {
		attr = &syscall.SysProcAttr{
			Cloneflags:                 s.cfg.Cloneflags,
			UidMappings:                []syscall.SysProcIDMap{{ContainerID: s.cfg.UID, HostID: s.cfg.HostUID, Size: 1}},
			GidMappings:                []syscall.SysProcIDMap{{ContainerID: s.cfg.GID, HostID: s.cfg.HostGID, Size: 1}},
			GidMappingsEnableSetgroups: true,
			Credential:                 &syscall.Credential{Uid: uint32(s.cfg.UID), Gid: uint32(s.cfg.GID), Groups: []uint32{}},
			AmbientCaps:                s.cfg.AmbientCaps,
			Pdeathsig:                  syscall.SIGKILL,
			Setsid:                     true,
			PidFD:                      &pidfd,
		}
	}
	if req.Cgroup {
		attr.UseCgroupFD = true
		attr.CgroupFD = fds[2]
	}
	pid, err := syscall.ForkExec(s.path, []string{s.path, bridge.SetupFlag, req.Setup}, &syscall.ProcAttr{
		Dir:   "/",
		Env:   s.cfg.Env,
		Files: []uintptr{s.devNull, s.devNull, uintptr(fds[1]), uintptr(fds[0])},
		Sys:   attr,
	})
	if err != nil {
		return 0, -1, fmt.Errorf("start runner: %w", err)
	}
	return pid, pidfd, nil
}

// reap reports the exit of every runner, for the spawner's life. One
// goroutine waits for any child (the spawner has no others): a goroutine
// per runner blocked in wait4 kept a thread per live runner.
func (s *spawner) reap() {
	for {
		s.liveMu.Lock()
		for s.live == 0 {
			s.liveCond.Wait()
		}
		s.liveMu.Unlock()
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil { // ECHILD: the count was ahead of the kernel's
			s.liveMu.Lock()
			s.live = 0
			s.liveMu.Unlock()
			continue
		}
		s.liveMu.Lock()
		s.live--
		_ = s.send(spawn.Reply{Exit: true, Pid: pid, Status: int(ws)}, -1)
		s.liveMu.Unlock()
	}
}

func (s *spawner) send(r spawn.Reply, fd int) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	return unix.Sendmsg(spawn.FD, data, oob, nil, 0)
}
