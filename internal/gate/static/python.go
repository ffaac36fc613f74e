package static

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

//go:embed analyzer.py
var analyzerSource string

// PythonAnalyzer runs the Python analysis in a CPython subprocess. The zero
// value uses "python3" from PATH and a 2 s timeout.
type PythonAnalyzer struct {
	// Python is the interpreter to run ("python3" when empty).
	Python string
	// Timeout bounds one analysis (2 s when zero).
	Timeout time.Duration
}

// maxAnalyzerOutput bounds what the subprocess may print.
const maxAnalyzerOutput = 8 << 20

// AnalyzePython analyzes a Python program with the default PythonAnalyzer.
func AnalyzePython(ctx context.Context, code string, r Resolver) (Report, error) {
	return PythonAnalyzer{}.Analyze(ctx, code, r)
}

// Analyze parses code with CPython's ast module in a subprocess (python3 -I
// -S, the program on stdin, rlimits set by the analyzer before it reads,
// killed at the timeout) and applies the Python rules: eval, exec, compile,
// __import__, open, breakpoint and input are denied, as are reflection
// (globals(), locals(), vars(), getattr with computed or private names,
// __subclasses__, __globals__, __code__, __builtins__ and other internals,
// private attributes of modules, attribute traversal in format strings)
// and imports outside the allow-list (json, math, statistics, re, datetime,
// collections, itertools, functools, decimal, fractions, string, textwrap,
// typing, dataclasses, enum, heapq, bisect, random, operator, copy, pprint;
// base64 is allowed and flagged). Decode-then-run, encoded blobs and tool
// references follow the JavaScript rules. A syntax error is a deny finding
// of rule "parse". An error is returned only when the analysis could not
// run (no python3, timeout, a crash).
func (p PythonAnalyzer) Analyze(ctx context.Context, code string, r Resolver) (Report, error) {
	py := p.Python
	if py == "" {
		py = "python3"
	}
	path, err := exec.LookPath(py)
	if err != nil {
		return Report{}, fmt.Errorf("analyze python: %s not found (the Python analysis needs a python3 interpreter): %w", py, err)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-I", "-S", "-c", analyzerSource)
	cmd.Stdin = strings.NewReader(code)
	out := &limitedBuffer{max: maxAnalyzerOutput}
	errOut := &limitedBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 500 * time.Millisecond
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Report{}, fmt.Errorf("analyze python: timed out after %v: %w", timeout, ctx.Err())
		}
		return Report{}, fmt.Errorf("analyze python: %w: %s", err, strings.TrimSpace(errOut.String()))
	}
	if out.over {
		return Report{}, errors.New("analyze python: analyzer output too large")
	}
	var res pyResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return Report{}, fmt.Errorf("analyze python: decode analyzer output: %w", err)
	}
	return res.report(r), nil
}

type pyResult struct {
	Error *struct {
		Line int    `json:"line"`
		Col  int    `json:"col"`
		Msg  string `json:"msg"`
	} `json:"error"`
	Findings []struct {
		Rule string `json:"rule"`
		Line int    `json:"line"`
		Col  int    `json:"col"`
		Msg  string `json:"msg"`
		Deny bool   `json:"deny"`
	} `json:"findings"`
	Refs []struct {
		Server string `json:"server"`
		Tool   string `json:"tool"`
		Line   int    `json:"line"`
		Col    int    `json:"col"`
	} `json:"refs"`
	Calls []struct {
		Name string `json:"name"`
		Line int    `json:"line"`
		Col  int    `json:"col"`
	} `json:"calls"`
	Dynamic bool `json:"dynamic"`
}

func (res *pyResult) report(r Resolver) Report {
	var rep Report
	if res.Error != nil {
		rep.Findings = []Finding{{Rule: "parse", Line: res.Error.Line, Col: res.Error.Col, Deny: true,
			Message: fmt.Sprintf("line %d: syntax error: %s", res.Error.Line, res.Error.Msg)}}
		return rep
	}
	for _, f := range res.Findings {
		rep.Findings = append(rep.Findings, Finding{Rule: f.Rule, Line: f.Line, Col: f.Col, Message: f.Msg, Deny: f.Deny})
	}
	rep.DynamicCalls = res.Dynamic
	for _, ref := range res.Refs {
		written := "tools." + ref.Server + "." + ref.Tool
		if r == nil {
			rep.Tools = append(rep.Tools, ref.Server+"."+ref.Tool)
			continue
		}
		if q, ok := r.ResolveJS(ref.Server, ref.Tool); ok {
			rep.Tools = append(rep.Tools, q)
			continue
		}
		msg := fmt.Sprintf("line %d: %s is not a known tool", ref.Line, written)
		if s := suggest(r, ref.Server+"."+ref.Tool, true); s != "" {
			msg += "; did you mean tools." + s + "?"
		} else {
			msg += "; use search_tools to find the right name"
		}
		rep.Findings = append(rep.Findings, Finding{Rule: "unknown-tool", Line: ref.Line, Col: ref.Col, Deny: true, Message: msg})
	}
	for _, c := range res.Calls {
		if r == nil || r.Exists(c.Name) {
			rep.Tools = append(rep.Tools, c.Name)
			continue
		}
		if s, t, ok := strings.Cut(c.Name, "."); ok {
			if q, ok := r.ResolveJS(s, t); ok {
				rep.Tools = append(rep.Tools, q)
				continue
			}
		}
		msg := fmt.Sprintf("line %d: tools.call(%q): no tool is named %q", c.Line, c.Name, c.Name)
		if s := suggest(r, c.Name, false); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; use search_tools to find the right name"
		}
		rep.Findings = append(rep.Findings, Finding{Rule: "unknown-tool", Line: c.Line, Col: c.Col, Deny: true, Message: msg})
	}
	rep.Findings = sortFindings(rep.Findings)
	rep.Tools = uniqueSorted(rep.Tools)
	return rep
}

// limitedBuffer keeps at most max bytes and notes whether more came.
type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
