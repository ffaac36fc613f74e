// Package config loads cemcp's configuration file: the mcpServers format
// that Claude Desktop, Cursor, Cline, Windsurf and VS Code write, plus a
// cemcp section. A user can point cemcp at the file their client already
// uses. The user-facing reference is docs/config.md; this comment is the
// same reference, in short.
//
// # Entry points
//
// Load reads a file (a leading ~ is the home directory), Parse does the
// same from bytes, and Default returns the configuration of `cemcp demo`
// (no servers, every default). Problems are *Error values carrying the
// file, line, column, key path, message and fix; several problems are
// joined with errors.Join, sorted by position (at most 50). Errors
// returns them all:
//
//	config.json:12:5: mcpServers.weather.args[1]: expected a string, got number (fix: write it in quotes: "3")
//
// # File format
//
// JSON, with what VS Code's mcp.json also allows: a leading UTF-8 byte
// order mark, // and /* */ comments, and trailing commas. Duplicate keys
// are errors (encoding/json would keep the last silently).
//
// Top-level keys:
//
//	mcpServers  object  upstream servers by name (Claude Desktop, Cursor, Cline)
//	servers     object  VS Code's name for mcpServers; giving both is an error
//	inputs      any     VS Code prompts; ignored (${input:...} is an error)
//	$schema     any     ignored
//	cemcp       object  cemcp's own settings, below
//
// Claude Desktop's globalShortcut is also ignored. Any other key is an
// error with a did-you-mean suggestion and the list of valid keys.
//
// # Servers
//
// A server name may hold only letters, digits, _ and - (at most 64), since
// it becomes part of qualified tool names (server.tool) and of code
// identifiers. Keys of an entry:
//
//	command   string    program to start (stdio); ~ is expanded
//	args      string[]  its arguments
//	env       object    variables added to the scrubbed environment (string values)
//	cwd       string    working directory; ~ is expanded
//	type      string    "stdio", "http" (Streamable HTTP) or "sse"; "streamable-http"
//	                    and "streamableHttp" mean "http"; default: "stdio" with
//	                    command, "http" with url
//	url       string    http:// or https:// address (http, sse); Windsurf's
//	                    serverUrl is accepted as an alias
//	headers   object    HTTP headers (string values)
//	disabled  bool      listed but never started (default false)
//	timeout   number    seconds for one tool call (Cline); sets CallTimeout
//	envFile   -         not supported: an error telling to use env
//
// autoApprove, alwaysAllow, description, dev, gallery and version are
// written by other clients and ignored. Exactly one of command and url
// must be given, and type must agree with it.
//
// # Variables
//
// command, args, env values, cwd, url, header values, and the cemcp
// fields serve.http, serve.token, audit.path, sandbox.python and
// sandbox.runner expand:
//
//	${VAR} ${env:VAR}            value of VAR; an error when VAR is unset
//	${VAR:-text} ${env:VAR:-text} value of VAR, or text when unset or empty
//	$$                           a literal $ (any other $ is kept as is)
//
// Only the variables named are read. In a disabled server unset variables
// are not errors: the text is kept as written. ${input:...} and other
// VS Code ${prefix:...} forms are errors with a fix.
//
// # The cemcp section
//
// Defaults (Milliseconds are written _ms; sizes in MiB are _mb):
//
//	sandbox.mode              "jail" on Linux, else "inprocess"   "jail" | "inprocess"
//	sandbox.timeout_ms        30000      1..86400000, at most max_timeout_ms
//	sandbox.max_timeout_ms    300000     1..86400000
//	sandbox.max_output_bytes  65536      1..1073741824
//	sandbox.max_tool_calls    1000       1..1000000
//	sandbox.max_concurrency   8          1..1024
//	sandbox.max_call_depth    1000       1..1000000
//	sandbox.memory_mb         256        1..1048576
//	sandbox.max_pids          32         1..65536
//	sandbox.cpu_percent       100        1..10000 (100 = one core)
//	sandbox.scratch_mb        16         1..1048576
//	sandbox.pool_size         2          0..64
//	sandbox.python            ""         python3 path; "" = look it up
//	sandbox.runner            ""         cemcp-runner path; "" = beside cemcp, then PATH
//	policy.rules              []         [{name, when (CEL), effect: allow|deny|approve, reason}]
//	policy.max_calls_per_run  0          0..1000000; 0 = sandbox.max_tool_calls
//	policy.rate_limits        {}         "server.tool" | "server.*" | "*" -> calls per minute (1..1000000)
//	policy.approval_timeout_ms 120000    1..86400000
//	audit.enabled             true
//	audit.path                $XDG_STATE_HOME/cemcp/audit.db, else ~/.local/state/cemcp/audit.db
//	expose.NAME | expose.*    "code"     "code" | "passthrough" | {"mode": ..., "names": "prefixed"|"original"}
//	servers.NAME | servers.*  untrusted  {"trust": "trusted"|"untrusted", "start_timeout_ms": 30000, "call_timeout_ms": 60000}
//	judge                     off        {"provider": "openai"|"anthropic", "base_url", "model", "api_key_env", "timeout_ms": 20000, "pre": true, "post": true}
//	serve.http                ""         host:port for Streamable HTTP; "" = stdio
//	serve.token               ""         bearer token required over HTTP
//	serve.allowed_origins     []         extra Origin values (scheme://host[:port]; "*" is refused)
//	log_level                 "info"     debug | info | warn | error
//
// Entries of expose and servers that name a server not in mcpServers are
// errors; a named entry inherits unset fields from the "*" entry. A call
// timeout comes from cemcp.servers.NAME, else the entry's own timeout,
// else cemcp.servers.*, else 60 s. serve.http on an address other than
// loopback requires serve.token. Unknown keys anywhere in the section are
// errors with a did-you-mean suggestion; numbers outside their range are
// errors naming the range.
package config
