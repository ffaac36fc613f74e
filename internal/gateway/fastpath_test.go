package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/audit"
)

// rawPeer is a client that speaks JSON-RPC messages directly, to see the
// wire as a client does.
type rawPeer struct {
	t    *testing.T
	conn mcp.Connection
}

func (p *rawPeer) send(id any, method string, params any) {
	p.t.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		p.t.Fatal(err)
	}
	msg := &jsonrpc.Request{Method: method, Params: b}
	if id != nil {
		msg.ID, _ = jsonrpc.MakeID(id)
	}
	if err := p.conn.Write(context.Background(), msg); err != nil {
		p.t.Fatal(err)
	}
}

// reply reads messages until the response to id, which it returns.
func (p *rawPeer) reply(id any) *jsonrpc.Response {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want, _ := jsonrpc.MakeID(id)
	for {
		msg, err := p.conn.Read(ctx)
		if err != nil {
			p.t.Fatalf("read: %v", err)
		}
		if r, ok := msg.(*jsonrpc.Response); ok && r.ID == want {
			return r
		}
	}
}

func (p *rawPeer) initialize(version string) {
	p.t.Helper()
	p.send(float64(0), "initialize", map[string]any{"protocolVersion": version, "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "raw", "version": "1"}})
	if r := p.reply(float64(0)); r.Error != nil {
		p.t.Fatalf("initialize: %v", r.Error)
	}
	p.send(nil, "notifications/initialized", map[string]any{})
}

// rawStream is a raw client on the gateway's stream face (the fast path).
func rawStream(t *testing.T, g *Gateway) *rawPeer {
	c2gR, c2gW, _ := os.Pipe()
	g2cR, g2cW, _ := os.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- g.ServeStream(ctx, c2gR, g2cW) }()
	conn, err := (&mcp.IOTransport{Reader: g2cR, Writer: c2gW}).Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		<-served
	})
	return &rawPeer{t: t, conn: conn}
}

// rawSDK is a raw client on the SDK's own handling of the same server.
func rawSDK(t *testing.T, g *Gateway) *rawPeer {
	ct, st := mcp.NewInMemoryTransports()
	ss, err := g.Server().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ct.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		ss.Close()
	})
	return &rawPeer{t: t, conn: conn}
}

// TestFastPathWire: for every protocol version, the fast path answers a
// pass-through call byte for byte as the SDK's handling of the same call
// does: a result, a tool error, a call the gate refuses.
func TestFastPathWire(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"units": "passthrough"}}`, "units"))
	calls := []map[string]any{
		{"name": "units__convert", "arguments": map[string]any{"value": 2, "from": "kg", "to": "g"}},
		{"name": "units__convert", "arguments": map[string]any{"value": 2, "from": "kg", "to": "parsec"}},
		{"name": "units__convert", "arguments": map[string]any{"value": "two", "from": "kg", "to": "g"}},
	}
	for _, version := range []string{"2025-06-18", "2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			fast, sdk := rawStream(t, g), rawSDK(t, g)
			fast.initialize(version)
			sdk.initialize(version)
			for i, params := range calls {
				id := "call-" + fmt.Sprint(i)
				fast.send(id, "tools/call", params)
				sdk.send(id, "tools/call", params)
				fr, sr := fast.reply(id), sdk.reply(id)
				if fmt.Sprint(fr.Error) != fmt.Sprint(sr.Error) {
					t.Fatalf("call %d: fast error %v, SDK error %v", i, fr.Error, sr.Error)
				}
				var fv, sv any
				_ = json.Unmarshal(fr.Result, &fv)
				_ = json.Unmarshal(sr.Result, &sv)
				if !reflect.DeepEqual(fv, sv) {
					t.Errorf("call %d:\nfast %s\nSDK  %s", i, fr.Result, sr.Result)
				}
				if version >= "2026-07-28" && !strings.Contains(string(fr.Result), `"resultType":"complete"`) {
					t.Errorf("call %d: no resultType for a %s client: %s", i, version, fr.Result)
				}
			}
		})
	}
}

// TestFastPathTakesOnlyItsCalls: the fast path answers pass-through calls
// of an initialized session (they are in the ledger like any call) and
// leaves everything else to the SDK.
func TestFastPathTakesOnlyItsCalls(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"units": "passthrough"}}`, "units"))
	p := rawStream(t, g)
	conv := map[string]any{"name": "units__convert", "arguments": map[string]any{"value": 1, "from": "m", "to": "cm"}}
	// Before initialize: the SDK's answer, an error, and nothing called.
	p.send("early", "tools/call", conv)
	if r := p.reply("early"); r.Error == nil {
		t.Errorf("a call before initialize was answered: %s", r.Result)
	}
	p.initialize("2025-11-25")
	p.send(float64(7), "tools/call", conv)
	if r := p.reply(float64(7)); r.Error != nil || !strings.Contains(string(r.Result), `"result":100`) {
		t.Fatalf("pass-through call: %v %s", r.Error, r.Result)
	}
	// Code-mode tools and unknown tools are the SDK's.
	p.send("s", "tools/call", map[string]any{"name": "search_tools", "arguments": map[string]any{"query": "convert units"}})
	if r := p.reply("s"); r.Error != nil || !strings.Contains(string(r.Result), "units.convert") {
		t.Errorf("search_tools: %v %s", r.Error, r.Result)
	}
	p.send("u", "tools/call", map[string]any{"name": "units__nope", "arguments": map[string]any{}})
	if r := p.reply("u"); r.Error == nil && !strings.Contains(string(r.Result), "isError") {
		t.Errorf("unknown tool answered: %s", r.Result)
	}
	g.SyncAudit()
	runs, err := g.Ledger().List(context.Background(), audit.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range runs {
		if strings.HasSuffix(r.ID, "-passthrough") {
			d, err := g.Ledger().Show(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			found = len(d.Calls) == 1 && d.Calls[0].Tool == "units.convert" && d.Calls[0].Decision == "allow"
		}
	}
	if !found {
		t.Errorf("the fast call is not in the ledger as the one pass-through call: %+v", runs)
	}
}

// TestFastPathApproval: a pass-through call that needs the user's approval
// asks the client (elicitation) from the fast path, and reaches the server
// only when accepted.
func TestFastPathApproval(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"bad": "passthrough"}}`, "bad"))
	for _, tc := range []struct {
		approve bool
		want    int
	}{{false, 0}, {true, 1}} {
		asked := 0
		cs := connectStdioWith(t, g, "2025-11-25", func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked++
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"approve": tc.approve}}, nil
		})
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "bad__send", Arguments: map[string]any{"text": "hello"}})
		if err != nil {
			t.Fatal(err)
		}
		if asked != 1 || res.IsError == tc.approve {
			t.Errorf("approve=%v: asked %d times, result %s", tc.approve, asked, text(res))
		}
		if n := sentCount(t, g, "bad"); n != tc.want {
			t.Errorf("approve=%v: sends that reached the server = %d, want %d", tc.approve, n, tc.want)
		}
	}
}

// TestFastPathCancel: a client's notifications/cancelled ends a fast call
// in flight, the call leaves nothing behind, and the session goes on.
func TestFastPathCancel(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"bad": "passthrough"},
		"policy": {"rules": [{"name": "hang-ok", "when": "tool == 'hang'", "effect": "allow"}]}}`, "bad"))
	cs := connectStdio(t, g)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "bad__hang", Arguments: map[string]any{}})
		errc <- err
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("a cancelled call succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled call did not return")
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "bad__echo", Arguments: map[string]any{"text": "still here"}})
	if err != nil || !strings.Contains(text(res), "still here") {
		t.Fatalf("after a cancel: %v %s", err, text(res))
	}
	g.SyncAudit()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runs, _ := g.Ledger().List(context.Background(), audit.ListOptions{Limit: 10})
		var statuses []string
		for _, r := range runs {
			if d, err := g.Ledger().Show(context.Background(), r.ID); err == nil {
				for _, c := range d.Calls {
					if c.Tool == "bad.hang" {
						statuses = append(statuses, c.Status)
					}
				}
			}
		}
		if len(statuses) == 1 && statuses[0] == "cancelled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hang call's ledger statuses = %v, want [cancelled]", statuses)
		}
		time.Sleep(50 * time.Millisecond)
		g.SyncAudit()
	}
}

// connectStdioWith returns an SDK client session on the gateway's stdio
// face (ServeStream, with the pass-through fast path) over a pair of OS
// pipes, as `cemcp serve` runs under a client. version ("" for the SDK's
// default) is the protocol the client asks for; elicit, when set, answers
// elicitation.
func connectStdioWith(t testing.TB, g *Gateway, version string, elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)) *mcp.ClientSession {
	t.Helper()
	c2gR, c2gW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	g2cR, g2cW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- g.ServeStream(ctx, c2gR, g2cW) }()
	var opts *mcp.ClientOptions
	if elicit != nil {
		opts = &mcp.ClientOptions{ElicitationHandler: elicit}
	}
	var sopts *mcp.ClientSessionOptions
	if version != "" {
		sopts = &mcp.ClientSessionOptions{ProtocolVersion: version}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts).
		Connect(ctx, &mcp.IOTransport{Reader: g2cR, Writer: c2gW}, sopts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		cancel()
		<-served
	})
	return cs
}

// TestFastPathProgressBeforeResult: on the wire to the client, every
// progress notification the upstream sent before its result comes before
// the fast path's response, under the client's own token.
func TestFastPathProgressBeforeResult(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"bad": "passthrough"}}`, "bad"))
	p := rawStream(t, g)
	p.initialize("2025-11-25")
	for i := range 20 {
		id := fmt.Sprint("steps-", i)
		p.send(id, "tools/call", map[string]any{"name": "bad__steps", "arguments": map[string]any{}, "_meta": map[string]any{"progressToken": id}})
		var progress []float64
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		for {
			msg, err := p.conn.Read(ctx)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			if r, ok := msg.(*jsonrpc.Request); ok && r.Method == "notifications/progress" {
				var pp mcp.ProgressNotificationParams
				_ = json.Unmarshal(r.Params, &pp)
				if pp.ProgressToken != id {
					t.Errorf("progress under token %v, want %s", pp.ProgressToken, id)
				}
				progress = append(progress, pp.Progress)
				continue
			}
			if r, ok := msg.(*jsonrpc.Response); ok {
				if r.Error != nil || !strings.Contains(string(r.Result), `"steps":3`) {
					t.Fatalf("call %d: %v %s", i, r.Error, r.Result)
				}
				break
			}
		}
		cancel()
		if !reflect.DeepEqual(progress, []float64{1, 2, 3}) {
			t.Fatalf("call %d: progress before the response = %v, want [1 2 3]", i, progress)
		}
	}
}
