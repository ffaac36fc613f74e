package runner

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// clearCaps empties the effective, permitted and inheritable sets of every
// thread; the kernel then empties their ambient sets too (ambient is always
// a subset of permitted and inheritable).
func clearCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if _, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET,
		uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); errno != 0 {
		return errno
	}
	return nil
}
