package upstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Downstream is the client a call is made for. During the call, the hub
// forwards to it what the upstream sends its own client: progress, log
// messages, and sampling and elicitation requests. The gateway supplies one
// for pass-through calls, where the user's client is the natural recipient.
type Downstream interface {
	Progress(ctx context.Context, p *mcp.ProgressNotificationParams)
	Log(ctx context.Context, p *mcp.LoggingMessageParams)
	CreateMessage(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error)
	Elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error)
	// Can reports whether the client can answer a request of the method
	// ("elicitation/create", "sampling/createMessage").
	Can(method string) bool
}

// CallOptions are the optional parts of a call.
type CallOptions struct {
	// Downstream receives what the upstream sends its client during the
	// call. Nil: notifications are dropped and requests refused.
	Downstream Downstream
	// ProgressToken is the downstream client's token; when set, the
	// upstream is asked for progress and its notifications are relayed
	// under this token.
	ProgressToken any
}

// errNoDownstream refuses an upstream's request made outside a call that has
// a client to ask.
var errNoDownstream = errors.New("cemcp: no client to ask: the request was not made during a call from a client that can answer it")

// relays tracks the calls in flight on one connection that have a
// Downstream, so that what the upstream sends can be routed to it.
type relays struct {
	mu    sync.Mutex
	next  uint64
	calls map[uint64]*relayCall // guarded by mu
	order []uint64              // in start order; guarded by mu
}

type relayCall struct {
	d      Downstream
	token  any
	logged atomic.Bool // a log message was relayed during the call

	// Progress notifications of the call read off a stdio connection
	// (seen) and handed to the downstream (relayed). The SDK handles a
	// response as soon as it reads it but queues notifications for a
	// handler goroutine, so a call's last progress can lag its result:
	// the call waits until relayed catches up with seen.
	seen, relayed atomic.Int64
	caughtUp      chan struct{} // signalled after each relay; capacity 1
}

const tokenPrefix = "cemcp-"

// add registers a call and returns its id and the progress token to send
// upstream (nil when the client asked for no progress).
func (r *relays) add(opts CallOptions) (id uint64, upstreamToken any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[uint64]*relayCall{}
	}
	r.next++
	id = r.next
	r.calls[id] = &relayCall{d: opts.Downstream, token: opts.ProgressToken, caughtUp: make(chan struct{}, 1)}
	r.order = append(r.order, id)
	if opts.ProgressToken != nil {
		upstreamToken = tokenPrefix + strconv.FormatUint(id, 10)
	}
	return id, upstreamToken
}

// trailingLogs bounds how long a call that relayed log messages waits, after
// its result arrived, for log messages the upstream sent just before it. The
// SDK handles a response as soon as it is read but queues notifications for
// a handler goroutine, so the last ones can lag the result.
const trailingLogs = 5 * time.Millisecond

func (r *relays) remove(id uint64) {
	r.mu.Lock()
	rc := r.calls[id]
	r.mu.Unlock()
	if rc != nil && rc.logged.Load() {
		time.Sleep(trailingLogs)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.calls, id)
	for i, v := range r.order {
		if v == id {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}

// maxProgressLag bounds how long a call waits for the progress
// notifications read before its result to be relayed.
const maxProgressLag = time.Second

// progressSeen counts a progress notification read off the wire for the
// call whose upstream token is tok.
func (r *relays) progressSeen(tok any) {
	if rc := r.byToken(tok); rc != nil {
		rc.seen.Add(1)
	}
}

// awaitProgress waits until every progress notification of call id read
// so far has been relayed (at most maxProgressLag).
func (r *relays) awaitProgress(id uint64) {
	r.mu.Lock()
	rc := r.calls[id]
	r.mu.Unlock()
	if rc == nil {
		return
	}
	timeout := time.NewTimer(maxProgressLag)
	defer timeout.Stop()
	for rc.relayed.Load() < rc.seen.Load() {
		select {
		case <-rc.caughtUp:
		case <-timeout.C:
			return
		}
	}
}

// byToken finds the call an upstream progress token belongs to.
func (r *relays) byToken(tok any) *relayCall {
	s, ok := tok.(string)
	if !ok || !strings.HasPrefix(s, tokenPrefix) {
		return nil
	}
	id, err := strconv.ParseUint(s[len(tokenPrefix):], 10, 64)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

// latest returns the most recently started call in flight whose client can
// answer method ("" for notifications). An upstream's log messages and
// requests carry no reference to the call they belong to, so they go to the
// newest such call (with one call in flight, the right one).
func (r *relays) latest(method string) *relayCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.order) - 1; i >= 0; i-- {
		rc := r.calls[r.order[i]]
		if rc != nil && (method == "" || rc.d.Can(method)) {
			return rc
		}
	}
	return nil
}

// clientHandlers fills the client options that relay to downstreams.
func (c *conn) clientHandlers(o *mcp.ClientOptions) {
	o.ProgressNotificationHandler = func(ctx context.Context, req *mcp.ProgressNotificationClientRequest) {
		rc := c.relays.byToken(req.Params.ProgressToken)
		if rc == nil {
			return
		}
		p := *req.Params
		p.ProgressToken = rc.token
		rc.d.Progress(ctx, &p)
		rc.relayed.Add(1)
		select {
		case rc.caughtUp <- struct{}{}:
		default:
		}
	}
	o.LoggingMessageHandler = func(ctx context.Context, req *mcp.LoggingMessageRequest) {
		if rc := c.relays.latest(""); rc != nil {
			rc.logged.Store(true)
			rc.d.Log(ctx, req.Params)
			return
		}
		c.log.Debug("upstream log message", "level", req.Params.Level, "data", fmt.Sprint(req.Params.Data))
	}
	o.CreateMessageHandler = func(ctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
		if rc := c.relays.latest("sampling/createMessage"); rc != nil {
			return rc.d.CreateMessage(ctx, req.Params)
		}
		return nil, errNoDownstream
	}
	o.ElicitationHandler = c.elicit
}

func (c *conn) elicit(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	if rc := c.relays.latest("elicitation/create"); rc != nil {
		return rc.d.Elicit(ctx, req.Params)
	}
	return nil, errNoDownstream
}

// relayElicitation hands elicitation requests to the downstream as they
// are. The SDK client would first check the requested schema against its own
// idea of what a form may hold, and refuse forms (titled multi-select enums,
// legacy enumNames) that the downstream client understands; a relay leaves
// that judgement to the client that renders the form.
func (c *conn) relayElicitation(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if er, ok := req.(*mcp.ElicitRequest); ok && method == "elicitation/create" {
			return c.elicit(ctx, er)
		}
		return next(ctx, method, req)
	}
}
