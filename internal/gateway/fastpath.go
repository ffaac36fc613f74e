package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The pass-through fast path. On a byte stream (stdio), the gateway reads
// the client's messages before the SDK session does: a tools/call of a
// pass-through tool, on an initialized session, is handled at once (the
// same callTool path, gate and ledger as every call) and its response
// written back; every other message goes to the SDK session unchanged. The
// SDK's per-request work (dispatch goroutine, middleware, generic decoding
// of params and re-encoding of the result) is most of what a pass-through
// call costs over a direct one, and none of it is needed to forward a call.
//
// What the fast path leaves to the SDK: everything before initialization,
// batches, code-mode tools, and any tool it does not serve directly. A
// client's notifications/cancelled for a fast call cancels it (and is also
// passed on, where the SDK ignores the unknown id).

// maxFrame bounds one message of the client, as the SDK's stdio transport
// does.
const maxFrame = mcp.DefaultMaxLineLength

// ServeStream serves one client over a newline-delimited JSON-RPC byte
// stream (stdio), with the pass-through fast path, until the client closes
// the stream or ctx ends.
func (g *Gateway) ServeStream(ctx context.Context, r io.ReadCloser, w io.WriteCloser) error {
	ss, fp, err := g.connectStream(ctx, r, w)
	if err != nil {
		return err
	}
	defer fp.stop()
	done := make(chan error, 1)
	go func() { done <- ss.Wait() }()
	select {
	case <-ctx.Done():
		ss.Close()
		<-done
		return ctx.Err()
	case err := <-done:
		return err
	}
}

// connectStream connects a session over r and w with the fast path in
// front of it.
func (g *Gateway) connectStream(ctx context.Context, r io.ReadCloser, w io.WriteCloser) (*mcp.ServerSession, *fastPath, error) {
	pr, pw := io.Pipe()
	fp := &fastPath{g: g, in: r, sdk: pw, out: &lockedWriter{w: w}, inflight: map[string]context.CancelFunc{}}
	fp.ctx, fp.cancel = context.WithCancel(context.WithoutCancel(ctx))
	ss, err := g.server.Connect(ctx, &mcp.IOTransport{Reader: pr, Writer: fp.out}, nil)
	if err != nil {
		fp.cancel()
		pr.Close()
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	fp.ss.Store(ss)
	go fp.read()
	return ss, fp, nil
}

// lockedWriter writes whole messages: the SDK's and the fast path's never
// interleave. (The SDK writes each message with one Write.)
type lockedWriter struct {
	mu sync.Mutex
	w  io.WriteCloser
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Close() error { return l.w.Close() }

type fastPath struct {
	g   *Gateway
	in  io.ReadCloser
	sdk *io.PipeWriter // what the SDK session reads
	out *lockedWriter
	ss  atomic.Pointer[mcp.ServerSession]

	ctx    context.Context // ends when the stream does
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	inflight map[string]context.CancelFunc // fast calls by raw request id; guarded by mu
}

// read splits the client's stream into messages and routes each.
func (f *fastPath) read() {
	defer func() {
		f.cancel()
		f.wg.Wait()
	}()
	br := bufio.NewReaderSize(f.in, 64<<10)
	for {
		line, err := readFrame(br)
		if len(line) > 0 {
			if !f.route(line) {
				if _, werr := f.sdk.Write(line); werr != nil {
					return
				}
			}
		}
		if err != nil {
			f.sdk.CloseWithError(err)
			return
		}
	}
}

// errFrameTooLong ends a stream whose message exceeds maxFrame.
var errFrameTooLong = fmt.Errorf("a message exceeds %d bytes", maxFrame)

// readFrame returns the next line, newline included.
func readFrame(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == nil {
		return append([]byte(nil), line...), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return append([]byte(nil), line...), err
	}
	buf := append([]byte(nil), line...)
	for {
		line, err = br.ReadSlice('\n')
		buf = append(buf, line...)
		if len(buf) > maxFrame {
			return nil, errFrameTooLong
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

// fastEnvelope is the part of a client message the fast path reads.
type fastEnvelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

type fastCallParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Meta      struct {
		ProgressToken any `json:"progressToken"`
	} `json:"_meta"`
	// The multi-round-trip fields: a pass-through call never asks for
	// input this way, so a request carrying them is the SDK's to answer.
	InputResponses json.RawMessage `json:"inputResponses"`
	RequestState   json.RawMessage `json:"requestState"`
}

var (
	methodCall      = []byte(`"tools/call"`)
	methodCancelled = []byte(`"notifications/cancelled"`)
)

// route handles line if it is a fast call (reporting true), and notes a
// cancellation of one.
func (f *fastPath) route(line []byte) bool {
	isCall := bytes.Contains(line, methodCall)
	if !isCall && !bytes.Contains(line, methodCancelled) {
		return false
	}
	trimmed := bytes.TrimSpace(line)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false // a batch, or garbage: the SDK's to answer
	}
	var env fastEnvelope
	if json.Unmarshal(trimmed, &env) != nil {
		return false
	}
	if env.Method == "notifications/cancelled" {
		var p struct {
			RequestID json.RawMessage `json:"requestId"`
		}
		if json.Unmarshal(env.Params, &p) == nil && len(p.RequestID) > 0 {
			f.mu.Lock()
			cancel := f.inflight[string(p.RequestID)]
			f.mu.Unlock()
			if cancel != nil {
				cancel()
			}
		}
		return false
	}
	if env.Method != "tools/call" || len(env.ID) == 0 || env.ID[0] == 'n' {
		return false
	}
	ss := f.ss.Load()
	if ss == nil || ss.InitializeParams() == nil {
		return false
	}
	var p fastCallParams
	if json.Unmarshal(env.Params, &p) != nil || len(p.InputResponses) > 0 || len(p.RequestState) > 0 {
		return false
	}
	qualified, ok := f.g.servedQualified(p.Name)
	if !ok {
		return false
	}
	var id any
	if json.Unmarshal(env.ID, &id) != nil {
		return false
	}
	rid, err := jsonrpc.MakeID(id)
	if err != nil {
		return false
	}
	key := string(env.ID)
	ctx, cancel := context.WithCancel(f.ctx)
	f.mu.Lock()
	if _, dup := f.inflight[key]; dup {
		f.mu.Unlock()
		cancel()
		return false // the SDK answers a duplicate id
	}
	f.inflight[key] = cancel
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer func() {
			f.mu.Lock()
			delete(f.inflight, key)
			f.mu.Unlock()
			cancel()
		}()
		res, err := f.g.passthroughCall(ctx, ss, qualified, p.Arguments, p.Meta.ProgressToken)
		f.respond(rid, res, sessionUsesMultiRoundTrip(ss), err)
	}()
	return true
}

// respond writes the response to one fast call, as the SDK would: a
// session of the multi-round-trip protocol gets resultType "complete".
func (f *fastPath) respond(id jsonrpc.ID, res *mcp.CallToolResult, mrtr bool, err error) {
	var msg []byte
	if err == nil {
		out := *res
		if mrtr {
			out = completeResult
		}
		out.Meta, out.Content, out.StructuredContent, out.IsError = res.Meta, res.Content, res.StructuredContent, res.IsError
		if out.Content == nil {
			out.Content = []mcp.Content{} // "content" is required
		}
		var result, rid []byte
		result, err = encodeCallResult(&out, mrtr)
		if err == nil {
			rid, err = json.Marshal(id.Raw())
		}
		if err == nil {
			msg = make([]byte, 0, len(result)+len(rid)+40)
			msg = append(msg, `{"jsonrpc":"2.0","id":`...)
			msg = append(msg, rid...)
			msg = append(msg, `,"result":`...)
			msg = append(msg, result...)
			msg = append(msg, '}')
		}
	}
	if err != nil {
		msg, err = jsonrpc.EncodeMessage(&jsonrpc.Response{ID: id, Error: &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}})
		if err != nil {
			f.g.log.Error("encode a pass-through response", "err", err)
			return
		}
	}
	_, _ = f.out.Write(append(msg, '\n'))
}

// encodeCallResult encodes a result as json.Marshal does, taking a short
// cut for the common shape (text content only, structured content already
// JSON, no _meta); mrtr says the result type is "complete".
func encodeCallResult(res *mcp.CallToolResult, mrtr bool) ([]byte, error) {
	raw, isRaw := res.StructuredContent.(json.RawMessage)
	if res.Meta != nil || (res.StructuredContent != nil && !isRaw) {
		return json.Marshal(res)
	}
	b := make([]byte, 0, 256+len(raw)*2)
	b = append(b, `{"content":[`...)
	for i, c := range res.Content {
		tc, ok := c.(*mcp.TextContent)
		if !ok || tc.Meta != nil || tc.Annotations != nil {
			return json.Marshal(res)
		}
		if i > 0 {
			b = append(b, ',')
		}
		t, err := json.Marshal(tc.Text)
		if err != nil {
			return nil, err
		}
		b = append(b, `{"type":"text","text":`...)
		b = append(b, t...)
		b = append(b, '}')
	}
	b = append(b, ']')
	if isRaw && len(raw) > 0 {
		b = append(b, `,"structuredContent":`...)
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil { // one line, and valid
			return nil, fmt.Errorf("structured content: %w", err)
		}
		b = append(b, buf.Bytes()...)
	}
	if res.IsError {
		b = append(b, `,"isError":true`...)
	}
	if mrtr {
		b = append(b, `,"resultType":"complete"`...)
	}
	return append(b, '}'), nil
}

// completeResult is an empty result whose (unexported) result type is
// "complete", which the SDK sets on every result to a client of the
// multi-round-trip protocol.
var completeResult = func() mcp.CallToolResult {
	var r mcp.CallToolResult
	if err := json.Unmarshal([]byte(`{"content":[],"resultType":"complete"}`), &r); err != nil {
		panic(err)
	}
	return r
}()

// stop ends the fast calls in flight and waits for them.
func (f *fastPath) stop() {
	f.cancel()
	f.in.Close()
	f.wg.Wait()
}

// servedQualified returns the catalog tool served directly under name.
func (g *Gateway) servedQualified(name string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st, ok := g.passthrough[name]
	return st.qualified, ok
}
