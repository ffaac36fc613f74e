package static

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja/token"
)

// importSubst stands in for the keyword of a dynamic import(), which goja's
// parser does not accept; it has the same length so positions are kept.
const importSubst = "$impt$"

// generatedName names the parsed script; a position in any other file has
// been mapped through the source map.
const generatedName = "cemcp-generated.js"

var (
	dynImport    = regexp.MustCompile(`\bimport\s*[(.]`)
	staticImport = regexp.MustCompile(`(?m)^\s*(import|export)\b[^(.]`)
)

// AnalyzeJS analyzes a script produced by package transpile (or plain
// JavaScript). Positions are mapped back to the user's program through the
// script's inline source map. r may be nil: tool references are then
// recorded as written ("server.tool") and not checked.
func AnalyzeJS(js string, r Resolver) Report {
	src := dynImport.ReplaceAllStringFunc(js, func(m string) string {
		return importSubst + m[len("import"):]
	})
	// A '.' or identifier character before "import" makes it a property
	// (x.import(...)), which goja parses: restore those.
	if src != js {
		b := []byte(src)
		for i := 0; ; {
			j := strings.Index(string(b[i:]), importSubst)
			if j < 0 {
				break
			}
			j += i
			if j > 0 && (b[j-1] == '.' || isIdentByte(b[j-1])) {
				copy(b[j:], "import")
			}
			i = j + len(importSubst)
		}
		src = string(b)
	}
	prg, err := parser.ParseFile(nil, generatedName, src, 0, parser.WithSourceMapLoader(func(string) ([]byte, error) {
		return nil, errors.New("only inline source maps")
	}))
	a := &jsAnalyzer{r: r, vars: map[string]*info{}}
	if err != nil {
		line, col, msg := 0, 0, err.Error()
		var el parser.ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			line, col, msg = el[0].Position.Line, el[0].Position.Column, el[0].Message
		}
		if staticImport.MatchString(js) {
			a.add("import", line, col, true, "import and export statements are not allowed: nothing can be imported. Tools are already in scope: await tools.<server>.<tool>({...})")
			return a.report()
		}
		a.add("parse", line, col, true, fmt.Sprintf("the program could not be analyzed (%s); write plain statements and calls such as await tools.<server>.<tool>({...})", msg))
		return a.report()
	}
	a.file = prg.File
	for _, s := range prg.Body {
		a.stmt(s)
	}
	return a.report()
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// use is how the parent uses an expression's value.
type use int

const (
	useValue    use = iota // stored, passed, returned: anything
	useCallee              // f(...)
	useNew                 // new f(...)
	useMember              // x.p or x[p]
	useCompare             // === !== == !=
	useTypeof              // typeof x
	useInstance            // right side of instanceof
	useDiscard             // expression statement
)

// info is what the analysis knows about a value.
type info struct {
	global  bool   // the global object
	tools   bool   // the tools object
	server  string // tools.<server>
	tool    string // a tool function (qualified or as written)
	toolJS  string // "tools.s.t" as written
	isFunc  bool   // a function or class value
	ctor    bool   // a .constructor value
	decoded *taint // the result of a decoder
	blob    bool   // a high-entropy literal
	data    bool   // plain data: a tool result, parsed JSON, an object or array literal
	str     string // a constant string value
	isStr   bool
}

type taint struct {
	fn   string
	line int
}

type jsAnalyzer struct {
	r        Resolver
	file     *file.File
	vars     map[string]*info
	findings []Finding
	tools    []string
	dynamic  bool
	funcs    int    // depth of non-arrow functions (this is not global inside)
	lastObj  *info  // the object of the member expression analyzed last
	example  string // a tool call to show in messages
}

func (a *jsAnalyzer) report() Report {
	return Report{Findings: sortFindings(a.findings), Tools: uniqueSorted(a.tools), DynamicCalls: a.dynamic}
}

func (a *jsAnalyzer) pos(idx file.Idx) (int, int) {
	if a.file == nil || idx <= 0 {
		return 0, 0
	}
	p := a.file.Position(int(idx) - a.file.Base())
	if p.Filename != generatedName {
		// Source-map columns are 0-based.
		return p.Line, p.Column + 1
	}
	return p.Line, p.Column
}

func (a *jsAnalyzer) add(rule string, line, col int, deny bool, msg string) {
	prefix := ""
	if line > 0 {
		prefix = fmt.Sprintf("line %d: ", line)
	}
	a.findings = append(a.findings, Finding{Rule: rule, Line: line, Col: col, Deny: deny, Message: prefix + msg})
}

func (a *jsAnalyzer) deny(rule string, n ast.Node, msg string) {
	l, c := a.pos(n.Idx0())
	a.add(rule, l, c, true, msg)
}

func (a *jsAnalyzer) callHint() string {
	if a.example != "" {
		return "await " + a.example + "({...})"
	}
	return "await tools.<server>.<tool>({...})"
}

// ---- statements ----

func (a *jsAnalyzer) stmt(s ast.Statement) {
	switch s := s.(type) {
	case nil:
	case *ast.BlockStatement:
		a.stmts(s.List)
	case *ast.ExpressionStatement:
		a.expr(s.Expression, useDiscard)
	case *ast.VariableStatement:
		a.bindings(s.List)
	case *ast.LexicalDeclaration:
		a.bindings(s.List)
	case *ast.IfStatement:
		a.expr(s.Test, useValue)
		a.stmt(s.Consequent)
		a.stmt(s.Alternate)
	case *ast.ForStatement:
		switch in := s.Initializer.(type) {
		case *ast.ForLoopInitializerExpression:
			a.expr(in.Expression, useDiscard)
		case *ast.ForLoopInitializerVarDeclList:
			a.bindings(in.List)
		case *ast.ForLoopInitializerLexicalDecl:
			a.bindings(in.LexicalDeclaration.List)
		}
		a.expr(s.Test, useValue)
		a.expr(s.Update, useDiscard)
		a.stmt(s.Body)
	case *ast.ForInStatement:
		a.forInto(s.Into)
		a.expr(s.Source, useValue)
		a.stmt(s.Body)
	case *ast.ForOfStatement:
		a.forInto(s.Into)
		a.expr(s.Source, useValue)
		a.stmt(s.Body)
	case *ast.WhileStatement:
		a.expr(s.Test, useValue)
		a.stmt(s.Body)
	case *ast.DoWhileStatement:
		a.stmt(s.Body)
		a.expr(s.Test, useValue)
	case *ast.LabelledStatement:
		a.stmt(s.Statement)
	case *ast.ReturnStatement:
		a.expr(s.Argument, useValue)
	case *ast.ThrowStatement:
		a.expr(s.Argument, useValue)
	case *ast.SwitchStatement:
		a.expr(s.Discriminant, useValue)
		for _, c := range s.Body {
			a.expr(c.Test, useCompare)
			a.stmts(c.Consequent)
		}
	case *ast.TryStatement:
		a.stmt(s.Body)
		if s.Catch != nil {
			a.target(s.Catch.Parameter, &info{})
			a.stmt(s.Catch.Body)
		}
		if s.Finally != nil {
			a.stmt(s.Finally)
		}
	case *ast.WithStatement:
		a.deny("with", s, "with statements are not allowed; name the object explicitly (obj.prop)")
		a.expr(s.Object, useValue)
		a.stmt(s.Body)
	case *ast.FunctionDeclaration:
		if s.Function.Name != nil {
			a.vars[s.Function.Name.Name.String()] = &info{isFunc: true}
		}
		a.function(s.Function)
	case *ast.ClassDeclaration:
		if s.Class.Name != nil {
			a.vars[s.Class.Name.Name.String()] = &info{isFunc: true}
		}
		a.class(s.Class)
	case *ast.BadStatement:
		a.deny("parse", s, "the program could not be analyzed here")
	}
}

func (a *jsAnalyzer) stmts(list []ast.Statement) {
	// Hoist function declarations so that f.constructor is known before
	// its declaration.
	for _, s := range list {
		if fd, ok := s.(*ast.FunctionDeclaration); ok && fd.Function.Name != nil {
			a.vars[fd.Function.Name.Name.String()] = &info{isFunc: true}
		}
	}
	for _, s := range list {
		a.stmt(s)
	}
}

func (a *jsAnalyzer) forInto(into ast.ForInto) {
	switch in := into.(type) {
	case *ast.ForIntoVar:
		a.bindings([]*ast.Binding{in.Binding})
	case *ast.ForDeclaration:
		a.target(in.Target, &info{})
	case *ast.ForIntoExpression:
		a.expr(in.Expression, useValue)
	}
}

func (a *jsAnalyzer) bindings(list []*ast.Binding) {
	for _, b := range list {
		v := &info{}
		if b.Initializer != nil {
			v = a.expr(b.Initializer, useValue)
		}
		a.target(b.Target, v)
	}
}

// target binds a declaration or assignment target to v.
func (a *jsAnalyzer) target(t ast.Expression, v *info) {
	switch t := t.(type) {
	case *ast.Identifier:
		cp := *v
		a.vars[t.Name.String()] = &cp
	case *ast.ObjectPattern:
		for _, p := range t.Properties {
			key, val := "", ast.Expression(nil)
			switch p := p.(type) {
			case *ast.PropertyShort:
				key = p.Name.Name.String()
				val = &p.Name
				if p.Initializer != nil {
					a.expr(p.Initializer, useValue)
				}
			case *ast.PropertyKeyed:
				if k, ok := a.constString(p.Key); ok {
					key = k
				} else if p.Computed {
					kv := a.expr(p.Key, useValue)
					if kv.decoded != nil {
						a.deny("decode-then-run", p.Key, fmt.Sprintf("a value decoded by %s (line %d) is used as a property name; decoded text may not name properties or code", kv.decoded.fn, kv.decoded.line))
					}
					if v.global {
						a.deny("reflection", p.Key, "destructuring the global object with a computed key is not allowed; use the name directly")
					}
				}
				val = p.Value
			}
			a.destructured(p, key, v)
			if val != nil {
				a.target(a.unwrapDefault(val), a.propertyInfo(v, key, p))
			}
		}
		if t.Rest != nil {
			a.target(t.Rest, &info{})
			if v.global {
				a.deny("reflection", t.Rest, "copying the global object is not allowed")
			}
		}
	case *ast.ArrayPattern:
		for _, e := range t.Elements {
			if e != nil {
				a.target(a.unwrapDefault(e), &info{})
			}
		}
		if t.Rest != nil {
			a.target(t.Rest, &info{})
		}
	case *ast.AssignExpression: // default value in a pattern
		a.expr(t.Right, useValue)
		a.target(t.Left, v)
	default:
		if t != nil {
			a.expr(t, useValue)
		}
	}
}

func (a *jsAnalyzer) unwrapDefault(e ast.Expression) ast.Expression {
	if as, ok := e.(*ast.AssignExpression); ok && as.Operator == token.ASSIGN {
		a.expr(as.Right, useValue)
		return as.Left
	}
	return e
}

// destructured checks a key taken out of v by a pattern.
func (a *jsAnalyzer) destructured(n ast.Node, key string, v *info) {
	switch {
	case key == "constructor":
		a.deny("constructor", n, "destructuring constructor is not allowed; it reaches the Function constructor. Call tools directly instead: "+a.callHint())
	case v.global && dangerousGlobal(key) != "":
		a.deny(dangerousGlobal(key), n, fmt.Sprintf("%s taken from the global object is not allowed; call tools directly: %s", key, a.callHint()))
	case key == "__proto__":
		a.deny("reflection", n, "__proto__ is not allowed; use plain objects and Object.keys/entries")
	}
}

// propertyInfo is what is known about v[key] taken by a pattern.
func (a *jsAnalyzer) propertyInfo(v *info, key string, n ast.Node) *info {
	switch {
	case v.tools && key != "":
		if key == "call" {
			return &info{server: "call"}
		}
		return &info{server: key}
	case v.tools:
		a.dynamic = true
	case v.server != "" && key != "":
		return a.toolRef(v.server, key, n)
	}
	return &info{}
}

func (a *jsAnalyzer) function(f *ast.FunctionLiteral) {
	a.funcs++
	a.params(f.ParameterList)
	if f.Body != nil {
		a.stmts(f.Body.List)
	}
	a.funcs--
}

func (a *jsAnalyzer) params(pl *ast.ParameterList) {
	if pl == nil {
		return
	}
	for _, b := range pl.List {
		if b.Initializer != nil {
			a.expr(b.Initializer, useValue)
		}
		a.target(b.Target, &info{})
	}
	if pl.Rest != nil {
		a.target(pl.Rest, &info{})
	}
}

func (a *jsAnalyzer) class(c *ast.ClassLiteral) {
	if c.SuperClass != nil {
		a.expr(c.SuperClass, useValue)
	}
	a.funcs++
	for _, el := range c.Body {
		switch el := el.(type) {
		case *ast.FieldDefinition:
			if el.Computed {
				a.computedKey(el.Key)
			}
			a.expr(el.Initializer, useValue)
		case *ast.MethodDefinition:
			if el.Computed {
				a.computedKey(el.Key)
			}
			a.function(el.Body)
		case *ast.ClassStaticBlock:
			if el.Block != nil {
				a.stmts(el.Block.List)
			}
		}
	}
	a.funcs--
}

func (a *jsAnalyzer) computedKey(k ast.Expression) {
	v := a.expr(k, useValue)
	if v.decoded != nil {
		a.deny("decode-then-run", k, fmt.Sprintf("a value decoded by %s (line %d) is used as a property name; decoded text may not name properties or code", v.decoded.fn, v.decoded.line))
	}
}

// ---- expressions ----

var none = &info{}

// expr analyzes e used as u and returns what is known about its value.
func (a *jsAnalyzer) expr(e ast.Expression, u use) *info {
	switch e := e.(type) {
	case nil:
		return none
	case *ast.Identifier:
		return a.ident(e, u)
	case *ast.StringLiteral:
		return a.stringLit(e, e.Value.String())
	case *ast.TemplateLiteral:
		if e.Tag != nil {
			tag := a.expr(e.Tag, useCallee)
			if tag.global || tag.ctor {
				a.deny("reflection", e, "tagged templates on this value are not allowed")
			}
		}
		var sb strings.Builder
		isConst := len(e.Expressions) == 0
		var tainted *taint
		for _, el := range e.Elements {
			sb.WriteString(el.Parsed.String())
			a.stringLit(e, el.Parsed.String())
		}
		for _, x := range e.Expressions {
			v := a.expr(x, useValue)
			if v.decoded != nil {
				tainted = v.decoded
			}
		}
		if e.Tag != nil {
			return none
		}
		if isConst {
			return &info{str: sb.String(), isStr: true}
		}
		return &info{decoded: tainted}
	case *ast.NumberLiteral, *ast.BooleanLiteral, *ast.NullLiteral, *ast.RegExpLiteral:
		return none
	case *ast.ThisExpression:
		if a.funcs == 0 {
			return a.globalUse(e, "this", u)
		}
		return none
	case *ast.SuperExpression, *ast.PrivateIdentifier, *ast.MetaProperty:
		return none
	case *ast.ArrayLiteral:
		for _, x := range e.Value {
			a.checkPassed(x, a.expr(x, useValue), "an array")
		}
		return &info{data: true}
	case *ast.ObjectLiteral:
		for _, p := range e.Value {
			switch p := p.(type) {
			case *ast.PropertyKeyed:
				if p.Computed {
					a.computedKey(p.Key)
				}
				a.checkPassed(p.Value, a.expr(p.Value, useValue), "an object")
			case *ast.PropertyShort:
				a.checkPassed(&p.Name, a.ident(&p.Name, useValue), "an object")
				if p.Initializer != nil {
					a.expr(p.Initializer, useValue)
				}
			case *ast.SpreadElement:
				v := a.expr(p.Expression, useValue)
				if v.global {
					a.deny("reflection", p, "spreading the global object is not allowed")
				}
			}
		}
		return &info{data: true}
	case *ast.SpreadElement:
		return a.expr(e.Expression, u)
	case *ast.FunctionLiteral:
		a.function(e)
		return &info{isFunc: true}
	case *ast.ArrowFunctionLiteral:
		a.params(e.ParameterList)
		switch b := e.Body.(type) {
		case *ast.BlockStatement:
			a.stmts(b.List)
		case *ast.ExpressionBody:
			a.expr(b.Expression, useValue)
		}
		return &info{isFunc: true}
	case *ast.ClassLiteral:
		a.class(e)
		return &info{isFunc: true}
	case *ast.AwaitExpression:
		v := a.expr(e.Argument, useValue)
		return &info{decoded: v.decoded, data: v.data}
	case *ast.YieldExpression:
		a.expr(e.Argument, useValue)
		return none
	case *ast.UnaryExpression:
		switch e.Operator {
		case token.TYPEOF:
			a.expr(e.Operand, useTypeof)
		case token.DELETE:
			a.expr(e.Operand, useDiscard)
		default:
			a.expr(e.Operand, useValue)
		}
		return none
	case *ast.BinaryExpression:
		switch e.Operator {
		case token.INSTANCEOF:
			a.expr(e.Left, useValue)
			a.expr(e.Right, useInstance)
			return none
		case token.STRICT_EQUAL, token.STRICT_NOT_EQUAL, token.EQUAL, token.NOT_EQUAL:
			a.expr(e.Left, useCompare)
			a.expr(e.Right, useCompare)
			return none
		case token.PLUS:
			l := a.expr(e.Left, useValue)
			r := a.expr(e.Right, useValue)
			out := &info{decoded: l.decoded}
			if out.decoded == nil {
				out.decoded = r.decoded
			}
			if l.isStr && r.isStr {
				out.str, out.isStr = l.str+r.str, true
			}
			return out
		case token.LOGICAL_OR, token.LOGICAL_AND, token.COALESCE:
			l := a.expr(e.Left, u)
			r := a.expr(e.Right, u)
			return merge(l, r)
		}
		a.expr(e.Left, useValue)
		a.expr(e.Right, useValue)
		return none
	case *ast.ConditionalExpression:
		a.expr(e.Test, useValue)
		return merge(a.expr(e.Consequent, u), a.expr(e.Alternate, u))
	case *ast.SequenceExpression:
		var last *info = none
		for i, x := range e.Sequence {
			uu := useDiscard
			if i == len(e.Sequence)-1 {
				uu = u
			}
			last = a.expr(x, uu)
		}
		return last
	case *ast.AssignExpression:
		v := a.expr(e.Right, useValue)
		switch l := e.Left.(type) {
		case *ast.Identifier:
			if e.Operator == token.ASSIGN {
				a.target(l, v)
			} else if v.decoded != nil {
				if old := a.vars[l.Name.String()]; old != nil {
					old.decoded = v.decoded
				}
			}
		case *ast.ObjectPattern, *ast.ArrayPattern:
			a.target(l, v)
		default:
			lv := a.expr(l, useDiscard)
			_ = lv
		}
		a.checkPassed(e.Right, v, "a variable")
		return v
	case *ast.DotExpression:
		return a.member(e, e.Left, e.Identifier.Name.String(), true, nil, u)
	case *ast.BracketExpression:
		if k, ok := a.constString(e.Member); ok {
			kv := a.expr(e.Member, useValue)
			if kv.decoded != nil {
				a.deny("decode-then-run", e.Member, fmt.Sprintf("a value decoded by %s (line %d) is used as a property name; decoded text may not name properties or code", kv.decoded.fn, kv.decoded.line))
			}
			return a.member(e, e.Left, k, true, e.Member, u)
		}
		return a.member(e, e.Left, "", false, e.Member, u)
	case *ast.PrivateDotExpression:
		a.expr(e.Left, useValue)
		return none
	case *ast.OptionalChain:
		return a.expr(e.Expression, u)
	case *ast.Optional:
		return a.expr(e.Expression, u)
	case *ast.CallExpression:
		return a.call(e, e.Callee, e.ArgumentList, false)
	case *ast.NewExpression:
		return a.call(e, e.Callee, e.ArgumentList, true)
	case *ast.BadExpression:
		a.deny("parse", e, "the program could not be analyzed here")
		return none
	case *ast.ObjectPattern, *ast.ArrayPattern:
		a.target(e, none)
		return none
	}
	return none
}

func merge(l, r *info) *info {
	out := &info{}
	out.global = l.global || r.global
	out.isFunc = l.isFunc || r.isFunc
	out.ctor = l.ctor || r.ctor
	out.decoded = l.decoded
	if out.decoded == nil {
		out.decoded = r.decoded
	}
	if l.tools || r.tools {
		out.tools = true
	}
	return out
}

// checkPassed denies storing or passing values that must stay put: the
// global object and constructor values.
func (a *jsAnalyzer) checkPassed(n ast.Node, v *info, where string) {
	if where == "a variable" {
		return
	}
	if v.global {
		a.deny("reflection", n, "storing the global object in "+where+" is not allowed; name what you need directly")
	}
	if v.tools || v.server != "" && v.tool == "" {
		a.dynamic = true
	}
}

var globalNames = map[string]bool{"globalThis": true, "window": true, "self": true, "global": true, "frames": true}

// dangerousGlobal returns the rule for a global property that synthesizes
// code or capabilities, or "".
func dangerousGlobal(name string) string {
	switch name {
	case "eval", "execScript":
		return "eval"
	case "Function", "AsyncFunction", "GeneratorFunction":
		return "function-constructor"
	case "require", "process", "module", "importScripts", "Deno", "Bun":
		return "import"
	case importSubst:
		return "dynamic-import"
	}
	return ""
}

func (a *jsAnalyzer) ident(id *ast.Identifier, u use) *info {
	name := id.Name.String()
	if v, ok := a.vars[name]; ok {
		if v.global {
			return a.globalUse(id, name, u)
		}
		return v
	}
	switch name {
	case "eval", "execScript":
		a.deny("eval", id, "eval is not allowed; call the tool directly: "+a.callHint())
	case "Function", "AsyncFunction", "GeneratorFunction":
		if u != useInstance {
			a.deny("function-constructor", id, "the Function constructor is not allowed; write the code directly in the program, and call tools directly: "+a.callHint())
		}
	case "require":
		a.deny("import", id, "require is not available: nothing can be imported. Tools are already in scope: "+a.callHint())
	case importSubst:
		a.deny("dynamic-import", id, "dynamic import() is not allowed: nothing can be loaded. Tools are already in scope: "+a.callHint())
	case "tools":
		return &info{tools: true}
	}
	if globalNames[name] {
		return a.globalUse(id, name, u)
	}
	return none
}

// globalUse checks a use of the global object (or an alias of it).
func (a *jsAnalyzer) globalUse(n ast.Node, name string, u use) *info {
	// Aliases are followed; passing it to a function or storing it in an
	// object is caught by the caller.
	_, _, _ = n, name, u
	return &info{global: true}
}

// member analyzes obj.prop (known: prop is constant) or obj[key].
func (a *jsAnalyzer) member(n ast.Expression, objE ast.Expression, prop string, known bool, keyE ast.Expression, u use) *info {
	obj := a.expr(objE, useMember)
	defer func() { a.lastObj = obj }()
	if !known {
		k := a.expr(keyE, useValue)
		switch {
		case obj.tools || obj.server != "":
			a.dynamic = true
			if obj.server != "" {
				return &info{tool: "?"}
			}
			return &info{server: "?"}
		case obj.global:
			a.deny("reflection", n, "computed access on the global object is not allowed; name what you need directly (console.log, JSON.parse, ...)")
		case k.decoded != nil:
			a.deny("decode-then-run", keyE, fmt.Sprintf("a value decoded by %s (line %d) is used as a property name; decoded text may not name properties or code", k.decoded.fn, k.decoded.line))
		}
		if obj.decoded != nil {
			return &info{decoded: obj.decoded}
		}
		return none
	}
	switch {
	case obj.tools:
		if prop == "call" {
			return &info{server: "call", tool: "call"}
		}
		return &info{server: prop}
	case obj.server == "?":
		return &info{tool: "?"}
	case obj.server != "":
		if obj.server == "call" && obj.tool == "call" {
			// tools.call.<tool>: a server named "call".
			return a.toolRef("call", prop, n)
		}
		return a.toolRef(obj.server, prop, n)
	case obj.global:
		if r := dangerousGlobal(prop); r != "" {
			a.deny(r, n, fmt.Sprintf("%s on the global object is not allowed; call tools directly: %s", prop, a.callHint()))
		}
		if globalNames[prop] {
			return &info{global: true}
		}
		if prop == "tools" {
			return &info{tools: true}
		}
	}
	switch prop {
	case "constructor":
		a.constructorUse(n, obj, u)
		return &info{ctor: true}
	case "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__":
		a.deny("reflection", n, prop+" is not allowed; use plain objects, Object.keys/entries and JSON")
		return none
	case "prototype":
		if obj.ctor {
			return none
		}
	}
	if obj.ctor && !(prop == "name" || prop == "prototype" || prop == "length") {
		a.deny("constructor", n, fmt.Sprintf(".constructor.%s is not allowed; only .constructor.name may be read", prop))
	}
	if obj.decoded != nil {
		return &info{decoded: obj.decoded}
	}
	if obj.data {
		return &info{data: true}
	}
	return none
}

// constructorUse checks x.constructor used as u.
func (a *jsAnalyzer) constructorUse(n ast.Node, obj *info, u use) {
	switch {
	case obj.isFunc:
		a.deny("constructor", n, "the constructor of a function is the Function constructor, which is not allowed; write the code directly and call tools directly: "+a.callHint())
	case obj.ctor:
		a.deny("constructor", n, ".constructor.constructor reaches the Function constructor and is not allowed")
	case u == useCallee || u == useNew:
		a.deny("constructor", n, "calling .constructor is not allowed (it can reach the Function constructor); create values with literals or named classes")
	case obj.data:
		// A property of plain data (an object literal or a tool result)
		// named "constructor".
	case u == useMember || u == useCompare || u == useTypeof || u == useInstance || u == useDiscard:
	default:
		a.deny("constructor", n, "using .constructor as a value is not allowed (it can reach the Function constructor); compare it (x.constructor === Array) or read x.constructor.name")
	}
}

// toolRef records tools.<server>.<name>.
func (a *jsAnalyzer) toolRef(server, name string, n ast.Node) *info {
	written := "tools." + server + "." + name
	if a.r == nil {
		a.tools = append(a.tools, server+"."+name)
		return &info{tool: server + "." + name, toolJS: written}
	}
	q, ok := a.r.ResolveJS(server, name)
	if !ok {
		msg := written + " is not a known tool"
		if s := suggest(a.r, server+"."+name, true); s != "" {
			msg += "; did you mean tools." + s + "?"
		} else {
			msg += "; use search_tools to find the right name"
		}
		a.deny("unknown-tool", n, msg)
		return &info{tool: "?", toolJS: written}
	}
	a.tools = append(a.tools, q)
	if a.example == "" {
		a.example = written
	}
	return &info{tool: q, toolJS: written}
}

// ---- calls ----

var decoders = map[string]bool{
	"atob": true, "unescape": true, "decodeURIComponent": true, "decodeURI": true,
	"String.fromCharCode": true, "String.fromCodePoint": true,
}

// safeCallees take decoded text as data.
var safeCallees = map[string]bool{
	"console": true, "JSON": true, "Math": true, "String": true, "Number": true, "Boolean": true,
	"parseInt": true, "parseFloat": true, "isNaN": true, "isFinite": true, "Date": true,
	"Array": true, "Object.keys": true, "Object.values": true, "Object.entries": true,
	"Promise": true, "BigInt": true, "Symbol.for": true, "encodeURIComponent": true, "encodeURI": true,
	"escape": true, "btoa": true, "structuredClone": true,
}

// dataMethods are methods that treat their arguments as data whatever the
// receiver.
var dataMethods = map[string]bool{
	"push": true, "unshift": true, "includes": true, "indexOf": true, "lastIndexOf": true,
	"startsWith": true, "endsWith": true, "split": true, "join": true, "concat": true,
	"replace": true, "replaceAll": true, "match": true, "matchAll": true, "test": true,
	"exec": true, "search": true, "slice": true, "substring": true, "substr": true, "trim": true,
	"padStart": true, "padEnd": true, "localeCompare": true, "set": true, "get": true,
	"has": true, "add": true, "delete": true, "at": true, "charCodeAt": true, "codePointAt": true,
	"repeat": true, "log": true, "info": true, "warn": true, "error": true, "debug": true,
	"resolve": true, "fill": true, "find": true, "filter": true, "some": true, "every": true,
	"toFixed": true, "normalize": true, "encode": true,
}

// calleeName returns a dotted name for simple callees ("atob",
// "String.fromCharCode", "x.push") and the last property.
func calleeName(e ast.Expression) (string, string) {
	switch e := e.(type) {
	case *ast.Identifier:
		return e.Name.String(), e.Name.String()
	case *ast.DotExpression:
		left, _ := calleeName(e.Left)
		p := e.Identifier.Name.String()
		if left == "" {
			return "?." + p, p
		}
		return left + "." + p, p
	case *ast.OptionalChain:
		return calleeName(e.Expression)
	case *ast.Optional:
		return calleeName(e.Expression)
	}
	return "", ""
}

func (a *jsAnalyzer) call(n ast.Expression, calleeE ast.Expression, args []ast.Expression, isNew bool) *info {
	u := useCallee
	if isNew {
		u = useNew
	}
	a.lastObj = nil
	callee := a.expr(calleeE, u)
	var recv *info
	if isMember(calleeE) {
		recv = a.lastObj
	}
	name, last := calleeName(calleeE)
	root := name
	if i := strings.IndexByte(name, '.'); i >= 0 {
		root = name[:i]
	}
	line, _ := a.pos(n.Idx0())

	// Arguments.
	vals := make([]*info, len(args))
	for i, x := range args {
		vals[i] = a.expr(x, useValue)
	}

	switch {
	case callee.server == "call" && callee.tool == "call":
		// tools.call(name, args)
		if len(args) == 0 {
			return none
		}
		if vals[0].isStr {
			a.callByName(vals[0].str, args[0])
		} else {
			a.dynamic = true
		}
		return &info{data: true}
	case callee.tool != "":
		return &info{data: true}
	}

	if (root == "setTimeout" || root == "setInterval" || last == "setTimeout" || last == "setInterval") && len(args) > 0 {
		if vals[0].isStr || vals[0].decoded != nil || isStringy(args[0]) {
			a.deny("eval", args[0], fmt.Sprintf("%s with a string runs it as code, which is not allowed; pass a function: %s(() => {...}, ms)", last, last))
		}
	}

	// Globals and constructors passed around.
	for i, v := range vals {
		if v.global {
			a.deny("reflection", args[i], "passing the global object to a function is not allowed; name what you need directly")
		}
		if v.tools && !isSafeCallee(name, last, root) {
			a.dynamic = true
		}
	}

	// Decoders produce tainted values.
	if decoders[name] || (name == "Buffer.from" && len(args) > 1 && isEncodingArg(vals[1])) || (last == "decode" && strings.Contains(strings.ToLower(name), "decoder")) {
		for i, v := range vals {
			if v.blob {
				a.deny("high-entropy", args[i], fmt.Sprintf("decoding an embedded encoded blob with %s is not allowed; pass data in plain form", name))
			}
		}
		t := &taint{fn: name, line: line}
		out := &info{decoded: t}
		if len(vals) > 0 && vals[0].isStr && (name == "atob") {
			// keep folding for computed keys
			if s, ok := atob(vals[0].str); ok {
				out.str, out.isStr = s, true
			}
		}
		if name == "String.fromCharCode" || name == "String.fromCodePoint" {
			if s, ok := fromCharCode(args); ok {
				out.str, out.isStr = s, true
			}
		}
		return out
	}

	// Decoded values as arguments.
	if !isSafeCallee(name, last, root) {
		for i, v := range vals {
			if v.decoded != nil {
				what := name
				if what == "" {
					what = "a function"
				} else {
					what += "()"
				}
				a.deny("decode-then-run", args[i], fmt.Sprintf("a value decoded by %s (line %d) is passed to %s; decoded text may only be used as data (console.log, JSON.parse, string methods) or tool arguments", v.decoded.fn, v.decoded.line, what))
			}
		}
	}

	// Methods of decoded values stay decoded (s.split(...).reverse().join("")).
	if recv != nil && recv.decoded != nil {
		return &info{decoded: recv.decoded}
	}
	if recv != nil {
		// Constant folding of "...".split("").reverse().join("").
		if s, ok := a.foldChain(n); ok {
			return &info{str: s, isStr: true}
		}
	}
	if name == "JSON.parse" || name == "structuredClone" {
		return &info{data: true}
	}
	if name == "Object.getPrototypeOf" || name == "Reflect.getPrototypeOf" {
		if len(vals) > 0 && vals[0].isFunc {
			return &info{isFunc: true}
		}
	}
	if name == "Reflect.get" || name == "Reflect.apply" || name == "Reflect.construct" || name == "Object.getOwnPropertyDescriptor" || name == "Object.getOwnPropertyDescriptors" {
		for i, v := range vals {
			if v.ctor || v.isFunc && name == "Reflect.construct" && i == 0 {
				a.deny("constructor", args[i], name+" with a constructor is not allowed")
			}
		}
	}
	return none
}

func isMember(e ast.Expression) bool {
	switch e := e.(type) {
	case *ast.DotExpression, *ast.BracketExpression:
		return true
	case *ast.OptionalChain:
		return isMember(e.Expression)
	case *ast.Optional:
		return isMember(e.Expression)
	}
	return false
}

func isSafeCallee(name, last, root string) bool {
	if name == "" {
		return false
	}
	if safeCallees[name] || safeCallees[root] || root == "tools" {
		return true
	}
	if strings.Contains(name, ".") && dataMethods[last] {
		return true
	}
	return false
}

func isEncodingArg(v *info) bool {
	if !v.isStr {
		return true // unknown encoding: assume the worst
	}
	switch strings.ToLower(v.str) {
	case "utf8", "utf-8":
		return false
	}
	return true
}

func isStringy(e ast.Expression) bool {
	switch e := e.(type) {
	case *ast.StringLiteral, *ast.TemplateLiteral:
		return true
	case *ast.BinaryExpression:
		return e.Operator == token.PLUS && (isStringy(e.Left) || isStringy(e.Right))
	}
	return false
}

// callByName records tools.call("server.tool").
func (a *jsAnalyzer) callByName(name string, n ast.Node) {
	if a.r == nil {
		a.tools = append(a.tools, name)
		return
	}
	if a.r.Exists(name) {
		a.tools = append(a.tools, name)
		return
	}
	if s, t, ok := strings.Cut(name, "."); ok {
		if q, ok := a.r.ResolveJS(s, t); ok {
			a.tools = append(a.tools, q)
			return
		}
	}
	msg := fmt.Sprintf("tools.call(%q): no tool is named %q", name, name)
	if s := suggest(a.r, name, false); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else {
		msg += "; use search_tools to find the right name"
	}
	a.deny("unknown-tool", n, msg)
}

// constString folds constant string expressions: literals, templates
// without substitutions, concatenations, and known variables.
func (a *jsAnalyzer) constString(e ast.Expression) (string, bool) {
	switch e := e.(type) {
	case *ast.StringLiteral:
		return e.Value.String(), true
	case *ast.TemplateLiteral:
		if e.Tag != nil || len(e.Expressions) > 0 {
			return "", false
		}
		var sb strings.Builder
		for _, el := range e.Elements {
			sb.WriteString(el.Parsed.String())
		}
		return sb.String(), true
	case *ast.BinaryExpression:
		if e.Operator != token.PLUS {
			return "", false
		}
		l, ok1 := a.constString(e.Left)
		r, ok2 := a.constString(e.Right)
		return l + r, ok1 && ok2
	case *ast.Identifier:
		if v, ok := a.vars[e.Name.String()]; ok && v.isStr {
			return v.str, true
		}
	case *ast.CallExpression:
		return a.foldChain(e)
	}
	return "", false
}

// foldChain folds a few string-building idioms used to hide names:
// "...".split("").reverse().join(""), atob("..."), String.fromCharCode(...).
func (a *jsAnalyzer) foldChain(e ast.Expression) (string, bool) {
	c, ok := e.(*ast.CallExpression)
	if !ok {
		return "", false
	}
	name, last := calleeName(c.Callee)
	switch {
	case name == "atob" && len(c.ArgumentList) == 1:
		if s, ok := a.constString(c.ArgumentList[0]); ok {
			return atob(s)
		}
	case name == "String.fromCharCode" || name == "String.fromCodePoint":
		return fromCharCode(c.ArgumentList)
	case last == "join":
		d := c.Callee.(*ast.DotExpression)
		sep := ""
		if len(c.ArgumentList) == 1 {
			s, ok := a.constString(c.ArgumentList[0])
			if !ok {
				return "", false
			}
			sep = s
		}
		parts, ok := a.constArray(d.Left)
		if !ok {
			return "", false
		}
		return strings.Join(parts, sep), true
	case last == "toLowerCase" || last == "toUpperCase" || last == "trim":
		if d, ok := c.Callee.(*ast.DotExpression); ok {
			if s, ok := a.constString(d.Left); ok {
				switch last {
				case "toLowerCase":
					return strings.ToLower(s), true
				case "toUpperCase":
					return strings.ToUpper(s), true
				}
				return strings.TrimSpace(s), true
			}
		}
	}
	return "", false
}

// constArray folds "s".split(sep), [..literals..] and .reverse() of those.
func (a *jsAnalyzer) constArray(e ast.Expression) ([]string, bool) {
	switch e := e.(type) {
	case *ast.ArrayLiteral:
		var out []string
		for _, x := range e.Value {
			s, ok := a.constString(x)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case *ast.CallExpression:
		d, ok := e.Callee.(*ast.DotExpression)
		if !ok {
			return nil, false
		}
		switch d.Identifier.Name.String() {
		case "split":
			s, ok := a.constString(d.Left)
			if !ok || len(e.ArgumentList) != 1 {
				return nil, false
			}
			sep, ok := a.constString(e.ArgumentList[0])
			if !ok {
				return nil, false
			}
			if sep == "" {
				var out []string
				for _, r := range s {
					out = append(out, string(r))
				}
				return out, true
			}
			return strings.Split(s, sep), true
		case "reverse":
			parts, ok := a.constArray(d.Left)
			if !ok {
				return nil, false
			}
			out := make([]string, len(parts))
			for i, p := range parts {
				out[len(parts)-1-i] = p
			}
			return out, true
		}
	}
	return nil, false
}

// atob decodes base64 as the browser function does (padding optional).
func atob(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			return -1
		}
		return r
	}, s)
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return "", false
	}
	return string(b), true
}

func fromCharCode(args []ast.Expression) (string, bool) {
	var sb strings.Builder
	for _, x := range args {
		n, ok := x.(*ast.NumberLiteral)
		if !ok {
			return "", false
		}
		var f float64
		switch v := n.Value.(type) {
		case int64:
			f = float64(v)
		case float64:
			f = v
		default:
			return "", false
		}
		if f < 0 || f > 0x10FFFF || f != math.Trunc(f) {
			return "", false
		}
		sb.WriteRune(rune(f))
	}
	return sb.String(), true
}

// ---- literals ----

var (
	base64Blob = regexp.MustCompile(`^[A-Za-z0-9+/_\-\s]{256,}={0,2}\s*$`)
	hexBlob    = regexp.MustCompile(`^(0x)?[0-9a-fA-F\s]{256,}$`)
)

// stringLit checks a string literal for encoded blobs.
func (a *jsAnalyzer) stringLit(n ast.Node, s string) *info {
	out := &info{str: s, isStr: true}
	if len(s) < 200 {
		return out
	}
	kind := ""
	switch {
	case len(s) >= 256 && hexBlob.MatchString(s):
		kind = "hex"
	case len(s) >= 256 && base64Blob.MatchString(s) && entropy(s) >= 4.0:
		kind = "base64"
	case entropy(s) >= 4.5:
		kind = "high-entropy"
	}
	if kind == "" {
		return out
	}
	out.blob = true
	l, c := a.pos(n.Idx0())
	a.add("high-entropy", l, c, false, fmt.Sprintf("a %d-character %s string literal looks like encoded data; it is flagged for review, and decoding and running it is not allowed", len(s), kind))
	return out
}

// entropy returns the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	h := 0.0
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}
