package transpile_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"

	"github.com/cemcp/cemcp/internal/jsengine"
	"github.com/cemcp/cemcp/internal/transpile"
)

// TestModernSyntax runs each construct through esbuild and goja: whatever
// goja lacks must have been lowered, and the value must be right.
func TestModernSyntax(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"optional chaining", `const o: any = {a: {b: 1}}; return [o?.a?.b, o?.x?.y, o.f?.()]`, `[1,null,null]`},
		{"nullish", `const x: number | null = null; return x ?? 2`, `2`},
		{"nullish assign", `let x: number | undefined; x ??= 3; let y = 0; y ||= 4; let z = 1; z &&= 5; return [x, y, z]`, `[3,4,5]`},
		{"class fields and private", `class A { x = 1; static y = 2; #p = 3; static #q = 4; get p() { return this.#p } #m() { return this.#p } m() { return this.#m() } static q() { return A.#q } static has(o: object) { return #p in o } }
const a = new A(); return [a.x, A.y, a.p, a.m(), A.q(), A.has(a), A.has({})]`, `[1,2,3,3,4,true,false]`},
		{"static block", `class B { static z: number; static { B.z = 7 } } return B.z`, `7`},
		{"spread", `const a = [1, ...[2, 3]]; const o = {...{a: 1}, b: 2}; return [a, o]`, `[[1,2,3],{"a":1,"b":2}]`},
		{"destructuring defaults", `const {a = 1, b: {c} = {c: 2}, ...rest} = {d: 4} as any; const [x, , y = 9] = [1, 2]; return [a, c, rest, x, y]`, `[1,2,{"d":4},1,9]`},
		{"for of", `let s = 0; for (const v of [1, 2, 3]) s += v; return s`, `6`},
		{"generators", `function* g() { yield 1; yield* [2, 3] } return [...g()]`, `[1,2,3]`},
		{"async generator and for await", `async function* ag() { yield 1; await null; yield 2 }
const out: number[] = []; for await (const x of ag()) out.push(x); return out`, `[1,2]`},
		{"for await over promises", `const out = []; for await (const x of [Promise.resolve(1), 2]) out.push(x); return out`, `[1,2]`},
		{"template literals", "const n = 2; const tag = (s: TemplateStringsArray, ...v: any[]) => s.raw.join('|') + v.join(','); return [`a${n}b`, tag`x${1}y${2}z`]", `["a2b","x|y|z1,2"]`},
		{"exponent", `let x = 2 ** 10; x **= 2; return x`, `1048576`},
		{"numeric separators", `return 1_000_000 + 0xff_ff * 0`, `1000000`},
		{"bigint", `return (10n ** 20n).toString()`, `"100000000000000000000"`},
		{"regex named groups", `return /(?<y>\d{4})-(?<m>\d{2})/.exec("2024-05")!.groups!.m`, `"05"`},
		{"regex lookbehind and dotall", `return [/(?<=a)b/.test("ab"), /a.b/s.test("a\nb")]`, `[true,true]`},
		{"labelled blocks", `let n = 0; outer: for (const i of [1, 2, 3]) { for (const j of [1, 2]) { if (i === 2) continue outer; if (i === 3) break outer; n += j } } blk: { break blk } return n`, `3`},
		{"getters and setters", `const o = { _v: 1, get v() { return this._v }, set v(x) { this._v = x * 2 } }; o.v = 5; return o.v`, `10`},
		{"arrow functions", `const add = (a: number, b = 2) => a + b; return [add(1), ((...xs: number[]) => xs.length)(1, 2, 3)]`, `[3,3]`},
		{"array and object methods", `return [[1, [2, [3]]].flat(2), [1, 2].flatMap(x => [x, x]), Object.fromEntries([["a", 1]]), [1, 2, 3].at(-1), "abc".at(-1), Object.hasOwn({a: 1}, "a"), "aa".replaceAll("a", "b"), [3, 1, 2].toSorted(), [1, 2, 3].findLast(x => x < 3)]`, `[[1,2,3],[1,1,2,2],{"a":1},3,"c",true,"bb",[1,2,3],2]`},
		{"structuredClone and groupBy", `const a = {x: [1, {y: 2}], d: new Date(0)}; const b = structuredClone(a); b.x[1].y = 3; return [a.x[1].y, b.d instanceof Date, Object.groupBy([1, 2, 3], x => x % 2 ? "odd" : "even")]`, `[2,true,{"odd":[1,3],"even":[2]}]`},
		{"optional catch binding", `try { throw 1 } catch { return "caught" }`, `"caught"`},
		{"async await", `const f = async (x: number) => { await null; return x * 2 }; return await Promise.all([f(1), f(2)])`, `[2,4]`},
		{"typescript types", `interface P { x: number } type Q = P & { y?: string }; enum Color { Red, Green } const q: Q = { x: 1 }; function id<T>(v: T): T { return v } return [id<number>(q.x), Color.Green, q as unknown as P]`, `[1,1,{"x":1}]`},
		{"typescript class parameter properties", `class C { constructor(private readonly a: number, public b = 2) {} sum() { return this.a + this.b } } return new C(1).sum()`, `3`},
		{"satisfies and non-null", `const v = { a: 1 } satisfies Record<string, number>; const m = new Map([["k", 1]]); return m.get("k")! + v.a`, `2`},
		{"using declarations", `const log: string[] = []; { using r = { [Symbol.dispose]() { log.push("disposed") } } as any; log.push("body") } return log`, `["body","disposed"]`},
		{"top level return without value", `return`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js, rerr := transpile.Program(tt.code, "typescript")
			if rerr != nil {
				t.Fatalf("transpile: %v", rerr)
			}
			res := jsengine.Run(context.Background(), js, jsengine.Options{}, nil)
			if res.Error != nil {
				t.Fatalf("run: %v\n--- js:\n%s", res.Error, js)
			}
			if got := string(res.Value); got != tt.want {
				t.Errorf("value = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, lang, code string
		line             int
		contains         []string
	}{
		{"first line", "typescript", "const x = ;", 1, []string{"Unexpected \";\"", "    1 | const x = ;", "^"}},
		{"third line", "typescript", "const a = 1;\nconst b = 2;\nlet let = 3;\nreturn a", 3, []string{"3 | let let = 3;"}},
		{"unclosed brace", "typescript", "if (x) {\n  return 1\n", 3, []string{"unexpected end of program"}},
		{"extra brace", "javascript", "return 1\n}\n", 3, []string{"unexpected end of program"}},
		{"types in javascript", "javascript", "const x: number = 1\nreturn x", 1, []string{"1 | const x: number = 1"}},
		{"import", "typescript", "\nimport fs from 'fs'\n", 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rerr := transpile.Program(tt.code, tt.lang)
			if rerr == nil {
				t.Fatal("no error")
			}
			if rerr.Kind != "syntax" || rerr.Line != tt.line {
				t.Errorf("kind %q line %d, want syntax line %d: %s", rerr.Kind, rerr.Line, tt.line, rerr.Message)
			}
			for _, c := range tt.contains {
				if !strings.Contains(rerr.Message, c) {
					t.Errorf("message lacks %q:\n%s", c, rerr.Message)
				}
			}
		})
	}
}

// TestRuntimeLines: a throw deep in the program reports the user's line
// through the source map, in TypeScript where esbuild reshapes the code.
func TestRuntimeLines(t *testing.T) {
	code := "interface X {\n  a: number\n}\n\nfunction f(x: X): number {\n  // comment\n  throw new Error(`bad ${x.a}`)\n}\nreturn f({a: 1})\n"
	js, rerr := transpile.Program(code, "")
	if rerr != nil {
		t.Fatal(rerr)
	}
	res := jsengine.Run(context.Background(), js, jsengine.Options{}, nil)
	if res.Error == nil || res.Error.Kind != "exception" {
		t.Fatalf("error = %+v", res.Error)
	}
	if res.Error.Line != 7 {
		t.Errorf("line = %d, want 7:\n%s", res.Error.Line, res.Error.Message)
	}
	for _, want := range []string{"Error: bad 1", "at f (program.ts:7:", "program.ts:9:"} {
		if !strings.Contains(res.Error.Message, want) {
			t.Errorf("message lacks %q:\n%s", want, res.Error.Message)
		}
	}
}

func TestUnsupportedLanguage(t *testing.T) {
	_, rerr := transpile.Program("return 1", "python")
	if rerr == nil || rerr.Kind != "unsupported" {
		t.Fatalf("got %+v", rerr)
	}
}

func FuzzProgram(f *testing.F) {
	for _, s := range []string{"return 1", "const x = ;", "}", "{", "`${", "/*", "//", "\"", "class A { #x }", "for await (const x of y) {}", "\xff\xfe", "return 1\n}\n(async () => {"} {
		f.Add(s, "typescript")
		f.Add(s, "javascript")
	}
	f.Fuzz(func(t *testing.T, code, lang string) {
		js, rerr := transpile.Program(code, lang)
		if rerr != nil {
			if rerr.Kind == "syntax" && (rerr.Line < 1 || rerr.Line > strings.Count(code, "\n")+1) {
				t.Errorf("line %d out of range for %q", rerr.Line, code)
			}
			return
		}
		if js == "" {
			t.Error("empty output without error")
		}
	})
}

func BenchmarkProgram(b *testing.B) {
	code := `const r = await tools.weather.get_forecast({ city: "Paris", days: 3 });
const hot = r.days.filter((d: { max: number }) => d.max > 25).length;
console.log("hot days", hot);
return { hot };`
	for b.Loop() {
		if _, err := transpile.Program(code, "typescript"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNestingBomb: deep nesting is refused before esbuild or goja see it
// (goja's compiler is quadratic in it and cannot be interrupted).
func TestNestingBomb(t *testing.T) {
	for _, open := range []string{"(", "[", "{a:"} {
		code := "const x = 1\nreturn " + strings.Repeat(open, 100000)
		_, rerr := transpile.Program(code, "javascript")
		if rerr == nil || rerr.Kind != "syntax" || rerr.Line != 2 || !strings.Contains(rerr.Message, "nest") {
			t.Errorf("%s: got %+v", open, rerr)
		}
	}
	// Brackets inside strings and comments do not count.
	code := "// " + strings.Repeat("(", 1000) + "\nconst s = \"" + strings.Repeat("[", 1000) + "\"\n/* " + strings.Repeat("{", 1000) + " */\nreturn s.length"
	js, rerr := transpile.Program(code, "typescript")
	if rerr != nil {
		t.Fatal(rerr)
	}
	if res := jsengine.Run(context.Background(), js, jsengine.Options{}, nil); string(res.Value) != "1000" {
		t.Errorf("value = %s, err %v", res.Value, res.Error)
	}
	if _, rerr := transpile.Program(strings.Repeat(" ", transpile.MaxCodeBytes+1), "typescript"); rerr == nil {
		t.Error("oversized program accepted")
	}
}

// BenchmarkRunOneCall is the whole path of a small TypeScript program:
// transpile, then run it with one tool call whose result is a small JSON.
func BenchmarkRunOneCall(b *testing.B) {
	code := `interface F { days: { max: number }[] }
const r: F = await tools.weather.get_forecast({ city: "Paris", days: 2 });
const hot = r.days.filter(d => d.max > 25).length;
console.log("hot days", hot);
return { hot };`
	opts := jsengine.Options{Tools: []bridge.ToolRef{{Qualified: "weather.get_forecast", JSServer: "weather", JSName: "get_forecast"}}}
	call := func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"city":"Paris","days":[{"max":21},{"max":27}]}`), nil
	}
	lat := make([]time.Duration, 0, 1024)
	for b.Loop() {
		t0 := time.Now()
		js, rerr := transpile.Program(code, "typescript")
		if rerr != nil {
			b.Fatal(rerr)
		}
		res := jsengine.Run(context.Background(), js, opts, call)
		lat = append(lat, time.Since(t0))
		if res.Error != nil || string(res.Value) != `{"hot":1}` {
			b.Fatal(res.Error, string(res.Value))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Nanoseconds())/1e3, "p95-µs")
}
