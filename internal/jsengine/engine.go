package jsengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/editdist"
)

// Caller performs one tool call for the program, by qualified name. A
// *bridge.ToolError is handed to the program as is; any other error becomes
// a ToolError with code "internal".
type Caller func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error)

// Options configure one run. Zero values mean the defaults.
type Options struct {
	Tools          []bridge.ToolRef
	Timeout        time.Duration // default 30s
	MaxOutputBytes int           // default 64 KiB; console output, and the returned JSON
	MaxToolCalls   int           // default 1000
	MaxConcurrency int           // default 8
	MaxCallDepth   int           // default 1000
	// LineOffset is the number of lines a wrapper added above the program;
	// it is subtracted from the lines in error positions. Programs from
	// package transpile need none (its source map already maps them).
	LineOffset int
}

// Defaults.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxOutputBytes = 64 << 10
	DefaultMaxToolCalls   = 1000
	DefaultMaxConcurrency = 8
	DefaultMaxCallDepth   = 1000
)

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if o.MaxToolCalls <= 0 {
		o.MaxToolCalls = DefaultMaxToolCalls
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	if o.MaxCallDepth <= 0 {
		o.MaxCallDepth = DefaultMaxCallDepth
	}
	return o
}

// Result is what one run produced.
type Result struct {
	Output    string
	Value     json.RawMessage // JSON of the returned value; nil when undefined
	Error     *bridge.RunError
	Truncated bool // Output was cut at MaxOutputBytes
	ToolCalls int  // calls handed to the Caller (at most MaxToolCalls)
	Duration  time.Duration
}

// programName is the script name given to goja. With the source map of
// package transpile, frames in the user's code name "program.ts" or
// "program.js" instead, and frames still named programName are in code the
// transpiler generated (helpers), which error messages leave out.
const programName = "script.js"

// LinesDirective, followed by a number and a newline, marks a script made
// from a program of that many lines (package transpile writes it just before
// the source map). Stack frames past that line are in the wrapper, not in
// the program, and error messages leave them out.
const LinesDirective = "//cemcp:lines="

// errTimeLimit is the cause of the run's own deadline.
var errTimeLimit = errors.New("run time limit")

// shutdownGrace bounds how long Run waits, after the run has ended and its
// context is cancelled, for tool calls still in flight to return.
const shutdownGrace = 2 * time.Second

// Run executes one script, as produced by package transpile: its completion
// value is a Promise (or a plain value) that the run waits for, running the
// event loop of tool calls and timers until it settles, a limit is hit, or
// ctx ends. It never panics and never returns nil.
func Run(ctx context.Context, js string, opts Options, call Caller) (res *Result) {
	start := time.Now()
	opts = opts.withDefaults()
	e := &engine{
		opts:   opts,
		caller: call,
		jobs:   make(chan func() error),
		done:   make(chan struct{}),
		sem:    make(chan struct{}, opts.MaxConcurrency),
		timers: make(map[int64]*timer),
		out:    output{max: opts.MaxOutputBytes},
	}
	res = &Result{}
	defer func() {
		if p := recover(); p != nil {
			res.Value = nil
			res.Error = &bridge.RunError{Kind: "internal", Message: fmt.Sprintf("engine failure: %v", p)}
		}
		e.shutdown()
		res.Output = e.out.b.String()
		res.Truncated = e.out.truncated
		res.ToolCalls = int(e.started.Load())
		res.Duration = time.Since(start)
	}()
	res.Value, res.Error = e.run(ctx, js)
	return res
}

type engine struct {
	opts   Options
	caller Caller
	vm     *goja.Runtime

	ctx    context.Context // the run's context; cancelled when the run ends
	cancel context.CancelFunc
	jobs   chan func() error // results delivered to the JS goroutine
	done   chan struct{}     // closed when the run ends
	sem    chan struct{}     // bounds calls in flight
	wg     sync.WaitGroup    // call goroutines

	started atomic.Int64 // calls handed to the Caller

	// Fields below are used on the JS goroutine only.
	refs       map[string]bridge.ToolRef
	userFrames string // frames in files named with this prefix are the program's
	userLines  int    // lines of the program, when known; later frames are the wrapper's
	pending    int    // calls and timers whose job has not run yet
	calls      int
	fatal      *bridge.RunError
	out        output
	timers     map[int64]*timer
	nextTimer  int64

	toolError *goja.Object
	stringify goja.Callable
	parse     goja.Callable
	arrayFrom goja.Callable
	kind      goja.Callable
}

type timer struct {
	t    *time.Timer
	due  time.Time
	fn   goja.Callable
	args []goja.Value
}

// fireTimers runs every timer that is due, in order of due time then
// creation, as Node does, whichever timer's goroutine posted first. A timer
// fired here by another's post finds itself gone when its own post arrives.
func (e *engine) fireTimers() error {
	now := time.Now()
	var due []int64
	for id, t := range e.timers {
		if !t.due.After(now) {
			due = append(due, id)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		a, b := e.timers[due[i]], e.timers[due[j]]
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		return due[i] < due[j]
	})
	for _, id := range due {
		t, ok := e.timers[id]
		if !ok {
			continue // cleared by an earlier callback
		}
		delete(e.timers, id)
		e.pending--
		if _, err := t.fn(goja.Undefined(), t.args...); err != nil {
			return err
		}
		if e.fatal != nil {
			return nil
		}
	}
	return nil
}

func (e *engine) run(parent context.Context, js string) (json.RawMessage, *bridge.RunError) {
	e.ctx, e.cancel = context.WithTimeoutCause(parent, e.opts.Timeout, errTimeLimit)
	e.vm = goja.New()
	stop := context.AfterFunc(e.ctx, func() { e.vm.Interrupt(e.ctxError()) })
	defer stop()
	e.vm.SetMaxCallStackSize(e.opts.MaxCallDepth)

	if err := e.setup(); err != nil {
		return nil, &bridge.RunError{Kind: "internal", Message: "set up the engine: " + err.Error()}
	}
	e.userFrames = "program."
	if !strings.Contains(js, "\n//# sourceMappingURL=data:") {
		e.userFrames = programName
	}
	if i := strings.LastIndex(js, "\n"+LinesDirective); i >= 0 {
		rest := js[i+1+len(LinesDirective):]
		if j := strings.IndexByte(rest, '\n'); j >= 0 {
			e.userLines, _ = strconv.Atoi(rest[:j])
		}
	}
	prg, rerr := e.compile(js)
	if rerr != nil {
		return nil, rerr
	}
	v, err := e.vm.RunProgram(prg)
	if err != nil {
		return nil, e.classify(err)
	}
	if e.fatal != nil {
		return nil, e.fatal
	}
	p, ok := v.Export().(*goja.Promise)
	if !ok {
		return e.encodeResult(v)
	}
	for {
		if e.fatal != nil {
			return nil, e.fatal
		}
		switch p.State() {
		case goja.PromiseStateFulfilled:
			return e.encodeResult(p.Result())
		case goja.PromiseStateRejected:
			return nil, e.exception(p.Result())
		}
		if e.pending == 0 {
			return nil, &bridge.RunError{Kind: "exception", Message: "the program's promise never settled: it awaits something that nothing will resolve (no tool call or timer is pending)"}
		}
		select {
		case job := <-e.jobs:
			if err := job(); err != nil {
				return nil, e.classify(err)
			}
		case <-e.ctx.Done():
			return nil, e.ctxError()
		}
	}
}

// shutdown ends the run: pending calls are cancelled, timers stopped, and
// call goroutines given a short grace to return.
func (e *engine) shutdown() {
	close(e.done)
	if e.cancel != nil {
		e.cancel()
	}
	for _, t := range e.timers {
		t.t.Stop()
	}
	finished := make(chan struct{})
	go func() { e.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(shutdownGrace):
	}
}

// post delivers a job to the JS goroutine unless the run has ended.
func (e *engine) post(job func() error) {
	select {
	case e.jobs <- job:
	case <-e.done:
	}
}

func (e *engine) ctxError() *bridge.RunError {
	cause := context.Cause(e.ctx)
	if errors.Is(cause, errTimeLimit) || errors.Is(cause, context.DeadlineExceeded) {
		return &bridge.RunError{Kind: "timeout", Limit: "time", Message: fmt.Sprintf("the program ran longer than its time limit (%s)", e.opts.Timeout)}
	}
	return &bridge.RunError{Kind: "cancelled", Message: "the run was cancelled"}
}

// fail ends the run with re as soon as control is back in the JS loop.
func (e *engine) fail(re *bridge.RunError) {
	if e.fatal == nil {
		e.fatal = re
	}
	e.vm.Interrupt(e.fatal)
}

func (e *engine) setup() error {
	pre, err := prelude()
	if err != nil {
		return err
	}
	fv, err := e.vm.RunProgram(pre)
	if err != nil {
		return err
	}
	fn, ok := goja.AssertFunction(fv)
	if !ok {
		return errors.New("prelude is not a function")
	}
	e.refs = make(map[string]bridge.ToolRef, len(e.opts.Tools))
	flat := make([]any, 0, 3*len(e.opts.Tools))
	for _, r := range e.opts.Tools {
		e.refs[r.Qualified] = r
		flat = append(flat, r.Qualified, r.JSServer, r.JSName)
	}
	hv, err := fn(goja.Undefined(), e.vm.ToValue(e.callNative), e.vm.NewArray(flat...), e.vm.ToValue(e.loadPolyfills))
	if err != nil {
		return err
	}
	h := hv.ToObject(e.vm)
	e.toolError = h.Get("ToolError").ToObject(e.vm)
	var ok1, ok2, ok3, ok4 bool
	e.stringify, ok1 = goja.AssertFunction(h.Get("stringify"))
	e.parse, ok2 = goja.AssertFunction(h.Get("parse"))
	e.arrayFrom, ok3 = goja.AssertFunction(h.Get("from"))
	e.kind, ok4 = goja.AssertFunction(h.Get("kind"))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return errors.New("prelude helpers missing")
	}

	console := e.vm.NewObject()
	for _, name := range []string{"log", "info", "warn", "error", "debug", "trace"} {
		if err := console.Set(name, e.consoleLog); err != nil {
			return err
		}
	}
	g := e.vm.GlobalObject()
	for name, v := range map[string]any{
		"console":      console,
		"setTimeout":   e.setTimeout,
		"clearTimeout": e.clearTimeout,
	} {
		if err := g.Set(name, v); err != nil {
			return err
		}
	}
	return nil
}

// loadPolyfills compiles and runs polyfillSrc with the prelude's captured
// arguments and returns the polyfills (the prelude calls it once, on the
// first call of one of them).
func (e *engine) loadPolyfills(call goja.FunctionCall) goja.Value {
	p, err := polyfills()
	if err != nil {
		panic(e.vm.NewGoError(err))
	}
	fv, err := e.vm.RunProgram(p)
	if err != nil {
		panic(e.vm.NewGoError(err))
	}
	fn, ok := goja.AssertFunction(fv)
	if !ok {
		panic(e.vm.NewTypeError("polyfills are not a function"))
	}
	v, err := fn(goja.Undefined(), call.Arguments...)
	if err != nil {
		panic(e.vm.NewGoError(err))
	}
	return v
}

// compile parses js. Source maps are read only from inline data: URLs, never
// from files: a program cannot make the engine open a path.
func (e *engine) compile(js string) (*goja.Program, *bridge.RunError) {
	ast, err := goja.Parse(programName, js, parser.WithSourceMapLoader(func(string) ([]byte, error) {
		return nil, errors.New("source maps are only read from data: URLs")
	}))
	if err == nil {
		var prg *goja.Program
		if prg, err = goja.CompileAST(ast, false); err == nil {
			return prg, nil
		}
	}
	re := &bridge.RunError{Kind: "syntax", Message: err.Error()}
	if m := lineInMessage().FindStringSubmatch(re.Message); m != nil {
		re.Line, _ = strconv.Atoi(m[1])
		re.Line -= e.opts.LineOffset
	}
	return nil, re
}

var lineInMessage = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Line (\d+):\d+`) })

// classify turns an error returned by goja into the run's error.
func (e *engine) classify(err error) *bridge.RunError {
	if e.fatal != nil {
		return e.fatal
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if re, ok := ie.Value().(*bridge.RunError); ok {
			return re
		}
		return &bridge.RunError{Kind: "internal", Message: fmt.Sprintf("interrupted: %v", ie.Value())}
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &bridge.RunError{Kind: "limit", Limit: "stack", Message: fmt.Sprintf("maximum call stack depth (%d) exceeded: is there unbounded recursion?", e.opts.MaxCallDepth)}
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return e.exception(ex.Value())
	}
	return &bridge.RunError{Kind: "internal", Message: err.Error()}
}

// encodeResult serializes the program's value with JSON.stringify semantics.
func (e *engine) encodeResult(v goja.Value) (json.RawMessage, *bridge.RunError) {
	if v == nil || goja.IsUndefined(v) {
		return nil, nil
	}
	s, err := e.stringify(goja.Undefined(), v)
	if err != nil {
		var ex *goja.Exception
		if errors.As(err, &ex) && !isUncatchable(err) {
			return nil, &bridge.RunError{Kind: "exception", Message: "return value is not serializable: " + errorText(ex.Value())}
		}
		return nil, e.classify(err)
	}
	if e.fatal != nil {
		return nil, e.fatal
	}
	if goja.IsUndefined(s) {
		return nil, nil
	}
	str := s.String()
	if len(str) > e.opts.MaxOutputBytes {
		return nil, &bridge.RunError{Kind: "limit", Limit: "output", Message: fmt.Sprintf(
			"the returned value is %d bytes of JSON, over the limit of %d bytes: return less (select fields, aggregate, or summarize) and print details only if needed",
			len(str), e.opts.MaxOutputBytes)}
	}
	return json.RawMessage(str), nil
}

func isUncatchable(err error) bool {
	var ie *goja.InterruptedError
	var so *goja.StackOverflowError
	return errors.As(err, &ie) || errors.As(err, &so)
}

// errorText is "Name: message" for an error object, else the value as text.
func errorText(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
			name := "Error"
			if n := o.Get("name"); n != nil && !goja.IsUndefined(n) {
				name = n.String()
			}
			return name + ": " + m.String()
		}
	}
	if v == nil {
		return "undefined"
	}
	return v.String()
}

// maxFrames bounds the stack trace in an error message.
const maxFrames = 10

var framePC = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(.*):(\d+):(\d+)\(\d+\)(\)?)$`) })

// exception describes an uncaught throw or the main promise's rejection:
// the error's name and message, then the stack frames in the program.
func (e *engine) exception(v goja.Value) (re *bridge.RunError) {
	re = &bridge.RunError{Kind: "exception"}
	defer func() {
		// Reading properties can run user getters; a throw there must not
		// take the engine down.
		if p := recover(); p != nil {
			re.Message = "Uncaught exception (its description could not be read)"
		}
	}()
	o, isObj := v.(*goja.Object)
	if !isObj {
		in := e.newInspector(maxMessage)
		in.value(v, 0, false)
		re.Message = "Uncaught " + in.b.String()
		return re
	}
	head := errorText(v)
	if o.Get("message") == nil || goja.IsUndefined(o.Get("message")) {
		in := e.newInspector(maxMessage)
		in.value(v, 0, false)
		head = "Uncaught " + in.b.String()
	}
	if isToolError(o) {
		head = fmt.Sprintf("ToolError (%s.%s, code %s): %s", o.Get("server"), o.Get("tool"), o.Get("code"), o.Get("message"))
	}
	frames := e.frames(o)
	if len(frames) > 0 {
		re.Line = e.frameLine(frames[0])
	}
	var b strings.Builder
	b.WriteString(bound(head, maxMessage))
	for _, f := range frames {
		b.WriteString("\n    ")
		b.WriteString(f)
	}
	re.Message = b.String()
	return re
}

// maxMessage bounds an error message taken from the program.
const maxMessage = 2000

func isToolError(o *goja.Object) bool {
	n := o.Get("name")
	return n != nil && n.String() == "ToolError" && o.Get("code") != nil && !goja.IsUndefined(o.Get("code"))
}

// frames extracts the program's frames from an error's stack property, as
// "at fn (program.ts:3:9)".
func (e *engine) frames(o *goja.Object) []string {
	sv := o.Get("stack")
	if sv == nil || !goja.IsString(sv) {
		return nil
	}
	var out []string
	for _, line := range strings.Split(sv.String(), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "at ") {
			continue
		}
		m := framePC().FindStringSubmatch(line)
		if m == nil || !strings.Contains(m[1], e.userFrames) {
			continue
		}
		ln, _ := strconv.Atoi(m[2])
		ln -= e.opts.LineOffset
		if e.userLines > 0 && ln > e.userLines {
			continue
		}
		out = append(out, fmt.Sprintf("%s:%d:%s%s", m[1], ln, m[3], m[4]))
		if len(out) == maxFrames {
			break
		}
	}
	return out
}

var frameLineRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`:(\d+):\d+\)?$`) })

func (e *engine) frameLine(f string) int {
	if m := frameLineRE().FindStringSubmatch(f); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// bound cuts s to at most n bytes at a UTF-8 boundary.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return cutUTF8(s, n) + "…"
}

// cutUTF8 returns the longest prefix of s of at most n bytes that ends on a
// rune boundary.
func cutUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// --- timers ---

func (e *engine) setTimeout(c goja.FunctionCall) goja.Value {
	fn, ok := goja.AssertFunction(c.Argument(0))
	if !ok {
		panic(e.vm.NewTypeError("setTimeout: the callback must be a function (strings are not evaluated)"))
	}
	ms := c.Argument(1).ToFloat()
	if math.IsNaN(ms) || ms < 0 {
		ms = 0
	}
	d := time.Duration(math.Min(ms, float64(e.opts.Timeout/time.Millisecond)+1)) * time.Millisecond
	var args []goja.Value
	if len(c.Arguments) > 2 {
		args = append(args, c.Arguments[2:]...)
	}
	e.nextTimer++
	id := e.nextTimer
	t := &timer{fn: fn, args: args, due: time.Now().Add(d)}
	e.timers[id] = t
	e.pending++
	t.t = time.AfterFunc(d, func() { e.post(e.fireTimers) })
	return e.vm.ToValue(id)
}

func (e *engine) clearTimeout(c goja.FunctionCall) goja.Value {
	id := c.Argument(0).ToInteger()
	if t, ok := e.timers[id]; ok {
		t.t.Stop()
		delete(e.timers, id)
		e.pending--
	}
	return goja.Undefined()
}

// --- tool calls ---

// callNative is the one native entry of the tools object:
// callNative(qualified, args, nargs) returns a Promise.
func (e *engine) callNative(c goja.FunctionCall) goja.Value {
	name := c.Argument(0).String()
	p, resolve, reject := e.vm.NewPromise()
	settle := func(f func(any) error, v any) goja.Value {
		if err := f(v); err != nil {
			panic(err)
		}
		return e.vm.ToValue(p)
	}
	ref, ok := e.refs[name]
	if !ok {
		server, tool, _ := strings.Cut(name, ".")
		return settle(reject, e.newToolError(server, tool, "not_found", e.notFound(name)))
	}
	server, tool, _ := strings.Cut(ref.Qualified, ".")
	args, msg := e.encodeArgs(c.Argument(1))
	if msg != "" {
		return settle(reject, e.newToolError(server, tool, "invalid_arguments", msg))
	}
	if e.calls >= e.opts.MaxToolCalls {
		e.fail(&bridge.RunError{Kind: "limit", Limit: "calls", Message: fmt.Sprintf(
			"the program tried to make more than %d tool calls; batch the work or narrow it", e.opts.MaxToolCalls)})
		return settle(reject, e.newToolError(server, tool, "budget", "tool call budget exhausted"))
	}
	e.calls++
	e.pending++
	e.wg.Add(1)
	go e.doCall(ref.Qualified, server, tool, args, e.callSite(), resolve, reject)
	return e.vm.ToValue(p)
}

// doCall runs on its own goroutine: it waits for a concurrency slot, calls
// the Caller, and posts the outcome back to the JS goroutine.
func (e *engine) doCall(q, server, tool string, args json.RawMessage, site string, resolve, reject func(any) error) {
	defer e.wg.Done()
	select {
	case e.sem <- struct{}{}:
	case <-e.ctx.Done():
		return
	}
	if e.ctx.Err() != nil {
		<-e.sem
		return // the run ended while this call waited for a slot
	}
	e.started.Add(1)
	out, err, panicked := e.safeCall(q, args)
	<-e.sem
	e.post(func() error {
		e.pending--
		if panicked {
			e.fail(&bridge.RunError{Kind: "internal", Message: fmt.Sprintf("tool call %s failed inside the gateway", q)})
			return nil
		}
		if err != nil {
			te := e.toolErrorFrom(server, tool, err)
			// The error is made on the loop, where no program frame is on
			// the stack: give it the frames of the call site instead.
			o := te.ToObject(e.vm)
			_ = o.Set("stack", errorText(o)+"\n"+site)
			return reject(te)
		}
		if len(out) == 0 {
			return resolve(goja.Undefined())
		}
		v, perr := e.parse(goja.Undefined(), e.vm.ToValue(string(out)))
		if perr != nil {
			if isUncatchable(perr) {
				return perr
			}
			return reject(e.newToolError(server, tool, "internal", "the tool's result is not valid JSON"))
		}
		return resolve(v)
	})
}

func (e *engine) safeCall(q string, args json.RawMessage) (out json.RawMessage, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			out, err, panicked = nil, nil, true
		}
	}()
	out, err = e.caller(e.ctx, q, args)
	return out, err, false
}

// callSite renders the program's current stack in goja's format, for the
// ToolError of a call that fails later.
func (e *engine) callSite() string {
	var b bytes.Buffer
	for _, f := range e.vm.CaptureCallStack(maxFrames+1, nil) {
		if f.SrcName() == "<native>" {
			continue
		}
		b.WriteString("\tat ")
		f.Write(&b)
		b.WriteByte('\n')
	}
	return b.String()
}

// maxToolMessage bounds the message of a Go error turned into a ToolError.
const maxToolMessage = 300

func (e *engine) toolErrorFrom(server, tool string, err error) goja.Value {
	var te *bridge.ToolError
	if errors.As(err, &te) {
		s, t := te.Server, te.Tool
		if s == "" && t == "" {
			s, t = server, tool
		}
		return e.newToolError(s, t, te.Code, bound(te.Message, maxMessage))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return e.newToolError(server, tool, "timeout", "the tool call timed out")
	}
	if errors.Is(err, context.Canceled) {
		return e.newToolError(server, tool, "timeout", "the tool call was cancelled")
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return e.newToolError(server, tool, "internal", "tool call failed: "+bound(msg, maxToolMessage))
}

func (e *engine) newToolError(server, tool, code, msg string) goja.Value {
	o, err := e.vm.New(e.toolError, e.vm.ToValue(msg), e.vm.ToValue(server), e.vm.ToValue(tool), e.vm.ToValue(code))
	if err != nil {
		panic(err)
	}
	return o
}

// encodeArgs serializes a call's arguments: undefined is {}, anything but a
// plain object is refused. It returns a message for the program on refusal.
func (e *engine) encodeArgs(v goja.Value) (json.RawMessage, string) {
	if v == nil || goja.IsUndefined(v) {
		return json.RawMessage("{}"), ""
	}
	o, ok := v.(*goja.Object)
	if !ok || o.ClassName() != "Object" {
		return nil, "arguments must be a plain object such as {city: \"Paris\"}, not " + describeType(v)
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return nil, "arguments must be a plain object, not a function"
	}
	s, err := e.stringify(goja.Undefined(), v)
	if err != nil {
		if isUncatchable(err) {
			panic(err)
		}
		var ex *goja.Exception
		if errors.As(err, &ex) {
			return nil, "arguments are not serializable as JSON: " + bound(errorText(ex.Value()), maxToolMessage)
		}
		return nil, "arguments are not serializable as JSON"
	}
	if goja.IsUndefined(s) {
		return nil, "arguments are not serializable as JSON"
	}
	return json.RawMessage(s.String()), ""
}

func describeType(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	case goja.IsString(v):
		return "a string"
	case goja.IsNumber(v):
		return "a number"
	case goja.IsBigInt(v):
		return "a bigint"
	}
	if o, ok := v.(*goja.Object); ok {
		if o.ClassName() == "Array" {
			return "an array"
		}
		return "a " + o.ClassName()
	}
	return "a " + v.ExportType().String()
}

// notFound explains an unknown qualified name and suggests close ones.
func (e *engine) notFound(name string) string {
	type cand struct {
		q string
		d int
	}
	var cs []cand
	for q := range e.refs {
		d := editdist.Distance(strings.ToLower(name), strings.ToLower(q))
		if d <= max(3, len(name)/3) || strings.Contains(q, name) || strings.Contains(name, q) {
			cs = append(cs, cand{q, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].q < cs[j].q })
	msg := fmt.Sprintf("no tool %q is available to this program", bound(name, 200))
	if len(cs) > 0 {
		var names []string
		for i := 0; i < len(cs) && i < 5; i++ {
			names = append(names, cs[i].q)
		}
		msg += "; did you mean " + strings.Join(names, ", ") + "?"
	}
	return msg
}
