package gateway

import (
	"context"
	"testing"

	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/sandbox"
)

// BenchmarkPassthroughBreakdown is BenchmarkPassthroughVsDirect with parts
// of the gateway switched off, to show where the added latency goes: the
// ledger ("noaudit"), the gate's layers ("nolayers"), both ("bare").
func BenchmarkPassthroughBreakdown(b *testing.B) {
	for _, v := range []struct {
		name   string
		audit  bool
		layers *gate.Layers
	}{{"full", true, nil}, {"noaudit", false, nil}, {"nolayers", true, &gate.Layers{}}, {"bare", false, &gate.Layers{}}} {
		b.Run(v.name, func(b *testing.B) {
			cfg := testConfig(b, `{"sandbox": {"mode": "inprocess"}, "expose": {"units": "passthrough"}}`, "units")
			cfg.Cemcp.Audit.Path = b.TempDir() + "/a.db"
			cfg.Cemcp.Audit.Enabled = v.audit
			g, err := New(context.Background(), Options{Config: cfg, Executor: sandbox.NewInProcess(sandbox.Limits{}, nil), Layers: v.layers})
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			benchPassthrough(b, g)
		})
	}
}
