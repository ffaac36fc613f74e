package upstream

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

// BenchmarkCallTool compares one echo call through the Hub with the same
// call straight through an SDK ClientSession to the same kind of server,
// interleaved in one run, and reports p50/p95 of both (µs) and the hub's
// p50 overhead ratio.
//
//	go test -run '^$' -bench CallTool -benchtime 2000x ./internal/upstream
func BenchmarkCallTool(b *testing.B) {
	b.Run("inmemory", func(b *testing.B) {
		srv := newTestServer(false)
		dial := func(ctx context.Context, _ string) (mcp.Transport, error) {
			st, ct := mcp.NewInMemoryTransports()
			if _, err := srv.Connect(ctx, st, nil); err != nil {
				return nil, err
			}
			return ct, nil
		}
		h := New(map[string]*config.Server{"s": {Name: "s", Type: "stdio"}}, Options{})
		h.dial = dial
		direct := func() mcp.Transport { t, _ := dial(context.Background(), "s"); return t }()
		benchCalls(b, h, direct)
	})
	b.Run("stdio", func(b *testing.B) {
		h := New(map[string]*config.Server{"s": stdioServer(b, "full", nil)}, Options{})
		cmd := exec.Command(testBinary(b))
		cmd.Env = []string{upstreamEnv + "=full"}
		benchCalls(b, h, &mcp.CommandTransport{Command: cmd})
	})
}

func benchCalls(b *testing.B, h *Hub, direct mcp.Transport) {
	ctx := context.Background()
	h.Start(ctx)
	defer h.Close()
	if st := h.Status()[0]; st.State != StateReady {
		b.Fatalf("hub: %+v", st)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(ctx, direct, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()

	args := json.RawMessage(`{"text":"hello"}`)
	params := &mcp.CallToolParams{Name: "echo", Arguments: args}
	viaHub := make([]time.Duration, 0, b.N)
	viaSDK := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := h.CallTool(ctx, "s", "echo", args); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := cs.CallTool(ctx, params); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		viaHub = append(viaHub, t1.Sub(t0))
		viaSDK = append(viaSDK, t2.Sub(t1))
	}
	b.StopTimer()
	hub50, hub95 := percentiles(viaHub)
	sdk50, sdk95 := percentiles(viaSDK)
	b.ReportMetric(us(hub50), "hub-p50-µs")
	b.ReportMetric(us(hub95), "hub-p95-µs")
	b.ReportMetric(us(sdk50), "sdk-p50-µs")
	b.ReportMetric(us(sdk95), "sdk-p95-µs")
	b.ReportMetric(float64(hub50)/float64(sdk50), "p50-ratio")
}

func percentiles(d []time.Duration) (p50, p95 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)*50/100], s[len(s)*95/100]
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
