package bench

import (
	"context"
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
	for _, s := range Strategies {
		r, err := rp.Replay(context.Background(), e, tk, s)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %s: turns %d in %d out %d calls %d/%d bytes %d pred %d correct %v %s recall %.2f timing %+v model %.0f",
			tk.ID, s, len(r.Turns), r.Input, r.Output, r.ModelCalls, r.ToolCalls, r.ResultBytes, r.Predicted, r.Correct, r.CheckError, r.SearchRecall, r.Measured, r.ModelMs)
	}
}
