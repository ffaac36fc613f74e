package config

import (
	"log/slog"
	"time"
)

// Config is a loaded, expanded and validated configuration file.
type Config struct {
	// Path is the file it was loaded from ("" when parsed from bytes).
	Path string
	// Servers are the entries of mcpServers, keyed by name.
	Servers map[string]*Server
	// Cemcp is the cemcp section, with defaults applied.
	Cemcp Settings
}

// Server is one upstream MCP server (an entry of mcpServers).
type Server struct {
	Name string

	// Type is "stdio", "http" (Streamable HTTP) or "sse". It defaults to
	// "stdio" when Command is set.
	Type string

	// stdio
	Command string
	Args    []string
	Env     map[string]string // added to the scrubbed environment
	Cwd     string

	// http, sse
	URL     string
	Headers map[string]string

	// Disabled servers are listed but never started.
	Disabled bool

	// From the cemcp.servers section (per-server options that are not part
	// of the mcpServers format).
	Trusted      bool          // trust level used by policy and labels
	StartTimeout time.Duration // connect + initialize + first tools/list
	CallTimeout  time.Duration // one tools/call
}

// Settings is the cemcp section.
type Settings struct {
	Sandbox Sandbox
	Policy  Policy
	Audit   Audit
	// Expose says, per server name, how its tools are served. Servers not
	// named get the "*" entry when present, else code mode only.
	Expose map[string]Expose
	Serve  Serve
	// Judge is the optional LLM reviewer; nil when not configured.
	Judge *Judge
	// LogLevel is "debug", "info", "warn" or "error".
	LogLevel string
}

// Sandbox configures program execution.
type Sandbox struct {
	Mode           string        // "jail" (default on Linux) or "inprocess" (development only, not isolated)
	Timeout        time.Duration // default wall clock per run
	MaxTimeout     time.Duration // upper bound for a timeout_ms the model asks for
	MaxOutputBytes int
	MaxToolCalls   int
	MaxConcurrency int
	MaxCallDepth   int
	MemoryBytes    int64
	MaxPids        int
	CPUPercent     int    // share of one core, 100 = one core
	ScratchBytes   int64  // size of the writable tmpfs scratch
	PoolSize       int    // warm runners kept ready
	Python         string // python3 interpreter path; "" = look it up
	RunnerPath     string // cemcp-runner path; "" = beside the executable, then PATH
}

// Policy is the cemcp.policy section. Package gate interprets it.
type Policy struct {
	Rules []Rule
	// MaxCallsPerRun bounds inner tool calls of one execute_code.
	MaxCallsPerRun int
	// RateLimits maps a qualified tool name (or "server.*") to calls per minute.
	RateLimits map[string]int
	// ApprovalTimeout bounds how long a run waits for the user.
	ApprovalTimeout time.Duration
}

// Rule is one CEL policy rule; the first rule whose When matches decides.
type Rule struct {
	Name   string
	When   string // CEL expression
	Effect string // "allow", "deny" or "approve"
	Reason string
}

// Audit configures the run ledger.
type Audit struct {
	Enabled bool
	Path    string // SQLite file
}

// Expose is how one server's tools are served to the client.
type Expose struct {
	// Mode is "code" (only through the code-mode tools; the default) or
	// "passthrough" (also served directly as tools of their own).
	Mode string
	// Names is "prefixed" (server__tool, the default) or "original".
	Names string
}

// Serve configures `cemcp serve`.
type Serve struct {
	HTTP           string   // listen address for Streamable HTTP; "" = stdio
	Token          string   // bearer token required on HTTP when set
	AllowedOrigins []string // Origin values accepted besides localhost ones
}

// Judge configures the optional LLM judge (cemcp.judge). Its verdicts are
// enforced: anything but SAFE blocks, and a failure to get a verdict blocks.
type Judge struct {
	Provider  string // "openai" (Chat Completions compatible) or "anthropic"
	BaseURL   string // e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1
	Model     string
	APIKeyEnv string        // name of the environment variable holding the key
	APIKey    string        // read from APIKeyEnv at load time; never logged
	Timeout   time.Duration // default 20 s
	Pre       bool          // review programs before they run (default true)
	Post      bool          // review output before it returns (default true)
}

// LogValue hides the key.
func (j Judge) LogValue() slog.Value {
	return slog.GroupValue(slog.String("provider", j.Provider), slog.String("base_url", j.BaseURL), slog.String("model", j.Model), slog.String("api_key_env", j.APIKeyEnv))
}
