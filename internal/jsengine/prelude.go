package jsengine

import (
	"sync"

	"github.com/dop251/goja"
)

// preludeSrc runs before the program. It is a function expression called
// from Go with the native tool-call function and the flattened tool refs
// (qualified, server, name, qualified, server, name, ...). It installs the
// frozen tools object, the ToolError class and a few polyfills, removes
// dynamic code evaluation, and returns the helpers the engine keeps.
//
// The helpers are captured before the program runs, so a program that
// replaces JSON.stringify or Array.from does not change how the engine
// serializes arguments and results.
const preludeSrc = `(function (callNative, refs, loadPolyfills) {
"use strict";
const g = globalThis;
const O = Object, freeze = O.freeze, create = O.create, defineProperty = O.defineProperty,
      getPrototypeOf = O.getPrototypeOf;
const hidden = (obj, name, value) => defineProperty(obj, name,
	{value: value, writable: false, enumerable: false, configurable: false});
const denied = "dynamic code evaluation is not allowed";

class ToolError extends Error {
	constructor(message, server, tool, code) {
		super(message);
		defineProperty(this, "name", {value: "ToolError", writable: true, enumerable: false, configurable: true});
		this.server = server;
		this.tool = tool;
		this.code = code;
	}
}
hidden(g, "ToolError", ToolError);

// No eval, no Function constructor, however it is reached.
delete g.eval;
function seal(proto) {
	const f = function () { throw new EvalError(denied); };
	f.prototype = proto;
	defineProperty(proto, "constructor", {value: f, writable: false, enumerable: false, configurable: false});
	return freeze(f);
}
hidden(g, "Function", seal(Function.prototype));
seal(getPrototypeOf(async function () {}));
seal(getPrototypeOf(function* () {}));

// The tools object: null prototypes, frozen all the way down, and every
// function closes over callNative so nothing reachable from the program can
// change what is called.
const spaces = create(null);
for (let i = 0; i + 2 < refs.length; i += 3) {
	const q = refs[i], s = refs[i + 1], t = refs[i + 2];
	let ns = spaces[s];
	if (ns === undefined) {
		ns = create(null);
		spaces[s] = ns;
	}
	const f = function (args) { return callNative(q, args, arguments.length); };
	defineProperty(f, "name", {value: t});
	ns[t] = freeze(f);
}
const tools = create(null);
const call = function call(name, args) {
	if (typeof name !== "string") {
		throw new TypeError("tools.call: the first argument must be a qualified tool name such as \"server.tool\"");
	}
	return callNative(name, args, arguments.length - 1);
};
for (const s of O.keys(spaces)) {
	if (s === "call") {
		// A server named "call": its tools hang off the tools.call function.
		for (const t of O.keys(spaces[s])) defineProperty(call, t, {value: spaces[s][t], enumerable: true});
		continue;
	}
	tools[s] = freeze(spaces[s]);
}
tools.call = freeze(call);
hidden(g, "tools", freeze(tools));

// Well-known symbols goja lacks, spelled as esbuild's helpers look them up.
for (const name of ["asyncIterator", "dispose", "asyncDispose"]) {
	if (typeof Symbol[name] !== "symbol") hidden(Symbol, name, Symbol.for("Symbol." + name));
}

// Polyfills for common library functions goja lacks. Their code is
// compiled on first use (most programs use none): loadPolyfills, from Go,
// runs polyfillSrc with what it needs captured now.
const hasOwn = O.prototype.hasOwnProperty, isArray = Array.isArray, apply = Reflect.apply;
const PMap = Map, PSet = Set, PDate = Date, PRegExp = RegExp;
let polyfills;
const lazy = (key, name, length) => {
	const f = function () {
		if (polyfills === undefined) polyfills = loadPolyfills(O, create, hasOwn, isArray, PMap, PSet, PDate, PRegExp);
		return apply(polyfills[key], this, arguments);
	};
	defineProperty(f, "name", {value: name});
	defineProperty(f, "length", {value: length});
	return f;
};
if (typeof g.structuredClone !== "function") g.structuredClone = lazy("structuredClone", "structuredClone", 1);
if (typeof O.groupBy !== "function") O.groupBy = lazy("groupBy", "groupBy", 2);
if (typeof Map.groupBy !== "function") Map.groupBy = lazy("mapGroupBy", "groupBy", 2);
if (typeof g.queueMicrotask !== "function") {
	const resolved = Promise.resolve();
	g.queueMicrotask = function queueMicrotask(f) { resolved.then(() => f()); };
}

// kind brands Maps and Sets for console output without trusting anything
// the program can redefine.
const mapSize = O.getOwnPropertyDescriptor(Map.prototype, "size").get;
const setSize = O.getOwnPropertyDescriptor(Set.prototype, "size").get;
const call1 = Function.prototype.call.bind(Function.prototype.call);
const kind = (x) => {
	try { call1(mapSize, x); return "Map"; } catch (e) {}
	try { call1(setSize, x); return "Set"; } catch (e) {}
	return "";
};
return {ToolError: ToolError, stringify: JSON.stringify, parse: JSON.parse, from: Array.from, kind: kind};
})`

// polyfillSrc is a function expression called with what the polyfills use,
// captured by the prelude before the program ran; it returns them.
const polyfillSrc = `(function (O, create, hasOwn, isArray, Map, Set, Date, RegExp) {
"use strict";
return {
	structuredClone: function structuredClone(value) {
		const seen = new Map();
		const clone = (v) => {
			if (v === null || typeof v !== "object") {
				if (typeof v === "function" || typeof v === "symbol") throw new TypeError("structuredClone: " + typeof v + " could not be cloned");
				return v;
			}
			if (seen.has(v)) return seen.get(v);
			let out;
			if (isArray(v)) { out = []; seen.set(v, out); for (let i = 0; i < v.length; i++) out[i] = clone(v[i]); return out; }
			if (v instanceof Date) return new Date(v.getTime());
			if (v instanceof RegExp) return new RegExp(v.source, v.flags);
			if (v instanceof Map) { out = new Map(); seen.set(v, out); for (const [k, x] of v) out.set(clone(k), clone(x)); return out; }
			if (v instanceof Set) { out = new Set(); seen.set(v, out); for (const x of v) out.add(clone(x)); return out; }
			out = {};
			seen.set(v, out);
			for (const k of O.keys(v)) out[k] = clone(v[k]);
			return out;
		};
		return clone(value);
	},
	groupBy: function groupBy(items, key) {
		const out = create(null);
		let i = 0;
		for (const x of items) {
			const k = key(x, i++);
			if (hasOwn.call(out, k)) out[k].push(x); else out[k] = [x];
		}
		return out;
	},
	mapGroupBy: function groupBy(items, key) {
		const out = new Map();
		let i = 0;
		for (const x of items) {
			const k = key(x, i++);
			if (out.has(k)) out.get(k).push(x); else out.set(k, [x]);
		}
		return out;
	},
};
})`

// prelude and polyfills are compiled once per process; a goja.Program can
// run in many runtimes.
var (
	prelude = sync.OnceValues(func() (*goja.Program, error) {
		return goja.Compile("cemcp:prelude", preludeSrc, true)
	})
	polyfills = sync.OnceValues(func() (*goja.Program, error) {
		return goja.Compile("cemcp:polyfills", polyfillSrc, true)
	})
)

// Warm compiles the prelude ahead of a run (the first compilation in a
// process is its most expensive part). A warm-pool runner calls it before
// it reports ready, so that the run itself does not pay for it.
func Warm() error {
	_, err := prelude()
	return err
}
