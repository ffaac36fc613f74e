package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The tap is the hub's fast path for tools/call on a stdio upstream. The SDK
// client session owns the connection (initialize, tools/list, pings,
// list_changed, the upstream's own requests); the tap sits between the
// session and the connection and lets the hub send a tools/call of its own
// and take its response off the wire before the session sees it. A call
// then skips the SDK's per-call machinery (middleware, a second decode of
// the result into a generic envelope, and the goroutine that resolves the
// call), which on a pass-through call is most of what the gateway adds.
//
// Only stdio connections are tapped (lineConn reads them): the Streamable
// HTTP client connection learns the negotiated protocol version from the
// session, which a wrapper would hide, so HTTP and SSE upstreams take the
// SDK path.

// tapIDPrefix marks the request ids of the tap's calls. The SDK numbers its
// own requests, so string ids with this prefix never collide with them.
const tapIDPrefix = "cemcp-fast-"

// tap is one tapped connection's calls in flight.
type tap struct {
	conn mcp.Connection // set by lineTransport.Connect, before any call

	next    atomic.Uint64
	mu      sync.Mutex
	pending map[string]chan *jsonrpc.Response // guarded by mu
	err     error                             // set when the connection ended; guarded by mu
}

func newTap() *tap { return &tap{pending: map[string]chan *jsonrpc.Response{}} }

var tapIDMark = []byte(`"` + tapIDPrefix)

// tapResponse is a response as sent.
type tapResponse struct {
	ID     any             `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *jsonrpc.Error  `json:"error"`
}

// intercept delivers line if it is the response to one of the tap's calls,
// reporting whether it was.
func (t *tap) intercept(line []byte) bool {
	if !bytes.Contains(line, tapIDMark) || line[0] != '{' {
		return false
	}
	var r tapResponse
	if json.Unmarshal(line, &r) != nil || r.Method != "" {
		return false
	}
	id, ok := r.ID.(string)
	if !ok || !strings.HasPrefix(id, tapIDPrefix) {
		return false
	}
	rid, _ := jsonrpc.MakeID(id)
	resp := &jsonrpc.Response{ID: rid, Result: r.Result}
	if r.Error != nil {
		resp.Error = r.Error
	}
	t.deliver(id, resp)
	return true
}

func (t *tap) deliver(id string, r *jsonrpc.Response) {
	t.mu.Lock()
	ch := t.pending[id]
	delete(t.pending, id)
	t.mu.Unlock()
	if ch != nil {
		ch <- r // buffered 1
	}
}

// fail ends every call in flight: the connection is gone.
func (t *tap) fail(err error) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = err
	}
	for id, ch := range t.pending {
		delete(t.pending, id)
		close(ch)
	}
}

// callToolParams is tools/call's params as the tap sends them.
type callToolParams struct {
	Meta      map[string]any  `json:"_meta,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// callTool sends tools/call and waits for its response. When ctx ends
// first, the upstream is told (notifications/cancelled) and ctx's error is
// returned. A JSON-RPC error comes back as *jsonrpc.Error, as from the SDK.
func (t *tap) callTool(ctx context.Context, tool string, args json.RawMessage, progressToken any) (*mcp.CallToolResult, error) {
	p := callToolParams{Name: tool, Arguments: args}
	if progressToken != nil {
		p.Meta = map[string]any{"progressToken": progressToken}
	}
	params, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode tools/call: %w", err)
	}
	idStr := tapIDPrefix + strconv.FormatUint(t.next.Add(1), 10)
	id, _ := jsonrpc.MakeID(idStr)
	ch := make(chan *jsonrpc.Response, 1)
	t.mu.Lock()
	if t.err != nil {
		err := t.err
		t.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", mcp.ErrConnectionClosed, err)
	}
	t.pending[idStr] = ch
	t.mu.Unlock()
	if err := t.conn.Write(ctx, &jsonrpc.Request{ID: id, Method: "tools/call", Params: params}); err != nil {
		t.forget(idStr)
		return nil, fmt.Errorf("%w: %w", mcp.ErrConnectionClosed, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			t.mu.Lock()
			err := t.err
			t.mu.Unlock()
			return nil, fmt.Errorf("%w: %w", mcp.ErrConnectionClosed, err)
		}
		if r.Error != nil {
			return nil, r.Error
		}
		return decodeCallResult(r.Result)
	case <-ctx.Done():
		t.forget(idStr)
		cancel, _ := json.Marshal(map[string]any{"requestId": idStr, "reason": context.Cause(ctx).Error()})
		_ = t.conn.Write(context.WithoutCancel(ctx), &jsonrpc.Request{Method: "notifications/cancelled", Params: cancel})
		return nil, ctx.Err()
	}
}

func (t *tap) forget(id string) {
	t.mu.Lock()
	delete(t.pending, id)
	t.mu.Unlock()
}

// errNeedsSession says a result asks the client for input (the
// multi-round-trip protocol): the SDK session, which answers such requests,
// must make the call.
var errNeedsSession = errors.New("the result asks for input")

// callResultWire is a tools/call result as sent.
type callResultWire struct {
	Meta              mcp.Meta          `json:"_meta,omitempty"`
	Content           []json.RawMessage `json:"content"`
	StructuredContent json.RawMessage   `json:"structuredContent"`
	IsError           bool              `json:"isError"`
	InputRequests     json.RawMessage   `json:"inputRequests"`
	ResultType        string            `json:"resultType"`
}

type textContentWire struct {
	Type        string           `json:"type"`
	Text        string           `json:"text"`
	Meta        mcp.Meta         `json:"_meta"`
	Annotations *mcp.Annotations `json:"annotations"`
}

// decodeCallResult decodes a tools/call result. Structured content stays
// the upstream's JSON (a json.RawMessage), so that the gateway neither
// decodes it into generic values nor encodes it again to check and forward
// it. Text content is decoded here; any other kind of content goes through
// the SDK's decoder.
func decodeCallResult(raw json.RawMessage) (*mcp.CallToolResult, error) {
	var w callResultWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("decode tools/call result: %w", err)
	}
	if (len(w.InputRequests) > 0 && string(w.InputRequests) != "null") || w.ResultType == "input_required" {
		return nil, errNeedsSession
	}
	res := &mcp.CallToolResult{Meta: w.Meta, IsError: w.IsError, Content: make([]mcp.Content, 0, len(w.Content))}
	if len(w.StructuredContent) > 0 && string(w.StructuredContent) != "null" {
		res.StructuredContent = w.StructuredContent
	}
	for _, c := range w.Content {
		var tc textContentWire
		if err := json.Unmarshal(c, &tc); err != nil {
			return nil, fmt.Errorf("decode tools/call result: %w", err)
		}
		if tc.Type != "text" {
			var full mcp.CallToolResult
			if err := json.Unmarshal(raw, &full); err != nil {
				return nil, fmt.Errorf("decode tools/call result: %w", err)
			}
			res.Content = full.Content
			break
		}
		res.Content = append(res.Content, &mcp.TextContent{Text: tc.Text, Meta: tc.Meta, Annotations: tc.Annotations})
	}
	return res, nil
}
