//go:build !linux

package upstream

import (
	"errors"
	"syscall"
)

// sysProcAttr puts a spawned server in its own process group, so the group
// can be killed as a whole.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupAlive reports whether a process group still has members.
func groupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}
