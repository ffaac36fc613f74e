package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Key lists. The docs test checks that docs/config.md names every one.
var (
	topKeys     = []string{"mcpServers", "servers", "inputs", "$schema", "cemcp"}
	topIgnored  = []string{"globalShortcut"} // Claude Desktop's own setting
	serverKeys  = []string{"command", "args", "env", "cwd", "type", "url", "headers", "disabled", "timeout", "envFile"}
	serverAlias = []string{"serverUrl"} // Windsurf's name for url
	// Keys other clients write that have no meaning for cemcp.
	serverIgnored = []string{"autoApprove", "alwaysAllow", "description", "dev", "gallery", "version"}

	cemcpKeys   = []string{"sandbox", "policy", "audit", "expose", "servers", "serve", "judge", "log_level"}
	sandboxKeys = []string{"mode", "timeout_ms", "max_timeout_ms", "max_output_bytes", "max_tool_calls",
		"max_concurrency", "max_call_depth", "memory_mb", "max_pids", "cpu_percent", "scratch_mb",
		"pool_size", "python", "runner"}
	policyKeys       = []string{"rules", "max_calls_per_run", "rate_limits", "approval_timeout_ms"}
	ruleKeys         = []string{"name", "when", "effect", "reason"}
	auditKeys        = []string{"enabled", "path"}
	exposeKeys       = []string{"mode", "names"}
	serverOptionKeys = []string{"trust", "start_timeout_ms", "call_timeout_ms"}
	serveKeys        = []string{"http", "token", "allowed_origins"}
	judgeKeys        = []string{"provider", "base_url", "model", "api_key_env", "timeout_ms", "pre", "post"}
)

// Upper bounds. They keep durations and byte counts far from overflow and
// catch unit mistakes (seconds written where milliseconds are expected is
// the opposite mistake, and is not caught).
const (
	maxMillis = 24 * 60 * 60 * 1000 // one day
	maxCount  = 1_000_000
)

// top decodes the top-level object.
func (d *decoder) top(n *node, cfg *Config) {
	if n.kind != kObject {
		d.add(n.off, "", fmt.Sprintf("the file must hold a JSON object, got %s", article(n.kind)), `write {"mcpServers": {...}}`)
		return
	}
	f := d.fields(n, "", topKeys, topIgnored)
	if f == nil {
		return
	}
	servers, key := f["mcpServers"], "mcpServers"
	if s := f["servers"]; s != nil {
		if servers != nil {
			d.add(s.off, "servers", `both "mcpServers" and "servers" are given`,
				`"servers" is VS Code's name for "mcpServers"; put every server under one of them`)
		} else {
			servers, key = s, "servers"
		}
	}
	if servers != nil {
		d.servers(servers, key, cfg)
	}
	if c := f["cemcp"]; c != nil {
		d.cemcp(c, "cemcp", cfg)
	}
}

// validName reports whether a server name may be used: it becomes part of
// qualified tool names (server.tool) and of TypeScript identifiers.
func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// renameFix proposes a valid name for an invalid one.
func renameFix(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_")
	if len(s) > 64 {
		s = s[:64]
	}
	if s == "" {
		s = "server1"
	}
	return fmt.Sprintf("rename it to %q (names may hold only letters, digits, _ and -, at most 64)", s)
}

// servers decodes mcpServers (or VS Code's servers).
func (d *decoder) servers(n *node, path string, cfg *Config) {
	for _, m := range d.entries(n, path, `{"command": "..."}`) {
		kp := child(path, m.key)
		if !validName(m.key) {
			msg := fmt.Sprintf("invalid server name %q", m.key)
			if m.key == "" {
				msg = "empty server name"
			}
			d.add(m.keyOff, kp, msg, renameFix(m.key))
			continue
		}
		if s := d.server(m.key, m.val, kp); s != nil {
			cfg.Servers[m.key] = s
		}
	}
}

// normType maps the transport names clients write to cemcp's.
func normType(t string) string {
	switch strings.ToLower(t) {
	case "stdio":
		return "stdio"
	case "http", "streamable-http", "streamablehttp", "streamable_http":
		return "http"
	case "sse":
		return "sse"
	}
	return ""
}

// server decodes one mcpServers entry.
func (d *decoder) server(name string, n *node, path string) *Server {
	known := append(append([]string(nil), serverKeys...), serverAlias...)
	if n.kind != kObject {
		d.typeErr(n, path, "an object", `write {"command": "...", "args": [...]} or {"url": "https://..."}`)
		return nil
	}
	before := len(d.errs)
	f := d.fields(n, path, known, serverIgnored)
	s := &Server{Name: name, StartTimeout: defaultStartTimeout, CallTimeout: defaultCallTimeout}

	if v := f["disabled"]; v != nil {
		s.Disabled, _ = d.boolean(v, child(path, "disabled"))
	}
	quiet := s.Disabled // a disabled server may name variables that are not set

	var typeNode, urlNode *node
	urlOK := true
	if v := f["type"]; v != nil {
		typeNode = v
		if t, ok := d.str(v, child(path, "type")); ok {
			s.Type = normType(t)
			if s.Type == "" {
				fix := `use "stdio", "http" or "sse"`
				if g := suggest(t, []string{"stdio", "http", "sse"}); g != "" {
					fix = fmt.Sprintf("did you mean %q? %s", g, fix)
				}
				d.add(v.off, child(path, "type"), fmt.Sprintf("unknown type %q", t), fix)
			}
		}
	}
	if v := f["command"]; v != nil {
		kp := child(path, "command")
		if c, ok := d.str(v, kp); ok {
			c, _ = d.expand(v, kp, c, quiet)
			s.Command = d.home(v, kp, c, quiet)
			if strings.TrimSpace(s.Command) == "" && !quiet {
				d.add(v.off, kp, "empty command", "write the program to start, e.g. \"npx\"")
			}
		}
	}
	if v := f["args"]; v != nil {
		kp := child(path, "args")
		if args, ok := d.strList(v, kp); ok {
			for i := range args {
				args[i], _ = d.expand(v.elems[i], index(kp, i), args[i], quiet)
			}
			s.Args = args
		}
	}
	if v := f["env"]; v != nil {
		kp := child(path, "env")
		if env, ok := d.strMap(v, kp, `"VALUE"`, envKeyCheck); ok {
			for _, m := range v.members {
				if val, ok := env[m.key]; ok {
					env[m.key], _ = d.expand(m.val, child(kp, m.key), val, quiet)
				}
			}
			s.Env = env
		}
	}
	if v := f["envFile"]; v != nil {
		d.add(v.off, child(path, "envFile"), `"envFile" is not supported`, `put the variables in "env" instead`)
	}
	if v := f["cwd"]; v != nil {
		kp := child(path, "cwd")
		if c, ok := d.str(v, kp); ok {
			c, _ = d.expand(v, kp, c, quiet)
			s.Cwd = d.home(v, kp, c, quiet)
		}
	}
	for _, k := range []string{"url", "serverUrl"} {
		v := f[k]
		if v == nil {
			continue
		}
		kp := child(path, k)
		if urlNode != nil {
			d.add(v.off, kp, `both "url" and "serverUrl" are given`, `keep only "url"`)
			continue
		}
		urlNode = v
		if u, ok := d.str(v, kp); ok {
			s.URL, urlOK = d.expand(v, kp, u, quiet)
		} else {
			urlOK = false
		}
	}
	if v := f["headers"]; v != nil {
		kp := child(path, "headers")
		if h, ok := d.strMap(v, kp, `"VALUE"`, headerKeyCheck); ok {
			for _, m := range v.members {
				if val, ok := h[m.key]; ok {
					h[m.key], _ = d.expand(m.val, child(kp, m.key), val, quiet)
				}
			}
			s.Headers = h
		}
	}
	if v := f["timeout"]; v != nil {
		// Cline writes "timeout" in seconds; it bounds one tool call.
		if secs, ok := d.integer(v, child(path, "timeout"), 1, maxMillis/1000); ok {
			s.CallTimeout = time.Duration(secs) * time.Second
			d.clineTimeout[name] = true
		}
	}

	if len(d.errs) > before {
		return s // field problems already reported; cross-field checks would only repeat them
	}
	if s.Type == "" && typeNode == nil {
		switch {
		case s.Command != "" && urlNode == nil:
			s.Type = "stdio"
		case urlNode != nil && f["command"] == nil:
			s.Type = "http"
		}
	}
	off := func(field string) int {
		switch field {
		case "type":
			if typeNode != nil {
				return typeNode.off
			}
		case "url":
			if urlNode != nil {
				return urlNode.off
			}
		case "command":
			if v := f["command"]; v != nil {
				return v.off
			}
		}
		return n.off
	}
	for _, p := range s.check(!urlOK) {
		kp := path
		if p.field != "" {
			kp = child(path, p.field)
		}
		d.add(off(p.field), kp, p.msg, p.fix)
	}
	return s
}

func envKeyCheck(k string) (string, string) {
	if k == "" || strings.ContainsAny(k, "=\x00") {
		return fmt.Sprintf("invalid environment variable name %q", k), "names may not be empty or hold = or NUL"
	}
	return "", ""
}

func headerKeyCheck(k string) (string, string) {
	if k == "" {
		return "empty header name", "write a header name such as \"Authorization\""
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return fmt.Sprintf("invalid header name %q", k), "header names are letters, digits and -"
		}
	}
	return "", ""
}

// fieldProblem is a problem with one field of a Server.
type fieldProblem struct {
	field    string // "" for the server as a whole
	msg, fix string
}

// check applies the cross-field rules to a decoded server. With skipURL
// set, the URL is not parsed (it holds unresolved variables).
func (s *Server) check(skipURL bool) []fieldProblem {
	var ps []fieldProblem
	add := func(field, msg, fix string) { ps = append(ps, fieldProblem{field, msg, fix}) }
	if !validName(s.Name) {
		add("", fmt.Sprintf("invalid server name %q", s.Name), renameFix(s.Name))
	}
	hasCmd, hasURL := s.Command != "", s.URL != ""
	switch {
	case hasCmd && hasURL:
		add("url", `both "command" and "url" are set`, `keep "command" for a local server or "url" for a remote one`)
		return ps
	case !hasCmd && !hasURL:
		add("", `no "command" or "url"`, `add "command" (a program to start) or "url" (a remote server)`)
		return ps
	}
	switch s.Type {
	case "stdio":
		if !hasCmd {
			add("type", `type "stdio" needs "command"`, `add "command", or use "type": "http" with "url"`)
		}
	case "http", "sse":
		if !hasURL {
			add("type", fmt.Sprintf("type %q needs \"url\"", s.Type), `add "url", or use "type": "stdio" with "command"`)
		} else if !skipURL {
			if msg := checkURL(s.URL); msg != "" {
				add("url", msg, `write a full address such as "https://example.com/mcp"`)
			}
		}
	case "":
		add("type", "missing type", `use "stdio", "http" or "sse"`)
	default:
		add("type", fmt.Sprintf("unknown type %q", s.Type), `use "stdio", "http" or "sse"`)
	}
	if s.StartTimeout < 0 || s.CallTimeout < 0 {
		add("", "negative timeout", "use a positive duration, or 0 for the default")
	}
	return ps
}

// checkURL returns a problem with an upstream URL, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("invalid URL %q", clip(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("URL %q must start with http:// or https://", clip(raw))
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Sprintf("URL %q has no host", clip(raw))
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("URL %q has an invalid port", clip(raw))
		}
	}
	return ""
}

// checkAddr validates a listen address host:port.
func checkAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("invalid listen address %q", addr)
	}
	_ = host
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("invalid port in %q", addr)
	}
	return ""
}

// isLoopback reports whether a listen host only accepts local connections.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
