package upstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

// stdioTools are the tools of newTestServer(true), sorted.
var stdioTools = []string{"add_tool", "crash", "echo", "env", "fail", "garbage", "pid", "progress", "sleep", "spawn_child", "stats", "stderr"}

func testBinary(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// stdioServer configures the test binary as a stdio upstream in mode.
func stdioServer(t testing.TB, mode string, env map[string]string) *config.Server {
	e := map[string]string{upstreamEnv: mode}
	for k, v := range env {
		e[k] = v
	}
	return &config.Server{Type: "stdio", Command: testBinary(t), Env: e}
}

// toolEvents records OnToolsChanged calls.
type toolEvents struct {
	mu     sync.Mutex
	events []toolEvent
}

type toolEvent struct {
	server string
	names  []string // nil when the server went away
}

func (e *toolEvents) record(server string, tools []*mcp.Tool) {
	ev := toolEvent{server: server}
	if tools != nil {
		ev.names = []string{}
		for _, t := range tools {
			ev.names = append(ev.names, t.Name)
		}
		slices.Sort(ev.names)
	}
	e.mu.Lock()
	e.events = append(e.events, ev)
	e.mu.Unlock()
}

func (e *toolEvents) get() []toolEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.events)
}

// startHub starts a hub that is closed when the test ends.
func startHub(t *testing.T, servers map[string]*config.Server, opts Options, setup ...func(*Hub)) *Hub {
	t.Helper()
	for name, s := range servers {
		s.Name = name
	}
	h := New(servers, opts)
	for _, f := range setup {
		f(h)
	}
	t.Cleanup(func() { h.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	h.Start(ctx)
	return h
}

func statusOf(t *testing.T, h *Hub, name string) ServerStatus {
	t.Helper()
	for _, s := range h.Status() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for %q", name)
	return ServerStatus{}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func callText(t *testing.T, h *Hub, server, tool, args string) string {
	t.Helper()
	res, err := h.CallTool(context.Background(), server, tool, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s.%s: %v", server, tool, err)
	}
	if res.IsError {
		t.Fatalf("%s.%s: tool error: %s", server, tool, resultText(res))
	}
	return resultText(res)
}

func wantCallError(t *testing.T, err error, code Code, contains ...string) *CallError {
	t.Helper()
	var ce *CallError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v (%T), want *CallError with code %s", err, err, code)
	}
	if ce.Code != code {
		t.Fatalf("code = %s, want %s (error: %v)", ce.Code, code, err)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not contain %q", err, s)
		}
	}
	return ce
}

func TestStdioCallsAndPagination(t *testing.T) {
	var ev toolEvents
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{OnToolsChanged: ev.record})

	st := statusOf(t, h, "s")
	if st.State != StateReady || st.Transport != "stdio" || st.Tools != len(stdioTools) {
		t.Fatalf("status = %+v, want ready stdio with %d tools", st, len(stdioTools))
	}
	var names []string
	for _, tool := range h.Tools("s") {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	// PageSize 2 on the server: all pages must have been followed.
	if !slices.Equal(names, stdioTools) {
		t.Errorf("tools = %v, want %v", names, stdioTools)
	}
	if got := ev.get(); len(got) != 1 || !slices.Equal(got[0].names, stdioTools) {
		t.Errorf("OnToolsChanged events = %v, want one with all tools", got)
	}

	if got := callText(t, h, "s", "echo", `{"text":"hi"}`); got != "hi" {
		t.Errorf("echo = %q, want hi", got)
	}
	// No arguments at all is fine.
	if got := callText(t, h, "s", "stats", ``); !strings.HasPrefix(got, "cancelled=") {
		t.Errorf("stats = %q", got)
	}

	// A tool-level failure is a result, not an error.
	res, err := h.CallTool(context.Background(), "s", "fail", nil)
	if err != nil || !res.IsError || resultText(res) != "it failed" {
		t.Errorf("fail: res=%+v err=%v, want IsError result", res, err)
	}

	tests := []struct {
		server, tool, args string
		code               Code
		contains           string
	}{
		{"nope", "echo", `{}`, CodeNotFound, `no upstream server "nope"`},
		{"s", "nope", `{}`, CodeNotFound, `has no tool "nope"`},
		{"s", "echo", `[1]`, CodeProtocol, "not a JSON object"},
		{"s", "echo", `{"text":`, CodeProtocol, "not a JSON object"},
	}
	for _, tt := range tests {
		_, err := h.CallTool(context.Background(), tt.server, tt.tool, json.RawMessage(tt.args))
		ce := wantCallError(t, err, tt.code, tt.contains)
		if ce.Server != tt.server || ce.Tool != tt.tool {
			t.Errorf("CallError names %s.%s, want %s.%s", ce.Server, ce.Tool, tt.server, tt.tool)
		}
	}
}

func TestScrubbedEnvironment(t *testing.T) {
	t.Setenv("CEMCP_SECRET_TEST", "s3cret")
	t.Setenv("HOME", "/home/cemcp-test")
	h := startHub(t, map[string]*config.Server{
		"s": stdioServer(t, "full", map[string]string{"CONFIGURED_VAR": "configured-value"}),
	}, Options{})
	env := strings.Split(callText(t, h, "s", "env", `{}`), "\n")
	for _, kv := range env {
		if strings.Contains(kv, "s3cret") || strings.HasPrefix(kv, "CEMCP_SECRET_TEST=") {
			t.Errorf("secret leaked into the server's environment: %q", kv)
		}
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(passEnv, k) && k != "CONFIGURED_VAR" && k != upstreamEnv {
			t.Errorf("unexpected variable %q in the server's environment", k)
		}
	}
	for _, want := range []string{"CONFIGURED_VAR=configured-value", "HOME=/home/cemcp-test", "PATH=" + os.Getenv("PATH")} {
		if !slices.Contains(env, want) {
			t.Errorf("server environment lacks %q; got %q", want, env)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStderrGoesToLogger(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{Logger: log})
	callText(t, h, "s", "stderr", `{"text":"marker-from-stderr-1234"}`)
	waitFor(t, 5*time.Second, "the stderr line in the log", func() bool {
		return strings.Contains(logs.String(), "marker-from-stderr-1234")
	})
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "marker-from-stderr-1234") {
			if !strings.Contains(line, "level=DEBUG") || !strings.Contains(line, "server=s") {
				t.Errorf("stderr log line = %q, want debug level with server=s", line)
			}
		}
	}
	// The server's stdout and stderr are pipes of the hub, never the
	// gateway's own stdout or stderr.
	pid := callText(t, h, "s", "pid", `{}`)
	for _, fd := range []string{"1", "2"} {
		theirs, err := os.Readlink(filepath.Join("/proc", pid, "fd", fd))
		if err != nil {
			t.Fatal(err)
		}
		for _, ourFD := range []string{"1", "2"} {
			ours, _ := os.Readlink("/proc/self/fd/" + ourFD)
			if theirs == ours {
				t.Errorf("server fd %s is our fd %s (%s)", fd, ourFD, ours)
			}
		}
		if !strings.HasPrefix(theirs, "pipe:") {
			t.Errorf("server fd %s = %s, want a pipe", fd, theirs)
		}
	}
}

func TestStartConcurrentWithFailures(t *testing.T) {
	const hangTimeout = 3 * time.Second
	servers := map[string]*config.Server{
		"ok":       stdioServer(t, "full", nil),
		"ok2":      stdioServer(t, "full", nil),
		"missing":  {Command: "cemcp-no-such-command-xyz"},
		"banner":   stdioServer(t, "banner", nil),
		"disabled": {Command: "true", Disabled: true},
		"badtype":  {Type: "carrier-pigeon", URL: "x"},
	}
	hangs := []string{"hang1", "hang2", "hang3"}
	for _, name := range hangs {
		servers[name] = stdioServer(t, "hang", nil)
		servers[name].StartTimeout = hangTimeout
	}
	for name, s := range servers {
		s.Name = name
	}
	h := New(servers, Options{StartTimeout: 20 * time.Second})
	t.Cleanup(func() { h.Close() })

	startDone := make(chan time.Duration)
	began := time.Now()
	go func() {
		h.Start(context.Background())
		startDone <- time.Since(began)
	}()
	// Sequential start-up would take at least 3 × hangTimeout; concurrent
	// about one hangTimeout.
	if d := <-startDone; d >= 3*hangTimeout {
		t.Errorf("Start took %s; servers must start concurrently, each bounded by its own timeout", d)
	}
	tests := []struct {
		name     string
		state    State
		contains string
	}{
		{"ok", StateReady, ""},
		{"ok2", StateReady, ""},
		{"hang1", StateFailed, "no reply within the start timeout (3s)"},
		{"hang3", StateFailed, "no reply within the start timeout (3s)"},
		{"missing", StateFailed, `command "cemcp-no-such-command-xyz" not found on PATH; install it or fix mcpServers.missing.command`},
		{"banner", StateFailed, `non-JSON line on stdout: "Welcome to the test server!"`},
		{"disabled", StateDisabled, ""},
		{"badtype", StateFailed, `unknown transport type "carrier-pigeon"`},
	}
	for _, tt := range tests {
		st := statusOf(t, h, tt.name)
		if st.State != tt.state || !strings.Contains(st.Error, tt.contains) {
			t.Errorf("%s: status %+v, want state %s with error containing %q", tt.name, st, tt.state, tt.contains)
		}
	}
	callText(t, h, "ok", "echo", `{"text":"x"}`)
	callText(t, h, "ok2", "echo", `{"text":"x"}`)
	_, err := h.CallTool(context.Background(), "hang2", "echo", nil)
	wantCallError(t, err, CodeUnavailable, `server "hang2" failed to start`, "start timeout")
	_, err = h.CallTool(context.Background(), "missing", "echo", nil)
	wantCallError(t, err, CodeUnavailable, "not found on PATH")
	_, err = h.CallTool(context.Background(), "disabled", "echo", nil)
	wantCallError(t, err, CodeUnavailable, "disabled")
}

// recordHeaders wraps a handler and counts requests with and without the
// header.
type headerCount struct {
	with, without atomic.Int64
}

func (hc *headerCount) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Cemcp-Test") == "token-123" {
			hc.with.Add(1)
		} else {
			hc.without.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

func TestNetworkTransports(t *testing.T) {
	tests := []struct {
		kind    string
		handler func(*mcp.Server) http.Handler
	}{
		{"http", func(s *mcp.Server) http.Handler {
			return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
		}},
		{"sse", func(s *mcp.Server) http.Handler {
			return mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			var hc headerCount
			ts := httptest.NewServer(hc.wrap(tt.handler(newTestServer(false))))
			t.Cleanup(ts.Close) // runs after the hub's Close
			before := runtime.NumGoroutine()
			var ev toolEvents
			h := startHub(t, map[string]*config.Server{
				"net": {Type: tt.kind, URL: ts.URL, Headers: map[string]string{"X-Cemcp-Test": "token-123"}},
			}, Options{OnToolsChanged: ev.record})
			if st := statusOf(t, h, "net"); st.State != StateReady || st.Transport != tt.kind {
				t.Fatalf("status = %+v", st)
			}
			if got := callText(t, h, "net", "echo", `{"text":"over the wire"}`); got != "over the wire" {
				t.Errorf("echo = %q", got)
			}
			callText(t, h, "net", "add_tool", `{"name":"dyn_`+tt.kind+`"}`)
			waitFor(t, 5*time.Second, "list_changed over "+tt.kind, func() bool {
				evs := ev.get()
				return len(evs) >= 2 && slices.Contains(evs[len(evs)-1].names, "dyn_"+tt.kind)
			})
			if got := callText(t, h, "net", "dyn_"+tt.kind, `{}`); got != "added tool dyn_"+tt.kind {
				t.Errorf("dynamic tool = %q", got)
			}
			if hc.with.Load() == 0 || hc.without.Load() != 0 {
				t.Errorf("requests with the configured header: %d, without: %d; want all with", hc.with.Load(), hc.without.Load())
			}
			h.Close()
			waitFor(t, 5*time.Second, "goroutines to end after Close", func() bool { return runtime.NumGoroutine() <= before+2 })
		})
	}
}

func TestListChangedRelists(t *testing.T) {
	var ev toolEvents
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{OnToolsChanged: ev.record})
	callText(t, h, "s", "add_tool", `{"name":"dynamic"}`)
	callText(t, h, "s", "add_tool", `{"name":"dynamic2"}`)
	waitFor(t, 5*time.Second, "OnToolsChanged with both new tools", func() bool {
		evs := ev.get()
		last := evs[len(evs)-1].names
		return slices.Contains(last, "dynamic") && slices.Contains(last, "dynamic2")
	})
	evs := ev.get()
	if want := len(stdioTools) + 2; len(evs[len(evs)-1].names) != want {
		t.Errorf("re-listed %d tools, want %d (all pages)", len(evs[len(evs)-1].names), want)
	}
	if got := callText(t, h, "s", "dynamic2", `{}`); got != "added tool dynamic2" {
		t.Errorf("dynamic2 = %q", got)
	}
	if st := statusOf(t, h, "s"); st.Tools != len(stdioTools)+2 {
		t.Errorf("Status tools = %d", st.Tools)
	}
}

func TestCrashThenReconnect(t *testing.T) {
	var ev toolEvents
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{OnToolsChanged: ev.record},
		func(h *Hub) { h.backoffMin = time.Second }) // a wide window to see "reconnecting"
	pid1 := callText(t, h, "s", "pid", `{}`)

	_, err := h.CallTool(context.Background(), "s", "crash", nil)
	wantCallError(t, err, CodeUnavailable, `"s"`)

	// While down, calls fail at once, naming the server and saying why.
	waitFor(t, 5*time.Second, "state reconnecting", func() bool { return statusOf(t, h, "s").State == StateReconnecting })
	if st := statusOf(t, h, "s"); !strings.Contains(st.Error, "exit status 3") || !strings.Contains(st.Error, "crashing on purpose") {
		t.Errorf("status error = %q, want the exit status and last stderr line", st.Error)
	}
	_, err = h.CallTool(context.Background(), "s", "echo", json.RawMessage(`{"text":"x"}`))
	wantCallError(t, err, CodeUnavailable, `server "s" is reconnecting`)
	if h.Tools("s") != nil {
		t.Error("Tools of a reconnecting server should be nil")
	}

	waitFor(t, 10*time.Second, "reconnect", func() bool { return statusOf(t, h, "s").State == StateReady })
	if got := callText(t, h, "s", "echo", `{"text":"back"}`); got != "back" {
		t.Errorf("echo after reconnect = %q", got)
	}
	if pid2 := callText(t, h, "s", "pid", `{}`); pid2 == pid1 {
		t.Error("same pid after reconnect")
	}
	if st := statusOf(t, h, "s"); st.Restarts != 1 || st.Error != "" {
		t.Errorf("status after reconnect = %+v, want 1 restart and no error", st)
	}
	evs := ev.get()
	if len(evs) != 3 || evs[0].names == nil || evs[1].names != nil || !slices.Equal(evs[2].names, stdioTools) {
		t.Errorf("OnToolsChanged events = %v, want tools, nil, tools", evs)
	}
}

func TestGarbageOnStdout(t *testing.T) {
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{})
	_, err := h.CallTool(context.Background(), "s", "garbage", nil)
	wantCallError(t, err, CodeProtocol, `non-JSON line on stdout: "this is not json"`)
	waitFor(t, 10*time.Second, "reconnect after garbage", func() bool {
		st := statusOf(t, h, "s")
		return st.State == StateReady && st.Restarts == 1
	})
	callText(t, h, "s", "echo", `{"text":"still up"}`)
}

func cancelledCount(t *testing.T, h *Hub) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(callText(t, h, "s", "stats", `{}`), "cancelled="))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCallTimeout(t *testing.T) {
	s := stdioServer(t, "full", nil)
	s.CallTimeout = 300 * time.Millisecond
	h := startHub(t, map[string]*config.Server{"s": s}, Options{})
	began := time.Now()
	_, err := h.CallTool(context.Background(), "s", "sleep", json.RawMessage(`{"ms":20000}`))
	wantCallError(t, err, CodeTimeout, "call timeout (300ms)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("timed-out call returned after %s", d)
	}
	// The server saw notifications/cancelled: its handler's ctx ended.
	waitFor(t, 5*time.Second, "the server to see the cancellation", func() bool { return cancelledCount(t, h) == 1 })
}

func TestCancelPropagates(t *testing.T) {
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	began := time.Now()
	_, err := h.CallTool(ctx, "s", "sleep", json.RawMessage(`{"ms":20000}`))
	wantCallError(t, err, CodeCancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("cancelled call returned after %s", d)
	}
	waitFor(t, 5*time.Second, "the server to see the cancellation", func() bool { return cancelledCount(t, h) == 1 })
	// The session is still fine.
	callText(t, h, "s", "echo", `{"text":"x"}`)
}

// procInfo is what /proc says about a process.
type procInfo struct {
	pid, ppid, pgrp int
	state           byte
}

func readProc(pid int) (procInfo, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procInfo{}, false
	}
	// pid (comm) state ppid pgrp ...; comm may contain spaces and parens.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return procInfo{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgrp, _ := strconv.Atoi(f[2])
	return procInfo{pid: pid, ppid: ppid, pgrp: pgrp, state: f[0][0]}, true
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	p, ok := readProc(pid)
	return ok && p.state != 'Z'
}

// liveProcs returns the live processes whose parent is us or whose group
// is one of groups.
func liveProcs(groups []int) []procInfo {
	ents, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok := readProc(pid)
		if !ok || p.state == 'Z' {
			continue
		}
		if p.ppid == os.Getpid() || slices.Contains(groups, p.pgrp) {
			out = append(out, p)
		}
	}
	return out
}

func TestCloseLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	h := New(map[string]*config.Server{
		"a": stdioServer(t, "full", nil),
		"b": stdioServer(t, "full", nil),
	}, Options{})
	h.Start(context.Background())

	pidA, _ := strconv.Atoi(callText(t, h, "a", "pid", `{}`))
	pidB, _ := strconv.Atoi(callText(t, h, "b", "pid", `{}`))
	grandchild, _ := strconv.Atoi(callText(t, h, "a", "spawn_child", `{}`))
	if p, ok := readProc(grandchild); !ok || p.pgrp != pidA {
		t.Fatalf("grandchild %d: %+v, want it alive in group %d", grandchild, p, pidA)
	}
	if p, _ := readProc(pidA); p.pgrp != pidA || p.ppid != os.Getpid() {
		t.Fatalf("server %+v: want its own process group, child of us", p)
	}

	// A call in flight during Close ends promptly.
	callErr := make(chan error, 1)
	go func() {
		_, err := h.CallTool(context.Background(), "b", "sleep", json.RawMessage(`{"ms":20000}`))
		callErr <- err
	}()
	time.Sleep(100 * time.Millisecond)

	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-callErr:
		wantCallError(t, err, CodeUnavailable)
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight call did not end after Close")
	}
	// Everything is gone when Close returns: no waiting.
	for _, pid := range []int{pidA, pidB, grandchild} {
		if alive(pid) {
			t.Errorf("process %d alive after Close", pid)
		}
	}
	if left := liveProcs([]int{pidA, pidB}); len(left) > 0 {
		t.Errorf("processes left after Close: %+v", left)
	}
	for _, st := range h.Status() {
		if st.State != StateClosed {
			t.Errorf("status after Close: %+v", st)
		}
	}
	_, err := h.CallTool(context.Background(), "a", "echo", nil)
	wantCallError(t, err, CodeUnavailable, "closed")
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// Goroutines wind down (a few SDK ones finish asynchronously).
	waitFor(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before+2 })
}

func TestReconnectKillsGrandchildren(t *testing.T) {
	h := startHub(t, map[string]*config.Server{"s": stdioServer(t, "full", nil)}, Options{})
	grandchild, _ := strconv.Atoi(callText(t, h, "s", "spawn_child", `{}`))
	_, err := h.CallTool(context.Background(), "s", "crash", nil)
	wantCallError(t, err, CodeUnavailable)
	waitFor(t, 5*time.Second, "the crashed server's grandchild to die", func() bool { return !alive(grandchild) })
}

func TestServerDiesWithGateway(t *testing.T) {
	gw := exec.Command(testBinary(t))
	gw.Env = append(os.Environ(), upstreamEnv+"=gateway")
	out, err := gw.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		gw.Process.Kill()
		gw.Wait()
		t.Fatalf("gateway printed no pid: %v", err)
	}
	server, _ := strconv.Atoi(strings.TrimSpace(line))
	t.Cleanup(func() {
		if alive(server) {
			syscall.Kill(server, syscall.SIGKILL)
		}
	})
	if !alive(server) {
		t.Fatalf("server %d not running", server)
	}
	gw.Process.Kill() // SIGKILL: the gateway gets no chance to clean up
	gw.Wait()
	waitFor(t, 5*time.Second, "the server to die with its gateway (Pdeathsig)", func() bool { return !alive(server) })
}
