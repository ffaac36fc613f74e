package runner

import (
	"errors"
	"fmt"
	"path/filepath"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Landlock access rights (linux/landlock.h) by the ABI version that
// introduced them.
const (
	llFSv1    = 1<<13 - 1                                                                // execute ... make_sym
	llRefer   = 1 << 13                                                                  // ABI 2
	llTrunc   = 1 << 14                                                                  // ABI 3
	llIoctl   = 1 << 15                                                                  // ABI 5
	llNetTCP  = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP // ABI 4
	llScoped  = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL    // ABI 6
	llExecute = unix.LANDLOCK_ACCESS_FS_EXECUTE
	llRead    = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// llFile are the rights that apply to a file (the others need a
	// directory).
	llFile = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | llTrunc | llIoctl
	// llReadWrite is what the scratch allows: everything but refer
	// (linking or renaming across directories) and device ioctls.
	llReadWrite = llFSv1 | llTrunc
)

// landlockHandled returns the rights that Landlock ABI version abi
// handles: everything it knows is denied unless a rule allows it.
func landlockHandled(abi int) (fs, net, scoped uint64) {
	fs = llFSv1
	if abi >= 2 {
		fs |= llRefer
	}
	if abi >= 3 {
		fs |= llTrunc
	}
	if abi >= 4 {
		net = llNetTCP
	}
	if abi >= 5 {
		fs |= llIoctl
	}
	if abi >= 6 {
		scoped = llScoped
	}
	return fs, net, scoped
}

// restrictLandlock allows read-write access below /tmp and, for Python,
// reading /usr and the loader cache and executing only the interpreter and
// its ELF loader. Everything else, TCP bind and connect, abstract UNIX
// sockets and signals to processes outside the jail are denied where the
// kernel supports it (best effort: older kernels enforce less, and a
// kernel without Landlock none of it).
//
// The ruleset is enforced on every thread with one stop-the-world of the
// Go runtime. It must run while the threads hold CAP_SYS_ADMIN in the
// jail's user namespace (before dropPrivileges): otherwise the kernel
// wants no_new_privs on each of them first.
func restrictLandlock(s *Setup) error {
	abi, err := ll.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		return nil // no Landlock in this kernel: the other layers still hold
	}
	fs, net, scoped := landlockHandled(abi)
	attr := ll.RulesetAttr{HandledAccessFS: fs, HandledAccessNet: net, Scoped: scoped}
	ruleset, err := ll.LandlockCreateRuleset(&attr, 0)
	if err != nil {
		return fmt.Errorf("create ruleset: %w", err)
	}
	defer unix.Close(ruleset)
	allow := func(path string, access uint64, ignoreMissing bool) error {
		fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			if ignoreMissing && errors.Is(err, unix.ENOENT) {
				return nil
			}
			return fmt.Errorf("open %s: %w", path, err)
		}
		defer unix.Close(fd)
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fmt.Errorf("stat %s: %w", path, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			access &= llFile
		}
		rule := ll.PathBeneathAttr{AllowedAccess: access & fs, ParentFd: fd}
		if err := ll.LandlockAddPathBeneathRule(ruleset, &rule, 0); err != nil {
			return fmt.Errorf("rule for %s: %w", path, err)
		}
		return nil
	}
	if err := allow("/tmp", llReadWrite, false); err != nil {
		return err
	}
	if s.Python != "" {
		if err := allow("/usr", llRead, false); err != nil {
			return err
		}
		if err := allow("/etc/ld.so.cache", unix.LANDLOCK_ACCESS_FS_READ_FILE, true); err != nil {
			return err
		}
		py, err := filepath.EvalSymlinks(s.Python)
		if err != nil {
			return fmt.Errorf("python %s: %w", s.Python, err)
		}
		if err := allow(py, llExecute|unix.LANDLOCK_ACCESS_FS_READ_FILE, false); err != nil {
			return err
		}
		if interp, err := elfInterpreter(py); err == nil {
			if err := allow(interp, llExecute|unix.LANDLOCK_ACCESS_FS_READ_FILE, false); err != nil {
				return err
			}
		}
	}
	if err := ll.AllThreadsLandlockRestrictSelf(ruleset, 0); err != nil {
		return fmt.Errorf("restrict every thread: %w", err)
	}
	return nil
}
