package bench

import "math"

// Kinds of text, for the bytes-per-token ratios of the model.
const (
	KindJSON = "json" // tool results, call arguments, answers
	KindText = "text" // search results: names and one-line summaries
	KindCode = "code" // TypeScript declarations and programs
)

// BytesPerToken are the o200k_base ratios the model uses to turn sizes in
// bytes into tokens. They were measured once on text that is not part of
// the task suite: a 1,000-tool distractor catalog (seed 6): its call
// results (json), its search summaries (text) and its TypeScript
// declarations (code). TestCalibration re-measures them.
var BytesPerToken = map[string]float64{
	KindJSON: 3.2,
	KindText: 4.8,
	KindCode: 3.9,
}

// Exchange is the size of one tool-using turn: the assistant's calls and
// the results that come back.
type Exchange struct {
	Calls       int    `json:"calls"`
	CallBytes   int    `json:"call_bytes"` // the calls' JSON ({"name":..,"arguments":..})
	CallKind    string `json:"call_kind"`
	ResultBytes int    `json:"result_bytes"`
	ResultKind  string `json:"result_kind"`
	// LoadTokens are tool definitions added to every later request (tools
	// found by search and loaded).
	LoadTokens int `json:"load_tokens,omitempty"`
}

// Sizes are what the token model needs to know of one run: the catalog as
// the agent loads it and the sizes of the task's messages, in bytes except
// for the fixed texts, counted once.
type Sizes struct {
	System       int        `json:"system_tokens"`  // the system prompt
	Request      int        `json:"request_tokens"` // the user's request
	SchemaTokens int        `json:"schema_tokens"`  // tool definitions in every request
	Exchanges    []Exchange `json:"exchanges"`
	AnswerBytes  int        `json:"answer_bytes"`
}

// Prediction is the model's token count of one run.
type Prediction struct {
	Input  int `json:"input_tokens"`
	Output int `json:"output_tokens"`
	Turns  int `json:"turns"`
}

// Total returns input plus output tokens.
func (p Prediction) Total() int { return p.Input + p.Output }

func tok(bytes int, kind string) float64 { return float64(bytes) / BytesPerToken[kind] }

// Predict computes the token model of docs/model.md for one run:
//
//	turn t's input  I_t = P + S + (F+sys) + (F+req) + L_t + Σ_{i<t} (a_i + r_i)
//	a_i = F + callBytes_i/ρ,  r_i = calls_i·F + resultBytes_i/ρ
//	output = Σ_i callBytes_i/ρ + answerBytes/ρ_json
//
// with P the reply primer, F the per-message framing (3 tokens plus the
// role), S the tool definitions loaded up front and L_t the definitions
// loaded by search before turn t. The strategy only changes the sizes it is
// given, so one formula serves every agent.
func Predict(s Sizes, strategy string) Prediction {
	const F = MessageOverhead + 1
	base := float64(ReplyPrimer+s.SchemaTokens) + float64(F+s.System) + float64(F+s.Request)
	var in, out, hist float64
	for _, x := range s.Exchanges {
		in += base + hist
		out += tok(x.CallBytes, x.CallKind)
		hist += F + tok(x.CallBytes, x.CallKind) + float64(x.Calls*F) + tok(x.ResultBytes, x.ResultKind)
		base += float64(x.LoadTokens)
	}
	in += base + hist
	out += tok(s.AnswerBytes, KindJSON)
	return Prediction{Input: int(math.Round(in)), Output: int(math.Round(out)), Turns: len(s.Exchanges) + 1}
}

// CostModel turns tokens into model latency for the replay driver, which
// has no model: a turn costs a fixed overhead (network, queueing, time to
// first token at an empty prompt), its input at the prefill rate and its
// output at the decode rate. It is reported apart from measured time.
type CostModel struct {
	PrefillTPS     float64 `json:"prefill_tokens_per_s"`
	DecodeTPS      float64 `json:"decode_tokens_per_s"`
	TurnOverheadMs float64 `json:"turn_overhead_ms"`
}

// DefaultCostModel uses round figures of the order that public API latency
// measurements report for GPT-4o-class hosted models (output about 100
// tokens/s, time to first token about half a second on short prompts); the
// prefill rate of 5,000 tokens/s is an assumption for long prompts without
// prompt caching. Set your own with the --prefill-tps, --decode-tps and
// --turn-ms flags.
var DefaultCostModel = CostModel{PrefillTPS: 5000, DecodeTPS: 100, TurnOverheadMs: 500}

// TurnMs is the modelled latency of one turn.
func (c CostModel) TurnMs(input, output int) float64 {
	ms := c.TurnOverheadMs
	if c.PrefillTPS > 0 {
		ms += 1000 * float64(input) / c.PrefillTPS
	}
	if c.DecodeTPS > 0 {
		ms += 1000 * float64(output) / c.DecodeTPS
	}
	return ms
}
