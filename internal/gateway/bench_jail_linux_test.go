package gateway

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/procstat"
)

// BenchmarkExecuteThroughput is issue 3's throughput figure end to end:
// trivial execute_code calls ("return 1") from 8 MCP clients in parallel,
// each over its own stdio connection as `cemcp serve` serves it, through
// the whole gateway (static analysis, transform, the gate, the audit
// ledger) to the jail (warm pool of 8, a fresh confined runner per run).
// It reports runs per second and the CPU the whole machine spent per run
// (/proc/stat, so the runners, the spawner and kernel threads count).
func BenchmarkExecuteThroughput(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the jail needs root here")
	}
	runner := buildRunner(b)
	g := newJailGateway(b, fmt.Sprintf(`{"sandbox": {"mode": "jail", "runner": %q, "pool_size": 8}}`, runner))
	const clients = 8
	sessions := make([]*mcp.ClientSession, clients)
	for i := range sessions {
		sessions[i] = connectStdio(b, g)
	}
	call := func(cs *mcp.ClientSession) {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": "return 1"}})
		if err != nil || res.IsError {
			b.Fatalf("execute_code: %v %+v", err, res)
		}
	}
	for _, cs := range sessions { // warm up every connection
		call(cs)
	}
	var next atomic.Int64
	b.SetParallelism((clients + 1) / 2) // RunParallel starts this many per CPU: 8 on 2 cores
	busy0 := machineBusy(b)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		cs := sessions[int(next.Add(1)-1)%clients]
		for pb.Next() {
			call(cs)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "runs/s")
	b.ReportMetric(float64((machineBusy(b)-busy0).Microseconds())/float64(b.N), "system-cpu-µs/run")
}

// newJailGateway is newTestGateway with the executor the configuration
// asks for (extra is the "cemcp" section), no upstream servers.
func newJailGateway(tb testing.TB, extra string) *Gateway {
	tb.Helper()
	cfg := testConfig(tb, extra)
	cfg.Cemcp.Audit.Path = filepath.Join(tb.TempDir(), "audit.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g, err := New(ctx, Options{Config: cfg})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close() })
	return g
}

var (
	runnerOnce sync.Once
	runnerBin  string
	runnerErr  error
)

// buildRunner builds cmd/cemcp-runner once per test binary, in a directory
// the jail's unprivileged uid can read.
func buildRunner(tb testing.TB) string {
	tb.Helper()
	runnerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cemcp-gateway-runner")
		if err == nil {
			err = os.Chmod(dir, 0o755)
		}
		if err != nil {
			runnerErr = err
			return
		}
		runnerBin = filepath.Join(dir, "cemcp-runner")
		cmd := exec.Command("go", "build", "-o", runnerBin, "github.com/cemcp/cemcp/cmd/cemcp-runner")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			runnerErr = fmt.Errorf("build cemcp-runner: %v\n%s", err, out)
		}
	})
	if runnerErr != nil {
		tb.Fatal(runnerErr)
	}
	return runnerBin
}

// machineBusy is procstat.Busy for a benchmark.
func machineBusy(tb testing.TB) time.Duration {
	d, err := procstat.Busy()
	if err != nil {
		tb.Skip(err)
	}
	return d
}
