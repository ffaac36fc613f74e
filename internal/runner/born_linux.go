package runner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/cemcp/cemcp/internal/runner/spawn"
)

// confineSpawner confines a confining spawner (spawn.Confinement) before it
// starts any runner: the runners' root, rlimits and Landlock for the whole
// process; the bounding, ambient and inheritable sets, securebits and
// no_new_privs on the calling thread, which the caller has locked
// (runtime.LockOSThread) and forks every runner from. A child gets the
// credentials of the thread that clones it, so these are what each runner
// starts with. The thread keeps CAP_SYS_ADMIN of the jail's user namespace
// in its effective set: it needs it to give each runner new pid, mount and
// cgroup namespaces. Nothing the runner execs gains it (a non-root uid with
// no ambient capability and no file capabilities starts with none).
func confineSpawner(c *spawn.Confinement, runnerPath string) error {
	if unix.Getuid() == 0 || unix.Geteuid() == 0 {
		return errors.New("a confining spawner must start as the jail's unprivileged uid")
	}
	if err := buildRunnersRoot(runnerPath); err != nil {
		return fmt.Errorf("runners' root: %w", err)
	}
	_ = unix.Sethostname([]byte("cemcp"))
	// Every runner inherits them: it writes no file, and its uid's tasks
	// are those of every runner of the spawner.
	if err := applyRlimits(c.NProc, 0); err != nil {
		return fmt.Errorf("rlimits: %w", err)
	}
	// Every thread of the spawner: its other threads run only its own code,
	// but nothing of it needs more than the runners do.
	if err := landlockRestrict([]landlockRule{
		{path: spawn.RunnerPath, access: llExecute | unix.LANDLOCK_ACCESS_FS_READ_FILE},
	}, true); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if err := lockExecCaps(); err != nil {
		return err
	}
	// Only CAP_SYS_ADMIN stays, effective and permitted; nothing is
	// inheritable.
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	data[unix.CAP_SYS_ADMIN/32].Effective = 1 << (unix.CAP_SYS_ADMIN % 32)
	data[unix.CAP_SYS_ADMIN/32].Permitted = 1 << (unix.CAP_SYS_ADMIN % 32)
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return noNewPrivsNoDump()
}

// buildRunnersRoot mounts a tmpfs root holding only the runner binary (a
// read-only bind at spawn.RunnerPath), pivots into it, detaches the host's
// tree and makes the root read-only. JavaScript programs have no file
// system API, so the runners have no scratch.
func buildRunnersRoot(runnerPath string) error {
	dir, err := rootDirFor(runnerPath)
	if err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("cemcp", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV,
		"size=64k,nr_inodes=16,mode=0755"); err != nil {
		return fmt.Errorf("mount root tmpfs: %w", err)
	}
	if err := bindRO(runnerPath, filepath.Join(dir, spawn.RunnerPath), false); err != nil {
		return err
	}
	return pivotInto(dir)
}

// rootDirFor returns a directory of the host's tree to assemble the
// runners' root on: one that does not hold the runner binary, which the
// tmpfs mounted on it would hide.
func rootDirFor(runnerPath string) (string, error) {
	abs, err := filepath.Abs(runnerPath)
	if err != nil {
		return "", err
	}
	for _, dir := range []string{newRoot, "/mnt", "/run", "/media", "/srv", "/opt", "/var/tmp"} {
		if strings.HasPrefix(abs, dir+"/") {
			continue
		}
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no directory to assemble the root on for runner %s", runnerPath)
}

// pivotInto makes dir the root, detaches the old one and remounts the new
// one read-only.
func pivotInto(dir string) error {
	old := filepath.Join(dir, ".old")
	if err := os.Mkdir(old, 0o700); err != nil {
		return err
	}
	if err := unix.PivotRoot(dir, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/.old", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the host's root: %w", err)
	}
	if err := os.Remove("/.old"); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("remount / read-only: %w", err)
	}
	return nil
}

// finishBorn completes the confinement of a runner that a confining
// spawner started (Setup.Born): it checks what it was born with (an
// unprivileged uid, no capability in any set, no_new_privs, nothing in the
// bounding set) and refuses to go on otherwise, makes the process not
// dumpable and loads the seccomp filter on every thread (TSYNC: one
// syscall, no stop-the-world of the Go runtime).
func finishBorn(s *Setup) error {
	if s.Python != "" {
		return errors.New("a Python runner is never born confined")
	}
	if r, e, sv := unix.Getresuid(); r == 0 || e == 0 || sv == 0 {
		return errors.New("born as root")
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	for _, d := range data {
		if d.Effective != 0 || d.Permitted != 0 || d.Inheritable != 0 {
			return fmt.Errorf("born with capabilities %+v", data)
		}
	}
	for c := 0; c <= 63; c++ {
		n, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
		if err != nil {
			break // past the last capability the kernel knows
		}
		if n != 0 {
			return fmt.Errorf("born with capability %d in the bounding set", c)
		}
	}
	if n, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); err != nil || n != 1 {
		return errors.New("born without no_new_privs")
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("dumpable: %w", err)
	}
	if err := loadSeccomp(s.Seccomp); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	return nil
}
