package judge

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Provider names a wire protocol.
type Provider string

// The supported providers.
const (
	// OpenAI is the OpenAI-compatible Chat Completions API, spoken by OpenAI
	// and by most local model servers.
	OpenAI Provider = "openai"
	// Anthropic is Anthropic's Messages API.
	Anthropic Provider = "anthropic"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout   = 20 * time.Second
	DefaultMaxTokens = 512
)

// maxResponseBytes bounds the HTTP response body read from the provider.
const maxResponseBytes = 1 << 20

// Config configures a Judge.
type Config struct {
	Provider Provider
	// BaseURL is the API root: https://api.openai.com/v1,
	// http://127.0.0.1:11434/v1 (a local model), https://api.anthropic.com.
	BaseURL string
	Model   string
	// APIKey is sent to the provider and nowhere else. The caller reads it
	// from the environment. It never appears in logs or in fmt output of
	// Config. Required for Anthropic; optional for OpenAI-compatible servers.
	APIKey string
	// Timeout bounds one review, connection to last byte. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxTokens bounds the model's answer. Zero means DefaultMaxTokens.
	MaxTokens int
	// HTTPClient is used for requests; nil means a client with Timeout.
	// Redirects are refused either way (the key must not follow them).
	HTTPClient *http.Client
	// Logger receives one record per review (never the key, the prompt or
	// the raw answer). Nil means silence.
	Logger *slog.Logger
}

// LogValue implements slog.LogValuer: the API key is never logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", string(c.Provider)),
		slog.String("base_url", redactURL(c.BaseURL)),
		slog.String("model", c.Model),
		slog.String("api_key", redactKey(c.APIKey)),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_tokens", c.MaxTokens),
	)
}

// String hides the API key from fmt's %v and %+v.
func (c Config) String() string {
	return fmt.Sprintf("judge.Config{Provider: %q, BaseURL: %q, Model: %q, APIKey: %s, Timeout: %s, MaxTokens: %d}",
		c.Provider, redactURL(c.BaseURL), c.Model, redactKey(c.APIKey), c.Timeout, c.MaxTokens)
}

// GoString hides the API key from fmt's %#v.
func (c Config) GoString() string { return c.String() }

var (
	_ slog.LogValuer = Config{}
	_ fmt.Stringer   = Config{}
	_ fmt.GoStringer = Config{}
)

func redactKey(k string) string {
	if k == "" {
		return "(unset)"
	}
	return "[REDACTED]"
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// Verdict is the judge's answer, from the CE-MCP study's set.
type Verdict string

// The verdicts. Only Safe lets a program run or its output through.
const (
	Safe                     Verdict = "SAFE"
	UnsafeCode               Verdict = "UNSAFE_CODE"
	UnexecutableCode         Verdict = "UNEXECUTABLE_CODE"
	MismatchToolInputs       Verdict = "MISMATCH_TOOL_INPUTS"
	MismatchInputsIntent     Verdict = "MISMATCH_INPUTS_INTENT"
	DiscoveryPromptInjection Verdict = "DISCOVERY_PROMPT_INJECTION"
	UntrustedToolOutput      Verdict = "UNTRUSTED_TOOL_OUTPUT"
	// Exception means no usable verdict: the judge failed or could not
	// decide. It blocks.
	Exception Verdict = "EXCEPTION"
)

// Verdicts lists every verdict, Safe first.
var Verdicts = []Verdict{Safe, UnsafeCode, UnexecutableCode, MismatchToolInputs,
	MismatchInputsIntent, DiscoveryPromptInjection, UntrustedToolOutput, Exception}

// Review is the outcome of one review.
type Review struct {
	Verdict Verdict
	// Reason explains the verdict: the model's words (untrusted: it has
	// read attacker data; cleaned and bounded; "the judge model gave no
	// reason" when it gave none) or what went wrong.
	Reason string
	// Raw is the model's answer text, or the response body when there was
	// no answer, bounded to 8 KiB. For the audit ledger, not for the model.
	Raw string
}

// Allowed reports whether the review lets the program run (or its output
// through): only a SAFE verdict does. Everything else, EXCEPTION included,
// is a block. This is the fail-closed contract.
func (r Review) Allowed() bool { return r.Verdict == Safe }

func exception(raw, format string, args ...any) Review {
	return Review{Verdict: Exception, Reason: fmt.Sprintf(format, args...), Raw: bound(raw, maxRawBytes)}
}

// ToolInfo describes one tool the program may call.
type ToolInfo struct {
	Name        string // qualified name, "server.tool"
	Description string
	InputSchema json.RawMessage
}

// PreInput is what the judge sees before a program runs.
type PreInput struct {
	Request  string // the user's task, if known
	Code     string
	Language string // "typescript", "javascript", "python"
	Tools    []ToolInfo
}

// CallInfo is one tool call a program made.
type CallInfo struct {
	Tool    string // qualified name, "server.tool"
	Args    json.RawMessage
	Result  string // the result as the program saw it (text or JSON); bounded here
	IsError bool   // the result was a tool error
}

// PostInput is what the judge sees after a program ran.
type PostInput struct {
	Request  string // the user's task, if known
	Code     string
	Language string
	Output   string // what the program printed and returned
	Calls    []CallInfo
}

// Judge reviews programs with a language model. Create one with New.
type Judge struct {
	cfg      Config // defaults applied
	endpoint string
	client   *http.Client
	log      *slog.Logger
	newToken func() string
}

// New checks cfg, applies defaults and returns a Judge. It reports every
// problem at once, each naming the field and the fix.
func New(cfg Config) (*Judge, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("judge: "+format, args...)) }

	switch cfg.Provider {
	case OpenAI, Anthropic:
	case "":
		bad("Provider is empty: set it to %q (OpenAI-compatible Chat Completions, local servers included) or %q", OpenAI, Anthropic)
	default:
		bad("Provider %q is unknown: set it to %q (OpenAI-compatible Chat Completions, local servers included) or %q", cfg.Provider, OpenAI, Anthropic)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		bad("BaseURL is empty: set it to the API root, e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 or https://api.anthropic.com")
	} else if u, err := url.Parse(base); err != nil {
		bad("BaseURL %q does not parse (%v): set it to the API root, e.g. https://api.openai.com/v1", redactURL(cfg.BaseURL), err)
	} else {
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			bad("BaseURL %q must start with https:// (or http:// for a local server)", redactURL(cfg.BaseURL))
		case u.Host == "":
			bad("BaseURL %q has no host: set it to the API root, e.g. https://api.openai.com/v1", redactURL(cfg.BaseURL))
		case u.RawQuery != "" || u.Fragment != "":
			bad("BaseURL %q has a query or fragment: give only scheme, host and path", redactURL(cfg.BaseURL))
		case u.Scheme == "http" && cfg.APIKey != "" && !isLoopback(u.Hostname()):
			bad("BaseURL %q is plain http to a non-loopback host, so the API key would travel in clear: use https://", redactURL(cfg.BaseURL))
		}
	}
	if strings.TrimSpace(cfg.Model) == "" {
		bad("Model is empty: name the model to ask, e.g. gpt-4.1-mini, llama3.1 or claude-sonnet-4-5")
	}
	if cfg.Provider == Anthropic && cfg.APIKey == "" {
		bad("APIKey is empty: the anthropic provider needs one; read it from the environment (e.g. ANTHROPIC_API_KEY)")
	}
	if strings.ContainsAny(cfg.APIKey, "\r\n") {
		bad("APIKey contains a line break: strip the trailing newline from where it is read")
	}
	if cfg.Timeout < 0 {
		bad("Timeout %s is negative: use 0 for the default (%s) or a positive duration", cfg.Timeout, DefaultTimeout)
	}
	if cfg.MaxTokens < 0 {
		bad("MaxTokens %d is negative: use 0 for the default (%d) or a positive number", cfg.MaxTokens, DefaultMaxTokens)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxTokens == 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	var client http.Client
	if cfg.HTTPClient != nil {
		client = *cfg.HTTPClient // a shallow copy, so that redirects can be refused
	} else {
		client.Timeout = cfg.Timeout
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }

	j := &Judge{cfg: cfg, client: &client, log: cfg.Logger, newToken: randomToken}
	switch cfg.Provider {
	case OpenAI:
		j.endpoint = base + "/chat/completions"
	case Anthropic:
		j.endpoint = strings.TrimSuffix(base, "/v1") + "/v1/messages"
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	return j, nil
}

var errRedirect = errors.New("redirect refused")

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func randomToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// PreExecution reviews a program before it runs. Only a SAFE review
// ([Review.Allowed]) lets it run.
func (j *Judge) PreExecution(ctx context.Context, in PreInput) Review {
	p := j.buildPre(in)
	return j.review(ctx, "pre", p)
}

// PostExecution reviews a program's run before its output reaches the
// agent. Only a SAFE review ([Review.Allowed]) lets the output through.
func (j *Judge) PostExecution(ctx context.Context, in PostInput) Review {
	p := j.buildPost(in)
	return j.review(ctx, "post", p)
}

func (j *Judge) review(ctx context.Context, stage string, p prompt) Review {
	start := time.Now()
	r := j.ask(ctx, p)
	level := slog.LevelInfo
	switch {
	case r.Verdict == Exception:
		level = slog.LevelWarn
	case r.Allowed():
		level = slog.LevelDebug
	}
	j.log.LogAttrs(ctx, level, "judge review",
		slog.String("stage", stage),
		slog.String("provider", string(j.cfg.Provider)),
		slog.String("model", j.cfg.Model),
		slog.String("verdict", string(r.Verdict)),
		slog.String("reason", bound(r.Reason, 300)),
		slog.Duration("elapsed", time.Since(start)),
	)
	return r
}

func (j *Judge) ask(ctx context.Context, p prompt) Review {
	ctx, cancel := context.WithTimeout(ctx, j.cfg.Timeout)
	defer cancel()

	body, err := j.encode(p)
	if err != nil {
		return exception("", "encode request: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.endpoint, bytes.NewReader(body))
	if err != nil {
		return exception("", "build request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	switch j.cfg.Provider {
	case OpenAI:
		if j.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+j.cfg.APIKey)
		}
	case Anthropic:
		req.Header.Set("x-api-key", j.cfg.APIKey)
		req.Header.Set("anthropic-version", "2023-06-01")
	}

	resp, err := j.client.Do(req)
	if err != nil {
		return exception("", "%s request: %s", j.cfg.Provider, j.describe(ctx, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return exception(string(data), "%s response: %s", j.cfg.Provider, j.describe(ctx, err))
	}
	if len(data) > maxResponseBytes {
		return exception("", "%s response: larger than %d bytes", j.cfg.Provider, maxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := providerError(data)
		if msg == "" {
			msg = bound(cleanText(string(data)), 300)
		}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			msg += fmt.Sprintf(" (retry after %s)", bound(cleanText(ra), 40))
		}
		return exception(string(data), "%s: HTTP %d %s", j.cfg.Provider, resp.StatusCode, msg)
	}
	var text string
	switch j.cfg.Provider {
	case OpenAI:
		text, err = decodeOpenAI(data)
	case Anthropic:
		text, err = decodeAnthropic(data)
	}
	if err != nil {
		return exception(string(data), "%s response: %v", j.cfg.Provider, err)
	}
	return parseAnswer(text)
}

// describe names a transport failure, telling a timeout from a cancellation.
func (j *Judge) describe(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, errRedirect):
		return "the provider answered with a redirect, which is refused (the API key must not follow it): set BaseURL to the final address"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s", j.cfg.Timeout)
	case errors.Is(ctx.Err(), context.Canceled):
		return "canceled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %s", j.cfg.Timeout)
		}
		err = ue.Err // the URL is known; keep the message short
	}
	return err.Error()
}
