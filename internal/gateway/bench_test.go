package gateway

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/procstat"
	"github.com/cemcp/cemcp/servers"
)

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p * float64(len(s)-1))
	return s[i]
}

// BenchmarkPassthroughVsDirect measures, in one run and interleaved, the same
// tools/call made straight to an upstream (SDK client over stdio) and through
// the gateway (SDK client → gateway pass-through → hub → the same kind of
// upstream over stdio). The added latency is the difference.
func BenchmarkPassthroughVsDirect(b *testing.B) {
	benchPassthrough(b, newTestGateway(b, testConfig(b, `{"sandbox": {"mode": "inprocess"}, "expose": {"units": "passthrough"}}`, "units")))
}

// benchPassthrough runs the pass-through comparison on g, whose "units"
// server is exposed for pass-through. The gateway is served as `cemcp
// serve` serves stdio (ServeStream over OS pipes).
func benchPassthrough(b *testing.B, g *Gateway) {
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "CEMCP_GATEWAY_TEST_SERVER=units")
	direct, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	through := connectStdio(b, g)

	args := map[string]any{"value": 1, "from": "mi", "to": "km"}
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		start := time.Now()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
		d := time.Since(start)
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %v", name, err, res)
		}
		return d
	}
	for range 50 { // warm up both paths
		call(direct, "convert")
		call(through, "units__convert")
	}
	var dd, td []time.Duration
	b.ResetTimer()
	for b.Loop() {
		dd = append(dd, call(direct, "convert"))
		td = append(td, call(through, "units__convert"))
	}
	b.StopTimer()
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	b.ReportMetric(us(percentile(dd, 0.5)), "direct-p50-µs")
	b.ReportMetric(us(percentile(td, 0.5)), "gateway-p50-µs")
	b.ReportMetric(us(percentile(td, 0.5)-percentile(dd, 0.5)), "added-p50-µs")
	b.ReportMetric(us(percentile(td, 0.99)-percentile(dd, 0.99)), "added-p99-µs")
	b.ReportMetric(float64(percentile(td, 0.5))/float64(percentile(dd, 0.5)), "ratio-p50")
}

// BenchmarkExecuteOneCall is execute_code's fixed overhead in process:
// transform + run + one tool call to a real upstream over stdio.
func BenchmarkExecuteOneCall(b *testing.B) {
	g := newTestGateway(b, testConfig(b, `{"sandbox": {"mode": "inprocess"}}`, "units"))
	in := ExecuteInput{Code: `const r = await tools.units.convert({ value: 1, from: "mi", to: "km" }); return r.result;`}
	for range 20 {
		g.Execute(context.Background(), in)
	}
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		out := g.Execute(context.Background(), in)
		ds = append(ds, time.Since(start))
		if out.Error != nil {
			b.Fatal(out.Text())
		}
	}
	b.ReportMetric(float64(percentile(ds, 0.5).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(ds, 0.95).Microseconds()), "p95-µs")
}

// rssBytes reads this process's resident set size.
func rssBytes(tb testing.TB) int64 {
	n, err := procstat.RSS(0)
	if err != nil {
		tb.Skip(err)
	}
	return n
}

// BenchmarkMemory reports the gateway's memory with the ten bundled servers
// connected (each in its own process), idle, and after many execute_code
// runs: RSS and live heap, so that growth shows.
func BenchmarkMemory(b *testing.B) {
	runs := 10000
	if s := os.Getenv("CEMCP_BENCH_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	defer func(d time.Duration) { idleRelease = d }(idleRelease)
	idleRelease = 300 * time.Millisecond
	g := newTestGateway(b, testConfig(b, `{"sandbox": {"mode": "inprocess"}}`, servers.Names()...))
	// idle waits until the gateway has been idle long enough to return
	// unused memory, as it does between a client's turns.
	idle := func() {
		n := g.released.Load()
		for g.released.Load() == n {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if n := len(g.Status()); n != 10 {
		b.Fatalf("%d upstreams", n)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	in := ExecuteInput{Code: `const r = await Promise.all([tools.units.convert({ value: 1, from: "mi", to: "km" }), tools.math.evaluate({ expression: "2+2" })]); console.log(r.length); return r;`}
	for range 200 {
		g.Execute(context.Background(), in)
	}
	idle()
	idleRSS, idleHeap := rssBytes(b), heap()
	for b.Loop() {
		for range runs {
			if out := g.Execute(context.Background(), in); out.Error != nil {
				b.Fatal(out.Text())
			}
		}
	}
	busyRSS := rssBytes(b)
	idle()
	afterRSS, afterHeap := rssBytes(b), heap()
	b.ReportMetric(float64(busyRSS)/(1<<20), "RSS-busy-MB")
	mb := func(v int64) float64 { return float64(v) / (1 << 20) }
	b.ReportMetric(mb(idleRSS), "idle-RSS-MB")
	b.ReportMetric(mb(int64(idleHeap)), "idle-heap-MB")
	b.ReportMetric(mb(afterRSS), fmt.Sprintf("RSS-after-%d-runs-MB", runs))
	b.ReportMetric(mb(int64(afterHeap)-int64(idleHeap)), "heap-growth-MB")
}
