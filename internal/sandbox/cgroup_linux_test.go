package sandbox

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeCgroup2 lays out dir like a cgroup2 mount: the files that mark the
// root and that the jail writes or reads. A real cgroupfs creates a
// directory's files itself; here each write creates them.
func fakeCgroup2(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{
		"cgroup.controllers":     "cpuset cpu io memory hugetlb pids rdma misc\n",
		"cgroup.subtree_control": "",
		"cgroup.procs":           "",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCgroupV2Files checks every file the v2 code path writes, against a
// fake cgroup2 root (this development machine runs cgroup v1).
func TestCgroupV2Files(t *testing.T) {
	root := fakeCgroup2(t)
	cg, err := newCgroups(root)
	if err != nil {
		t.Fatalf("newCgroups: %v", err)
	}
	if !cg.v2 {
		t.Fatal("a root with cgroup.controllers was not detected as cgroup v2")
	}
	parent := filepath.Join(root, "cemcp")
	if got := cg.parents[""]; got != parent {
		t.Fatalf("parent %q, want %q", got, parent)
	}
	// Controllers are delegated to the cemcp parent and to its children.
	for _, dir := range []string{root, parent} {
		if got := readFile(t, filepath.Join(dir, "cgroup.subtree_control")); got != "+memory +pids +cpu" {
			t.Errorf("%s/cgroup.subtree_control = %q", dir, got)
		}
	}

	g, err := cg.create("r1-1", cgroupLimits{memory: 64 << 20, pids: 16, cpuPercent: 50})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	dir := filepath.Join(parent, "r1-1")
	if g.dirs[""] != dir {
		t.Fatalf("dirs %v, want %s", g.dirs, dir)
	}
	want := map[string]string{
		"memory.max":      "67108864",
		"memory.swap.max": "0",
		"pids.max":        "16",
		"cpu.max":         "50000 100000",
	}
	for file, value := range want {
		if got := readFile(t, filepath.Join(dir, file)); got != value {
			t.Errorf("%s = %q, want %q", file, got, value)
		}
	}

	// The kernel creates cgroup.procs with the directory.
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.add(4242); err != nil {
		t.Fatalf("add: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "cgroup.procs")); got != "4242" {
		t.Errorf("cgroup.procs = %q", got)
	}
	if got := g.procs(); len(got) != 1 || got[0] != 4242 {
		t.Errorf("procs() = %v", got)
	}

	if err := g.lower(32<<20, 8); err != nil {
		t.Fatalf("lower: %v", err)
	}
	if got := readFile(t, filepath.Join(dir, "memory.max")); got != "33554432" {
		t.Errorf("lowered memory.max = %q", got)
	}
	if got := readFile(t, filepath.Join(dir, "pids.max")); got != "8" {
		t.Errorf("lowered pids.max = %q", got)
	}

	// limitHit reads the v2 event files.
	tests := []struct {
		name, memEvents, pidsEvents, want string
	}{
		{"none", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", "max 0\n", ""},
		{"oom kill", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n", "max 0\n", "memory"},
		{"pids", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", "max 2\n", "pids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "memory.events"), []byte(tt.memEvents), 0o644)
			os.WriteFile(filepath.Join(dir, "pids.events"), []byte(tt.pidsEvents), 0o644)
			if got := g.limitHit(); got != tt.want {
				t.Errorf("limitHit() = %q, want %q", got, tt.want)
			}
		})
	}

	// kill uses cgroup.kill on v2 (which cgroupfs creates with the cgroup).
	os.WriteFile(filepath.Join(dir, "cgroup.procs"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "cgroup.kill"), nil, 0o644)
	g.kill()
	if got := readFile(t, filepath.Join(dir, "cgroup.kill")); got != "1" {
		t.Errorf("cgroup.kill = %q", got)
	}
}

// TestCgroupV2StaleRemoval: removeStale removes the cgroups of gateways that
// are gone and keeps this process's own.
func TestCgroupV2StaleRemoval(t *testing.T) {
	root := fakeCgroup2(t)
	cg, err := newCgroups(root)
	if err != nil {
		t.Fatal(err)
	}
	parent := cg.parents[""]
	own := filepath.Join(parent, "r"+strconv.Itoa(os.Getpid())+"-1")
	stale := filepath.Join(parent, "r999999999-1") // no such pid
	for _, d := range []string{own, stale} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cg.removeStale()
	if _, err := os.Stat(own); err != nil {
		t.Errorf("own cgroup removed: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(stale)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("stale cgroup kept (holds %s)", strings.Join(names, ", "))
	}
}

// TestCgroupReuse: the cgroup of a finished run is kept for the next run
// when it is clean, and removed when its limits were lowered, when too
// many are kept, and by removeFree (on the machine's real cgroups).
func TestCgroupReuse(t *testing.T) {
	requireJail(t)
	cg, err := newCgroups("/sys/fs/cgroup")
	if err != nil {
		t.Skip("no cgroups: ", err)
	}
	cg.maxFree = 1
	t.Cleanup(func() { cg.removeFree() })
	name := func(s string) string { return "r" + strconv.Itoa(os.Getpid()) + "-reuse-" + s }
	exists := func(g *cgroup) bool {
		for _, dir := range g.dirs {
			if _, err := os.Stat(dir); err != nil {
				return false
			}
		}
		return len(g.dirs) > 0
	}
	lim := cgroupLimits{memory: 64 << 20, pids: 16, cpuPercent: 100}

	g1, err := cg.get(name("1"), lim)
	if err != nil {
		t.Fatal(err)
	}
	dirs := maps.Clone(g1.dirs)
	if err := cg.put(g1); err != nil || !exists(g1) {
		t.Fatalf("put of a clean cgroup: %v, kept %v", err, exists(g1))
	}
	// The next run with the same limits gets it back; other limits get a
	// new one.
	g2, err := cg.get(name("2"), lim)
	if err != nil || !maps.Equal(g2.dirs, dirs) {
		t.Fatalf("get after put: %v, dirs %v, want %v", err, g2.dirs, dirs)
	}
	other := lim
	other.pids = 8
	g3, err := cg.get(name("3"), other)
	if err != nil || maps.Equal(g3.dirs, dirs) {
		t.Fatalf("get with other limits: %v, reused %v", err, g3.dirs)
	}
	// Only maxFree are kept.
	if err := cg.put(g3); err != nil || !exists(g3) {
		t.Fatalf("put g3: %v", err)
	}
	if err := cg.put(g2); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(g2.dirs, map[string]string{}) {
		t.Errorf("a cgroup beyond maxFree was kept: %v", g2.dirs)
	}
	// A cgroup whose limits a request lowered is not reused.
	g4, err := cg.get(name("4"), lim)
	if err != nil {
		t.Fatal(err)
	}
	if err := g4.lower(32<<20, 0); err != nil {
		t.Fatal(err)
	}
	if err := cg.put(g4); err != nil || len(g4.dirs) != 0 {
		t.Fatalf("put of a lowered cgroup: %v, left %v", err, g4.dirs)
	}
	if err := cg.removeFree(); err != nil || exists(g3) {
		t.Fatalf("removeFree: %v, g3 left %v", err, exists(g3))
	}
}

// TestCgroupProcsFresh: the processes of a cgroup are read as they are
// now. On v1 a cgroup.procs descriptor kept open serves its first list for
// up to a second: a process that has exited (and its pid, which may be
// reused) must not show.
func TestCgroupProcsFresh(t *testing.T) {
	requireJail(t)
	cg, err := newCgroups("/sys/fs/cgroup")
	if err != nil {
		t.Skip("no cgroups: ", err)
	}
	g, err := cg.create("r"+strconv.Itoa(os.Getpid())+"-fresh", cgroupLimits{memory: 64 << 20, pids: 16, cpuPercent: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.remove() })
	for i := 0; i < 3; i++ {
		cmd := exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if err := g.add(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
		if got := g.procs(); len(got) != 1 || got[0] != cmd.Process.Pid {
			t.Fatalf("procs = %v, want [%d]", got, cmd.Process.Pid)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if got := g.procs(); len(got) != 0 {
			t.Fatalf("round %d: procs = %v right after the process was reaped, want none", i, got)
		}
	}
}
