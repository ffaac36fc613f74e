//go:build !linux

package upstream

import "syscall"

// sysProcAttr puts a spawned server in its own process group, so the group
// can be killed as a whole.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
