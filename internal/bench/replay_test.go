package bench

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/tasks"
)

func startEnv(t testing.TB, setup Setup) *Env {
	t.Helper()
	h, err := NewHost()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := h.Start(ctx, setup, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestReplayThreeAgents(t *testing.T) {
	tk := tasks.ByCategory(tasks.Three)[0]
	e := startEnv(t, Setup{Servers: tk.Servers, Distractors: 100})
	rp := &Replayer{Counter: &Counter{}, Cost: DefaultCostModel}
	runs := map[string]*Run{}
	for _, s := range Strategies {
		r, err := rp.Replay(context.Background(), e, tk, s)
		if err != nil {
			t.Fatal(err)
		}
		runs[s] = r
		if !r.Correct {
			t.Errorf("%s: answer rejected: %s", s, r.CheckError)
		}
		wantTurns := map[string]int{Coupled: len(tk.Plan) + 1, Search: len(tk.Plan) + 2, Code: 4}[s]
		if len(r.Turns) != wantTurns {
			t.Errorf("%s: %d turns, want %d", s, len(r.Turns), wantTurns)
		}
		for i := 1; i < len(r.Turns); i++ {
			// Each request holds the previous one, its reply and the results.
			if d := r.Turns[i].Input - r.Turns[i-1].Input; d <= r.Turns[i-1].Output {
				t.Errorf("%s: turn %d grew by %d tokens, less than the previous reply's %d", s, i, d, r.Turns[i-1].Output)
			}
		}
		m := r.Measured
		if m.WallMs <= 0 || math.Abs(m.WallMs-(m.ToolMs+m.GatewayMs+m.SandboxMs)) > 0.01 {
			t.Errorf("%s: timing %+v does not add up", s, m)
		}
		if e := relErr(r.Predicted, r.Total()); e > 0.15 {
			t.Errorf("%s: predicted %d, measured %d (%.0f %% off)", s, r.Predicted, r.Total(), 100*e)
		}
		if r.ModelMs <= DefaultCostModel.TurnOverheadMs*float64(len(r.Turns)) {
			t.Errorf("%s: model time %v ms", s, r.ModelMs)
		}
	}
	if c, x := runs[Coupled], runs[Code]; x.Total() >= c.Total()/5 {
		t.Errorf("code mode %d tokens vs coupled %d: expected far fewer", x.Total(), c.Total())
	}
	if runs[Code].Measured.SandboxMs <= 0 || runs[Coupled].Measured.SandboxMs != 0 {
		t.Errorf("sandbox time: code %v, coupled %v", runs[Code].Measured.SandboxMs, runs[Coupled].Measured.SandboxMs)
	}
	if runs[Coupled].Turns[0].SchemaTokens != rp.Counter.Tools(e.Tools) {
		t.Error("coupled first turn does not carry every schema")
	}
	if runs[Code].SearchRecall == 0 {
		t.Error("code agent's searches found none of its tools")
	}
}

// TestSweepSmall runs a tiny sweep end to end and writes its report.
func TestSweepSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several gateways")
	}
	tk2 := tasks.ByCategory(tasks.Two)[0]
	tk1 := tasks.ByCategory(tasks.Single)[0]
	rep, err := Sweep(context.Background(), Options{Tasks: []tasks.Task{tk1, tk2}, ServerCounts: []int{1, 2, 4}, Distractors: []int{0, 200}})
	if err != nil {
		t.Fatal(err)
	}
	// servers: tk1 at 1, 2, 4; tk2 at 2, 4; tools: both at 0 and 200.
	if want := (3 + 2 + 2 + 2) * 3; len(rep.Runs) != want {
		t.Errorf("%d runs, want %d", len(rep.Runs), want)
	}
	h := rep.Headline
	if h.MaxServers != 4 || h.MultiServerTasks != 1 || h.MultiServerSaving <= 0.5 {
		t.Errorf("headline %+v", h)
	}
	if h.Correct != h.Runs || h.PredWithin15 < 1 || h.CoupledSlope <= 0 {
		t.Errorf("headline %+v", h)
	}
	dir := t.TempDir()
	files, err := rep.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 9 {
		t.Errorf("wrote %v", files)
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.Size() < 100 {
			t.Errorf("%s: %v, %d bytes", f, err, st.Size())
		}
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(b, &back); err != nil || len(back.Runs) != len(rep.Runs) {
		t.Errorf("report.json does not round-trip: %v", err)
	}
	var sb strings.Builder
	if err := rep.WriteTable(&sb); err != nil || !strings.Contains(sb.String(), "coupled") {
		t.Errorf("table: %v\n%s", err, sb.String())
	}
}
