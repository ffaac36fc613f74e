package redteam

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/transpile"
)

// Naive is the executor of the "none" configuration: what a CE-MCP gateway
// without a sandbox does. It runs JavaScript and TypeScript with node and
// Python with python3 as plain host processes, with the host's files,
// network and processes, no limits of its own, and a tools object that
// speaks to the gateway over two pipes (fd 3 out, fd 4 in, one JSON object
// a line). Its only bound is ctx: the suite's watchdog.
//
// It exists to prove that the program-side scenarios are real: an attack
// that fails here fails for want of a capability, not because of cemcp.
type Naive struct {
	Node, Python string // interpreter paths; "" = look up on PATH
}

var _ sandbox.Executor = (*Naive)(nil)

// Isolated implements sandbox.Executor.
func (*Naive) Isolated() bool { return false }

// Close implements sandbox.Executor.
func (*Naive) Close() error { return nil }

type naiveMsg struct {
	Tool  string          `json:"tool,omitempty"`
	Args  json.RawMessage `json:"args,omitempty"`
	Done  bool            `json:"done,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	Error string          `json:"error,omitempty"`
}

type naiveReply struct {
	Value     json.RawMessage    `json:"value,omitempty"`
	ToolError *sandbox.ToolError `json:"tool_error,omitempty"`
}

// Execute implements sandbox.Executor.
func (n *Naive) Execute(ctx context.Context, req *sandbox.Request, caller sandbox.ToolCaller) (*sandbox.Response, error) {
	start := time.Now()
	refs, _ := json.Marshal(req.Tools)
	var cmd *exec.Cmd
	switch req.Language {
	case sandbox.Python:
		py := n.Python
		if py == "" {
			py = "python3"
		}
		cmd = exec.Command(py, "-c", naivePy, req.Code, string(refs))
	default:
		js, rerr := transpile.Program(req.Code, string(req.Language))
		if rerr != nil {
			return &sandbox.Response{Error: rerr}, nil
		}
		node := n.Node
		if node == "" {
			node = "node"
		}
		cmd = exec.Command(node, "-e", naiveJS, "--", js, string(refs))
	}
	toChild, childIn, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("naive executor: %w", err)
	}
	childOut, fromChild, err := os.Pipe()
	if err != nil {
		toChild.Close()
		childIn.Close()
		return nil, fmt.Errorf("naive executor: %w", err)
	}
	// fd 3: the child writes calls; fd 4: the child reads replies.
	cmd.ExtraFiles = []*os.File{fromChild, toChild}
	outR, outW, err := os.Pipe()
	if err != nil {
		for _, f := range []*os.File{toChild, childIn, childOut, fromChild} {
			f.Close()
		}
		return nil, fmt.Errorf("naive executor: %w", err)
	}
	cmd.Stdout, cmd.Stderr = outW, outW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		for _, f := range []*os.File{toChild, childIn, childOut, fromChild, outR, outW} {
			f.Close()
		}
		return nil, fmt.Errorf("naive executor: start %s: %w", cmd.Path, err)
	}
	fromChild.Close()
	toChild.Close()
	outW.Close()
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(&out, outR)
		close(copied)
	}()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-done:
		}
	}()
	resp := &sandbox.Response{}
	var wmu sync.Mutex
	sc := bufio.NewScanner(childOut)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var m naiveMsg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		if m.Done {
			if len(m.Value) > 0 && string(m.Value) != "null" {
				resp.Result = m.Value
			}
			if m.Error != "" {
				resp.Error = &sandbox.RunError{Kind: "exception", Message: m.Error}
			}
			break
		}
		resp.ToolCalls++
		v, err := caller.CallTool(ctx, m.Tool, m.Args)
		var r naiveReply
		var te *sandbox.ToolError
		switch {
		case errors.As(err, &te):
			r.ToolError = te
		case err != nil:
			r.ToolError = &sandbox.ToolError{Code: "internal", Message: err.Error()}
		default:
			r.Value = v
		}
		b, _ := json.Marshal(r)
		wmu.Lock()
		_, _ = childIn.Write(append(b, '\n'))
		wmu.Unlock()
	}
	childIn.Close()
	childOut.Close()
	werr := cmd.Wait()
	// Stragglers (forked children) would hold the output pipe open.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-copied
	outR.Close()
	close(done)
	resp.Output = out.String()
	resp.Duration = time.Since(start)
	if ctx.Err() != nil {
		resp.Error = &sandbox.RunError{Kind: "timeout", Message: "killed by the red-team watchdog"}
	} else if resp.Error == nil && werr != nil && resp.Result == nil {
		resp.Error = &sandbox.RunError{Kind: "exception", Message: werr.Error()}
	}
	return resp, nil
}

// naiveJS is the node prelude: argv[1] is the transpiled program, argv[2]
// the tool references.
const naiveJS = `
const fs = require('fs');
globalThis.require = require;
const [js, refsJSON] = process.argv.slice(1);
function call(tool, args) {
  fs.writeSync(3, JSON.stringify({tool, args: args === undefined ? {} : args}) + "\n");
  const bytes = [];
  const b = Buffer.alloc(1);
  for (;;) {
    const n = fs.readSync(4, b, 0, 1, null);
    if (n === 0) throw new Error("gateway closed the pipe");
    if (b[0] === 10) break;
    bytes.push(b[0]);
  }
  const r = JSON.parse(Buffer.from(bytes).toString("utf8"));
  if (r.tool_error) { const e = new Error(r.tool_error.message); Object.assign(e, r.tool_error); e.name = "ToolError"; throw e; }
  return r.value;
}
const tools = { call: async (name, args) => call(name, args) };
for (const r of JSON.parse(refsJSON || "[]") || []) {
  tools[r.s] = tools[r.s] || {};
  tools[r.s][r.t] = async (args) => call(r.q, args);
}
globalThis.tools = tools;
// exit once the output written so far is flushed (stdout on a pipe is async).
const exit = (code) => process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
const finish = (m) => { fs.writeSync(3, JSON.stringify(Object.assign({done: true}, m)) + "\n"); };
Promise.resolve(require('vm').runInThisContext(js)).then(
  (v) => { finish({value: v === undefined ? null : v}); exit(0); },
  (e) => { finish({error: String(e && e.stack || e)}); exit(1); });
`

// naivePy is the python3 prelude: argv[1] is the program, argv[2] the tool
// references.
const naivePy = `
import ast, json, os, sys
code, refs = sys.argv[1], json.loads(sys.argv[2] or "[]") or []
_in = os.fdopen(4, "rb", buffering=0)
class ToolError(Exception):
    def __init__(self, e):
        super().__init__(e.get("message", ""))
        self.message, self.server, self.tool, self.code = e.get("message", ""), e.get("server", ""), e.get("tool", ""), e.get("code", "")
def _call(name, args=None):
    os.write(3, (json.dumps({"tool": name, "args": args or {}}) + "\n").encode())
    line = b""
    while not line.endswith(b"\n"):
        c = _in.read(1)
        if not c:
            raise RuntimeError("gateway closed the pipe")
        line += c
    r = json.loads(line)
    if r.get("tool_error"):
        raise ToolError(r["tool_error"])
    return r.get("value")
class _NS:
    def __init__(self, d): self.__dict__.update(d)
servers = {}
for r in refs:
    servers.setdefault(r["s"], {})[r["t"]] = (lambda q: lambda args=None: _call(q, args))(r["q"])
tools = _NS({s: _NS(f) for s, f in servers.items()})
tools.call = _call
tree = ast.parse(code, filename="program.py")
fn = ast.parse("def __main__():\n    pass\n").body[0]
fn.body = tree.body or [ast.Pass()]
mod = ast.Module(body=[fn], type_ignores=[])
ast.fix_missing_locations(mod)
env = {"__name__": "__main__", "tools": tools, "ToolError": ToolError}
exec(compile(mod, "program.py", "exec"), env)
try:
    v = env["__main__"]()
    msg = {"done": True, "value": v}
except BaseException as e:
    msg = {"done": True, "error": type(e).__name__ + ": " + str(e)}
sys.stdout.flush()
os.write(3, (json.dumps(msg, default=str) + "\n").encode())
`
