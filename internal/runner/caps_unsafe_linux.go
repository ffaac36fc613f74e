package runner

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// clearCaps empties the effective, permitted and inheritable sets of the
// calling thread (setresuid already cleared the first two on every thread;
// inheritable survives it, and matters only to the thread that execs).
func clearCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if _, _, errno := syscall.RawSyscall(unix.SYS_CAPSET,
		uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); errno != 0 {
		return errno
	}
	return nil
}
