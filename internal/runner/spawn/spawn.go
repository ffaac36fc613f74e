// Package spawn is the protocol between the gateway (package sandbox) and a
// spawner: cemcp-runner started with Flag, a small process that forks and
// execs confined runners on the gateway's behalf (package runner serves
// it). A plain spawner has the gateway's identity and runs outside the
// jail; its runners confine themselves. A confining spawner
// (Config.Confine) is itself inside the jail's namespaces and confines
// itself first, so that its runners are born confined (see Confinement).
//
// The gateway cannot start a runner in a new user namespace with vfork
// (Go's os/exec must fork so that it can write the child's id maps), and a
// fork copies the page tables of the whole gateway, then makes every page
// the gateway writes afterwards fault once: about 0.8 ms of its CPU per
// run, growing with its heap, plus the teardown of that copy in the child.
// The spawner's heap is a few hundred kilobytes, so its forks are cheap.
//
// The spawner reads requests on fd 3, a SOCK_SEQPACKET socket: one JSON
// Request per message with the runner's descriptors as SCM_RIGHTS; it
// answers each with a Reply (and the runner's pidfd), and later reports
// each runner's exit with another Reply. This package is small on purpose:
// the gateway imports it without linking the runner.
package spawn

import (
	"strconv"
	"syscall"
)

// Flag, followed by a JSON Config, makes cemcp-runner a spawner.
const Flag = "-spawner"

// FD is the spawner's socket to the gateway.
const FD = 3

// Config is what a spawner starts every runner with. Everything but the
// runner's -setup argument and descriptors is fixed here.
type Config struct {
	Path        string    `json:"path"`
	Env         []string  `json:"env"`
	Cloneflags  uintptr   `json:"cloneflags"`
	UID         int       `json:"uid"`      // inside the user namespace
	GID         int       `json:"gid"`      // inside the user namespace
	HostUID     int       `json:"host_uid"` // what UID maps to
	HostGID     int       `json:"host_gid"` // what GID maps to
	AmbientCaps []uintptr `json:"ambient_caps"`
	// Confine, when set, makes this a confining spawner (see Confinement):
	// Cloneflags are then only the namespaces each runner gets of its own,
	// and the ids and capabilities above are not used.
	Confine *Confinement `json:"confine,omitempty"`
}

// RunnerPath is where a confining spawner's root holds the runner binary
// (a read-only bind of Config.Path).
const RunnerPath = "/cemcp-runner"

// Confinement is what a confining spawner does to itself before it is
// ready, so that the JavaScript runners it starts are born confined and
// have only their seccomp filter left to load.
//
// The gateway starts it as the jail's unprivileged uid in new user, mount,
// IPC and UTS namespaces (and the jail's network namespace), holding
// CAP_SYS_ADMIN and CAP_SETPCAP of that user namespace only. It builds the
// runners' root (a read-only tmpfs holding nothing but the runner binary at
// RunnerPath), pivots into it and detaches the host's tree, sets the
// rlimits, restricts itself with Landlock (read and execute that binary,
// nothing else; no TCP, no abstract sockets, no signals out), and on the
// thread that forks the runners empties the bounding and ambient sets,
// locks the securebits and sets no_new_privs. Each runner is cloned with
// vfork (no user namespace of its own, so no id maps to write) into new
// pid, mount and cgroup namespaces, and execs without any capability: a
// non-root uid with an empty ambient set gains none at exec.
type Confinement struct {
	// NProc is RLIMIT_NPROC for the jail's uid, which every runner of the
	// spawner shares: the threads of all its runners together. Per run,
	// the cgroup's pids limit applies.
	NProc int `json:"nproc"`
}

// Request asks a spawner for one runner. Its descriptors come with it
// (SCM_RIGHTS): the runner's end of the bridge, its stderr and, when
// Cgroup is set, a cgroup v2 directory to clone it into.
type Request struct {
	Setup  string `json:"setup"`
	Cgroup bool   `json:"cgroup,omitempty"`
}

// Reply answers a Request (with the runner's pidfd as SCM_RIGHTS when Pid
// is set) or, with Exit set, reports that runner Pid has exited with wait
// status Status. A spawner that is ready sends a Reply with Ready first.
type Reply struct {
	Ready  bool   `json:"ready,omitempty"`
	Pid    int    `json:"pid,omitempty"`
	Err    string `json:"err,omitempty"`
	Exit   bool   `json:"exit,omitempty"`
	Status int    `json:"status,omitempty"`
}

// StatusString describes a wait status the way os.ProcessState does.
func StatusString(status int) string {
	ws := syscall.WaitStatus(status)
	switch {
	case ws.Exited():
		return "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		return "signal: " + ws.Signal().String()
	}
	return "wait status " + strconv.Itoa(status)
}
