package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/cemcp/cemcp/internal/bridge"
)

// SpawnerFlag, followed by a JSON SpawnerConfig, makes cemcp-runner a
// spawner: a small process of the gateway's identity, outside the jail,
// that starts confined runners on the gateway's behalf.
//
// The gateway cannot start a runner in a new user namespace with vfork
// (Go's os/exec must fork so that it can write the child's id maps), and a
// fork copies the page tables of the whole gateway, then makes every page
// the gateway writes afterwards fault once: about 0.8 ms of its CPU per run,
// growing with its heap, plus the teardown of that copy in the child. The
// spawner's own heap is a few hundred kilobytes, so its forks are cheap.
const SpawnerFlag = "-spawner"

// SpawnerConfig is what a spawner starts every runner with. Everything
// but the runner's -setup argument and descriptors is fixed here.
type SpawnerConfig struct {
	Path        string    `json:"path"`
	Env         []string  `json:"env"`
	Cloneflags  uintptr   `json:"cloneflags"`
	UID         int       `json:"uid"`      // inside the user namespace
	GID         int       `json:"gid"`      // inside the user namespace
	HostUID     int       `json:"host_uid"` // what UID maps to
	HostGID     int       `json:"host_gid"` // what GID maps to
	AmbientCaps []uintptr `json:"ambient_caps"`
}

// SpawnRequest asks a spawner for one runner. Its descriptors come with
// it (SCM_RIGHTS): the runner's end of the bridge, its stderr and, when
// Cgroup is set, a cgroup v2 directory to clone it into.
type SpawnRequest struct {
	Setup  string `json:"setup"`
	Cgroup bool   `json:"cgroup,omitempty"`
}

// SpawnReply answers a SpawnRequest (with the runner's pidfd as SCM_RIGHTS
// when Pid is set) or, with Exit set, reports that runner Pid has exited
// with wait status Status. A spawner that is ready sends Ready first.
type SpawnReply struct {
	Ready  bool   `json:"ready,omitempty"`
	Pid    int    `json:"pid,omitempty"`
	Err    string `json:"err,omitempty"`
	Exit   bool   `json:"exit,omitempty"`
	Status int    `json:"status,omitempty"`
}

// spawnerFD is the spawner's SOCK_SEQPACKET socket to the gateway.
const spawnerFD = 3

// serveSpawner runs a spawner until the gateway closes its socket.
func serveSpawner(cfgJSON string) int {
	var cfg SpawnerConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: bad spawner configuration: %v\n", err)
		return ExitSetup
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: %v\n", err)
		return ExitSetup
	}
	s := &spawner{cfg: cfg, devNull: devNull.Fd()}
	if err := s.send(SpawnReply{Ready: true}, -1); err != nil {
		return ExitBridge
	}
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(3*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(spawnerFD, buf, oob, unix.MSG_CMSG_CLOEXEC)
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
		var req SpawnRequest
		reply := SpawnReply{}
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
	cfg     SpawnerConfig
	devNull uintptr
	sendMu  sync.Mutex
}

// spawn starts one runner with the request's setup and descriptors
// (bridge, stderr[, cgroup]) and returns its pid and a pidfd of it.
func (s *spawner) spawn(req *SpawnRequest, fds []int) (int, int, error) {
	pidfd := -1
	attr := &syscall.SysProcAttr{
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
	if req.Cgroup {
		attr.UseCgroupFD = true
		attr.CgroupFD = fds[2]
	}
	pid, err := syscall.ForkExec(s.cfg.Path, []string{s.cfg.Path, bridge.SetupFlag, req.Setup}, &syscall.ProcAttr{
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
	_ = s.send(SpawnReply{Exit: true, Pid: pid, Status: int(ws)}, -1)
}

func (s *spawner) send(r SpawnReply, fd int) error {
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
	return unix.Sendmsg(spawnerFD, data, oob, nil, 0)
}

// WaitStatusString describes a wait status the way os.ProcessState does.
func WaitStatusString(status int) string {
	ws := syscall.WaitStatus(status)
	switch {
	case ws.Exited():
		return "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		return "signal: " + ws.Signal().String()
	}
	return "wait status " + strconv.Itoa(status)
}
