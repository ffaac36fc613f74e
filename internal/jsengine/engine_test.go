package jsengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cemcp/cemcp/internal/bridge"
)

// wrap makes a program body a script the way package transpile does, for
// plain JavaScript (this package must not import esbuild, even in tests).
func wrap(body string) string { return "(async () => {" + body + "\n})()" }

var testTools = []bridge.ToolRef{
	{Qualified: "weather.get_forecast", JSServer: "weather", JSName: "get_forecast"},
	{Qualified: "weather.alerts", JSServer: "weather", JSName: "alerts"},
	{Qualified: "my-files.read file", JSServer: "my_files", JSName: "read_file"},
	{Qualified: "call.me", JSServer: "call", JSName: "me"},
}

// recorder is a Caller that records every call it receives.
type recorder struct {
	mu    sync.Mutex
	calls []string // "tool args"
	reply func(tool string, args json.RawMessage) (json.RawMessage, error)
}

func (r *recorder) call(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	r.mu.Lock()
	r.calls = append(r.calls, tool+" "+string(args))
	r.mu.Unlock()
	if r.reply != nil {
		return r.reply(tool, args)
	}
	return json.RawMessage(`{"tool":` + mustJSON(tool) + `,"args":` + string(args) + `}`), nil
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// want describes the expected outcome of a run. Empty fields are not checked
// except Kind: an empty Kind means the run must succeed.
type want struct {
	output   string
	value    string
	kind     string
	limit    string
	contains []string // in the error message
	line     int
	calls    []string
}

func check(t *testing.T, res *Result, rec *recorder, w want) {
	t.Helper()
	if w.kind == "" && res.Error != nil {
		t.Fatalf("unexpected error: %v", res.Error)
	}
	if w.kind != "" {
		if res.Error == nil {
			t.Fatalf("no error; want %s (value %s, output %q)", w.kind, res.Value, res.Output)
		}
		if res.Error.Kind != w.kind || res.Error.Limit != w.limit {
			t.Errorf("error %s/%s, want %s/%s: %s", res.Error.Kind, res.Error.Limit, w.kind, w.limit, res.Error.Message)
		}
		for _, c := range w.contains {
			if !strings.Contains(res.Error.Message, c) {
				t.Errorf("error message lacks %q:\n%s", c, res.Error.Message)
			}
		}
		if w.line != 0 && res.Error.Line != w.line {
			t.Errorf("error line %d, want %d:\n%s", res.Error.Line, w.line, res.Error.Message)
		}
	}
	if w.output != "" && res.Output != w.output {
		t.Errorf("output:\n%q\nwant:\n%q", res.Output, w.output)
	}
	if w.value != "" && string(res.Value) != w.value {
		t.Errorf("value %s, want %s", res.Value, w.value)
	}
	if w.calls != nil && rec != nil {
		if got := rec.got(); strings.Join(got, "\n") != strings.Join(w.calls, "\n") {
			t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(w.calls, "\n"))
		}
	}
}

func TestPrograms(t *testing.T) {
	tests := []struct {
		name string
		body string
		opts Options
		want want
	}{
		{name: "return value", body: `return {a: 1, f() {}, u: undefined, d: new Date(0), n: [1, undefined]}`,
			want: want{value: `{"a":1,"d":"1970-01-01T00:00:00.000Z","n":[1,null]}`}},
		{name: "return undefined", body: `console.log("hi")`, want: want{output: "hi\n"}},
		{name: "return function", body: `return () => 1`, want: want{}},
		{name: "return cyclic", body: `const o = {}; o.self = o; return o`,
			want: want{kind: "exception", contains: []string{"return value is not serializable"}}},
		{name: "return bigint", body: `return 1n`,
			want: want{kind: "exception", contains: []string{"return value is not serializable"}}},
		{name: "return too big", body: `return "x".repeat(2000)`, opts: Options{MaxOutputBytes: 1000},
			want: want{kind: "limit", limit: "output", contains: []string{"return less", "summarize"}}},
		{name: "throw", body: "const a = 1\nfunction f() {\n  throw new RangeError('bad ' + a)\n}\nf()",
			want: want{kind: "exception", line: 3, contains: []string{"RangeError: bad 1", "at f (script.js:3:", "script.js:5:"}}},
		{name: "throw with line offset", body: "\n\nthrow new Error('x')", opts: Options{LineOffset: 1},
			want: want{kind: "exception", line: 2}},
		{name: "throw string", body: `throw "just text"`,
			want: want{kind: "exception", contains: []string{"Uncaught 'just text'"}}},
		{name: "throw object", body: `throw {code: 7}`,
			want: want{kind: "exception", contains: []string{"Uncaught { code: 7 }"}}},
		{name: "never settles", body: `await new Promise(() => {})`,
			want: want{kind: "exception", contains: []string{"never settled"}}},
		{name: "plain script value", body: ``, want: want{}},
		{name: "timers", body: `const out = [];
setTimeout(() => out.push("b"), 20);
const t = setTimeout(() => out.push("never"), 5);
clearTimeout(t);
setTimeout((x) => out.push(x), 0, "a");
await new Promise(r => setTimeout(r, 40));
return out`, want: want{value: `["a","b"]`}},
		{name: "timer callback throws", body: `setTimeout(() => { throw new Error("in timer") }, 0); await new Promise(r => setTimeout(r, 50))`,
			want: want{kind: "exception", contains: []string{"in timer"}}},
		{name: "setTimeout string refused", body: `setTimeout("1+1", 0)`,
			want: want{kind: "exception", contains: []string{"strings are not evaluated"}}},
		{name: "structuredClone", body: `const a = {n: 1, d: new Date(5), m: new Map([["k", [1]]]), s: new Set([2])}; a.self = a;
const b = structuredClone(a); b.m.get("k").push(9);
return [b !== a, b.self === b, b.d.getTime(), a.m.get("k").length, b.m.get("k").length, b.s.has(2), structuredClone.name, structuredClone.length]`,
			want: want{value: `[true,true,5,1,2,true,"structuredClone",1]`}},
		{name: "structuredClone refuses functions", body: `structuredClone({f() {}})`,
			want: want{kind: "exception", contains: []string{"TypeError", "could not be cloned"}}},
		{name: "structuredClone uses the Map of the start", body: `globalThis.Map = function () { throw new Error("replaced") };
return structuredClone({a: [1, 2]}).a`, want: want{value: `[1,2]`}},
		{name: "groupBy", body: `const o = Object.groupBy([1, 2, 3, 4], (x) => x % 2 ? "odd" : "even");
const m = Map.groupBy([1, 2, 3], (x, i) => i < 2);
return [o.odd, o.even, Object.getPrototypeOf(o), m.get(true), m.get(false), Object.groupBy.name, Map.groupBy.length]`,
			want: want{value: `[[1,3],[2,4],null,[1,2],[3],"groupBy",2]`}},
		{name: "queueMicrotask", body: `const o = []; queueMicrotask(() => o.push(2)); o.push(1); await null; return o`, want: want{value: `[1,2]`}},
		{name: "no host capabilities",
			body: `return [typeof require, typeof process, typeof module, typeof fs, typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof Deno, typeof Bun, typeof globalThis.global, typeof import_meta]`,
			want: want{value: `["undefined","undefined","undefined","undefined","undefined","undefined","undefined","undefined","undefined","undefined","undefined"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			js := wrap(tt.body)
			if tt.name == "plain script value" {
				js = "1 + 1"
				tt.want.value = "2"
			}
			res := Run(context.Background(), js, tt.opts, rec.call)
			check(t, res, rec, tt.want)
		})
	}
}

func TestConsole(t *testing.T) {
	tests := []struct{ body, want string }{
		{`console.log("a", 1, true, null, undefined)`, "a 1 true null undefined\n"},
		{`console.log({a: 1, "b-c": "x", n: {m: {k: {deep: 1}}}}, [1, "two", [3]])`, "{ a: 1, 'b-c': 'x', n: { m: { k: [Object] } } } [ 1, 'two', [ 3 ] ]\n"},
		{`console.log([], {}, [undefined, null], "it's", ["it's"])`, "[] {} [ undefined, null ] it's [ \"it's\" ]\n"},
		{`console.log(1n, Symbol("s"), function named() {}, () => 0, class K {})`, "1n Symbol(s) [Function: named] [Function (anonymous)] [Function: K]\n"},
		{`console.log(new Map([["k", {v: 1}]]), new Set([1, 2]), new Date(0), /re/g)`, "Map(1) { 'k' => { v: 1 } } Set(2) { 1, 2 } 1970-01-01T00:00:00.000Z /re/g\n"},
		{`const o = {a: 1}; o.me = o; console.log(o)`, "{ a: 1, me: [Circular] }\n"},
		{`class P { constructor() { this.x = 1 } } console.log(new P(), Object.create(null))`, "P { x: 1 } [Object: null prototype] {}\n"},
		{`console.log(new Error("boom"))`, "Error: boom\n    at script.js:1:27\n    at script.js:2:3\n"},
		{`console.log("%s is %d years and %j", "Bob", 42.5, {a: 1}, "extra")`, "Bob is 42.5 years and {\"a\":1} extra\n"},
		{`console.info("i"); console.warn("w"); console.error("e"); console.debug("d")`, "i\nw\ne\nd\n"},
		{`console.log(Array.from({length: 102}, (_, i) => i).length, Array.from({length: 101}, () => 0))`, "102 [ " + strings.Repeat("0, ", 100) + "... 1 more items ]\n"},
		{`console.log("multi\nline", ["multi\nline"])`, "multi\nline [ 'multi\\nline' ]\n"},
		{`console.log(Promise.resolve(1), -0, NaN, 1e21)`, "Promise { 1 } 0 NaN 1e+21\n"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			res := Run(context.Background(), wrap(tt.body), Options{}, nil)
			if res.Error != nil {
				t.Fatal(res.Error)
			}
			if res.Output != tt.want {
				t.Errorf("output:\n%q\nwant:\n%q", res.Output, tt.want)
			}
		})
	}
}

func TestTools(t *testing.T) {
	tests := []struct {
		name string
		body string
		want want
	}{
		{name: "namespaced", body: `return await tools.weather.get_forecast({city: "Paris", days: 3})`,
			want: want{value: `{"tool":"weather.get_forecast","args":{"city":"Paris","days":3}}`, calls: []string{`weather.get_forecast {"city":"Paris","days":3}`}}},
		{name: "dynamic", body: `return (await tools.call("my-files.read file", {path: "/a"})).tool`,
			want: want{value: `"my-files.read file"`, calls: []string{`my-files.read file {"path":"/a"}`}}},
		{name: "sanitized names", body: `await tools.my_files.read_file(); await tools.call.me({}); return typeof tools.call`,
			want: want{value: `"function"`, calls: []string{`my-files.read file {}`, `call.me {}`}}},
		{name: "json semantics", body: `await tools.weather.alerts({u: undefined, f() {}, d: new Date(0), n: NaN, nested: {toJSON() { return "J" }}})`,
			want: want{calls: []string{`weather.alerts {"d":"1970-01-01T00:00:00.000Z","n":null,"nested":"J"}`}}},
		{name: "not found", body: `try { await tools.call("weather.get_forcast", {}) } catch (e) { return [e instanceof ToolError, e instanceof Error, e.code, e.server, e.tool, e.message] }`,
			want: want{value: `[true,true,"not_found","weather","get_forcast","no tool \"weather.get_forcast\" is available to this program; did you mean weather.get_forecast?"]`, calls: []string{}}},
		{name: "not a tool of this run", body: `return typeof tools.secret`, want: want{value: `"undefined"`}},
		{name: "array args", body: `try { await tools.weather.alerts([1]) } catch (e) { return [e.code, e.message] }`,
			want: want{value: `["invalid_arguments","arguments must be a plain object such as {city: \"Paris\"}, not an array"]`, calls: []string{}}},
		{name: "string args", body: `try { await tools.weather.alerts("Paris") } catch (e) { return e.code }`, want: want{value: `"invalid_arguments"`, calls: []string{}}},
		{name: "null args", body: `try { await tools.weather.alerts(null) } catch (e) { return e.code }`, want: want{value: `"invalid_arguments"`, calls: []string{}}},
		{name: "function args", body: `try { await tools.weather.alerts(() => 1) } catch (e) { return e.code }`, want: want{value: `"invalid_arguments"`, calls: []string{}}},
		{name: "cyclic args", body: `const a = {}; a.a = a; try { await tools.weather.alerts(a) } catch (e) { return [e.code, e.message.includes("not serializable")] }`,
			want: want{value: `["invalid_arguments",true]`, calls: []string{}}},
		{name: "uncaught tool error", body: "\nawait tools.call('nope.x')",
			want: want{kind: "exception", line: 2, contains: []string{"ToolError (nope.x, code not_found)"}}},
		{name: "tools.call needs a string", body: `await tools.call({})`, want: want{kind: "exception", contains: []string{"qualified tool name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			res := Run(context.Background(), wrap(tt.body), Options{Tools: testTools}, rec.call)
			check(t, res, rec, tt.want)
		})
	}
}

// TestPrototypePollution: nothing the program can write changes which tool
// a call reaches or with which arguments.
func TestPrototypePollution(t *testing.T) {
	body := `"use strict";
const evil = () => Promise.resolve("evil");
Object.prototype.get_forecast = evil;
Object.prototype.weather = {get_forecast: evil};
Function.prototype.call = evil;
Function.prototype.apply = evil;
Promise.prototype.then = Promise.prototype.then; // still callable
const attempts = [
  () => { tools.weather.get_forecast = evil },
  () => { tools.weather = {get_forecast: evil} },
  () => { tools.call = evil },
  () => { tools.__proto__ = {x: 1} },
  () => { Object.setPrototypeOf(tools, {evilTool: evil}) },
  () => { Object.setPrototypeOf(tools.weather, {evilTool: evil}) },
  () => { Object.defineProperty(tools.weather, "alerts", {value: evil}) },
  () => { Object.defineProperty(tools, "x", {value: evil}) },
  () => { delete tools.weather },
  () => { tools.weather.get_forecast.name = "x" },
  () => { globalThis.tools = {weather: {get_forecast: evil}} },
  () => { ToolError = null },
];
let refused = 0;
for (const a of attempts) { try { a() } catch (e) { refused++ } }
const r = await tools.weather.get_forecast({city: "Oslo"});
const s = await tools.call("weather.alerts", {});
return [refused, attempts.length, Object.isFrozen(tools), Object.getPrototypeOf(tools), tools.__proto__ === undefined, "evilTool" in tools, r.tool, s.tool]`
	rec := &recorder{}
	res := Run(context.Background(), wrap(body), Options{Tools: testTools}, rec.call)
	check(t, res, rec, want{
		value: `[12,12,true,null,true,false,"weather.get_forecast","weather.alerts"]`,
		calls: []string{`weather.get_forecast {"city":"Oslo"}`, `weather.alerts {}`},
	})
}

// TestDynamicEvaluation: every route to eval or a Function constructor is
// closed at run time (defense in depth behind gate.Pre).
func TestDynamicEvaluation(t *testing.T) {
	escapes := []string{
		`eval("1")`,
		`globalThis.eval("1")`,
		`(0, eval)("1")`,
		`Function("return 1")()`,
		`new Function("return 1")()`,
		`(function(){}).constructor("return 1")()`,
		`(() => 1).constructor("return 1")()`,
		`(async function(){}).constructor("return 1")()`,
		`(async () => {}).constructor("return 1")()`,
		`(function*(){}).constructor("yield 1")().next()`,
		`Object.getPrototypeOf(function*(){}).constructor("yield 1")`,
		`[].constructor.constructor("return 1")()`,
		`Reflect.construct(Function, ["return 1"])()`,
		`Function.prototype.constructor("return 1")()`,
		`tools.call.constructor("return 1")()`,
		`ToolError.constructor("return 1")()`,
		`class K {}; K.constructor("return 1")()`,
	}
	for _, src := range escapes {
		t.Run(src, func(t *testing.T) {
			res := Run(context.Background(), wrap(src+"; return 'escaped'"), Options{Tools: testTools}, nil)
			if res.Error == nil {
				t.Fatalf("escape worked: value %s", res.Value)
			}
			msg := res.Error.Message
			if !strings.Contains(msg, "dynamic code evaluation is not allowed") && !strings.Contains(msg, "eval is not defined") && !strings.Contains(msg, "has no member 'eval'") {
				t.Errorf("unexpected error: %v", res.Error)
			}
		})
	}
	// Ordinary uses of Function still work.
	res := Run(context.Background(), wrap(`const f = () => 1; return [f instanceof Function, typeof Function, Function.prototype.call === f.call, Object.getPrototypeOf(f) === Function.prototype]`), Options{}, nil)
	check(t, res, nil, want{value: `[true,"function",true,true]`})
}

func TestToolFailures(t *testing.T) {
	rec := &recorder{reply: func(tool string, _ json.RawMessage) (json.RawMessage, error) {
		switch tool {
		case "weather.get_forecast":
			return nil, &bridge.ToolError{Server: "weather", Tool: "get_forecast", Code: "denied", Message: "policy says no"}
		case "weather.alerts":
			return nil, fmt.Errorf("connect upstream: %w\ngoroutine 1 [running]:\nmain.main()", errors.New(strings.Repeat("y", 1000)))
		case "call.me":
			return json.RawMessage(`{not json`), nil
		}
		return nil, context.DeadlineExceeded
	}}
	body := `const out = [];
for (const f of [() => tools.weather.get_forecast({}), () => tools.weather.alerts({}), () => tools.call.me({}), () => tools.my_files.read_file({})]) {
  try { await f(); out.push("ok") } catch (e) { out.push({cls: e instanceof ToolError, name: e.name, code: e.code, server: e.server, tool: e.tool, len: e.message.length, nl: e.message.includes("\n"), msg: e.message.slice(0, 40)}) }
}
return out`
	res := Run(context.Background(), wrap(body), Options{Tools: testTools}, rec.call)
	check(t, res, rec, want{})
	var got []map[string]any
	if err := json.Unmarshal(res.Value, &got); err != nil {
		t.Fatal(err)
	}
	wantCodes := []string{"denied", "internal", "internal", "timeout"}
	for i, g := range got {
		if g["cls"] != true || g["name"] != "ToolError" || g["code"] != wantCodes[i] || g["nl"] != false {
			t.Errorf("call %d: %v", i, g)
		}
		if g["len"].(float64) > maxToolMessage+50 {
			t.Errorf("call %d: message not bounded: %v", i, g)
		}
	}
	if got[0]["msg"] != "policy says no" || got[1]["server"] != "weather" || got[1]["tool"] != "alerts" {
		t.Errorf("got %v", got)
	}
}

func TestCallerPanic(t *testing.T) {
	call := func(context.Context, string, json.RawMessage) (json.RawMessage, error) { panic("caller bug") }
	res := Run(context.Background(), wrap(`await tools.weather.alerts({}); return 1`), Options{Tools: testTools}, call)
	check(t, res, nil, want{kind: "internal"})
}

func TestConcurrency(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	call := func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return args, nil
	}
	body := `const r = await Promise.all(Array.from({length: 20}, (_, i) => tools.weather.get_forecast({i})));
return r.map(x => x.i)`
	start := time.Now()
	res := Run(context.Background(), wrap(body), Options{Tools: testTools, MaxConcurrency: 8}, call)
	elapsed := time.Since(start)
	check(t, res, nil, want{value: `[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]`})
	if elapsed >= 500*time.Millisecond {
		t.Errorf("20 calls of 50 ms took %s: not concurrent", elapsed)
	}
	if m := maxInFlight.Load(); m > 8 || m < 2 {
		t.Errorf("max in flight = %d, want 2..8", m)
	}
	if res.ToolCalls != 20 {
		t.Errorf("ToolCalls = %d", res.ToolCalls)
	}
}

func TestLimits(t *testing.T) {
	t.Run("infinite loop", func(t *testing.T) {
		start := time.Now()
		res := Run(context.Background(), wrap(`let i = 0; while (true) { i++ }`), Options{Timeout: 200 * time.Millisecond}, nil)
		check(t, res, nil, want{kind: "timeout", limit: "time"})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("loop ran %s", d)
		}
	})
	t.Run("loop after await", func(t *testing.T) {
		rec := &recorder{}
		res := Run(context.Background(), wrap(`await tools.weather.alerts({}); for (;;) {}`), Options{Tools: testTools, Timeout: 200 * time.Millisecond}, rec.call)
		check(t, res, rec, want{kind: "timeout", limit: "time", calls: []string{"weather.alerts {}"}})
	})
	t.Run("loop in a timer", func(t *testing.T) {
		res := Run(context.Background(), wrap(`setTimeout(() => { for (;;) {} }, 1); await new Promise(() => setTimeout(() => {}, 100000))`), Options{Timeout: 200 * time.Millisecond}, nil)
		check(t, res, nil, want{kind: "timeout", limit: "time"})
	})
	t.Run("waiting on a slow call", func(t *testing.T) {
		call := func(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		res := Run(context.Background(), wrap(`await tools.weather.alerts({})`), Options{Tools: testTools, Timeout: 100 * time.Millisecond}, call)
		check(t, res, nil, want{kind: "timeout", limit: "time"})
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		res := Run(ctx, wrap(`while (true) {}`), Options{}, nil)
		check(t, res, nil, want{kind: "cancelled"})
	})
	t.Run("parent deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		res := Run(ctx, wrap(`while (true) {}`), Options{}, nil)
		check(t, res, nil, want{kind: "timeout", limit: "time"})
	})
	t.Run("deep recursion", func(t *testing.T) {
		res := Run(context.Background(), wrap(`function f(n) { return n === 0 ? 0 : 1 + f(n - 1) } return f(1e6)`), Options{}, nil)
		check(t, res, nil, want{kind: "limit", limit: "stack"})
	})
	t.Run("recursion within the limit", func(t *testing.T) {
		res := Run(context.Background(), wrap(`function f(n) { return n === 0 ? 0 : 1 + f(n - 1) } return f(500)`), Options{}, nil)
		check(t, res, nil, want{value: "500"})
	})
	t.Run("async recursion", func(t *testing.T) {
		res := Run(context.Background(), wrap(`async function f(n) { return n === 0 ? 0 : 1 + await f(n - 1) } return await f(1e6)`), Options{}, nil)
		check(t, res, nil, want{kind: "limit", limit: "stack"})
	})
	t.Run("tool calls", func(t *testing.T) {
		rec := &recorder{}
		res := Run(context.Background(), wrap(`const seen = [];
for (let i = 0; i < 5; i++) { try { await tools.weather.alerts({i}) } catch (e) { seen.push(e.code) } }
return seen`), Options{Tools: testTools, MaxToolCalls: 3}, rec.call)
		check(t, res, rec, want{kind: "limit", limit: "calls", contains: []string{"more than 3 tool calls"},
			calls: []string{`weather.alerts {"i":0}`, `weather.alerts {"i":1}`, `weather.alerts {"i":2}`}})
		if res.ToolCalls != 3 {
			t.Errorf("ToolCalls = %d", res.ToolCalls)
		}
	})
	t.Run("tool calls in parallel", func(t *testing.T) {
		rec := &recorder{}
		res := Run(context.Background(), wrap(`await Promise.all(Array.from({length: 10}, (_, i) => tools.weather.alerts({i})).map(p => p.catch(() => 0)))`),
			Options{Tools: testTools, MaxToolCalls: 4}, rec.call)
		check(t, res, rec, want{kind: "limit", limit: "calls"})
		got := rec.got()
		if len(got) > 4 || res.ToolCalls != len(got) {
			t.Errorf("caller saw %d calls (ToolCalls %d), want at most 4", len(got), res.ToolCalls)
		}
		for _, c := range got {
			if !strings.Contains(c, `"i":0`) && !strings.Contains(c, `"i":1`) && !strings.Contains(c, `"i":2`) && !strings.Contains(c, `"i":3`) {
				t.Errorf("call beyond the budget reached the caller: %s", c)
			}
		}
	})
	t.Run("output", func(t *testing.T) {
		res := Run(context.Background(), wrap(`for (let i = 0; i < 1e5; i++) console.log("héllo wörld €", i); return "done"`), Options{MaxOutputBytes: 1001}, nil)
		check(t, res, nil, want{value: `"done"`})
		if !res.Truncated || len(res.Output) > 1001 || len(res.Output) < 990 || !utf8.ValidString(res.Output) {
			t.Errorf("truncated %v, %d bytes, valid %v", res.Truncated, len(res.Output), utf8.ValidString(res.Output))
		}
		if !strings.HasPrefix(res.Output, "héllo wörld € 0\nhéllo wörld € 1\n") {
			t.Errorf("output starts %q", res.Output[:40])
		}
	})
	t.Run("huge print", func(t *testing.T) {
		res := Run(context.Background(), wrap(`const s = "ü".repeat(25e6); console.log(s); console.log({s}); console.log([s]); console.log("%s", s); return s.length`), Options{MaxOutputBytes: 1000, Timeout: 20 * time.Second}, nil)
		check(t, res, nil, want{value: "25000000"})
		if !res.Truncated || len(res.Output) > 1000 || !utf8.ValidString(res.Output) {
			t.Errorf("truncated %v, %d bytes", res.Truncated, len(res.Output))
		}
	})
	t.Run("nothing after truncation", func(t *testing.T) {
		res := Run(context.Background(), wrap(`console.log("x".repeat(20)); console.log("late")`), Options{MaxOutputBytes: 10}, nil)
		if res.Output != "xxxxxxxxxx" || !res.Truncated {
			t.Errorf("output %q truncated %v", res.Output, res.Truncated)
		}
	})
}

// TestNoGoroutineLeak runs programs that end every way a run can end, with
// calls and timers still pending, and expects the goroutine count to come
// back to where it was.
func TestNoGoroutineLeak(t *testing.T) {
	slow := func(ctx context.Context, _ string, args json.RawMessage) (json.RawMessage, error) {
		select {
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return args, nil
	}
	programs := []string{
		`for (;;) {}`,
		`await Promise.all([tools.weather.alerts({}), tools.weather.alerts({}), tools.weather.alerts({})])`,
		`tools.weather.alerts({}); setTimeout(() => {}, 60000); throw new Error("early")`,
		`for (let i = 0; i < 20; i++) tools.weather.alerts({}); return 1`,
		`setTimeout(() => {}, 60000); return 2`,
		`await new Promise(() => {})`,
		`function f() { f() } f()`,
	}
	run := func() {
		var wg sync.WaitGroup
		for _, p := range programs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				Run(context.Background(), wrap(p), Options{Tools: testTools, Timeout: 150 * time.Millisecond}, slow)
			}()
		}
		wg.Wait()
	}
	run() // warm up lazily started runtime goroutines
	base := runtime.NumGoroutine()
	for range 3 {
		run()
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d after, %d before\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// BenchmarkRun measures one run of a small program making one tool call
// (already transpiled; see package transpile for the whole path).
func BenchmarkRun(b *testing.B) {
	call := func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"days":[{"max":21},{"max":27}]}`), nil
	}
	js := wrap(`const r = await tools.weather.get_forecast({city: "Paris"}); const hot = r.days.filter(d => d.max > 25).length; console.log("hot", hot); return {hot}`)
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		res := Run(context.Background(), js, Options{Tools: testTools}, call)
		lat = append(lat, time.Since(t0))
		if res.Error != nil {
			b.Fatal(res.Error)
		}
	}
	reportPercentiles(b, lat)
}

// reportPercentiles reports the p50 and p95 of lat in µs.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(p(0.50), "p50-µs")
	b.ReportMetric(p(0.95), "p95-µs")
}

// TestToolErrorLine: a call that fails later still reports the line of the
// call that made it.
func TestToolErrorLine(t *testing.T) {
	call := func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return nil, &bridge.ToolError{Code: "denied", Message: "no"}
	}
	res := Run(context.Background(), wrap("const a = 1\nasync function f() {\n  return await tools.weather.alerts({})\n}\nawait f()"), Options{Tools: testTools}, call)
	check(t, res, nil, want{kind: "exception", line: 3, contains: []string{"ToolError (weather.alerts, code denied): no", "at f (script.js:3:", "script.js:5:"}})
}

// TestWarm: Warm compiles the prelude once, and runs then use that program.
func TestWarm(t *testing.T) {
	if err := Warm(); err != nil {
		t.Fatal(err)
	}
	p1, _ := prelude()
	if err := Warm(); err != nil {
		t.Fatal(err)
	}
	p2, _ := prelude()
	if p1 == nil || p1 != p2 {
		t.Fatalf("prelude compiled again (%p, %p)", p1, p2)
	}
	if res := Run(context.Background(), wrap("return 2"), Options{}, nil); res.Error != nil || string(res.Value) != "2" {
		t.Fatalf("run after Warm: %+v %s", res.Error, res.Value)
	}
}
