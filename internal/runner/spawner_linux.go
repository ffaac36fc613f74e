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
		if err := s.send(reply, pidfd); err != nil {
			return ExitBridge
		}
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
		if reply.Pid > 0 {
			go s.reap(reply.Pid)
		}
	}
}

type spawner struct {
	cfg     spawn.Config
	path    string // of the runner binary, in the spawner's root
	devNull uintptr
	sendMu  sync.Mutex
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

// reap waits for runner pid and reports its exit.
func (s *spawner) reap(pid int) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	_ = s.send(spawn.Reply{Exit: true, Pid: pid, Status: int(ws)}, -1)
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
