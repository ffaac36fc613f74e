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
	rules := []landlockRule{{path: "/tmp", access: llReadWrite}}
	if s.Python != "" {
		py, err := filepath.EvalSymlinks(s.Python)
		if err != nil {
			return fmt.Errorf("python %s: %w", s.Python, err)
		}
		rules = append(rules,
			landlockRule{path: "/usr", access: llRead},
			landlockRule{path: "/etc/ld.so.cache", access: unix.LANDLOCK_ACCESS_FS_READ_FILE, ignoreMissing: true},
			landlockRule{path: py, access: llExecute | unix.LANDLOCK_ACCESS_FS_READ_FILE})
		if s.PythonLoader != "" {
			rules = append(rules, landlockRule{path: s.PythonLoader, access: llExecute | unix.LANDLOCK_ACCESS_FS_READ_FILE})
		}
	}
	return landlockRestrict(rules, true)
}

// landlockRule allows access below path (or to the file at path).
type landlockRule struct {
	path          string
	access        uint64
	ignoreMissing bool
}

// landlockRestrict denies everything the kernel's Landlock handles but what
// rules allow, on every thread (one stop-the-world) or on the calling one.
// A kernel without Landlock is not an error: the other layers still hold.
func landlockRestrict(rules []landlockRule, allThreads bool) error {
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
	for _, r := range rules {
		fd, err := unix.Open(r.path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			if r.ignoreMissing && errors.Is(err, unix.ENOENT) {
				continue
			}
			return fmt.Errorf("open %s: %w", r.path, err)
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		if err != nil {
			unix.Close(fd)
			return fmt.Errorf("stat %s: %w", r.path, err)
		}
		access := r.access
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			access &= llFile
		}
		rule := ll.PathBeneathAttr{AllowedAccess: access & fs, ParentFd: fd}
		err = ll.LandlockAddPathBeneathRule(ruleset, &rule, 0)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("rule for %s: %w", r.path, err)
		}
	}
	if allThreads {
		err = ll.AllThreadsLandlockRestrictSelf(ruleset, 0)
	} else {
		err = ll.LandlockRestrictSelf(ruleset, 0)
	}
	if err != nil {
		return fmt.Errorf("restrict: %w", err)
	}
	return nil
}
