package runner

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loadSeccomp installs the host-assembled filter (package policy; see
// bridge.Setup.Seccomp) on every thread at once (TSYNC). no_new_privs is
// already set on every thread by dropPrivileges, and TSYNC propagates it.
func loadSeccomp(prog []byte) error {
	if len(prog) == 0 || len(prog)%8 != 0 || len(prog)/8 > 4096 {
		return fmt.Errorf("no valid seccomp program in the setup (%d bytes)", len(prog))
	}
	filter := unsafe.Slice((*unix.SockFilter)(unsafe.Pointer(&prog[0])), len(prog)/8)
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	switch {
	case errno != 0:
		return fmt.Errorf("seccomp(SET_MODE_FILTER, TSYNC): %w", errno)
	case r != 0:
		// With TSYNC a positive result is the id of a thread that could
		// not be synchronized: the filter was installed on none.
		return fmt.Errorf("seccomp TSYNC failed on thread %d", r)
	}
	return nil
}
