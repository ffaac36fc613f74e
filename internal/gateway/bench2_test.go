package gateway

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/upstream"
)

// BenchmarkGatewayLogic isolates the gateway's own work on a pass-through
// call: the same call through callTool (gate, ledger, result checks) and
// straight through the hub, interleaved.
func BenchmarkGatewayLogic(b *testing.B) {
	g := newTestGateway(b, testConfig(b, `{"sandbox": {"mode": "inprocess"}, "expose": {"units": "passthrough"}}`, "units"))
	args := json.RawMessage(`{"value":1,"from":"mi","to":"km"}`)
	ctx := context.Background()
	var hub, gw []time.Duration
	for b.Loop() {
		s := time.Now()
		if _, err := g.hub.CallTool(ctx, "units", "convert", args); err != nil {
			b.Fatal(err)
		}
		hub = append(hub, time.Since(s))
		s = time.Now()
		run := g.newRun("", "passthrough", "", nil, nil)
		if _, _, err := g.callTool(ctx, run, "units.convert", args, upstream.CallOptions{}); err != nil {
			b.Fatal(err)
		}
		gw = append(gw, time.Since(s))
	}
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	b.ReportMetric(us(percentile(hub, 0.5)), "hub-p50-µs")
	b.ReportMetric(us(percentile(gw, 0.5)), "callTool-p50-µs")
	b.ReportMetric(us(percentile(gw, 0.5)-percentile(hub, 0.5)), "logic-p50-µs")
}
