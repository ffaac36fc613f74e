package upstream

import "syscall"

// sysProcAttr puts a spawned server in its own process group (so the group
// can be killed as a whole) and has the kernel kill it if the gateway dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
