package config

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Defaults. doc.go and docs/config.md list the same values; the docs test
// checks them.
const (
	defaultTimeout         = 30 * time.Second
	defaultMaxTimeout      = 300 * time.Second
	defaultMaxOutputBytes  = 65536
	defaultMaxToolCalls    = 1000
	defaultMaxConcurrency  = 8
	defaultMaxCallDepth    = 1000
	defaultMemoryMB        = 256
	defaultMaxPids         = 32
	defaultCPUPercent      = 100
	defaultScratchMB       = 16
	defaultPoolSize        = 2
	defaultApprovalTimeout = 120 * time.Second
	defaultStartTimeout    = 30 * time.Second
	defaultCallTimeout     = 60 * time.Second
	defaultLogLevel        = "info"
	defaultExposeMode      = "code"
	defaultExposeNames     = "prefixed"
)

const mib = 1 << 20

// defaultMode is the sandbox mode used when none is configured: the jail
// where it exists (Linux), else the in-process engine.
func defaultMode() string {
	if runtime.GOOS == "linux" {
		return "jail"
	}
	return "inprocess"
}

// defaultAuditPath is $XDG_STATE_HOME/cemcp/audit.db, else
// ~/.local/state/cemcp/audit.db, else cemcp-audit.db in the working
// directory when no home directory is known.
func defaultAuditPath(lookup func(string) (string, bool)) string {
	if x, ok := lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(x) {
		return filepath.Join(x, "cemcp", "audit.db")
	}
	if h, ok := lookup("HOME"); ok && h != "" {
		return filepath.Join(h, ".local", "state", "cemcp", "audit.db")
	}
	return "cemcp-audit.db"
}

// defaultSettings returns the cemcp section with every default applied.
func defaultSettings(lookup func(string) (string, bool)) Settings {
	return Settings{
		Sandbox: Sandbox{
			Mode:           defaultMode(),
			Timeout:        defaultTimeout,
			MaxTimeout:     defaultMaxTimeout,
			MaxOutputBytes: defaultMaxOutputBytes,
			MaxToolCalls:   defaultMaxToolCalls,
			MaxConcurrency: defaultMaxConcurrency,
			MaxCallDepth:   defaultMaxCallDepth,
			MemoryBytes:    defaultMemoryMB * mib,
			MaxPids:        defaultMaxPids,
			CPUPercent:     defaultCPUPercent,
			ScratchBytes:   defaultScratchMB * mib,
			PoolSize:       defaultPoolSize,
		},
		Policy: Policy{
			RateLimits:      map[string]int{},
			ApprovalTimeout: defaultApprovalTimeout,
		},
		Audit:    Audit{Enabled: true, Path: defaultAuditPath(lookup)},
		Expose:   map[string]Expose{},
		LogLevel: defaultLogLevel,
	}
}

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// intField is one integer key of an object, with its allowed range.
type intField[T any] struct {
	key    string
	lo, hi int64
	set    func(*T, int64)
}

var sandboxInts = []intField[Sandbox]{
	{"timeout_ms", 1, maxMillis, func(s *Sandbox, v int64) { s.Timeout = ms(v) }},
	{"max_timeout_ms", 1, maxMillis, func(s *Sandbox, v int64) { s.MaxTimeout = ms(v) }},
	{"max_output_bytes", 1, 1 << 30, func(s *Sandbox, v int64) { s.MaxOutputBytes = int(v) }},
	{"max_tool_calls", 1, maxCount, func(s *Sandbox, v int64) { s.MaxToolCalls = int(v) }},
	{"max_concurrency", 1, 1024, func(s *Sandbox, v int64) { s.MaxConcurrency = int(v) }},
	{"max_call_depth", 1, maxCount, func(s *Sandbox, v int64) { s.MaxCallDepth = int(v) }},
	{"memory_mb", 1, 1 << 20, func(s *Sandbox, v int64) { s.MemoryBytes = v * mib }},
	{"max_pids", 1, 65536, func(s *Sandbox, v int64) { s.MaxPids = int(v) }},
	{"cpu_percent", 1, 10000, func(s *Sandbox, v int64) { s.CPUPercent = int(v) }},
	{"scratch_mb", 1, 1 << 20, func(s *Sandbox, v int64) { s.ScratchBytes = v * mib }},
	{"pool_size", 0, 64, func(s *Sandbox, v int64) { s.PoolSize = int(v) }},
}

// serverOptions is one entry of cemcp.servers; nil fields were not given.
type serverOptions struct {
	trusted      *bool
	startTimeout *time.Duration
	callTimeout  *time.Duration
}

// cemcp decodes the cemcp section. cfg.Servers must be decoded already.
func (d *decoder) cemcp(n *node, path string, cfg *Config) {
	f := d.fields(n, path, cemcpKeys, nil)
	if f == nil {
		return
	}
	st := &cfg.Cemcp
	if v := f["sandbox"]; v != nil {
		d.sandbox(v, child(path, "sandbox"), &st.Sandbox)
	}
	if v := f["policy"]; v != nil {
		d.policy(v, child(path, "policy"), &st.Policy, cfg)
	}
	if v := f["audit"]; v != nil {
		kp := child(path, "audit")
		af := d.fields(v, kp, auditKeys, nil)
		if e := af["enabled"]; e != nil {
			st.Audit.Enabled, _ = d.boolean(e, child(kp, "enabled"))
		}
		if p := af["path"]; p != nil {
			st.Audit.Path = d.pathString(p, child(kp, "path"))
			if st.Audit.Path == "" && p.kind == kString {
				d.add(p.off, child(kp, "path"), "empty path", `write a file path, or set "enabled": false`)
			}
		}
	}
	if v := f["expose"]; v != nil {
		d.expose(v, child(path, "expose"), cfg)
	}
	if v := f["servers"]; v != nil {
		d.serverOptions(v, child(path, "servers"), cfg)
	}
	if v := f["serve"]; v != nil {
		d.serve(v, child(path, "serve"), &st.Serve)
	}
	if v := f["judge"]; v != nil {
		d.judge(v, child(path, "judge"), st)
	}
	if v := f["log_level"]; v != nil {
		if l, ok := d.oneOf(v, child(path, "log_level"), "debug", "info", "warn", "error"); ok {
			st.LogLevel = l
		}
	}
}

// pathString reads a string, expands variables and a leading ~.
func (d *decoder) pathString(n *node, path string) string {
	s, ok := d.str(n, path)
	if !ok {
		return ""
	}
	s, _ = d.expand(n, path, s, false)
	return d.home(n, path, s, false)
}

func (d *decoder) sandbox(n *node, path string, s *Sandbox) {
	f := d.fields(n, path, sandboxKeys, nil)
	if f == nil {
		return
	}
	if v := f["mode"]; v != nil {
		if m, ok := d.oneOf(v, child(path, "mode"), "jail", "inprocess"); ok {
			s.Mode = m
		}
	}
	for _, fd := range sandboxInts {
		if v := f[fd.key]; v != nil {
			if x, ok := d.integer(v, child(path, fd.key), fd.lo, fd.hi); ok {
				fd.set(s, x)
			}
		}
	}
	if s.Timeout > s.MaxTimeout {
		at, key := f["timeout_ms"], "timeout_ms"
		if at == nil {
			at, key = f["max_timeout_ms"], "max_timeout_ms"
		}
		off := n.off
		if at != nil {
			off = at.off
		}
		d.add(off, child(path, key), fmt.Sprintf("timeout_ms (%d) is larger than max_timeout_ms (%d)",
			s.Timeout.Milliseconds(), s.MaxTimeout.Milliseconds()), "make timeout_ms at most max_timeout_ms")
	}
	if v := f["python"]; v != nil {
		s.Python = d.pathString(v, child(path, "python"))
	}
	if v := f["runner"]; v != nil {
		s.RunnerPath = d.pathString(v, child(path, "runner"))
	}
}

func (d *decoder) policy(n *node, path string, p *Policy, cfg *Config) {
	f := d.fields(n, path, policyKeys, nil)
	if f == nil {
		return
	}
	if v := f["rules"]; v != nil {
		d.rules(v, child(path, "rules"), p)
	}
	if v := f["max_calls_per_run"]; v != nil {
		if x, ok := d.integer(v, child(path, "max_calls_per_run"), 0, maxCount); ok {
			p.MaxCallsPerRun = int(x)
		}
	}
	if v := f["approval_timeout_ms"]; v != nil {
		if x, ok := d.integer(v, child(path, "approval_timeout_ms"), 1, maxMillis); ok {
			p.ApprovalTimeout = ms(x)
		}
	}
	if v := f["rate_limits"]; v != nil {
		kp := child(path, "rate_limits")
		for _, m := range d.entries(v, kp, "CALLS_PER_MINUTE") {
			ep := child(kp, m.key)
			if msg, fix := d.toolPattern(m.key, cfg); msg != "" {
				d.add(m.keyOff, ep, msg, fix)
				continue
			}
			if x, ok := d.integer(m.val, ep, 1, maxCount); ok {
				p.RateLimits[m.key] = int(x)
			}
		}
	}
}

// toolPattern checks a rate-limit key: "*", "server.*" or "server.tool".
func (d *decoder) toolPattern(pat string, cfg *Config) (string, string) {
	if pat == "*" {
		return "", ""
	}
	server, tool, ok := strings.Cut(pat, ".")
	if !ok || server == "" || tool == "" {
		return fmt.Sprintf("invalid tool pattern %q", pat), `write "server.tool", "server.*" or "*"`
	}
	if strings.ContainsAny(server, "*?") {
		return "", ""
	}
	if _, known := cfg.Servers[server]; !known {
		return fmt.Sprintf("server %q is not in mcpServers", server), serverFix(server, cfg)
	}
	return "", ""
}

// serverFix is the fix for a reference to an unknown server.
func serverFix(name string, cfg *Config) string {
	names := cfg.ServerNames()
	if g := suggest(name, names); g != "" {
		return fmt.Sprintf("did you mean %q?", g)
	}
	if len(names) == 0 {
		return "add the server to mcpServers first"
	}
	return "configured servers: " + strings.Join(names, ", ")
}

func (d *decoder) rules(n *node, path string, p *Policy) {
	if n.kind != kArray {
		d.typeErr(n, path, "an array", `write [{"name": "...", "when": "...", "effect": "deny"}]`)
		return
	}
	names := map[string]bool{}
	for i, e := range n.elems {
		kp := index(path, i)
		f := d.fields(e, kp, ruleKeys, nil)
		if f == nil {
			continue
		}
		r := Rule{Name: fmt.Sprintf("rule%d", i+1)}
		if v := f["name"]; v != nil {
			if s, ok := d.str(v, child(kp, "name")); ok {
				if s == "" {
					d.add(v.off, child(kp, "name"), "empty rule name", "give the rule a name, or leave the key out")
				} else if names[s] {
					d.add(v.off, child(kp, "name"), fmt.Sprintf("duplicate rule name %q", s), "give each rule its own name")
				}
				r.Name = s
			}
		}
		names[r.Name] = true
		if v := f["when"]; v != nil {
			if s, ok := d.str(v, child(kp, "when")); ok {
				if strings.TrimSpace(s) == "" {
					d.add(v.off, child(kp, "when"), "empty condition", `write a CEL expression; "true" matches every call`)
				}
				r.When = s
			}
		} else {
			d.add(e.off, kp, `rule has no "when"`, `add a CEL condition; "when": "true" matches every call`)
		}
		if v := f["effect"]; v != nil {
			r.Effect, _ = d.oneOf(v, child(kp, "effect"), "allow", "deny", "approve")
		} else {
			d.add(e.off, kp, `rule has no "effect"`, `add "effect": "allow", "deny" or "approve"`)
		}
		if v := f["reason"]; v != nil {
			r.Reason, _ = d.str(v, child(kp, "reason"))
		}
		p.Rules = append(p.Rules, r)
	}
}

// serverKey checks a key of cemcp.expose or cemcp.servers: "*" or a
// configured server.
func (d *decoder) serverKey(m member, path string, cfg *Config) bool {
	if m.key == "*" {
		return true
	}
	if _, ok := cfg.Servers[m.key]; ok {
		return true
	}
	d.add(m.keyOff, child(path, m.key), fmt.Sprintf("server %q is not in mcpServers", m.key), serverFix(m.key, cfg))
	return false
}

// starFirst orders members so that "*" comes first (others inherit from it).
func starFirst(ms []member) []member {
	out := make([]member, 0, len(ms))
	for _, m := range ms {
		if m.key == "*" {
			out = append(out, m)
		}
	}
	for _, m := range ms {
		if m.key != "*" {
			out = append(out, m)
		}
	}
	return out
}

func (d *decoder) expose(n *node, path string, cfg *Config) {
	base := Expose{Mode: defaultExposeMode, Names: defaultExposeNames}
	for _, m := range starFirst(d.entries(n, path, `"code" or "passthrough"`)) {
		kp := child(path, m.key)
		if !d.serverKey(m, path, cfg) {
			continue
		}
		e := base
		switch m.val.kind {
		case kString:
			if mode, ok := d.oneOf(m.val, kp, "code", "passthrough"); ok {
				e.Mode = mode
			}
		case kObject:
			f := d.fields(m.val, kp, exposeKeys, nil)
			if v := f["mode"]; v != nil {
				if mode, ok := d.oneOf(v, child(kp, "mode"), "code", "passthrough"); ok {
					e.Mode = mode
				}
			}
			if v := f["names"]; v != nil {
				if names, ok := d.oneOf(v, child(kp, "names"), "prefixed", "original"); ok {
					e.Names = names
				}
			}
		default:
			d.typeErr(m.val, kp, `"code", "passthrough" or an object`, `write "passthrough", or {"mode": "passthrough", "names": "original"}`)
			continue
		}
		if m.key == "*" {
			base = e
		}
		cfg.Cemcp.Expose[m.key] = e
	}
}

func (d *decoder) serverOptions(n *node, path string, cfg *Config) {
	opts := map[string]serverOptions{}
	for _, m := range d.entries(n, path, `{"trust": "trusted"}`) {
		kp := child(path, m.key)
		if !d.serverKey(m, path, cfg) {
			continue
		}
		f := d.fields(m.val, kp, serverOptionKeys, nil)
		var o serverOptions
		if v := f["trust"]; v != nil {
			if t, ok := d.oneOf(v, child(kp, "trust"), "trusted", "untrusted"); ok {
				b := t == "trusted"
				o.trusted = &b
			}
		}
		if v := f["start_timeout_ms"]; v != nil {
			if x, ok := d.integer(v, child(kp, "start_timeout_ms"), 1, maxMillis); ok {
				t := ms(x)
				o.startTimeout = &t
			}
		}
		if v := f["call_timeout_ms"]; v != nil {
			if x, ok := d.integer(v, child(kp, "call_timeout_ms"), 1, maxMillis); ok {
				t := ms(x)
				o.callTimeout = &t
			}
		}
		opts[m.key] = o
	}
	star := opts["*"]
	for name, s := range cfg.Servers {
		own := opts[name]
		if v := firstSet(own.trusted, star.trusted); v != nil {
			s.Trusted = *v
		}
		if v := firstSet(own.startTimeout, star.startTimeout); v != nil {
			s.StartTimeout = *v
		}
		// The server's own "timeout" (Cline) beats the "*" entry.
		if own.callTimeout != nil {
			s.CallTimeout = *own.callTimeout
		} else if star.callTimeout != nil && !d.clineTimeout[name] {
			s.CallTimeout = *star.callTimeout
		}
	}
}

func firstSet[T any](vs ...*T) *T {
	for _, v := range vs {
		if v != nil {
			return v
		}
	}
	return nil
}

func (d *decoder) serve(n *node, path string, s *Serve) {
	f := d.fields(n, path, serveKeys, nil)
	if f == nil {
		return
	}
	if v := f["token"]; v != nil {
		kp := child(path, "token")
		if t, ok := d.str(v, kp); ok {
			s.Token, _ = d.expand(v, kp, t, false)
		}
	}
	if v := f["http"]; v != nil {
		kp := child(path, "http")
		if a, ok := d.str(v, kp); ok {
			a, ok = d.expand(v, kp, a, false)
			s.HTTP = a
			if ok && a != "" {
				if msg := checkAddr(a); msg != "" {
					d.add(v.off, kp, msg, `write host:port, e.g. "127.0.0.1:8080"`)
				} else if host, _, _ := net.SplitHostPort(a); !isLoopback(host) && s.Token == "" {
					d.add(v.off, kp, fmt.Sprintf("listening on %q, reachable from other machines, without a token", a),
						`set cemcp.serve.token (e.g. "${CEMCP_TOKEN}"), or listen on 127.0.0.1`)
				}
			}
		}
	}
	if v := f["allowed_origins"]; v != nil {
		kp := child(path, "allowed_origins")
		if list, ok := d.strList(v, kp); ok {
			for i, o := range list {
				if msg := checkOrigin(o); msg != "" {
					d.add(v.elems[i].off, index(kp, i), msg, `write scheme://host[:port], e.g. "https://app.example.com"`)
				}
			}
			s.AllowedOrigins = list
		}
	}
}

// checkOrigin validates an Origin value such as https://app.example.com.
func checkOrigin(o string) string {
	if o == "*" {
		return `"*" would accept every web page (DNS rebinding); list each origin`
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Sprintf("invalid origin %q", clip(o))
	}
	return ""
}

func (d *decoder) judge(n *node, path string, st *Settings) {
	f := d.fields(n, path, judgeKeys, nil)
	if f == nil {
		return
	}
	j := &Judge{Timeout: 20 * time.Second, Pre: true, Post: true}
	if v := f["provider"]; v != nil {
		j.Provider, _ = d.oneOf(v, child(path, "provider"), "openai", "anthropic")
	} else {
		d.add(n.off, path, "missing \"provider\"", `add "provider": "openai" (any Chat Completions compatible endpoint) or "anthropic"`)
	}
	if v := f["base_url"]; v != nil {
		kp := child(path, "base_url")
		if s, ok := d.str(v, kp); ok {
			j.BaseURL, _ = d.expand(v, kp, s, false)
		}
	}
	if v := f["model"]; v != nil {
		j.Model, _ = d.str(v, child(path, "model"))
	}
	if j.Model == "" {
		d.add(n.off, child(path, "model"), "missing model", `name the model, e.g. "model": "gpt-4.1-mini"`)
	}
	if v := f["api_key_env"]; v != nil {
		kp := child(path, "api_key_env")
		if s, ok := d.str(v, kp); ok {
			j.APIKeyEnv = s
			key, found := d.lookup(s)
			if !found && j.Provider == "anthropic" {
				d.add(v.off, kp, fmt.Sprintf("environment variable %s is not set", s), "export "+s+"=... before starting cemcp")
			}
			j.APIKey = key
		}
	}
	if v := f["timeout_ms"]; v != nil {
		if x, ok := d.integer(v, child(path, "timeout_ms"), 1, maxMillis); ok {
			j.Timeout = ms(x)
		}
	}
	if v := f["pre"]; v != nil {
		j.Pre, _ = d.boolean(v, child(path, "pre"))
	}
	if v := f["post"]; v != nil {
		j.Post, _ = d.boolean(v, child(path, "post"))
	}
	st.Judge = j
}
