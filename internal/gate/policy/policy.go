package policy

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
	"cel.dev/cel-go/parser"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate/flow"
)

// Effects of a Decision.
const (
	Allow   = "allow"
	Deny    = "deny"
	Approve = "approve"
)

// Names of the built-in default rules (see the package documentation).
const (
	DefaultReadOnly        = "default:read-only"
	DefaultUntrustedServer = "default:untrusted-server"
	DefaultUntrustedData   = "default:untrusted-data"
	DefaultTrusted         = "default:trusted"
)

// Label is the provenance of an argument value (see package flow).
type Label = flow.Label

// Annotations are a tool's MCP annotations with the spec's defaults applied.
type Annotations struct {
	ReadOnly    bool
	Destructive bool
	Idempotent  bool
	OpenWorld   bool
	// Present is false when the server gave no annotations at all.
	Present bool
}

// AnnotationsFrom applies the MCP defaults to a tool's annotations (nil when
// the server gave none): readOnlyHint false, destructiveHint true (it only
// matters for tools that are not read-only, so it is false for a read-only
// tool that does not set it), idempotentHint false, openWorldHint true.
func AnnotationsFrom(a *mcp.ToolAnnotations) Annotations {
	if a == nil {
		return Annotations{Destructive: true, OpenWorld: true}
	}
	out := Annotations{
		Present:    true,
		ReadOnly:   a.ReadOnlyHint,
		Idempotent: a.IdempotentHint,
		OpenWorld:  a.OpenWorldHint == nil || *a.OpenWorldHint,
	}
	if a.DestructiveHint != nil {
		out.Destructive = *a.DestructiveHint
	} else {
		out.Destructive = !a.ReadOnlyHint
	}
	return out
}

// writes reports whether a tool may change anything: it is not read-only,
// or it says it is destructive.
func (a Annotations) writes() bool { return !a.ReadOnly || a.Destructive }

// Input is one tool call as the policy sees it.
type Input struct {
	Server, Tool string // original names
	Args         map[string]any
	Annotations  Annotations
	Trusted      bool    // server trust level from the config
	Labels       []Label // provenance of the argument values
	Session      map[string]any
	Run          map[string]any
}

// Decision is the policy's answer for one call.
type Decision struct {
	Effect string // Allow, Deny or Approve
	Rule   string // the rule that decided (a configured name, or Default*)
	Reason string // for the model and the user; may be empty for allow
}

// Options configure a Policy. The zero value gives the defaults.
type Options struct {
	// Logger receives evaluation errors. nil: silent.
	Logger *slog.Logger
	// CostLimit bounds the CEL cost of evaluating one rule (roughly, the
	// number of operations; a comprehension over a list costs its length).
	// Default 100000. A rule over the limit denies the call.
	CostLimit uint64
}

const defaultCostLimit = 100_000

// Policy is a compiled cemcp.policy section. It is safe for concurrent use.
type Policy struct {
	rules []rule
	log   *slog.Logger
}

type rule struct {
	name, effect, reason string
	prg                  cel.Program
}

// New compiles every rule of cfg. It fails on the first rule that does not
// compile, does not give a bool, has an empty expression or an unknown
// effect, naming the rule and saying how to fix it.
func New(cfg config.Policy, opts Options) (*Policy, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limit := opts.CostLimit
	if limit == 0 {
		limit = defaultCostLimit
	}
	env, err := newEnv()
	if err != nil {
		return nil, fmt.Errorf("policy: create CEL environment: %w", err)
	}
	p := &Policy{log: log}
	for i, r := range cfg.Rules {
		name := r.Name
		if name == "" {
			name = fmt.Sprintf("rule%d", i+1)
		}
		where := fmt.Sprintf("policy rule %d (%q)", i+1, name)
		switch r.Effect {
		case Allow, Deny, Approve:
		default:
			return nil, fmt.Errorf("%s: effect %q is not allowed (fix: use \"allow\", \"deny\" or \"approve\")", where, r.Effect)
		}
		if strings.TrimSpace(r.When) == "" {
			return nil, fmt.Errorf("%s: when is empty (fix: write a CEL condition, or \"true\" to match every call)", where)
		}
		checked, iss := env.Compile(r.When)
		if iss.Err() != nil {
			return nil, fmt.Errorf("%s: when %q does not compile: %v (fix: %s)", where, r.When, iss.Err(), compileFix(iss.Err().Error()))
		}
		if t := checked.OutputType(); !t.IsExactType(types.BoolType) && !t.IsExactType(types.DynType) {
			return nil, fmt.Errorf("%s: when %q gives %s, not bool (fix: make it a condition, e.g. args.days > 7 or has(args.path))", where, r.When, t)
		}
		prg, err := env.Program(checked, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(limit))
		if err != nil {
			return nil, fmt.Errorf("%s: when %q: %w", where, r.When, err)
		}
		p.rules = append(p.rules, rule{name: name, effect: r.Effect, reason: r.Reason, prg: prg})
	}
	return p, nil
}

// compileFix suggests a fix for a CEL compile error.
func compileFix(msg string) string {
	const vars = "the variables are server, tool, args, annotations, trusted, labels, session and run; the macros from(server) and tainted()"
	switch {
	case strings.Contains(msg, "does not support field selection") && strings.Contains(msg, "string"):
		return "tool and server are strings: write server == \"x\", tool == \"y\", annotations.destructive; " + vars
	case strings.Contains(msg, "undeclared reference"):
		return vars
	case strings.Contains(msg, "found no matching overload"):
		return "check the operand types: args values are dyn, annotations are bools, labels is a list of maps {server, tool, trusted}"
	case strings.Contains(msg, "Syntax error"):
		return "check quotes, parentheses and operators (CEL uses == && || !, strings in double quotes)"
	}
	return "see https://cel.dev for the language; " + vars
}

func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("server", cel.StringType),
		cel.Variable("tool", cel.StringType),
		cel.Variable("args", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("annotations", cel.MapType(cel.StringType, cel.BoolType)),
		cel.Variable("trusted", cel.BoolType),
		cel.Variable("labels", cel.ListType(cel.MapType(cel.StringType, cel.DynType))),
		cel.Variable("session", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("run", cel.MapType(cel.StringType, cel.DynType)),
		cel.CrossTypeNumericComparisons(true),
		cel.Macros(
			cel.GlobalMacro("from", 1, labelsExist(func(eh parser.ExprHelper, l ast.Expr, args []ast.Expr) ast.Expr {
				return eh.NewCall(operators.Equals, eh.NewSelect(l, "server"), args[0])
			})),
			cel.GlobalMacro("tainted", 0, labelsExist(func(eh parser.ExprHelper, l ast.Expr, _ []ast.Expr) ast.Expr {
				return eh.NewCall(operators.LogicalNot, eh.NewSelect(l, "trusted"))
			})),
		),
	)
}

// labelsExist builds a macro expanding to labels.exists(l, pred(l)).
func labelsExist(pred func(eh parser.ExprHelper, l ast.Expr, args []ast.Expr) ast.Expr) cel.MacroFactory {
	const v = "l__"
	return func(eh parser.ExprHelper, _ ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
		return parser.MakeExists(eh, eh.NewIdent("labels"), []ast.Expr{eh.NewIdent(v), pred(eh, eh.NewIdent(v), args)})
	}
}

// Decide returns the decision for one call: the first rule whose condition
// is true, else the defaults. A rule that fails to evaluate denies.
func (p *Policy) Decide(in Input) Decision {
	if len(p.rules) > 0 {
		act := &activation{in: &in}
		for _, r := range p.rules {
			out, _, err := r.prg.Eval(act)
			if err == nil {
				b, ok := out.Value().(bool)
				if !ok {
					err = fmt.Errorf("the condition gave %s, not bool", out.Type())
				} else if !b {
					continue
				}
			}
			if err != nil {
				p.log.Warn("policy rule failed", "rule", r.name, "server", in.Server, "tool", in.Tool, "err", err)
				return Decision{Effect: Deny, Rule: r.name,
					Reason: fmt.Sprintf("policy rule %q could not be evaluated: %s (the call is denied; fix the rule, e.g. guard optional arguments with has(args.x))", r.name, evalMessage(err))}
			}
			return Decision{Effect: r.effect, Rule: r.name, Reason: r.reason}
		}
	}
	return Defaults(in)
}

// evalMessage shortens a CEL evaluation error.
func evalMessage(err error) string {
	var e *types.Err
	if errors.As(err, &e) {
		return e.Error()
	}
	return err.Error()
}

// Defaults is the decision of the built-in defaults alone.
func Defaults(in Input) Decision {
	a := in.Annotations
	if !a.writes() {
		return Decision{Effect: Allow, Rule: DefaultReadOnly}
	}
	why := "is not annotated read-only"
	switch {
	case !a.Present:
		why = "has no annotations"
	case a.Destructive:
		why = "is annotated destructive"
	}
	if !in.Trusted {
		return Decision{Effect: Approve, Rule: DefaultUntrustedServer,
			Reason: fmt.Sprintf("%s.%s %s and server %q is not trusted", in.Server, in.Tool, why, in.Server)}
	}
	for _, l := range in.Labels {
		if !l.Trusted {
			return Decision{Effect: Approve, Rule: DefaultUntrustedData,
				Reason: fmt.Sprintf("%s.%s %s and its arguments carry data from untrusted %s.%s", in.Server, in.Tool, why, l.Server, l.Tool)}
		}
	}
	return Decision{Effect: Allow, Rule: DefaultTrusted}
}

// activation resolves the CEL variables from an Input, converting labels
// and annotations only when a rule reads them.
type activation struct {
	in          *Input
	labels      []any
	annotations map[string]any
}

var _ interpreter.Activation = (*activation)(nil)

var emptyMap = map[string]any{}

func (a *activation) ResolveName(name string) (any, bool) {
	in := a.in
	switch name {
	case "server":
		return in.Server, true
	case "tool":
		return in.Tool, true
	case "trusted":
		return in.Trusted, true
	case "args":
		return orEmpty(in.Args), true
	case "session":
		return orEmpty(in.Session), true
	case "run":
		return orEmpty(in.Run), true
	case "annotations":
		if a.annotations == nil {
			an := in.Annotations
			a.annotations = map[string]any{
				"readOnly":    an.ReadOnly,
				"destructive": an.Destructive,
				"idempotent":  an.Idempotent,
				"openWorld":   an.OpenWorld,
				"present":     an.Present,
			}
		}
		return a.annotations, true
	case "labels":
		if a.labels == nil {
			a.labels = make([]any, len(in.Labels))
			for i, l := range in.Labels {
				a.labels[i] = map[string]any{"server": l.Server, "tool": l.Tool, "trusted": l.Trusted}
			}
		}
		return a.labels, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return emptyMap
	}
	return m
}
