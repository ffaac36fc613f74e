package upstream

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
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
