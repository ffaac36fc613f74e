package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

// conn is the connection to one server: a loop (run) that connects, serves
// until the link is lost, tears it down and reconnects; and the state that
// calls and Status read.
type conn struct {
	hub          *Hub
	name         string
	cfg          *config.Server
	kind         string // "stdio", "http" or "sse"
	log          *slog.Logger
	startTimeout time.Duration
	callTimeout  time.Duration
	relist       chan struct{} // list_changed seen; capacity 1, coalescing
	relays       relays        // calls in flight with a Downstream

	mu        sync.Mutex
	state     State
	err       error
	link      *link // non-nil when ready
	tools     []*mcp.Tool
	toolNames map[string]bool
	restarts  int
	everReady bool
}

// link is one established session and what it runs over.
type link struct {
	cs    *mcp.ClientSession
	tap   *tap            // the fast path for tools/call; nil over HTTP and SSE
	proc  *process        // stdio only
	httpT *http.Transport // http and sse only
	// ctx lives as long as the link; cancelling it cancels in-flight calls
	// and the network streams of the session.
	ctx    context.Context
	cancel context.CancelFunc

	done   chan struct{} // closed when the session or the process ended
	endErr error         // why; valid once done is closed
}

func transportKind(cfg *config.Server) string {
	switch {
	case cfg.Type != "":
		return cfg.Type
	case cfg.Command != "":
		return "stdio"
	case cfg.URL != "":
		return "http"
	}
	return "stdio"
}

func newConn(h *Hub, name string, cfg *config.Server) *conn {
	c := &conn{
		hub:          h,
		name:         name,
		cfg:          cfg,
		kind:         transportKind(cfg),
		log:          h.log.With("server", name),
		startTimeout: firstPositive(cfg.StartTimeout, h.opts.StartTimeout, DefaultStartTimeout),
		callTimeout:  firstPositive(cfg.CallTimeout, h.opts.CallTimeout, DefaultCallTimeout),
		relist:       make(chan struct{}, 1),
		state:        StateStarting,
	}
	if cfg.Disabled {
		c.state = StateDisabled
	}
	return c
}

func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// run is the connection loop. It closes first after the first attempt.
func (c *conn) run(ctx context.Context, first chan<- struct{}) {
	defer c.hub.wg.Done()
	var once sync.Once
	signal := func() { once.Do(func() { close(first) }) }
	defer signal()
	bo := backoff{min: c.hub.backoffMin, max: backoffMax}
	for {
		l, tools, err := c.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				c.markClosed()
				return
			}
			var perm *permanentError
			c.setDown(err)
			signal()
			if errors.As(err, &perm) {
				return
			}
			if !sleepCtx(ctx, bo.next()) {
				c.markClosed()
				return
			}
			continue
		}
		c.setReady(l, tools)
		signal()
		up := time.Now()
		cause := c.serve(ctx, l)
		if ctx.Err() != nil {
			c.markClosed()
			c.teardown(l, true)
			return
		}
		c.setDown(cause)
		c.teardown(l, false)
		if time.Since(up) > backoffReset {
			bo.reset()
		}
		if !sleepCtx(ctx, bo.next()) {
			c.markClosed()
			return
		}
	}
}

// serve follows list_changed until the link ends (returning why) or ctx is
// done (returning nil).
func (c *conn) serve(ctx context.Context, l *link) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-l.done:
			return l.endErr
		case <-c.relist:
			lctx, cancel := context.WithTimeout(l.ctx, c.startTimeout)
			tools, err := listTools(lctx, l.cs)
			cancel()
			if err != nil {
				c.log.Warn("re-listing tools after list_changed failed", "error", err)
				continue
			}
			c.setTools(l, tools)
		}
	}
}

// permanentError is a configuration error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// connect establishes a link and lists its tools, all within the start
// timeout.
func (c *conn) connect(ctx context.Context) (_ *link, _ []*mcp.Tool, err error) {
	select { // a list_changed of a previous link is moot
	case <-c.relist:
	default:
	}
	l := &link{done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(ctx)
	sctx, scancel := context.WithTimeout(ctx, c.startTimeout)
	defer scancel()
	// The session's streams live on l.ctx (SSE ties its GET to the connect
	// context), so the start timeout cancels l.ctx only until we are done.
	stopTimer := context.AfterFunc(sctx, l.cancel)
	defer func() {
		if !stopTimer() && err == nil {
			err = fmt.Errorf("no reply within the start timeout (%s)", c.startTimeout)
		}
		if err != nil {
			c.abort(l)
		}
	}()

	t, err := c.transport(l)
	if err != nil {
		return nil, nil, err
	}
	if l.proc != nil && c.hub.dial == nil {
		l.tap = newTap()
		t = &lineTransport{r: l.proc.guard, w: l.proc.stdin, tap: l.tap, progress: c.relays.progressSeen}
	}
	copts := &mcp.ClientOptions{
		Logger: c.log,
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			// Never list from here: the handler runs on the session's
			// reader. The run loop does it.
			select {
			case c.relist <- struct{}{}:
			default:
			}
		},
		KeepAlive: keepAlive(c.kind),
	}
	c.clientHandlers(copts)
	client := mcp.NewClient(c.hub.impl, copts)
	client.AddReceivingMiddleware(c.relayElicitation)
	cs, err := client.Connect(l.ctx, t, nil)
	if err != nil {
		return nil, nil, c.startError(ctx, sctx, l, "initialize", err)
	}
	l.cs = cs
	// Servers send no log messages until the client sets a level; ask for
	// everything and let each downstream session filter by its own level.
	if ir := cs.InitializeResult(); ir != nil && ir.Capabilities != nil && ir.Capabilities.Logging != nil {
		if err := cs.SetLoggingLevel(l.ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
			c.log.Debug("set logging level", "error", err)
		}
	}
	tools, err := listTools(l.ctx, cs)
	if err != nil {
		return nil, nil, c.startError(ctx, sctx, l, "list tools", err)
	}
	go l.watch()
	return l, tools, nil
}

func keepAlive(kind string) time.Duration {
	if kind == "http" || kind == "sse" {
		return netKeepAlive
	}
	return 0
}

// transport builds the transport for one link (spawning the process of a
// stdio server).
func (c *conn) transport(l *link) (mcp.Transport, error) {
	if c.hub.dial != nil {
		return c.hub.dial(l.ctx, c.name)
	}
	switch c.kind {
	case "stdio":
		p, err := startProcess(c.name, c.cfg, c.hub.baseEnv(), c.log)
		if err != nil {
			return nil, err
		}
		l.proc = p
		return &mcp.IOTransport{Reader: p.guard, Writer: p.stdin}, nil
	case "http", "sse":
		if c.cfg.URL == "" {
			return nil, &permanentError{fmt.Errorf("no url; set mcpServers.%s.url", c.name)}
		}
		l.httpT = http.DefaultTransport.(*http.Transport).Clone()
		hc := &http.Client{Transport: newHeaderRoundTripper(l.httpT, c.cfg.Headers)}
		if c.kind == "sse" {
			return &mcp.SSEClientTransport{Endpoint: c.cfg.URL, HTTPClient: hc}, nil
		}
		return &mcp.StreamableClientTransport{Endpoint: c.cfg.URL, HTTPClient: hc}, nil
	}
	return nil, &permanentError{fmt.Errorf("unknown transport type %q; use \"stdio\", \"http\" or \"sse\" in mcpServers.%s.type", c.kind, c.name)}
}

// startError says why a connection attempt failed, as specifically as the
// evidence allows.
func (c *conn) startError(ctx, sctx context.Context, l *link, phase string, err error) error {
	timedOut := ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded)
	if l.proc != nil {
		if perr := l.proc.guard.Err(); perr != nil {
			return fmt.Errorf("%s: %w", phase, perr)
		}
		if !timedOut {
			select { // an early EOF: say how the process ended
			case <-l.proc.exited:
			case <-time.After(300 * time.Millisecond):
			}
		}
		if desc := l.proc.exitDescription(); desc != "running" {
			return fmt.Errorf("%s: server process ended during start-up: %s", phase, desc)
		}
	}
	if timedOut {
		return fmt.Errorf("%s: no reply within the start timeout (%s)", phase, c.startTimeout)
	}
	return fmt.Errorf("%s: %w", phase, err)
}

// watch closes l.done when the session ends or the process exits.
func (l *link) watch() {
	ended := make(chan error, 1)
	go func() { ended <- l.cs.Wait() }()
	var exited <-chan struct{}
	if l.proc != nil {
		exited = l.proc.exited
	}
	var err error
	select {
	case err = <-ended:
		if l.proc != nil && l.proc.guard.Err() == nil {
			select { // say how the process ended, if it did
			case <-l.proc.exited:
			case <-time.After(300 * time.Millisecond):
			}
		}
	case <-exited:
		// Let the reader drain what the process wrote before it died.
		select {
		case err = <-ended:
		case <-time.After(500 * time.Millisecond):
		}
	}
	switch {
	case l.proc != nil && l.proc.guard.Err() != nil:
		l.endErr = l.proc.guard.Err()
	case l.proc != nil && l.proc.exitDescription() != "running":
		l.endErr = fmt.Errorf("server process ended: %s", l.proc.exitDescription())
	case err != nil:
		l.endErr = fmt.Errorf("connection lost: %w", err)
	default:
		l.endErr = errors.New("connection closed by the server")
	}
	close(l.done)
}

// abort releases what a failed connection attempt built.
func (c *conn) abort(l *link) {
	l.cancel()
	if l.proc != nil {
		l.proc.stop(0)
	}
	if l.cs != nil {
		closeWithin(l.cs, time.Second)
	}
	if l.httpT != nil {
		l.httpT.CloseIdleConnections()
	}
}

// teardown ends a link. Graceful (the hub is closing) closes the session
// first and lets a stdio server exit on its own within shutdownGrace; after
// a loss the process group is killed at once. Either way, when teardown
// returns the session is closed and the process group is gone.
func (c *conn) teardown(l *link, graceful bool) {
	l.cancel() // in-flight calls end now (and are cancelled upstream)
	if l.proc != nil && !graceful {
		l.proc.stop(0)
	}
	if !closeWithin(l.cs, shutdownGrace) && l.proc != nil {
		l.proc.stop(0) // breaks the pipes, which ends the session
		closeWithin(l.cs, time.Second)
	}
	if l.proc != nil {
		l.proc.stop(shutdownGrace)
	}
	if l.httpT != nil {
		l.httpT.CloseIdleConnections()
	}
	select {
	case <-l.done:
	case <-time.After(2 * time.Second):
		c.log.Warn("session did not end after close")
	}
}

// closeWithin closes cs, giving up waiting after d. It reports whether the
// close finished.
func closeWithin(cs *mcp.ClientSession, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		_ = cs.Close()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// listTools lists all tools, following pagination.
func listTools(ctx context.Context, cs *mcp.ClientSession) ([]*mcp.Tool, error) {
	const maxPages = 1000
	tools := []*mcp.Tool{}
	seen := map[string]bool{}
	params := &mcp.ListToolsParams{}
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("tools/list: more than %d pages", maxPages)
		}
		res, err := cs.ListTools(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("tools/list: %w", err)
		}
		for _, t := range res.Tools {
			if t == nil || seen[t.Name] {
				continue
			}
			seen[t.Name] = true
			tools = append(tools, t)
		}
		if res.NextCursor == "" {
			return tools, nil
		}
		if res.NextCursor == params.Cursor {
			return nil, fmt.Errorf("tools/list: server repeated cursor %q", res.NextCursor)
		}
		params = &mcp.ListToolsParams{Cursor: res.NextCursor}
	}
}

func (c *conn) setReady(l *link, tools []*mcp.Tool) {
	c.mu.Lock()
	if c.everReady {
		c.restarts++
	}
	c.everReady = true
	c.state, c.err, c.link = StateReady, nil, l
	c.setToolsLocked(tools)
	restarts := c.restarts
	c.mu.Unlock()
	c.log.Info("upstream ready", "transport", c.kind, "tools", len(tools), "restarts", restarts)
	c.notify(tools)
}

func (c *conn) setTools(l *link, tools []*mcp.Tool) {
	c.mu.Lock()
	if c.link != l {
		c.mu.Unlock()
		return
	}
	c.setToolsLocked(tools)
	c.mu.Unlock()
	c.log.Debug("tools re-listed", "tools", len(tools))
	c.notify(tools)
}

// Preconditions: c.mu is held.
func (c *conn) setToolsLocked(tools []*mcp.Tool) {
	c.tools = tools
	c.toolNames = make(map[string]bool, len(tools))
	for _, t := range tools {
		c.toolNames[t.Name] = true
	}
}

// setDown records a failed attempt or a lost link.
func (c *conn) setDown(err error) {
	c.mu.Lock()
	hadTools := c.link != nil
	c.link, c.tools, c.toolNames, c.err = nil, nil, nil, err
	if c.everReady {
		c.state = StateReconnecting
	} else {
		c.state = StateFailed
	}
	state := c.state
	c.mu.Unlock()
	c.log.Warn("upstream unavailable", "state", state, "error", err)
	if hadTools {
		c.notify(nil)
	}
}

// markClosed records that the hub closed this connection.
func (c *conn) markClosed() {
	c.mu.Lock()
	if c.state == StateDisabled || c.state == StateClosed {
		c.mu.Unlock()
		return
	}
	hadTools := c.link != nil
	c.state, c.link, c.tools, c.toolNames = StateClosed, nil, nil, nil
	c.mu.Unlock()
	if hadTools {
		c.notify(nil)
	}
}

func (c *conn) notify(tools []*mcp.Tool) {
	if f := c.hub.opts.OnToolsChanged; f != nil {
		f(c.name, tools)
	}
}

func (c *conn) status() ServerStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := ServerStatus{Name: c.name, Transport: c.kind, State: c.state, Tools: len(c.tools), Restarts: c.restarts}
	if c.err != nil {
		s.Error = c.err.Error()
	}
	return s
}

func (c *conn) currentTools() []*mcp.Tool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.link == nil {
		return nil
	}
	return append([]*mcp.Tool(nil), c.tools...)
}

// current returns the link to call tool on, or why there is none.
func (c *conn) current(tool string) (*link, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case StateReady:
		if !c.toolNames[tool] {
			return nil, &CallError{Server: c.name, Tool: tool, Code: CodeNotFound, Err: fmt.Errorf("server %q has no tool %q", c.name, tool)}
		}
		return c.link, nil
	case StateStarting:
		return nil, c.unavailable(tool, fmt.Errorf("server %q is still starting", c.name))
	case StateFailed:
		return nil, c.unavailable(tool, fmt.Errorf("server %q failed to start (retrying in the background): %v", c.name, c.err))
	case StateReconnecting:
		return nil, c.unavailable(tool, fmt.Errorf("server %q is reconnecting after: %v", c.name, c.err))
	case StateDisabled:
		return nil, c.unavailable(tool, fmt.Errorf("server %q is disabled in the configuration", c.name))
	default:
		return nil, c.unavailable(tool, fmt.Errorf("server %q is closed", c.name))
	}
}

func (c *conn) unavailable(tool string, err error) *CallError {
	return &CallError{Server: c.name, Tool: tool, Code: CodeUnavailable, Err: err}
}

// call runs one tools/call.
func (c *conn) call(ctx context.Context, tool string, args json.RawMessage, opts CallOptions) (*mcp.CallToolResult, error) {
	var arguments any
	if trimmed := strings.TrimSpace(string(args)); trimmed != "" && trimmed != "null" {
		if !strings.HasPrefix(trimmed, "{") || !json.Valid(args) {
			return nil, &CallError{Server: c.name, Tool: tool, Code: CodeProtocol, Err: errors.New("arguments are not a JSON object")}
		}
		arguments = args
	}
	l, err := c.current(tool)
	if err != nil {
		return nil, err
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, c.callTimeout, errCallTimeout)
	defer cancel()
	stop := context.AfterFunc(l.ctx, cancel)
	defer stop()
	params := &mcp.CallToolParams{Name: tool, Arguments: arguments}
	if opts.Downstream != nil {
		id, tok := c.relays.add(opts)
		defer c.relays.remove(id)
		if tok != nil {
			defer c.relays.awaitProgress(id) // runs before remove
		}
		if tok != nil {
			params.SetProgressToken(tok)
		}
	}
	var res *mcp.CallToolResult
	if l.tap != nil {
		var raw json.RawMessage
		if arguments != nil {
			raw = args
		}
		res, err = l.tap.callTool(callCtx, tool, raw, params.GetProgressToken())
		if errors.Is(err, errNeedsSession) {
			// The upstream asked for input before its result: the SDK
			// session holds the protocol for answering, so it calls again.
			res, err = l.cs.CallTool(callCtx, params)
		}
	} else {
		res, err = l.cs.CallTool(callCtx, params)
	}
	if err == nil {
		return res, nil
	}
	return nil, c.callError(ctx, callCtx, l, tool, err)
}

// callError classifies a failed tools/call.
func (c *conn) callError(ctx, callCtx context.Context, l *link, tool string, err error) *CallError {
	ce := &CallError{Server: c.name, Tool: tool}
	var perr error
	if l.proc != nil {
		perr = l.proc.guard.Err()
	}
	switch code := ctxCode(ctx, callCtx); {
	case code == CodeTimeout:
		ce.Code = code
		if ctx.Err() != nil {
			ce.Err = fmt.Errorf("caller's deadline passed: %w", ctx.Err())
		} else {
			ce.Err = fmt.Errorf("no result within the call timeout (%s): %w", c.callTimeout, context.DeadlineExceeded)
		}
	case code == CodeCancelled:
		ce.Code, ce.Err = code, fmt.Errorf("cancelled by the caller: %w", ctx.Err())
	case perr != nil:
		ce.Code, ce.Err = CodeProtocol, perr
	case l.ctx.Err() != nil:
		ce.Code, ce.Err = CodeUnavailable, fmt.Errorf("connection to server %q was shut down during the call", c.name)
	case unknownTool(err):
		ce.Code, ce.Err = CodeNotFound, fmt.Errorf("server %q has no tool %q: %w", c.name, tool, err)
	case isConnLoss(err):
		ce.Code, ce.Err = CodeUnavailable, fmt.Errorf("connection to server %q lost during the call; reconnecting: %w", c.name, err)
	case isProtocol(err):
		ce.Code, ce.Err = CodeProtocol, err
	default:
		// A transport failure that did not close the session, such as a
		// failed HTTP request.
		ce.Code, ce.Err = CodeProtocol, fmt.Errorf("transport: %w", err)
	}
	return ce
}

// backoff is exponential backoff with ±20% jitter.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return time.Duration(float64(b.cur) * (0.8 + 0.4*rand.Float64()))
}

func (b *backoff) reset() { b.cur = 0 }

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
