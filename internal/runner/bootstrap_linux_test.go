package runner

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/procstat"
	"github.com/cemcp/cemcp/internal/runner/pyboot"
)

// These tests run the Python prelude and bootstrap unconfined, with the
// same command line and environment as execPython, and speak the bridge
// to them as the host does. The jail's own tests (package sandbox) run
// them confined.

// pythonPath is the interpreter the jail uses by default.
const pythonPath = "/usr/bin/python3"

// python is a started interpreter and the host end of its bridge.
type python struct {
	cmd  *exec.Cmd
	conn net.Conn
	host *bridge.Conn
}

// startPython starts CPython as execPython would, with the bootstrap as
// source (code nil) or compiled (code from bootstraps, in a memfd as
// prepareBootstrap makes it), and reads its ready frame.
func startPython(t testing.TB, code []byte) *python {
	t.Helper()
	if _, err := os.Stat(pythonPath); err != nil {
		t.Skipf("no %s: %v", pythonPath, err)
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	child := os.NewFile(uintptr(fds[0]), "bridge-runner")
	parent := os.NewFile(uintptr(fds[1]), "bridge-host")
	conn, err := net.FileConn(parent)
	parent.Close()
	if err != nil {
		t.Fatal(err)
	}
	files := []*os.File{child}
	codeFD := -1
	if code != nil {
		f, err := codeFile(code)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files, codeFD = append(files, f), 4 // ExtraFiles start at fd 3
	}
	cmd := &exec.Cmd{Path: pythonPath, Args: pythonArgv(0, codeFD), Env: pythonEnv, ExtraFiles: files}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	p := &python{cmd: cmd, conn: conn, host: bridge.NewConn(conn, bridge.Limits{})}
	t.Cleanup(func() {
		conn.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if s := stderr.String(); s != "" {
			t.Logf("python stderr:\n%s", s)
		}
	})
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	m, err := p.host.Recv()
	if err != nil || m.T != bridge.TypeReady {
		t.Fatalf("first frame %+v, %v; want ready", m, err)
	}
	return p
}

// exitCode waits for the interpreter and returns its exit status.
func (p *python) exitCode(t testing.TB) int {
	t.Helper()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", err)
	return -1
}

// runPython runs one program: tool calls of echo.* are answered with their
// arguments, calls of fail.* with a ToolError.
func runPython(t *testing.T, code []byte, program string, limits *bridge.RunLimits) *bridge.Message {
	t.Helper()
	p := startPython(t, code)
	run := &bridge.Message{T: bridge.TypeRun, Language: "python", Program: program, Limits: limits,
		Tools: []bridge.ToolRef{{Qualified: "echo.say", JSServer: "echo", JSName: "say"}, {Qualified: "fail.now", JSServer: "fail", JSName: "now"}}}
	if err := p.host.Send(run); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := p.host.Recv()
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		switch m.T {
		case bridge.TypeCall:
			reply := &bridge.Message{T: bridge.TypeResult, ID: m.ID, Value: m.Args}
			if strings.HasPrefix(m.Tool, "fail.") {
				reply = &bridge.Message{T: bridge.TypeResult, ID: m.ID, ToolError: &bridge.ToolError{Server: "fail", Tool: "now", Code: "denied", Message: "policy says no"}}
			}
			if err := p.host.Send(reply); err != nil {
				t.Fatal(err)
			}
		case bridge.TypeDone:
			if c := p.exitCode(t); c != 0 {
				t.Fatalf("exit code %d after done", c)
			}
			return m
		default:
			t.Fatalf("unexpected frame %+v", m)
		}
	}
}

func TestPythonBootstrap(t *testing.T) {
	tests := []struct {
		name    string
		program string
		limits  *bridge.RunLimits
		value   string // JSON; "" for none
		output  string
		calls   int
		kind    string // error kind; "" for none
		limit   string
		line    int
		message string // a substring of the error message
		trunc   bool
	}{
		{name: "return", program: "return 1", value: "1"},
		{name: "empty program", program: ""},
		{name: "no return", program: "x = 1"},
		{name: "tool call", program: "r = tools.echo.say({\"w\": \"é\", \"n\": [1, 2.5, None, True]})\nprint(\"got\", r[\"w\"])\nreturn r",
			value: `{"w":"é","n":[1,2.5,null,true]}`, output: "got é\n", calls: 1},
		{name: "tools.call", program: `return tools.call("echo.say", {"a": (1, 2), 3: "x"})`, value: `{"a":[1,2],"3":"x"}`, calls: 1},
		{name: "tool error", program: "try:\n    tools.fail.now()\nexcept ToolError as e:\n    return [e.code, e.server, e.tool, e.message]",
			value: `["denied","fail","now","policy says no"]`, calls: 1},
		{name: "unknown tool", program: `return tools.echo.nope`, kind: "exception", message: "has no tool", line: 1},
		{name: "arguments not a dict", program: "try:\n    tools.echo.say([1])\nexcept ToolError as e:\n    return e.code", value: `"invalid_arguments"`},
		{name: "arguments not JSON", program: "try:\n    tools.echo.say({\"a\": object()})\nexcept ToolError as e:\n    return e.code", value: `"invalid_arguments"`},
		{name: "NaN arguments", program: "try:\n    tools.echo.say({\"a\": float(\"nan\")})\nexcept ToolError as e:\n    return e.code", value: `"invalid_arguments"`},
		{name: "call budget", program: "tools.echo.say()\ntools.echo.say()", limits: &bridge.RunLimits{MaxToolCalls: 1},
			kind: "exception", message: "limit of 1", line: 2, calls: 1},
		{name: "syntax error", program: "x = 1\ndef (:", kind: "syntax", line: 2},
		{name: "NUL in the source", program: "x = 1\x00", kind: "syntax", message: "null"},
		{name: "exception line", program: "x = 1\ny = 2\nraise ValueError('boom')", kind: "exception", message: "ValueError: boom", line: 3},
		{name: "exception in a function", program: "def f():\n    return 1 / 0\n\nreturn f()", kind: "exception", message: "ZeroDivisionError", line: 2},
		{name: "recursion", program: "def f():\n    return f()\nreturn f()", kind: "limit", limit: "stack", line: 2},
		{name: "NaN return", program: `return float("nan")`, kind: "exception", message: "not JSON"},
		{name: "object return", program: `return object()`, kind: "exception", message: "not JSON"},
		{name: "circular return", program: "a = []\na.append(a)\nreturn a", kind: "exception", message: "not JSON"},
		{name: "output truncated", program: `print("x" * 100)`, limits: &bridge.RunLimits{MaxOutputBytes: 10}, output: "xxxxxxxxxx", trunc: true},
		{name: "return value over the output limit", program: `return "y" * 100`, limits: &bridge.RunLimits{MaxOutputBytes: 10}, kind: "limit", limit: "output"},
		{name: "lone surrogate", program: "print(\"a\\ud800b\")\nreturn \"\\udfff\"", value: `"?"`, output: "a?b\n"},
		{name: "system exit", program: "print(1)\nraise SystemExit(3)", output: "1\n"},
		{name: "user imports work", program: "import json, os\nreturn json.loads(json.dumps({\"uid\": os.getuid() >= 0}))", value: `{"uid":true}`},
		// The bootstrap itself loads nothing heavy (it has run by now: codec,
		// tools, compilation), so the idle runner cannot have either.
		{name: "nothing heavy imported", program: "import sys\nreturn [m for m in (\"json\", \"json.decoder\", \"re\", \"ast\", \"traceback\", \"os\", \"struct\", \"linecache\") if m in sys.modules]", value: `[]`},
		{name: "argv", program: "import sys\nreturn sys.argv", value: `["-c","4194304"]`},
	}
	for _, boot := range bootstraps(t) {
		for _, tt := range tests {
			t.Run(boot.name+"/"+tt.name, func(t *testing.T) {
				done := runPython(t, boot.code, tt.program, tt.limits)
				if string(done.Value) != tt.value {
					t.Errorf("value %s, want %s", done.Value, tt.value)
				}
				if done.Output != tt.output || done.Truncated != tt.trunc || done.ToolCalls != tt.calls {
					t.Errorf("output %q truncated %v calls %d, want %q %v %d", done.Output, done.Truncated, done.ToolCalls, tt.output, tt.trunc, tt.calls)
				}
				switch {
				case tt.kind == "" && done.Error != nil:
					t.Errorf("error %+v, want none", done.Error)
				case tt.kind != "" && done.Error == nil:
					t.Errorf("no error, want kind %s", tt.kind)
				case tt.kind != "":
					e := done.Error
					if e.Kind != tt.kind || e.Limit != tt.limit || e.Line != tt.line || !strings.Contains(e.Message, tt.message) {
						t.Errorf("error %+v, want kind %s limit %q line %d message with %q", e, tt.kind, tt.limit, tt.line, tt.message)
					}
				}
			})
		}
	}
}

// TestPythonBootstrapFrames feeds the waiting interpreter run frames in
// pieces and broken ones: a split frame is read whole, anything else ends
// the interpreter with the runner's exit codes (11 protocol, 12 EOF).
func TestPythonBootstrapFrames(t *testing.T) {
	frame := func(payload string) []byte { return bridge.AppendFrame(nil, []byte(payload)) }
	run := frame(`{"t":"run","program":"return 'ok'"}`)
	tests := []struct {
		name   string
		chunks [][]byte
		close  bool // close the host end after the chunks
		code   int  // exit code; -1 for a done frame with "ok"
	}{
		{"byte by byte", splitEach(run), false, -1},
		{"header split", [][]byte{run[:2], run[2:5], run[5:]}, false, -1},
		{"not JSON", [][]byte{frame(`{"t":"run",`)}, false, 11},
		{"not an object", [][]byte{frame(`["run"]`)}, false, 11},
		{"extra data", [][]byte{frame(`{"t":"run"} {}`)}, false, 11},
		{"not UTF-8", [][]byte{frame("{\"t\":\"run\",\"program\":\"\xff\"}")}, false, 11},
		{"not a run", [][]byte{frame(`{"t":"result","id":1}`)}, false, 11},
		{"empty frame", [][]byte{{0, 0, 0, 0}}, false, 11},
		{"frame over the limit", [][]byte{{0x7f, 0, 0, 0}}, false, 11},
		{"EOF in the header", [][]byte{run[:3]}, true, 12},
		{"EOF in the payload", [][]byte{run[:10]}, true, 12},
		{"EOF before the run", nil, true, 12},
	}
	for _, boot := range bootstraps(t) {
		for _, tt := range tests {
			t.Run(boot.name+"/"+tt.name, func(t *testing.T) {
				p := startPython(t, boot.code)
				for _, c := range tt.chunks {
					if _, err := p.conn.Write(c); err != nil {
						t.Fatal(err)
					}
					time.Sleep(time.Millisecond) // separate reads on the other side
				}
				if tt.close {
					_ = p.conn.(*net.UnixConn).CloseWrite()
				}
				if tt.code >= 0 {
					if c := p.exitCode(t); c != tt.code {
						t.Fatalf("exit code %d, want %d", c, tt.code)
					}
					return
				}
				done, err := p.host.Recv()
				if err != nil || done.T != bridge.TypeDone || string(done.Value) != `"ok"` || done.Error != nil {
					t.Fatalf("got %+v (value %s), %v; want done with \"ok\"", done, done.Value, err)
				}
			})
		}
	}
}

func splitEach(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

// BenchmarkPythonIdleRSS reports the resident memory (VmRSS) of an
// unconfined interpreter waiting for its run frame, and the time from the
// run frame to done for "return 1" (the bootstrap's compilation and
// set-up included). The jail's figure is BenchmarkIdleRSS in package
// sandbox.
func BenchmarkPythonIdleRSS(b *testing.B) {
	var rss int64
	lat := make([]time.Duration, 0, b.N)
	run := bridge.AppendFrame(nil, []byte(`{"t":"run","program":"return 1"}`))
	for i := 0; i < b.N; i++ {
		p := startPython(b, nil)
		time.Sleep(20 * time.Millisecond) // let it settle in its read
		if kb := vmRSSKiB(b, p.cmd.Process.Pid); kb > rss {
			rss = kb
		}
		start := time.Now()
		if _, err := p.conn.Write(run); err != nil {
			b.Fatal(err)
		}
		done, err := p.host.Recv()
		lat = append(lat, time.Since(start))
		if err != nil || string(done.Value) != "1" {
			b.Fatalf("%+v %v", done, err)
		}
	}
	b.ReportMetric(float64(rss), "py-rss-KiB")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "run-p50-µs")
	}
}

// vmRSSKiB returns process pid's resident memory in KiB.
func vmRSSKiB(t testing.TB, pid int) int64 {
	n, err := procstat.RSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n >> 10
}

// bootstraps are the two forms of the bootstrap a runner may pass CPython:
// its source, and the code object the host compiles (pyboot.MarshalProgram
// run by the same interpreter).
func bootstraps(t *testing.T) []struct {
	name string
	code []byte
} {
	t.Helper()
	if _, err := os.Stat(pythonPath); err != nil {
		t.Skipf("no %s: %v", pythonPath, err)
	}
	cmd := exec.Command(pythonPath, "-I", "-S", "-B", "-c", pyboot.MarshalProgram)
	cmd.Stdin = strings.NewReader(pyboot.Source)
	out, err := cmd.Output()
	if err != nil || len(out) == 0 {
		t.Fatalf("compile the bootstrap: %v", err)
	}
	return []struct {
		name string
		code []byte
	}{{"source", nil}, {"compiled", out}}
}
