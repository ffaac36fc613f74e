package redteam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Host serves MCP servers in this process over Streamable HTTP on
// 127.0.0.1. Every served server gets a path of its own, so that each run
// has fresh server instances (and fresh state).
type Host struct {
	ln  net.Listener
	srv *http.Server
	seq atomic.Int64

	mu     sync.Mutex
	routes map[string]http.Handler // guarded by mu
}

// NewHost starts a Host.
func NewHost() (*Host, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("redteam host: listen: %w", err)
	}
	h := &Host{ln: ln, routes: map[string]http.Handler{}}
	h.srv = &http.Server{Handler: http.HandlerFunc(h.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := h.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Default().Error("redteam host", "err", err)
		}
	}()
	return h, nil
}

func (h *Host) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	hd := h.routes[r.URL.Path]
	h.mu.Unlock()
	if hd == nil {
		http.NotFound(w, r)
		return
	}
	hd.ServeHTTP(w, r)
}

// Serve serves s and returns its URL. Every call of tools/call that reaches
// s is recorded in rec under name.
func (h *Host) Serve(name string, s *mcp.Server, rec *Recorder) string {
	if rec != nil {
		s.AddReceivingMiddleware(rec.middleware(name))
	}
	path := fmt.Sprintf("/%d/%s", h.seq.Add(1), name)
	hd := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{Stateless: false})
	h.mu.Lock()
	h.routes[path] = hd
	h.mu.Unlock()
	return "http://" + h.ln.Addr().String() + path
}

// Drop stops serving the URLs (the run is over).
func (h *Host) Drop(urls ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range urls {
		if p, err := url.Parse(u); err == nil {
			delete(h.routes, p.Path)
		}
	}
}

// Close stops serving.
func (h *Host) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return h.srv.Shutdown(ctx)
}

// Received is one tools/call that reached an upstream server.
type Received struct {
	Server string         `json:"server"`
	Tool   string         `json:"tool"`
	Args   map[string]any `json:"args"`
	Raw    string         `json:"raw"`
}

// Recorder keeps every tools/call that reached the servers of one run: the
// evidence the oracles decide on. Safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	calls []Received // guarded by mu
}

func (r *Recorder) middleware(server string) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "tools/call" {
				if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok {
					rc := Received{Server: server, Tool: p.Name, Raw: string(p.Arguments)}
					_ = json.Unmarshal(p.Arguments, &rc.Args)
					r.mu.Lock()
					r.calls = append(r.calls, rc)
					r.mu.Unlock()
				}
			}
			return next(ctx, method, req)
		}
	}
}

// Calls returns what reached server.tool ("" matches any).
func (r *Recorder) Calls(server, tool string) []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Received
	for _, c := range r.calls {
		if (server == "" || c.Server == server) && (tool == "" || c.Tool == tool) {
			out = append(out, c)
		}
	}
	return out
}
