// Package gate is cemcp's semantic gate: the one checkpoint that every tool
// call passes, whether a program in the sandbox makes it or the client calls
// a pass-through tool. It composes the pieces in its subpackages:
//
//   - policy: CEL rules and defaults, argument validation, budgets, rate limits;
//   - flow: data-flow labels (where each argument value came from);
//   - static: analysis of a program before it runs (gate.Pre);
//   - text: untrusted text in results, errors and output (gate.Result, gate.Post);
//   - judge: the optional LLM reviewer.
//
// The gate decides; the gateway enforces: a call the gate does not allow
// never reaches the upstream.
package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate/flow"
	"github.com/cemcp/cemcp/internal/gate/policy"
	"github.com/cemcp/cemcp/internal/gate/text"
)

// Flag is one finding, reported to the client and recorded in the ledger.
type Flag struct {
	Kind   string `json:"kind"` // injection, secret, truncated, schema_violation, definition_changed, quarantined, shadowing, limit, static
	Source string `json:"source"`
	Detail string `json:"detail"`
}

// Layers switch the gate's defenses on and off, for the red team's
// ablation. The zero value is "all off"; use AllLayers in production.
type Layers struct {
	Static bool // gate.Pre: static analysis of programs
	Policy bool // CEL policy, defaults and approvals, argument validation, budgets, rate limits, pins
	Flow   bool // data-flow labels
	Text   bool // untrusted text: injection and secret handling in results, errors and output
}

// AllLayers is every defense on.
var AllLayers = Layers{Static: true, Policy: true, Flow: true, Text: true}

// Options configure a Gate.
type Options struct {
	// Layers are the defenses in force; nil means AllLayers.
	Layers  *Layers
	Policy  config.Policy
	Servers map[string]*config.Server // trust levels
	// PinsPath is the file that keeps tool definition pins ("" = memory).
	PinsPath string
	Logger   *slog.Logger
}

// Gate holds what is shared by every run: compiled policy, schema cache,
// rate limits and trust levels. Safe for concurrent use.
type Gate struct {
	log             *slog.Logger
	pol             *policy.Policy
	val             *policy.Validator
	rate            *policy.RateLimiter
	trusted         map[string]bool
	approvalTimeout time.Duration
	maxCalls        int
	pins            *Pins
	layers          Layers
	metaCache       sync.Map // qualified + hash → *Flag (nil: clean)
}

// New compiles the policy.
func New(opts Options) (*Gate, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pol, err := policy.New(opts.Policy, policy.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	rate, err := policy.NewRateLimiter(opts.Policy.RateLimits, policy.RateOptions{})
	if err != nil {
		return nil, fmt.Errorf("cemcp.policy.rate_limits: %w", err)
	}
	trusted := map[string]bool{}
	for name, s := range opts.Servers {
		trusted[name] = s.Trusted
	}
	at := opts.Policy.ApprovalTimeout
	if at <= 0 {
		at = 2 * time.Minute
	}
	pins, err := OpenPins(opts.PinsPath)
	if err != nil {
		return nil, err
	}
	layers := AllLayers
	if opts.Layers != nil {
		layers = *opts.Layers
	}
	return &Gate{log: log, pol: pol, val: policy.NewValidator(), rate: rate, trusted: trusted, approvalTimeout: at,
		maxCalls: opts.Policy.MaxCallsPerRun, pins: pins, layers: layers}, nil
}

// Layers reports the defenses in force.
func (g *Gate) Layers() Layers { return g.layers }

// Trusted reports the trust level of a server.
func (g *Gate) Trusted(server string) bool { return g.trusted[server] }

// Approval is one call put to the user.
type Approval struct {
	Tool   string
	Args   json.RawMessage
	Reason string
	// Sources says where argument values came from: "server.tool (untrusted)".
	Sources []string
}

// Approver asks the user about a call. It returns false when the user
// declines, and an error when it cannot ask (the client has no
// elicitation, or the wait timed out).
type Approver interface {
	Approve(ctx context.Context, a Approval) (bool, error)
}

// ErrCannotAsk is returned by an Approver that has no way to ask the user.
var ErrCannotAsk = errors.New("the client cannot be asked for approval (no elicitation support)")

// Run is the gate's state for one execute_code run or one pass-through call.
type Run struct {
	ID       string
	Language string
	Session  map[string]any
	approver Approver
	tracker  *flow.Tracker
	past     *flow.Tracker // what earlier runs of the session returned to the model; may be nil
	budget   *policy.Budget
	calls    atomic.Int64
}

// NewRun starts the gate's state for a run. maxCalls bounds its tool calls
// (0: the policy's max_calls_per_run).
func (g *Gate) NewRun(id, language string, session map[string]any, approver Approver, maxCalls int) *Run {
	if maxCalls <= 0 {
		maxCalls = g.maxCalls
	}
	return &Run{ID: id, Language: language, Session: session, approver: approver,
		tracker: flow.NewTracker(flow.Options{}), budget: policy.NewBudget(maxCalls)}
}

// RememberForModel records in the session history a result that went to
// the model directly (a pass-through call), so that values the model copies
// from it into later calls keep their source. It indexes in the background:
// the model needs a turn before it can reuse the value.
func (g *Gate) RememberForModel(run *Run, t *catalog.Tool, value json.RawMessage) {
	if run.past == nil || !g.layers.Flow || len(value) == 0 {
		return
	}
	run.past.ObserveLater(t.Server, t.Name, g.trusted[t.Server], value)
}

// SetHistory gives the run what earlier runs of its client session
// returned to the model. The model carries text from one run's output into
// the next program it writes; with the history, values that came from an
// untrusted server keep their label across that hop.
func (r *Run) SetHistory(t *flow.Tracker) { r.past = t }

// NewHistory returns an empty session history.
func NewHistory() *flow.Tracker { return flow.NewTracker(flow.Options{}) }

// Decision is the gate's verdict on one call.
type Decision struct {
	Allowed bool
	// Outcome is what the ledger and the client see: "allow", "deny",
	// "approve:accepted", "approve:declined", "approve:unavailable".
	Outcome string
	Rule    string
	Reason  string
	// Code is the ToolError code of a refused call: "denied",
	// "invalid_arguments", "budget", "rate_limited".
	Code   string
	Labels []string
	Flags  []Flag
}

// Call decides one call: budget, rate limit, argument validation, data-flow
// labels, policy, and the user's approval when policy asks for it. Nothing
// may reach the upstream unless the result is Allowed.
func (g *Gate) Call(ctx context.Context, run *Run, t *catalog.Tool, args json.RawMessage) Decision {
	n := run.calls.Add(1)
	if !g.layers.Policy {
		var labels []flow.Label
		if g.layers.Flow {
			labels = run.tracker.LabelsFor(args)
		}
		return Decision{Allowed: true, Outcome: "allow", Rule: "layers:policy-off", Labels: labelStrings(labels)}
	}
	if err := run.budget.Take(); err != nil {
		return Decision{Outcome: "deny", Code: "budget", Rule: "budget:max_calls_per_run",
			Reason: fmt.Sprintf("the run used its budget of %d tool calls; do the work in fewer calls", run.budget.Max())}
	}
	if err := g.rate.Allow(t.Server, t.Name); err != nil {
		return Decision{Outcome: "deny", Code: "rate_limited", Rule: "rate_limits", Reason: err.Error()}
	}
	if d, stop := g.checkPin(ctx, run, t, args); stop {
		return d
	}
	var argv map[string]any
	if len(args) > 0 {
		if err := json.Unmarshal(args, &argv); err != nil {
			return Decision{Outcome: "deny", Code: "invalid_arguments", Rule: "schema", Reason: "arguments are not a JSON object: " + err.Error()}
		}
	}
	if argv == nil {
		argv = map[string]any{}
	}
	var flags []Flag
	v := g.val.Args(t, argv)
	if !v.OK() {
		return Decision{Outcome: "deny", Code: "invalid_arguments", Rule: "schema",
			Reason: "invalid arguments for " + t.Qualified + ":\n" + strings.Join(v.Errors, "\n"),
			Flags:  []Flag{{Kind: "schema_violation", Source: t.Qualified, Detail: strings.Join(v.Errors, "; ")}}}
	}
	if v.Skipped != "" {
		flags = append(flags, Flag{Kind: "schema_violation", Source: t.Qualified, Detail: "input schema not checked: " + v.Skipped})
	}
	var labels []flow.Label
	if g.layers.Flow {
		labels = run.tracker.LabelsForValue(argv)
		if run.past != nil {
			labels = append(labels, run.past.LabelsForValue(argv)...)
		}
	}
	in := policy.Input{
		Server: t.Server, Tool: t.Name, Args: argv,
		Annotations: policy.AnnotationsFrom(t.Annotations),
		Trusted:     g.trusted[t.Server],
		Labels:      labels,
		Session:     run.Session,
		Run:         map[string]any{"id": run.ID, "calls": n, "language": run.Language},
	}
	d := g.pol.Decide(in)
	// A credential in the arguments of a call to an untrusted server is a
	// possible exfiltration: the user decides (P5.3).
	if g.layers.Text {
		if ms := text.ScanSecrets(string(args)); len(ms) > 0 {
			flags = append(flags, Flag{Kind: "secret", Source: t.Qualified, Detail: "the arguments carry what looks like a credential (" + ms[0].Rule + ")"})
			if d.Effect == policy.Allow && !g.trusted[t.Server] {
				d = policy.Decision{Effect: policy.Approve, Rule: "secret-in-arguments",
					Reason: "the arguments of " + t.Qualified + " carry what looks like a credential (" + ms[0].Rule + ") and the server is not trusted"}
			}
		}
	}
	out := Decision{Rule: d.Rule, Reason: d.Reason, Labels: labelStrings(labels), Flags: flags}
	switch d.Effect {
	case policy.Allow:
		out.Allowed, out.Outcome = true, "allow"
	case policy.Deny:
		out.Outcome, out.Code = "deny", "denied"
	case policy.Approve:
		out.Allowed, out.Outcome, out.Code = g.ask(ctx, run, t, args, d.Reason, labels)
		if !out.Allowed {
			out.Reason = d.Reason + "; " + approvalFailure[out.Outcome]
		}
	default:
		out.Outcome, out.Code, out.Reason = "deny", "denied", "policy returned no effect"
	}
	return out
}

// ask puts a call to the user. Declined, unanswered or unaskable means no.
func (g *Gate) ask(ctx context.Context, run *Run, t *catalog.Tool, args json.RawMessage, reason string, labels []flow.Label) (bool, string, string) {
	if run.approver == nil {
		return false, "approve:unavailable", "denied"
	}
	ctx, cancel := context.WithTimeout(ctx, g.approvalTimeout)
	defer cancel()
	ok, err := run.approver.Approve(ctx, Approval{Tool: t.Qualified, Args: args, Reason: reason, Sources: labelStrings(labels)})
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		return false, "approve:timeout", "denied"
	case err != nil:
		g.log.Info("approval not obtained", "tool", t.Qualified, "err", err)
		return false, "approve:unavailable", "denied"
	case !ok:
		return false, "approve:declined", "denied"
	}
	return true, "approve:accepted", ""
}

// checkPin blocks a tool whose definition changed since its first use until
// the user approves the new definition.
func (g *Gate) checkPin(ctx context.Context, run *Run, t *catalog.Tool, args json.RawMessage) (Decision, bool) {
	changed, err := g.pins.Check(t.Qualified, t.Hash)
	if err != nil {
		g.log.Error("tool pins", "err", err)
	}
	if !changed {
		return Decision{}, false
	}
	flag := Flag{Kind: "definition_changed", Source: t.Qualified,
		Detail: "the tool's definition (description, schemas or annotations) changed since it was first used"}
	reason := t.Qualified + " changed its definition since it was first used (possible rug pull); the new definition needs the user's approval"
	ok, outcome, code := g.ask(ctx, run, t, args, reason, nil)
	if !ok {
		return Decision{Outcome: outcome, Code: code, Rule: "pin:definition_changed", Reason: reason + "; " + approvalFailure[outcome], Flags: []Flag{flag}}, true
	}
	if err := g.pins.Accept(t.Qualified, t.Hash); err != nil {
		g.log.Error("tool pins", "err", err)
	}
	return Decision{}, false
}

var approvalFailure = map[string]string{
	"approve:unavailable": "the call needs the user's approval, but the user could not be asked (the client does not support elicitation). " +
		"Do without this call, or ask the user to mark the server trusted (cemcp.servers.NAME.trust) or to use a client that can approve calls",
	"approve:declined": "the user declined the call; do not retry it",
	"approve:timeout":  "the user did not answer in time",
}

func labelStrings(labels []flow.Label) []string {
	if len(labels) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, l := range labels {
		trust := "untrusted"
		if l.Trusted {
			trust = "trusted"
		}
		s := l.Server + "." + l.Tool + " (" + trust + ")"
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Result checks a tool's result before the program sees it: it is
// validated against the output schema, instruction-like text is replaced by
// a marker, and its values are labelled with their source for later calls.
// It returns the value the program may see.
func (g *Gate) Result(run *Run, t *catalog.Tool, value json.RawMessage) (json.RawMessage, []Flag, error) {
	flags, err := g.CheckShape(t, value)
	if err != nil {
		return nil, flags, err
	}
	value, tf := g.neutralizeResult(t, value)
	flags = append(flags, tf...)
	if g.layers.Flow {
		run.tracker.Observe(t.Server, t.Name, g.trusted[t.Server], value)
	}
	return value, flags, nil
}

// ResultError refuses a result.
type ResultError struct {
	Tool, Detail string
}

func (e *ResultError) Error() string {
	return e.Tool + " returned a result that does not match its declared output schema (" + e.Detail + "); it was withheld"
}

// CheckShape validates a result against the tool's output schema. A result
// from an untrusted server that does not have the shape its schema declares
// (missing or extra fields, changed types, fake status flags) is refused:
// the program (or the model) would act on it.
func (g *Gate) CheckShape(t *catalog.Tool, value json.RawMessage) ([]Flag, error) {
	flags := g.validateResult(t, value)
	if len(flags) > 0 && !g.trusted[t.Server] {
		return flags, &ResultError{Tool: t.Qualified, Detail: flags[0].Detail}
	}
	return flags, nil
}

func (g *Gate) validateResult(t *catalog.Tool, value json.RawMessage) []Flag {
	if !g.layers.Policy || len(t.OutputSchema) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(value, &v); err != nil {
		return nil
	}
	r := g.val.Result(t, v)
	var flags []Flag
	if len(r.Errors) > 0 {
		flags = append(flags, Flag{Kind: "schema_violation", Source: t.Qualified, Detail: "result does not match the output schema: " + strings.Join(r.Errors, "; ")})
	}
	if len(r.Extra) > 0 {
		flags = append(flags, Flag{Kind: "schema_violation", Source: t.Qualified, Detail: "result has fields the output schema does not declare: " + strings.Join(r.Extra, ", ")})
	}
	return flags
}
