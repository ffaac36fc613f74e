package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/procstat"
	"github.com/cemcp/cemcp/internal/runner/spawn"
	"github.com/cemcp/cemcp/internal/transpile"
)

// runnerPath is the cemcp-runner that TestMain builds.
var runnerPath string

func TestMain(m *testing.M) {
	if os.Getenv(holderEnv) != "" {
		os.Exit(holdJail())
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cemcp-jail-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The runner is exec'd as an unprivileged host uid: the path must be
	// traversable by others.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	runnerPath = filepath.Join(dir, "cemcp-runner")
	if given := os.Getenv("CEMCP_TEST_RUNNER"); given != "" {
		// A runner built elsewhere (to compare two builds side by side).
		data, err := os.ReadFile(given)
		if err == nil {
			err = os.WriteFile(runnerPath, data, 0o755)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}
	cmd := exec.Command("go", "build", "-o", runnerPath, "github.com/cemcp/cemcp/cmd/cemcp-runner")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cemcp-runner: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// requireJail skips (or, with CEMCP_REQUIRE_SANDBOX=1, fails) when the
// kernel lacks what the jail needs.
func requireJail(t testing.TB) {
	t.Helper()
	why := ""
	switch {
	case os.Geteuid() != 0:
		why = "the jail tests need root (uid mappings and cgroups)"
	default:
		if _, err := os.Stat("/proc/self/ns/user"); err != nil {
			why = "no user namespaces: " + err.Error()
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CEMCP_REQUIRE_SANDBOX") == "1" {
		t.Fatalf("CEMCP_REQUIRE_SANDBOX=1 but %s", why)
	}
	t.Skip(why)
}

func newTestJail(t testing.TB, cfg JailConfig) *Jail {
	t.Helper()
	requireJail(t)
	if cfg.RunnerPath == "" {
		cfg.RunnerPath = runnerPath
	}
	if cfg.PoolSize == 0 {
		cfg.PoolSize = -1
	}
	if cfg.PythonPoolSize == 0 {
		cfg.PythonPoolSize = -1
	}
	j, err := NewJail(cfg, nil)
	if err != nil {
		t.Fatalf("NewJail: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// echoCaller answers every call with {"tool": name, "args": args}.
var echoCaller = ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	return json.Marshal(map[string]any{"tool": tool, "args": args})
})

var testTools = []ToolRef{{Qualified: "echo.say", JSServer: "echo", JSName: "say"}}

func run(t testing.TB, j *Jail, lang Language, code string, lim Limits) *Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := j.Execute(ctx, &Request{RunID: "t", Language: lang, Code: code, Tools: testTools, Limits: lim}, echoCaller)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return resp
}

func TestJailRunsJavaScript(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	resp := run(t, j, TypeScript, `
const r = await tools.echo.say({word: "hi"});
const n: number = 41;
console.log("said", r.args.word);
return {n: n + 1, tool: r.tool};`, Limits{})
	if resp.Error != nil {
		t.Fatalf("error: %+v", resp.Error)
	}
	if got, want := string(resp.Result), `{"n":42,"tool":"echo.say"}`; got != want {
		t.Errorf("result %s, want %s", got, want)
	}
	if !strings.Contains(resp.Output, "said hi") || resp.ToolCalls != 1 {
		t.Errorf("output %q, calls %d", resp.Output, resp.ToolCalls)
	}
}

// TestJailUsesGivenJS: a request that carries the transpiled program (as
// the gateway sends it) runs that program, without transpiling Code again.
func TestJailUsesGivenJS(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	js, rerr := transpile.Program("return 2", string(TypeScript))
	if rerr != nil {
		t.Fatal(rerr)
	}
	resp, err := j.Execute(context.Background(), &Request{Language: TypeScript, Code: "return 1", JS: js}, echoCaller)
	if err != nil || resp.Error != nil {
		t.Fatalf("%v %+v", err, resp)
	}
	if string(resp.Result) != "2" {
		t.Errorf("result %s, want 2 (the given JS)", resp.Result)
	}
}

func TestJailRunsPython(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	if j.python == "" {
		t.Skip(j.noPy)
	}
	resp := run(t, j, Python, `
import os
r = tools.echo.say({"word": "hi"})
print("said", r["args"]["word"], os.getuid(), os.getgid())
return {"n": 42, "tool": r["tool"]}`, Limits{})
	if resp.Error != nil {
		t.Fatalf("error: %+v", resp.Error)
	}
	if got, want := string(resp.Result), `{"n":42,"tool":"echo.say"}`; got != want {
		t.Errorf("result %s, want %s", got, want)
	}
	// The program runs as the unprivileged uid and gid of the jail.
	if want := "said hi 1000 1000"; !strings.Contains(resp.Output, want) || resp.ToolCalls != 1 {
		t.Errorf("output %q (want %q), calls %d", resp.Output, want, resp.ToolCalls)
	}
}

func TestJailPool(t *testing.T) {
	j := newTestJail(t, JailConfig{PoolSize: 2})
	// The pool fills with confined runners that sent ready.
	waitWarm(j.pool, 1)
	if j.pool.warm() < 1 {
		t.Fatal("the warm pool did not fill")
	}
	// Each runner serves one program: state does not survive between runs,
	// and a used runner is dead once Execute returns.
	for i := 0; i < 4; i++ {
		r := run(t, j, JavaScript, `globalThis.n = (globalThis.n || 0) + 1; return globalThis.n;`, Limits{})
		if r.Error != nil || string(r.Result) != "1" {
			t.Fatalf("run %d: %+v %s (a runner was reused?)", i, r.Error, r.Result)
		}
		assertNothingLeft(t, j)
		waitWarm(j.pool, 1)
	}
	// Close kills the warm runners and leaves nothing behind.
	j.Close()
	if n := jailProcesses(t, j); n != 0 {
		t.Fatalf("%d jail processes alive after Close", n)
	}
	if j.cg != nil {
		for _, parent := range j.cg.parents {
			if entries, _ := os.ReadDir(parent); len(entries) > 0 {
				for _, e := range entries {
					if e.IsDir() && strings.HasPrefix(e.Name(), "r"+strconv.Itoa(os.Getpid())+"-") {
						t.Errorf("cgroup %s left after Close", e.Name())
					}
				}
			}
		}
	}
	if _, err := j.Execute(context.Background(), &Request{Language: JavaScript, Code: "1"}, echoCaller); err == nil {
		t.Fatal("Execute after Close succeeded")
	}
}

func TestJailPythonUnavailable(t *testing.T) {
	j := newTestJail(t, JailConfig{Python: "/nonexistent/python3"})
	r := run(t, j, Python, `return 1`, Limits{})
	if r.Error == nil || r.Error.Kind != "unsupported" || !strings.Contains(r.Error.Message, "python3") {
		t.Fatalf("error %+v, want kind unsupported naming python3", r.Error)
	}
}

func TestJailErrors(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	tests := []struct {
		name       string
		lang       Language
		code       string
		kind, line string
	}{
		{"ts syntax", TypeScript, "const x = ;", "syntax", ""},
		{"js throw", JavaScript, "throw new Error('boom')", "exception", ""},
		{"python syntax", Python, "def (:", "syntax", ""},
		{"python raise", Python, "x = 1\nraise ValueError('boom')", "exception", ""},
		{"unknown language", "cobol", "DISPLAY 'HI'", "unsupported", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lang == Python && j.python == "" {
				t.Skip(j.noPy)
			}
			r := run(t, j, tt.lang, tt.code, Limits{})
			if r.Error == nil || r.Error.Kind != tt.kind {
				t.Fatalf("error %+v, want kind %s", r.Error, tt.kind)
			}
		})
	}
	// Tool errors reach Python as ToolError with their code.
	if j.python != "" {
		failing := ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
			return nil, &ToolError{Server: "echo", Tool: "say", Code: "denied", Message: "policy says no"}
		})
		resp, err := j.Execute(context.Background(), &Request{Language: Python, Tools: testTools, Code: `
try:
    tools.echo.say({})
except ToolError as e:
    return [e.code, e.message]`}, failing)
		if err != nil || resp.Error != nil || string(resp.Result) != `["denied","policy says no"]` {
			t.Fatalf("got %+v %v %s", resp.Error, err, resp.Result)
		}
	}
}

func TestJailCancel(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	resp, err := j.Execute(ctx, &Request{Language: JavaScript, Code: "while (true) {}"}, echoCaller)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error == nil || (resp.Error.Kind != "cancelled" && resp.Error.Kind != "timeout") {
		t.Fatalf("error %+v, want cancelled", resp.Error)
	}
	assertNothingLeft(t, j)
}

// BenchmarkColdStart prices the jail: time from exec to the runner's ready,
// confined (a confining spawner's runner: its own pid, mount and cgroup
// namespaces, seccomp, a cgroup) and as a plain exec of the same binary,
// and the CPU the whole machine spends per start and teardown.
func BenchmarkColdStart(b *testing.B) {
	j := newTestJail(b, JailConfig{})
	for _, mode := range []struct {
		name    string
		confine bool
	}{{"plain", false}, {"jail", true}} {
		b.Run(mode.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			busy0 := systemBusy(b)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				p, err := j.start(context.Background(), false, mode.confine)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				p.kill()
			}
			// The machine's CPU per start, the runner's exit and teardown
			// included.
			b.ReportMetric(float64((systemBusy(b)-busy0).Microseconds())/float64(b.N), "system-cpu-µs/start")
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkWarmHandOff measures a trivial program on a warm runner. The
// hand-off metric (handoff-p50-µs) is the time from Execute's entry
// (transpiling included) to the run frame written to the waiting runner's
// socket; p50-µs is the whole Execute of "return 1" (hand-off, run, done).
// handoff-js-p50-µs is the hand-off of a request that carries the program
// already transpiled (Request.JS), as the gateway sends it. The used
// runner's teardown runs in the background.
func BenchmarkWarmHandOff(b *testing.B) {
	j := newTestJail(b, JailConfig{PoolSize: 1})
	benchWarm(b, j, j.pool, JavaScript)
	js, rerr := transpile.Program("return 1", string(JavaScript))
	if rerr != nil {
		b.Fatal(rerr)
	}
	var handoff []time.Duration
	j.onRun = func(d time.Duration) { handoff = append(handoff, d) }
	for i := 0; i < b.N; i++ {
		for j.pool.warm() == 0 {
			time.Sleep(time.Millisecond)
		}
		resp, err := j.Execute(context.Background(), &Request{Language: JavaScript, Code: "return 1", JS: js, Tools: testTools}, echoCaller)
		if err != nil || resp.Error != nil || string(resp.Result) != "1" {
			b.Fatalf("%v %+v", err, resp)
		}
	}
	sortDurations(handoff)
	b.ReportMetric(float64(handoff[len(handoff)/2].Microseconds()), "handoff-js-p50-µs")
	b.ReportMetric(float64(handoff[len(handoff)*95/100].Microseconds()), "handoff-js-p95-µs")
}

// BenchmarkPythonStart measures a trivial Python program end to end, cold
// (a runner started for it, as without a pool) and warm (from the Python
// pool: CPython already started and waiting in its bootstrap).
func BenchmarkPythonStart(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		j := newTestJail(b, JailConfig{})
		if j.python == "" {
			b.Skip(j.noPy)
		}
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			r := run(b, j, Python, "return 1", Limits{})
			lat = append(lat, time.Since(start))
			if r.Error != nil {
				b.Fatal(r.Error)
			}
		}
		reportPercentiles(b, lat)
	})
	b.Run("warm", func(b *testing.B) {
		j := newTestJail(b, JailConfig{PythonPoolSize: 1})
		if j.python == "" {
			b.Skip(j.noPy)
		}
		benchWarm(b, j, j.pyPool, Python)
	})
}

func benchWarm(b *testing.B, j *Jail, pl *pool, lang Language) {
	var handoff []time.Duration
	j.onRun = func(d time.Duration) { handoff = append(handoff, d) }
	lat := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		for pl.warm() == 0 {
			time.Sleep(time.Millisecond) // measure warm hand-offs only
		}
		start := time.Now()
		r := run(b, j, lang, "return 1", Limits{})
		lat = append(lat, time.Since(start))
		if r.Error != nil || string(r.Result) != "1" {
			b.Fatalf("%+v %s", r.Error, r.Result)
		}
	}
	reportPercentiles(b, lat)
	if lang != Python {
		// Transpiling (esbuild, in the gateway) is part of the hand-off.
		var tr []time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := transpile.Program("return 1", string(lang)); err != nil {
				b.Fatal(err)
			}
			tr = append(tr, time.Since(start))
		}
		sortDurations(tr)
		b.ReportMetric(float64(tr[len(tr)/2].Microseconds()), "transpile-p50-µs")
	}
	sortDurations(handoff)
	if len(handoff) > 0 {
		b.ReportMetric(float64(handoff[len(handoff)/2].Microseconds()), "handoff-p50-µs")
		b.ReportMetric(float64(handoff[len(handoff)*95/100].Microseconds()), "handoff-p95-µs")
	}
}

func sortDurations(d []time.Duration) {
	sort.Slice(d, func(i, k int) bool { return d[i] < d[k] })
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sortDurations(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
}

// TestJailRequestMemoryLimit lowers the memory of a pooled runner for one
// request: a program that fits the jail's default is killed at the lower one.
func TestJailRequestMemoryLimit(t *testing.T) {
	j := newTestJail(t, JailConfig{PoolSize: 1})
	if j.cg == nil {
		t.Skip("no cgroups")
	}
	code := `const a = []; for (let i = 0; i < 3000; i++) a.push("x".repeat(1 << 15) + i); return a.length;`
	if r := run(t, j, JavaScript, code, Limits{}); r.Error != nil {
		t.Fatalf("with the default limit: %+v", r.Error)
	}
	r := run(t, j, JavaScript, code, Limits{MemoryBytes: 32 << 20})
	if r.Error == nil || r.Error.Limit != "memory" {
		t.Fatalf("with 32 MiB: error %+v, want a memory limit", r.Error)
	}
}

// TestJailRunnerDiesBeforeReady: a runner that exits before ready fails the
// start at once with its exit status and stderr, not after StartTimeout.
func TestJailRunnerDiesBeforeReady(t *testing.T) {
	requireJail(t)
	dir, err := os.MkdirTemp("", "cemcp-broken-runner")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "cemcp-runner")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\necho broken runner >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	j := newTestJail(t, JailConfig{RunnerPath: broken, StartTimeout: time.Minute})
	_, err = j.Execute(context.Background(), &Request{Language: JavaScript, Code: "return 1"}, echoCaller)
	if err == nil {
		t.Fatal("Execute with a runner that exits at once succeeded")
	}
	for _, want := range []string{"exited before ready", "exit status 3", "broken runner"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	assertNothingLeft(t, j)
}

// BenchmarkThroughput runs trivial programs from parallel clients through
// the Jail executor (warm pool of 8, each run a fresh confined runner) and
// reports runs per second, and the CPU time (user and system) that the
// gateway spends per run (host-cpu-µs/run) and that the jail's processes
// (runners and spawner, counted once the Jail is closed) spend per runner
// started (jail-cpu-µs/runner: the pool's runners are b.N + 8).
func BenchmarkThroughput(b *testing.B) {
	j := newTestJail(b, JailConfig{PoolSize: 8})
	waitWarm(j.pool, 8)
	b.SetParallelism(4) // 4 clients per CPU
	// The gateway runs with GOGC=400 (gateway.TuneGC); so does this host.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	self0, children0 := rusageCPU(syscall.RUSAGE_SELF), rusageCPU(syscall.RUSAGE_CHILDREN)
	busy0 := systemBusy(b)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := run(b, j, JavaScript, "return 1", Limits{})
			if r.Error != nil {
				b.Error(r.Error)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "runs/s")
	b.StopTimer()
	b.ReportMetric(float64((systemBusy(b)-busy0).Microseconds())/float64(b.N), "system-cpu-µs/run")
	self1 := rusageCPU(syscall.RUSAGE_SELF)
	j.Close()
	children1 := rusageCPU(syscall.RUSAGE_CHILDREN)
	b.ReportMetric(float64((self1-self0).Microseconds())/float64(b.N), "host-cpu-µs/run")
	b.ReportMetric(float64((children1-children0).Microseconds())/float64(b.N+8), "jail-cpu-µs/runner")
}

// systemBusy is procstat.Busy for a benchmark.
func systemBusy(b *testing.B) time.Duration {
	d, err := procstat.Busy()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// rusageCPU returns the user and system time of who (RUSAGE_SELF or
// RUSAGE_CHILDREN: the reaped descendants).
func rusageCPU(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleRSS reports the resident memory (VmRSS) of the idle runners
// of the warm pools: confined JavaScript runners and Python runners waiting
// in their bootstrap.
func BenchmarkIdleRSS(b *testing.B) {
	j := newTestJail(b, JailConfig{PoolSize: 2, PythonPoolSize: 1})
	for i := 0; i < b.N; i++ {
		deadline := time.Now().Add(20 * time.Second)
		for (j.pool.warm() < 2 || (j.pyPool != nil && j.pyPool.warm() < 1)) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond) // let the runners settle in their read
	for _, tc := range []struct {
		unit string
		pl   *pool
	}{{"js-rss-KiB", j.pool}, {"py-rss-KiB", j.pyPool}} {
		if tc.pl == nil {
			continue
		}
		var max int64
		for _, r := range peek(tc.pl) {
			if kb := vmRSS(b, r.pid); kb > max {
				max = kb
			}
		}
		b.ReportMetric(float64(max), tc.unit)
	}
}

// peek returns the warm runners of pl without taking them.
func peek(pl *pool) []*proc {
	var rs []*proc
	for {
		select {
		case r := <-pl.ready:
			rs = append(rs, r)
			continue
		default:
		}
		break
	}
	for _, r := range rs {
		pl.ready <- r
	}
	return rs
}

// vmRSS returns process pid's resident memory in KiB.
func vmRSS(t testing.TB, pid int) int64 {
	n, err := procstat.RSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n >> 10
}

// TestJailSpawner: confined runners are the spawner's children, not the
// gateway's; when the spawner dies its runners die with it, are reported
// as exited, and the Jail goes on starting runners itself.
func TestJailSpawner(t *testing.T) {
	j := newTestJail(t, JailConfig{PoolSize: 1})
	if j.spawner == nil {
		t.Fatal("the jail started without its spawner")
	}
	waitWarm(j.pool, 1)
	warm := peek(j.pool)
	if len(warm) != 1 {
		t.Fatalf("%d warm runners", len(warm))
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(warm[0].pid), "stat"))
	if err != nil {
		t.Fatal(err)
	}
	// The fourth field of /proc/<pid>/stat is the parent's pid.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if ppid, _ := strconv.Atoi(fields[1]); ppid != j.spawner.cmd.Process.Pid {
		t.Fatalf("the runner's parent is %d, want the spawner %d", ppid, j.spawner.cmd.Process.Pid)
	}
	if r := run(t, j, JavaScript, "return 1", Limits{}); r.Error != nil || string(r.Result) != "1" {
		t.Fatalf("run through the spawner: %+v %s", r.Error, r.Result)
	}

	if err := j.spawner.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-j.spawner.dead:
	case <-time.After(10 * time.Second):
		t.Fatal("the spawner's death was not noticed")
	}
	for _, p := range peek(j.pool) {
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			t.Fatalf("runner %s of the dead spawner was not reported as exited", p.name)
		}
	}
	for i := 0; i < 2; i++ {
		if r := run(t, j, JavaScript, "return 2", Limits{}); r.Error != nil || string(r.Result) != "2" {
			t.Fatalf("run %d after the spawner died: %+v %s", i, r.Error, r.Result)
		}
	}
	assertNothingLeft(t, j)
}

// TestJailBornRunners: JavaScript runners come from a confining spawner
// (spawn.Confinement). Read from the host: each is born in pid, mount and
// cgroup namespaces of its own, shares the spawner's user, IPC and UTS
// namespaces and the jail's network namespace, runs as the jail's uid with
// no capability and no_new_privs, has loaded its seccomp filter, and sees a
// root that holds nothing but the runner binary.
func TestJailBornRunners(t *testing.T) {
	j := newTestJail(t, JailConfig{PoolSize: 2})
	if j.spawner == nil || !j.spawner.born {
		_, err := startSpawner(j, true)
		t.Fatalf("the jail has no confining spawner: %v", err)
	}
	waitWarm(j.pool, 2)
	rs := peek(j.pool)
	if len(rs) != 2 {
		t.Fatalf("%d warm runners, want 2", len(rs))
	}
	ns := func(pid int, kind string) string {
		t.Helper()
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	sp := j.spawner.cmd.Process.Pid
	self := os.Getpid()
	// This thread's: the process's main thread may be one of the Jail's
	// starter threads, which joined the runners' network namespace.
	runtime.LockOSThread()
	hostNet, err := os.Readlink("/proc/thread-self/ns/net")
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"user", "ipc", "uts"} {
		if ns(sp, kind) == ns(self, kind) {
			t.Errorf("the spawner shares the host's %s namespace", kind)
		}
	}
	for _, r := range rs {
		for _, kind := range []string{"pid", "mnt", "cgroup"} {
			if ns(r.pid, kind) == ns(sp, kind) || ns(r.pid, kind) == ns(self, kind) || ns(r.pid, kind) == ns(rs[0].pid, kind) && r != rs[0] {
				t.Errorf("runner %d: its %s namespace is not its own", r.pid, kind)
			}
		}
		for _, kind := range []string{"user", "ipc", "uts", "net"} {
			if ns(r.pid, kind) != ns(sp, kind) {
				t.Errorf("runner %d: %s namespace %s, want the spawner's %s", r.pid, kind, ns(r.pid, kind), ns(sp, kind))
			}
		}
		if ns(r.pid, "net") == hostNet {
			t.Errorf("runner %d is in the host's network namespace", r.pid)
		}
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
			"CapInh:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000",
			"NoNewPrivs:\t1", "Seccomp:\t2",
			fmt.Sprintf("PPid:\t%d", sp)} {
			if !strings.Contains(string(data), want+"\n") {
				t.Errorf("runner %d: status lacks %q", r.pid, want)
			}
		}
		entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/root", r.pid))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if len(names) != 1 || "/"+names[0] != spawn.RunnerPath {
			t.Errorf("runner %d: root holds %v, want only %s", r.pid, names, spawn.RunnerPath)
		}
		if f, err := os.OpenFile(fmt.Sprintf("/proc/%d/root/x", r.pid), os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
			t.Errorf("runner %d: its root is writable", r.pid)
		}
	}
	if r := run(t, j, JavaScript, "return 6 * 7", Limits{}); r.Error != nil || string(r.Result) != "42" {
		t.Fatalf("run: %+v %s", r.Error, r.Result)
	}
}

// waitWarm waits (up to 20 s) until pl has n runners ready.
func waitWarm(pl *pool, n int) {
	deadline := time.Now().Add(20 * time.Second)
	for pl.warm() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// TestJailBornRunnerDiesBeforeReady: a runner of the confining spawner
// that fails its own last step (here, a seccomp program it must refuse)
// fails the start at once, with the exit status the spawner reported and
// the runner's stderr, every time: the spawner never reports an exit
// before the reply that names the runner.
func TestJailBornRunnerDiesBeforeReady(t *testing.T) {
	j := newTestJail(t, JailConfig{StartTimeout: time.Minute})
	if j.spawner == nil || !j.spawner.born {
		t.Fatal("the jail has no confining spawner")
	}
	j.seccompJS = []byte("not a BPF program")
	for i := 0; i < 10; i++ {
		start := time.Now()
		_, err := j.Execute(context.Background(), &Request{Language: JavaScript, Code: "return 1"}, echoCaller)
		if err == nil {
			t.Fatal("a runner with a bad seccomp program ran")
		}
		for _, want := range []string{"exited before ready", "exit status 10", "seccomp"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("attempt %d: error %q does not say %q", i, err, want)
			}
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("attempt %d took %v: the exit was not reported at once", i, d)
		}
	}
	assertNothingLeft(t, j)
}

// TestCompileBootstrap: the host compiles the Python bootstrap with the
// jail's interpreter, and the Jail passes it to every Python runner; an
// interpreter that cannot is an error that says so.
func TestCompileBootstrap(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	if j.python == "" {
		t.Skip(j.noPy)
	}
	if len(j.pyCode) == 0 {
		t.Fatal("the jail has no compiled bootstrap")
	}
	var setup bridge.Setup
	args, err := j.setupArgs(true, true, false)
	if err == nil {
		err = json.Unmarshal(args, &setup)
	}
	if err != nil || !bytes.Equal(setup.PythonCode, j.pyCode) {
		t.Fatalf("setup of a Python runner: %v, code passed %v", err, bytes.Equal(setup.PythonCode, j.pyCode))
	}
	if r := run(t, j, Python, "return 6 * 7", Limits{}); r.Error != nil || string(r.Result) != "42" {
		t.Fatalf("run: %+v %s", r.Error, r.Result)
	}
	if _, err := compileBootstrap("/bin/false"); err == nil || !strings.Contains(err.Error(), "compile the Python bootstrap") {
		t.Fatalf("compile with /bin/false: %v", err)
	}
}
