package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cgroupLimits are the limits of one run's cgroup.
type cgroupLimits struct {
	memory     int64
	pids       int
	cpuPercent int
}

// cgroups creates per-run cgroups below a cemcp parent: on cgroup v2 one
// directory, /sys/fs/cgroup/cemcp/<run>; on v1 one per controller, below
// the gateway's own cgroup of that controller:
// /sys/fs/cgroup/<ctrl>/<own path>/cemcp/<run>.
type cgroups struct {
	v2 bool
	// parents maps a controller ("" on v2) to the cemcp parent directory.
	parents map[string]string

	// free holds clean cgroups of finished runs, kept for the next runs:
	// creating and removing a cgroup costs the host about 0.4 ms of CPU per
	// run (v1: three hierarchies). At most maxFree are kept.
	mu      sync.Mutex
	free    []*cgroup
	maxFree int
}

var v1Controllers = []string{"memory", "pids", "cpu"}

// newCgroups detects the cgroup version under root (normally
// /sys/fs/cgroup) and creates the cemcp parent directories.
func newCgroups(root string) (*cgroups, error) {
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		return newCgroupsV2(root)
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	cg := &cgroups{parents: make(map[string]string)}
	for _, ctrl := range v1Controllers {
		base := filepath.Join(root, ctrl)
		if _, err := os.Stat(filepath.Join(base, "cgroup.procs")); err != nil {
			return nil, fmt.Errorf("cgroup v1 controller %s is not mounted at %s", ctrl, base)
		}
		parent := filepath.Join(base, own[ctrl], "cemcp")
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, fmt.Errorf("create cgroup %s: %w", parent, err)
		}
		cg.parents[ctrl] = parent
	}
	return cg, nil
}

func newCgroupsV2(root string) (*cgroups, error) {
	parent := filepath.Join(root, "cemcp")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", parent, err)
	}
	for _, dir := range []string{root, parent} {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory +pids +cpu"), 0o644); err != nil {
			return nil, fmt.Errorf("enable controllers in %s: %w", dir, err)
		}
	}
	return &cgroups{v2: true, parents: map[string]string{"": parent}}, nil
}

// removeStale removes the cgroups of runs whose gateway process is gone
// (names are "r<gateway pid>-<seq>"), as a crash leaves them.
func (c *cgroups) removeStale() {
	for _, parent := range c.parents {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			pidText, _, ok := strings.Cut(strings.TrimPrefix(e.Name(), "r"), "-")
			pid, err := strconv.Atoi(pidText)
			if !e.IsDir() || !ok || err != nil || pid == os.Getpid() {
				continue
			}
			if syscall.Kill(pid, 0) == syscall.ESRCH {
				g := &cgroup{v2: c.v2, dirs: map[string]string{"": filepath.Join(parent, e.Name())}}
				g.kill()
				_ = os.Remove(filepath.Join(parent, e.Name()))
			}
		}
	}
}

// ownCgroups reads the v1 paths of this process per controller.
func ownCgroups() (map[string]string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	own := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			own[ctrl] = parts[2]
		}
	}
	return own, nil
}

// cgroup is one run's cgroup.
type cgroup struct {
	v2   bool
	dirs map[string]string // controller ("" on v2) -> directory
	lim  cgroupLimits      // as created
	// lowered is set when a request lowered the limits (lower): such a
	// cgroup is not reused.
	lowered bool

	// files keeps the control files that every run reads or writes open
	// (by path) for the life of the cgroup: it is reused, and opening a
	// cgroup file costs more than the read or write itself. Not for
	// reading cgroup.procs: see procs.
	filesMu sync.Mutex
	files   map[string]*os.File
}

// file returns the open control file at path (read-write when it can be,
// as cgroup.procs must be written; else read-only).
func (g *cgroup) file(path string) (*os.File, error) {
	g.filesMu.Lock()
	defer g.filesMu.Unlock()
	if f := g.files[path]; f != nil {
		return f, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
	}
	if g.files == nil {
		g.files = make(map[string]*os.File)
	}
	g.files[path] = f
	return f, nil
}

// read returns the content of control file path, read from the start.
func (g *cgroup) read(path string) ([]byte, error) {
	f, err := g.file(path)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 4096)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n == len(buf) {
		// Longer than one page (many processes): read it whole.
		return os.ReadFile(path)
	}
	return buf[:n], nil
}

// closeFiles closes the control files kept open.
func (g *cgroup) closeFiles() {
	g.filesMu.Lock()
	defer g.filesMu.Unlock()
	for path, f := range g.files {
		f.Close()
		delete(g.files, path)
	}
}

// get returns an empty cgroup with limits lim: a clean one of a finished
// run when there is one, else a new one named name.
func (c *cgroups) get(name string, lim cgroupLimits) (*cgroup, error) {
	c.mu.Lock()
	for i := len(c.free) - 1; i >= 0; i-- {
		if g := c.free[i]; g.lim == lim {
			c.free = append(c.free[:i], c.free[i+1:]...)
			c.mu.Unlock()
			return g, nil
		}
	}
	c.mu.Unlock()
	return c.create(name, lim)
}

// put takes back the cgroup of a run whose processes are gone. A clean
// cgroup (empty, its limits as created, no limit ever hit in it, so that
// limitHit stays right for the next run) is kept for another run; any
// other is removed.
func (c *cgroups) put(g *cgroup) error {
	if !g.lowered && len(g.procs()) == 0 && g.limitHit() == "" {
		c.mu.Lock()
		if len(c.free) < c.maxFree {
			c.free = append(c.free, g)
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
	}
	return g.remove()
}

// removeFree removes the cgroups kept for reuse.
func (c *cgroups) removeFree() error {
	c.mu.Lock()
	free := c.free
	c.free = nil
	c.mu.Unlock()
	var errs []error
	for _, g := range free {
		errs = append(errs, g.remove())
	}
	return errors.Join(errs...)
}

// create makes the cgroup of run name and writes its limits.
func (c *cgroups) create(name string, lim cgroupLimits) (_ *cgroup, retErr error) {
	g := &cgroup{v2: c.v2, dirs: make(map[string]string), lim: lim}
	defer func() {
		if retErr != nil {
			g.remove()
		}
	}()
	for ctrl, parent := range c.parents {
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
		}
		g.dirs[ctrl] = dir
	}
	period := 100000
	quota := lim.cpuPercent * period / 100
	if c.v2 {
		dir := g.dirs[""]
		files := []struct{ file, value string }{
			{"memory.max", strconv.FormatInt(lim.memory, 10)},
			{"memory.swap.max", "0"},
			{"pids.max", strconv.Itoa(lim.pids)},
			{"cpu.max", fmt.Sprintf("%d %d", quota, period)},
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f.file), []byte(f.value), 0o644); err != nil && f.file != "memory.swap.max" {
				return nil, fmt.Errorf("cgroup %s: %w", f.file, err)
			}
		}
		return g, nil
	}
	files := []struct{ ctrl, file, value string }{
		{"memory", "memory.limit_in_bytes", strconv.FormatInt(lim.memory, 10)},
		{"memory", "memory.memsw.limit_in_bytes", strconv.FormatInt(lim.memory, 10)}, // absent without swap accounting
		{"memory", "memory.swappiness", "0"},
		{"pids", "pids.max", strconv.Itoa(lim.pids)},
		{"cpu", "cpu.cfs_period_us", strconv.Itoa(period)},
		{"cpu", "cpu.cfs_quota_us", strconv.Itoa(quota)},
	}
	for _, f := range files {
		err := os.WriteFile(filepath.Join(g.dirs[f.ctrl], f.file), []byte(f.value), 0o644)
		if err != nil && f.file != "memory.memsw.limit_in_bytes" && f.file != "memory.swappiness" {
			return nil, fmt.Errorf("cgroup %s: %w", f.file, err)
		}
	}
	return g, nil
}

// lower tightens the memory and pids limits of a running cgroup (a pooled
// runner's, for a request that asks for less than the jail's defaults).
func (g *cgroup) lower(memory int64, pids int) error {
	g.lowered = true
	type w struct{ ctrl, file, value string }
	var writes []w
	if memory > 0 {
		if g.v2 {
			writes = append(writes, w{"", "memory.max", strconv.FormatInt(memory, 10)})
		} else {
			writes = append(writes, w{"memory", "memory.limit_in_bytes", strconv.FormatInt(memory, 10)})
		}
	}
	if pids > 0 {
		ctrl := "pids"
		if g.v2 {
			ctrl = ""
		}
		writes = append(writes, w{ctrl, "pids.max", strconv.Itoa(pids)})
	}
	for _, x := range writes {
		if err := os.WriteFile(filepath.Join(g.dirs[x.ctrl], x.file), []byte(x.value), 0o644); err != nil {
			return fmt.Errorf("cgroup %s: %w", x.file, err)
		}
	}
	return nil
}

// add moves process pid (all its threads) into the cgroup.
func (g *cgroup) add(pid int) error {
	for ctrl, dir := range g.dirs {
		f, err := g.file(filepath.Join(dir, "cgroup.procs"))
		if err == nil {
			_, err = f.WriteAt([]byte(strconv.Itoa(pid)), 0)
		}
		if err != nil {
			return fmt.Errorf("add %d to cgroup %s: %w", pid, ctrl, err)
		}
	}
	return nil
}

// procs returns the pids still in the cgroup. It opens cgroup.procs
// afresh each time: on v1 an open cgroup.procs keeps the list of its first
// read for up to a second (the kernel's cached pidlist), so a kept
// descriptor would report processes long gone, and kill would signal pids
// that may have been reused.
func (g *cgroup) procs() []int {
	var pids []int
	for _, dir := range g.dirs {
		data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
		break // every controller holds the same processes
	}
	return pids
}

// kill kills every process in the cgroup.
func (g *cgroup) kill() {
	if g.v2 && writeExisting(filepath.Join(g.dirs[""], "cgroup.kill"), "1") == nil {
		return
	}
	for _, pid := range g.procs() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// limitHit reports which limit the cgroup hit: "memory", "pids" or "".
func (g *cgroup) limitHit() string {
	if g.v2 {
		events, _ := g.read(filepath.Join(g.dirs[""], "memory.events"))
		if eventCount(events, "oom_kill") > 0 || eventCount(events, "max") > 0 {
			return "memory"
		}
		if events, _ := g.read(filepath.Join(g.dirs[""], "pids.events")); eventCount(events, "max") > 0 {
			return "pids"
		}
		return ""
	}
	if oom, _ := g.read(filepath.Join(g.dirs["memory"], "memory.oom_control")); eventCount(oom, "oom_kill") > 0 {
		return "memory"
	}
	if failcnt, _ := g.read(filepath.Join(g.dirs["memory"], "memory.failcnt")); len(failcnt) > 0 {
		if n, _ := strconv.ParseInt(strings.TrimSpace(string(failcnt)), 10, 64); n > 0 {
			return "memory"
		}
	}
	if events, _ := g.read(filepath.Join(g.dirs["pids"], "pids.events")); eventCount(events, "max") > 0 {
		return "pids"
	}
	return ""
}

// eventCount returns the value of key in the "key value" lines of data.
func eventCount(data []byte, key string) int64 {
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// remove kills what is left and removes the cgroup's directories, retrying
// while the kernel finishes tearing the processes down.
func (g *cgroup) remove() error {
	g.closeFiles()
	var errs []error
	for ctrl, dir := range g.dirs {
		var err error
		for i := 0; i < 100; i++ {
			if err = os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			g.kill()
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", ctrl, err))
		} else {
			delete(g.dirs, ctrl)
		}
	}
	return errors.Join(errs...)
}

// writeExisting writes value to a control file that must exist (cgroup.kill
// is absent before Linux 5.14).
func writeExisting(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
