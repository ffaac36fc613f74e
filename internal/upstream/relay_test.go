package upstream

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

// client is a downstream that records what reached it.
type client struct {
	name   string
	elicit bool
	got    []string
}

func (c *client) Progress(context.Context, *mcp.ProgressNotificationParams) {
	c.got = append(c.got, "progress")
}
func (c *client) Log(context.Context, *mcp.LoggingMessageParams) { c.got = append(c.got, "log") }
func (c *client) CreateMessage(context.Context, *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	c.got = append(c.got, "sample")
	return nil, nil
}
func (c *client) Elicit(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	c.got = append(c.got, "elicit")
	return nil, nil
}
func (c *client) Can(method string) bool { return method == "elicitation/create" && c.elicit }

// TestRelayRouting: progress goes to the call whose token it carries;
// requests go to the newest call whose client can answer them.
func TestRelayRouting(t *testing.T) {
	var r relays
	a := &client{name: "a", elicit: true}
	b := &client{name: "b"}
	ida, toka := r.add(CallOptions{Downstream: a, ProgressToken: "client-a"})
	_, tokb := r.add(CallOptions{Downstream: b, ProgressToken: 7})
	if toka == tokb || toka == nil {
		t.Fatalf("upstream tokens %v %v", toka, tokb)
	}
	if rc := r.byToken(toka); rc == nil || rc.d != a || rc.token != "client-a" {
		t.Errorf("progress token of a routed to %+v", rc)
	}
	if rc := r.byToken("client-a"); rc != nil {
		t.Errorf("a downstream's own token must not be accepted from upstream")
	}
	if rc := r.latest(""); rc == nil || rc.d != b {
		t.Errorf("notifications go to the newest call")
	}
	if rc := r.latest("elicitation/create"); rc == nil || rc.d != a {
		t.Errorf("elicitation must skip b, which cannot answer it")
	}
	if rc := r.latest("sampling/createMessage"); rc != nil {
		t.Errorf("no client can sample, got %+v", rc)
	}
	r.remove(ida)
	if rc := r.latest("elicitation/create"); rc != nil {
		t.Errorf("a finished call still receives requests")
	}
}

// recorder is a Downstream that records progress, safe for concurrent use.
type recorder struct {
	mu       sync.Mutex
	progress []float64
}

func (r *recorder) Progress(_ context.Context, p *mcp.ProgressNotificationParams) {
	r.mu.Lock()
	r.progress = append(r.progress, p.Progress)
	r.mu.Unlock()
}
func (r *recorder) Log(context.Context, *mcp.LoggingMessageParams) {}
func (r *recorder) CreateMessage(context.Context, *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	return nil, errNoDownstream
}
func (r *recorder) Elicit(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	return nil, errNoDownstream
}
func (r *recorder) Can(string) bool { return false }

// TestProgressBeforeResult: every progress notification a stdio server
// sends before its result has reached the caller's client when the call
// returns, although the SDK relays notifications after it has handled the
// response that followed them.
func TestProgressBeforeResult(t *testing.T) {
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{})
	for i := range 50 {
		var d recorder
		res, err := h.CallToolWith(context.Background(), "s", "progress", json.RawMessage(`{"n":3}`), CallOptions{Downstream: &d, ProgressToken: "client-token"})
		if err != nil || res.IsError {
			t.Fatalf("call %d: %v %+v", i, err, res)
		}
		d.mu.Lock()
		got := slices.Clone(d.progress)
		d.mu.Unlock()
		if !slices.Equal(got, []float64{1, 2, 3}) {
			t.Fatalf("call %d: progress relayed before the call returned = %v, want [1 2 3]", i, got)
		}
	}
}
