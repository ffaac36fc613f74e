package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// newRoot is where the private root is assembled before pivot_root. Any
// directory of the host's tree will do: the tmpfs hides it only in the
// jail's own mount namespace.
const newRoot = "/tmp"

// Default rlimits of the jail.
const (
	defaultNoFile = 64
	defaultNProc  = 64
	rootTmpfsSize = "1m"
)

// Confine finishes the runner's confinement. The host starts it as the
// jail's unprivileged uid in a fresh user namespace, holding CAP_SYS_ADMIN
// and CAP_SETPCAP of that namespace only (to mount, and to empty the
// bounding set); it leaves the process with no capabilities, no way to gain
// any, a private read-only root, Landlock rules and a seccomp filter. Each
// step is needed by the next, so the order matters.
func Confine(s *Setup) error {
	if err := buildRoot(s); err != nil {
		return fmt.Errorf("private root: %w", err)
	}
	_ = unix.Sethostname([]byte("cemcp"))
	if err := setRlimits(s); err != nil {
		return fmt.Errorf("rlimits: %w", err)
	}
	// Landlock comes while every thread still holds CAP_SYS_ADMIN of the
	// jail's user namespace: landlock_restrict_self then needs no
	// no_new_privs on every thread first (one stop-the-world fewer).
	if err := restrictLandlock(s); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if err := dropPrivileges(s); err != nil {
		return fmt.Errorf("drop privileges: %w", err)
	}
	if err := loadSeccomp(s.Seccomp); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	return nil
}

// buildRoot mounts a tmpfs root holding only a tmpfs scratch at /tmp (and,
// for Python, read-only binds of /usr and the loader cache), pivots into it
// and detaches the host's tree.
func buildRoot(s *Setup) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("cemcp", newRoot, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV,
		"size="+rootTmpfsSize+",nr_inodes=256,mode=0755"); err != nil {
		return fmt.Errorf("mount root tmpfs: %w", err)
	}
	scratch := filepath.Join(newRoot, "tmp")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		return err
	}
	size := s.ScratchBytes
	if size <= 0 {
		size = 16 << 20
	}
	if err := unix.Mount("scratch", scratch, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC,
		"size="+strconv.FormatInt(size, 10)+",nr_inodes=4096,mode=1777"); err != nil {
		return fmt.Errorf("mount scratch: %w", err)
	}
	if s.Python != "" {
		if err := pythonMounts(); err != nil {
			return err
		}
	}
	return pivotInto(newRoot)
}

// pythonMounts binds what CPython needs, read-only: /usr (interpreter,
// standard library, shared libraries), the top-level links into it of a
// merged-/usr system (/lib, /lib64, /bin), and the loader cache.
func pythonMounts() error {
	if err := bindRO("/usr", filepath.Join(newRoot, "usr"), true); err != nil {
		return err
	}
	for _, p := range []string{"/lib", "/lib64", "/lib32", "/libx32", "/bin"} {
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		dst := filepath.Join(newRoot, p)
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, dst); err != nil {
				return err
			}
			continue
		}
		if fi.IsDir() {
			if err := bindRO(p, dst, true); err != nil {
				return err
			}
		}
	}
	if err := os.Mkdir(filepath.Join(newRoot, "etc"), 0o755); err != nil {
		return err
	}
	if _, err := os.Stat("/etc/ld.so.cache"); err == nil {
		if err := bindRO("/etc/ld.so.cache", filepath.Join(newRoot, "etc/ld.so.cache"), false); err != nil {
			return err
		}
	}
	return nil
}

// bindRO bind-mounts src on dst (created) and makes the whole bind
// read-only, nosuid and nodev.
func bindRO(src, dst string, dir bool) error {
	if dir {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
	} else {
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o444)
		if err != nil {
			return err
		}
		f.Close()
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(-1, dst, unix.AT_RECURSIVE, attr); err == nil {
		return nil
	}
	// Kernels before 5.12: remount the top of the bind, keeping the flags
	// the kernel locked when the mount crossed into this user namespace.
	var st unix.Statfs_t
	if err := unix.Statfs(dst, &st); err != nil {
		return err
	}
	keep := uintptr(st.Flags) & (unix.MS_NOEXEC | unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)
	if err := unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|keep, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", dst, err)
	}
	return nil
}

func setRlimits(s *Setup) error {
	fsize := uint64(s.ScratchBytes)
	if fsize == 0 {
		fsize = 16 << 20
	}
	return applyRlimits(s.NProc, fsize)
}

// applyRlimits sets the jail's rlimits: nproc tasks of the jail's uid (0:
// the default), no file larger than fsize, few descriptors, no core dumps,
// no locked memory, no POSIX message queues.
func applyRlimits(nproc int, fsize uint64) error {
	if nproc == 0 {
		nproc = defaultNProc
	}
	limits := []struct {
		res int
		val uint64
	}{
		{unix.RLIMIT_NOFILE, defaultNoFile}, // the bridge, stdio, a few files in scratch
		{unix.RLIMIT_NPROC, uint64(nproc)},  // tasks of the jail's uid in its user namespace
		{unix.RLIMIT_FSIZE, fsize},          // no file larger than the scratch
		{unix.RLIMIT_CORE, 0},               // no core dumps
		{unix.RLIMIT_MEMLOCK, 0},            // no locked memory
		{unix.RLIMIT_MSGQUEUE, 0},           // no POSIX message queues
	}
	for _, l := range limits {
		if err := unix.Setrlimit(l.res, &unix.Rlimit{Cur: l.val, Max: l.val}); err != nil {
			return fmt.Errorf("setrlimit %d: %w", l.res, err)
		}
	}
	return nil
}

// Securebits (linux/securebits.h).
const (
	secbitNoRoot                 = 1 << 0
	secbitNoRootLocked           = 1 << 1
	secbitNoSetuidFixupLocked    = 1 << 3
	secbitKeepCapsLocked         = 1 << 5
	secbitNoCapAmbientRaise      = 1 << 6
	secbitNoCapAmbientRaiseLocke = 1 << 7
)

// dropPrivileges leaves the runner with no capability in any set of any
// thread and no way to gain one: it locks securebits, empties the bounding
// and ambient sets, makes sure of the unprivileged uid and gid with no
// supplementary groups, clears the permitted, effective and inheritable
// sets of every thread (which also empties their ambient sets, always a
// subset of permitted and inheritable), sets no_new_privs and makes the
// process not dumpable.
//
// The host starts the runner as the jail's uid and gid already, with
// CAP_SYS_ADMIN and CAP_SETPCAP as ambient capabilities of its own user
// namespace (package sandbox), so only the capset needs every thread (one
// stop-the-world of the Go runtime). The ids are switched here, on every
// thread, only if the runner was started otherwise. Securebits, the
// bounding and ambient sets matter only to a thread that execs, so they
// are set on the calling thread alone, which the caller has locked
// (runtime.LockOSThread) and keeps locked up to its execve; see
// dropBoundingSet. no_new_privs reaches every thread with Landlock and
// with the seccomp filter (TSYNC).
func dropPrivileges(s *Setup) error {
	if err := lockExecCaps(); err != nil {
		return err
	}
	// Each of these is a stop-the-world: skip them when the host already
	// started the runner with the jail's ids.
	if groups, err := syscall.Getgroups(); err != nil || len(groups) > 0 {
		if err := syscall.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
	}
	if !sameIDs(unix.Getresgid, s.GID) {
		if err := syscall.Setresgid(s.GID, s.GID, s.GID); err != nil {
			return fmt.Errorf("setresgid %d: %w", s.GID, err)
		}
	}
	if !sameIDs(unix.Getresuid, s.UID) {
		if err := syscall.Setresuid(s.UID, s.UID, s.UID); err != nil {
			return fmt.Errorf("setresuid %d: %w", s.UID, err)
		}
	}
	if err := clearCaps(); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return noNewPrivsNoDump()
}

// noNewPrivsNoDump sets no_new_privs on the calling thread and makes the
// process not dumpable (a property of the process, its mm, not of a
// thread).
func noNewPrivsNoDump() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("dumpable: %w", err)
	}
	return nil
}

// lockExecCaps makes sure that nothing the calling thread execs gains a
// capability: it locks the securebits (no root privileges, no ambient
// raise, no keep-caps) and empties the bounding and ambient sets. These
// matter only to a thread that execs; see dropBoundingSet.
func lockExecCaps() error {
	bits := uintptr(secbitNoRoot | secbitNoRootLocked | secbitNoSetuidFixupLocked |
		secbitKeepCapsLocked | secbitNoCapAmbientRaise | secbitNoCapAmbientRaiseLocke)
	if err := unix.Prctl(unix.PR_SET_SECUREBITS, bits, 0, 0, 0); err != nil {
		return fmt.Errorf("securebits: %w", err)
	}
	if err := dropBoundingSet(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	return nil
}

// sameIDs reports whether the real, effective and saved ids that get
// returns are all id.
func sameIDs(get func() (int, int, int), id int) bool {
	r, e, s := get()
	return r == id && e == id && s == id
}

// dropBoundingSet empties the capability bounding set of the calling
// thread, which the caller has locked (runtime.LockOSThread) and keeps
// locked up to its execve, if any.
//
// The bounding set is consulted only when a thread calls execve (it caps
// what the new program may gain), and execve keeps only the thread that
// called it. So only the thread that will exec needs an empty set: the
// Python runner execs CPython from this thread, and every thread of
// CPython descends from it; the JavaScript runner never execs (its seccomp
// filter denies execve and execveat on every thread). The same holds for
// the ambient set and securebits. Dropping
// the bounding set on every thread instead took one stop-the-world of the
// Go runtime per capability (41 of them, 1-3 ms). No other thread can gain
// a capability: setresuid empties the permitted set of every thread, so
// capset cannot raise anything, and seccomp denies capset, prctl, setuid
// and new user namespaces anyway; see design/jail.md.
func dropBoundingSet() error {
	for c := uintptr(0); c <= 63; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil {
			if errors.Is(err, unix.EINVAL) {
				return nil // past the last capability
			}
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	return nil
}
