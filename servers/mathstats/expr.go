package mathstats

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
)

// An Expr is a parsed arithmetic expression.
type Expr interface {
	Eval(vars map[string]float64) (float64, error)
	String() string
}

type (
	numExpr float64
	varExpr string
	unExpr  struct {
		op byte
		x  Expr
	}
	binExpr struct {
		op   byte
		l, r Expr
	}
	callExpr struct {
		fn   string
		args []Expr
	}
	postfixFact struct{ x Expr }
)

// Limits of Parse: input length and nesting depth.
const (
	maxExprLen   = 2000
	maxExprDepth = 100
)

var constants = map[string]float64{"pi": math.Pi, "e": math.E, "tau": 2 * math.Pi, "phi": math.Phi}

type function struct {
	arity int // -1: one or more
	f     func(a []float64) (float64, error)
}

func f1(f func(float64) float64) function {
	return function{1, func(a []float64) (float64, error) { return f(a[0]), nil }}
}

func domain(name string, ok func(float64) bool, f func(float64) float64) function {
	return function{1, func(a []float64) (float64, error) {
		if !ok(a[0]) {
			return 0, fmt.Errorf("%s(%g) is undefined (outside the domain)", name, a[0])
		}
		return f(a[0]), nil
	}}
}

var functions = map[string]function{
	"sin": f1(math.Sin), "cos": f1(math.Cos), "tan": f1(math.Tan),
	"asin":  domain("asin", func(x float64) bool { return x >= -1 && x <= 1 }, math.Asin),
	"acos":  domain("acos", func(x float64) bool { return x >= -1 && x <= 1 }, math.Acos),
	"atan":  f1(math.Atan),
	"sinh":  f1(math.Sinh),
	"cosh":  f1(math.Cosh),
	"tanh":  f1(math.Tanh),
	"exp":   f1(math.Exp),
	"sqrt":  domain("sqrt", func(x float64) bool { return x >= 0 }, math.Sqrt),
	"cbrt":  f1(math.Cbrt),
	"ln":    domain("ln", func(x float64) bool { return x > 0 }, math.Log),
	"log":   domain("log", func(x float64) bool { return x > 0 }, math.Log10),
	"log10": domain("log10", func(x float64) bool { return x > 0 }, math.Log10),
	"log2":  domain("log2", func(x float64) bool { return x > 0 }, math.Log2),
	"abs":   f1(math.Abs),
	"floor": f1(math.Floor),
	"ceil":  f1(math.Ceil),
	"round": f1(math.Round),
	"sign": f1(func(x float64) float64 {
		if x == 0 {
			return 0
		}
		return math.Copysign(1, x)
	}),
	"deg":   f1(func(x float64) float64 { return x * 180 / math.Pi }),
	"rad":   f1(func(x float64) float64 { return x * math.Pi / 180 }),
	"atan2": {2, func(a []float64) (float64, error) { return math.Atan2(a[0], a[1]), nil }},
	"hypot": {2, func(a []float64) (float64, error) { return math.Hypot(a[0], a[1]), nil }},
	"pow":   {2, func(a []float64) (float64, error) { return math.Pow(a[0], a[1]), nil }},
	"mod":   {2, func(a []float64) (float64, error) { return modf(a[0], a[1]) }},
	"min": {-1, func(a []float64) (float64, error) {
		m := a[0]
		for _, x := range a[1:] {
			m = math.Min(m, x)
		}
		return m, nil
	}},
	"max": {-1, func(a []float64) (float64, error) {
		m := a[0]
		for _, x := range a[1:] {
			m = math.Max(m, x)
		}
		return m, nil
	}},
	"factorial": {1, func(a []float64) (float64, error) { return factorial(a[0]) }},
	"nCr": {2, func(a []float64) (float64, error) {
		n, k := a[0], a[1]
		if n != math.Trunc(n) || k != math.Trunc(k) || k < 0 || n < k {
			return 0, fmt.Errorf("nCr(%g, %g) needs integers with 0 <= k <= n", n, k)
		}
		k = math.Min(k, n-k)
		if k > 1000 {
			lg := func(v float64) float64 { l, _ := math.Lgamma(v + 1); return l }
			return math.Exp(lg(n) - lg(k) - lg(n-k)), nil
		}
		r := 1.0
		for i := 1.0; i <= k; i++ {
			r = r * (n - k + i) / i
		}
		return math.Round(r), nil
	}},
}

func modf(a, b float64) (float64, error) {
	if b == 0 {
		return 0, errors.New("modulo by zero")
	}
	return math.Mod(a, b), nil
}

func factorial(x float64) (float64, error) {
	if x < 0 || x != math.Trunc(x) {
		return 0, fmt.Errorf("factorial(%g) needs a non-negative integer", x)
	}
	if x > 170 {
		return 0, fmt.Errorf("factorial(%g) overflows (limit 170)", x)
	}
	r := 1.0
	for i := 2.0; i <= x; i++ {
		r *= i
	}
	return r, nil
}

func (n numExpr) Eval(map[string]float64) (float64, error) { return float64(n), nil }
func (n numExpr) String() string                           { return strconv.FormatFloat(float64(n), 'g', -1, 64) }

func (v varExpr) Eval(vars map[string]float64) (float64, error) {
	if x, ok := vars[string(v)]; ok {
		return x, nil
	}
	if x, ok := constants[string(v)]; ok {
		return x, nil
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("unknown variable %q; pass it in variables (given: %s) or use a constant (pi, e, tau, phi)", string(v), strings.Join(names, ", "))
}
func (v varExpr) String() string { return string(v) }

func (u unExpr) Eval(vars map[string]float64) (float64, error) {
	x, err := u.x.Eval(vars)
	return -x, err
}
func (u unExpr) String() string { return "(-" + u.x.String() + ")" }

func (p postfixFact) Eval(vars map[string]float64) (float64, error) {
	x, err := p.x.Eval(vars)
	if err != nil {
		return 0, err
	}
	return factorial(x)
}
func (p postfixFact) String() string { return p.x.String() + "!" }

func (b binExpr) Eval(vars map[string]float64) (float64, error) {
	l, err := b.l.Eval(vars)
	if err != nil {
		return 0, err
	}
	r, err := b.r.Eval(vars)
	if err != nil {
		return 0, err
	}
	switch b.op {
	case '+':
		return l + r, nil
	case '-':
		return l - r, nil
	case '*':
		return l * r, nil
	case '/':
		if r == 0 {
			return 0, errors.New("division by zero")
		}
		return l / r, nil
	case '%':
		return modf(l, r)
	case '^':
		v := math.Pow(l, r)
		if math.IsNaN(v) {
			return 0, fmt.Errorf("%g^%g is not a real number", l, r)
		}
		return v, nil
	}
	return 0, fmt.Errorf("unknown operator %q", b.op)
}
func (b binExpr) String() string {
	return "(" + b.l.String() + " " + string(b.op) + " " + b.r.String() + ")"
}

func (c callExpr) Eval(vars map[string]float64) (float64, error) {
	f := functions[c.fn]
	args := make([]float64, len(c.args))
	for i, a := range c.args {
		v, err := a.Eval(vars)
		if err != nil {
			return 0, err
		}
		args[i] = v
	}
	return f.f(args)
}

func (c callExpr) String() string {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = a.String()
	}
	return c.fn + "(" + strings.Join(parts, ", ") + ")"
}

// A SyntaxError reports where parsing failed.
type SyntaxError struct {
	Pos int // 1-based byte offset
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at position %d: %s", e.Pos, e.Msg)
}

// Parse parses an arithmetic expression with the grammar
//
//	expr   = term { ("+" | "-") term }
//	term   = unary { ("*" | "/" | "%") unary }
//	unary  = ("-" | "+") unary | power
//	power  = postfix [ ("^" | "**") unary ]      (right-associative)
//	postfix= atom { "!" }
//	atom   = number | name | name "(" expr { "," expr } ")" | "(" expr ")"
//
// Numbers may have a fraction and an exponent (1.5e-3). Names are variables,
// constants (pi, e, tau, phi) or functions (sin, sqrt, log, min, ...).
func Parse(s string) (Expr, error) {
	if len(s) > maxExprLen {
		return nil, fmt.Errorf("expression is %d bytes; the limit is %d", len(s), maxExprLen)
	}
	p := &exprParser{s: s}
	p.next()
	e, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.tok != tEOF {
		return nil, p.errf("unexpected %q", p.lit)
	}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tNum
	tName
	tOp
)

type exprParser struct {
	s       string
	pos     int // offset after the current token
	start   int // offset of the current token
	tok     tokKind
	lit     string
	num     float64
	lexErr  error
	nesting int
}

func (p *exprParser) errf(format string, a ...any) error {
	return &SyntaxError{Pos: p.start + 1, Msg: fmt.Sprintf(format, a...)}
}

func (p *exprParser) next() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
	p.start = p.pos
	if p.pos >= len(p.s) {
		p.tok, p.lit = tEOF, "end of input"
		return
	}
	c := p.s[p.pos]
	switch {
	case c >= '0' && c <= '9' || c == '.':
		i := p.pos
		for i < len(p.s) && (p.s[i] >= '0' && p.s[i] <= '9' || p.s[i] == '.') {
			i++
		}
		if i < len(p.s) && (p.s[i] == 'e' || p.s[i] == 'E') {
			j := i + 1
			if j < len(p.s) && (p.s[j] == '+' || p.s[j] == '-') {
				j++
			}
			if j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
				for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
					j++
				}
				i = j
			}
		}
		p.tok, p.lit = tNum, p.s[p.pos:i]
		v, err := strconv.ParseFloat(p.lit, 64)
		if err != nil {
			p.lexErr = p.errf("bad number %q", p.lit)
		}
		p.num = v
		p.pos = i
	case c == '_' || unicode.IsLetter(rune(c)):
		i := p.pos
		for i < len(p.s) && (p.s[i] == '_' || p.s[i] < 128 && (unicode.IsLetter(rune(p.s[i])) || unicode.IsDigit(rune(p.s[i])))) {
			i++
		}
		p.tok, p.lit, p.pos = tName, p.s[p.pos:i], i
	case c == '*' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '*':
		p.tok, p.lit, p.pos = tOp, "^", p.pos+2
	case strings.IndexByte("+-*/%^(),!", c) >= 0:
		p.tok, p.lit, p.pos = tOp, string(c), p.pos+1
	default:
		r := []rune(p.s[p.pos:])[0]
		p.tok, p.lit = tOp, string(r)
		p.lexErr = p.errf("unexpected character %q; allowed: numbers, names, + - * / %% ^ ** ! ( ) ,", r)
		p.pos += len(string(r))
	}
}

func (p *exprParser) is(op string) bool { return p.tok == tOp && p.lit == op }

// expr parses by precedence level: 0 = + -, 1 = * / %.
func (p *exprParser) expr(level int) (Expr, error) {
	p.nesting++
	defer func() { p.nesting-- }()
	if p.nesting > maxExprDepth {
		return nil, p.errf("expression nested too deeply (limit %d)", maxExprDepth)
	}
	if level == 2 {
		return p.unary()
	}
	l, err := p.expr(level + 1)
	if err != nil {
		return nil, err
	}
	ops := "+-"
	if level == 1 {
		ops = "*/%"
	}
	for p.tok == tOp && len(p.lit) == 1 && strings.Contains(ops, p.lit) {
		op := p.lit[0]
		p.next()
		r, err := p.expr(level + 1)
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
	return l, nil
}

func (p *exprParser) unary() (Expr, error) {
	p.nesting++
	defer func() { p.nesting-- }()
	if p.nesting > maxExprDepth {
		return nil, p.errf("expression nested too deeply (limit %d)", maxExprDepth)
	}
	if p.is("-") || p.is("+") {
		neg := p.is("-")
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if neg {
			return unExpr{'-', x}, nil
		}
		return x, nil
	}
	base, err := p.postfix()
	if err != nil {
		return nil, err
	}
	if p.is("^") {
		p.next()
		exp, err := p.unary()
		if err != nil {
			return nil, err
		}
		return binExpr{'^', base, exp}, nil
	}
	return base, nil
}

func (p *exprParser) postfix() (Expr, error) {
	x, err := p.atom()
	if err != nil {
		return nil, err
	}
	for p.is("!") {
		p.next()
		x = postfixFact{x}
	}
	return x, nil
}

func (p *exprParser) atom() (Expr, error) {
	if p.lexErr != nil {
		return nil, p.lexErr
	}
	switch {
	case p.tok == tNum:
		v := p.num
		p.next()
		return numExpr(v), nil
	case p.tok == tName:
		name := p.lit
		p.next()
		if !p.is("(") {
			if _, ok := functions[name]; ok {
				return nil, p.errf("function %s needs arguments: %s(...)", name, name)
			}
			return varExpr(name), nil
		}
		f, ok := functions[name]
		if !ok {
			names := make([]string, 0, len(functions))
			for k := range functions {
				names = append(names, k)
			}
			sort.Strings(names)
			return nil, p.errf("unknown function %q%s; functions: %s", name, tooldef.DidYouMean(name, names), strings.Join(names, ", "))
		}
		p.next()
		var args []Expr
		for !p.is(")") {
			if len(args) > 0 {
				if !p.is(",") {
					return nil, p.errf("expected , or ) in call to %s, got %q", name, p.lit)
				}
				p.next()
			}
			a, err := p.expr(0)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if len(args) > 100 {
				return nil, p.errf("too many arguments to %s", name)
			}
		}
		p.next()
		if f.arity >= 0 && len(args) != f.arity || f.arity < 0 && len(args) == 0 {
			return nil, p.errf("%s takes %d argument(s), got %d", name, max(f.arity, 1), len(args))
		}
		return callExpr{name, args}, nil
	case p.is("("):
		p.next()
		e, err := p.expr(0)
		if err != nil {
			return nil, err
		}
		if !p.is(")") {
			return nil, p.errf("expected ), got %q", p.lit)
		}
		p.next()
		return e, nil
	case p.tok == tEOF:
		return nil, p.errf("unexpected end of input; the expression is incomplete")
	}
	return nil, p.errf("unexpected %q", p.lit)
}
