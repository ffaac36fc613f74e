package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Run is the start of one execute_code program.
type Run struct {
	ID       string // run id, the key returned to the client as run_id
	Session  string // MCP session id ("" for one-shot runs)
	Client   string // MCP client name/version
	Language string // "typescript", "javascript" or "python"
	Code     string // the program as the model wrote it
	Started  time.Time
}

// Call is one inner tool call of a run, with the gate's decision about it.
type Call struct {
	RunID string
	Seq   int    // position of the call within its run, as the gateway numbers it
	Tool  string // qualified name, server.tool
	// ArgsHash is the hex SHA-256 of the canonical JSON of the arguments
	// (see HashArgs). When it is empty and Args is set, it is computed;
	// when both are set they must agree.
	ArgsHash string
	// Args are the call's arguments. They are stored only when
	// Options.StoreArgs is set; otherwise only ArgsHash is kept.
	Args        json.RawMessage
	Labels      []string // data labels the gate attached
	Decision    string   // "allow", "deny", "approve", ...
	Rule        string   // the policy rule that decided
	Reason      string
	Status      string // "ok", "error", "denied", ...
	LatencyMs   int64
	ResultBytes int
	Time        time.Time
}

// Flag is one finding about a run: injection, secret, truncated,
// schema_violation, definition_changed, limit, ...
type Flag struct {
	RunID  string
	Kind   string
	Source string
	Detail string
	Time   time.Time
}

// Finish is the end of a run.
type Finish struct {
	RunID       string
	Status      string // "ok", "error", "blocked", "timeout", ...
	Error       string
	OutputBytes int
	Ms          int64
	Time        time.Time // when the run ended; zero means now
}

// Record kinds, as stored in the kind field of a record body.
const (
	KindRun    = "run"
	KindCall   = "call"
	KindFlag   = "flag"
	KindFinish = "finish"
)

// timeLayout is fixed-width so that the stored strings sort as the times do.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// body is one record as it is hashed and stored: its canonical JSON is
// encoding/json of this struct (fields in this order, no HTML escaping, no
// trailing newline). Exactly one of the kind-specific parts is set.
type body struct {
	Seq    int64       `json:"seq"`
	Kind   string      `json:"kind"`
	RunID  string      `json:"run_id"`
	Time   string      `json:"time"`
	Run    *runBody    `json:"run,omitempty"`
	Call   *callBody   `json:"call,omitempty"`
	Flag   *flagBody   `json:"flag,omitempty"`
	Finish *finishBody `json:"finish,omitempty"`
}

type runBody struct {
	Session  string `json:"session"`
	Client   string `json:"client"`
	Language string `json:"language"`
	Code     string `json:"code"`
}

type callBody struct {
	Seq         int             `json:"seq"`
	Tool        string          `json:"tool"`
	ArgsHash    string          `json:"args_hash"`
	Args        json.RawMessage `json:"args,omitempty"`
	Labels      []string        `json:"labels"`
	Decision    string          `json:"decision"`
	Rule        string          `json:"rule"`
	Reason      string          `json:"reason"`
	Status      string          `json:"status"`
	LatencyMs   int64           `json:"latency_ms"`
	ResultBytes int             `json:"result_bytes"`
}

type flagBody struct {
	Kind   string `json:"kind"`
	Source string `json:"source"`
	Detail string `json:"detail"`
}

type finishBody struct {
	Status      string `json:"status"`
	Error       string `json:"error"`
	OutputBytes int    `json:"output_bytes"`
	Ms          int64  `json:"ms"`
}

// canonical returns the canonical JSON of v: encoding/json without HTML
// escaping and without the encoder's trailing newline.
func canonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// genesis is the prev_hash of the first record.
var genesis = make([]byte, sha256.Size)

// GenesisHash is the hex prev_hash of the first record of every ledger.
var GenesisHash = hex.EncodeToString(genesis)

// chainHash is the chain rule: sha256(prev || body), prev being the 32 raw
// bytes of the previous record's hash.
func chainHash(prev, body []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return h.Sum(nil)
}

// HashArgs returns the hex SHA-256 of the canonical JSON of args: objects
// with their keys sorted, no insignificant white space, no HTML escaping,
// numbers kept as they were written (so 1 and 1.0 hash differently). Empty
// args hash as null.
func HashArgs(args json.RawMessage) (string, error) {
	c, err := canonicalArgs(args)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return hex.EncodeToString(sum[:]), nil
}

func canonicalArgs(args json.RawMessage) ([]byte, error) {
	if len(bytes.Trim(args, " \t\r\n")) == 0 { // JSON's white space only
		return []byte("null"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("canonical args: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("canonical args: trailing data after the JSON value")
	}
	return canonical(v)
}

func validHash(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
