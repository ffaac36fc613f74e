package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cemcp/cemcp/internal/config"
)

// passEnv are the only variables of the gateway's environment that a
// spawned server inherits. Everything else (tokens, cloud credentials,
// SSH agents) stays behind; a server that needs a value gets it through
// its configured env.
var passEnv = []string{"PATH", "HOME", "LANG", "TERM", "USER"}

// scrubEnv builds the environment of a spawned server: the passEnv
// variables of base that are set, then the configured ones (which win).
func scrubEnv(base []string, configured map[string]string) []string {
	vals := map[string]string{}
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		for _, p := range passEnv {
			if k == p {
				vals[k] = v
			}
		}
	}
	for k, v := range configured {
		vals[k] = v
	}
	env := make([]string, 0, len(vals))
	for k, v := range vals {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// lookCommand resolves the configured command the way the server's own
// PATH would, with an error that says what to do about it.
func lookCommand(server, command, cwd, path string) (string, error) {
	if command == "" {
		return "", fmt.Errorf("no command; set mcpServers.%s.command", server)
	}
	if strings.ContainsRune(command, '/') {
		p := command
		if !filepath.IsAbs(p) && cwd != "" {
			p = filepath.Join(cwd, p)
		}
		if err := isExecutable(p); err != nil {
			return "", fmt.Errorf("command %q: %w; fix mcpServers.%s.command", command, err, server)
		}
		return p, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, command)
		if isExecutable(p) == nil {
			if !filepath.IsAbs(p) {
				if abs, err := filepath.Abs(p); err == nil {
					p = abs
				}
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q not found on PATH; install it or fix mcpServers.%s.command", command, server)
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("is a directory")
	}
	if fi.Mode()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}

// process is one spawned stdio server: the leader of its own process group,
// so that wrappers (npx, uvx, sh -c) and everything they start can be
// killed together.
type process struct {
	server string
	cmd    *exec.Cmd
	pgid   int
	stdin  *os.File // our write end of its stdin
	stdout *os.File // our read end of its stdout
	guard  *stdoutGuard

	exited  chan struct{} // closed when Wait returned
	waitErr error         // valid once exited is closed

	stderr     *os.File
	stderrDone chan struct{}
	tail       lineRing
	log        *slog.Logger
}

// startProcess spawns the server. It does not bind the process to a
// context: the process lives until stop.
func startProcess(server string, cfg *config.Server, baseEnv []string, log *slog.Logger) (_ *process, err error) {
	env := scrubEnv(baseEnv, cfg.Env)
	path, err := lookCommand(server, cfg.Command, cfg.Cwd, envValue(env, "PATH"))
	if err != nil {
		return nil, err
	}
	if cfg.Cwd != "" {
		if fi, err := os.Stat(cfg.Cwd); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("working directory %q does not exist; fix mcpServers.%s.cwd", cfg.Cwd, server)
		}
	}
	var files []*os.File
	defer func() {
		if err != nil {
			for _, f := range files {
				f.Close()
			}
		}
	}()
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return r, w, err
	}
	inR, inW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("stdin pipe: %w", err)
	}
	outR, outW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	cmd := &exec.Cmd{
		Path:        path,
		Args:        append([]string{cfg.Command}, cfg.Args...),
		Env:         env,
		Dir:         cfg.Cwd,
		Stdin:       inR,
		Stdout:      outW,
		Stderr:      errW,
		SysProcAttr: sysProcAttr(),
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.Command, err)
	}
	// The child has its copies; ours of its ends would keep the pipes open.
	inR.Close()
	outW.Close()
	errW.Close()
	p := &process{
		server:     server,
		cmd:        cmd,
		pgid:       cmd.Process.Pid,
		stdin:      inW,
		stdout:     outR,
		guard:      &stdoutGuard{server: server, r: outR, atStart: true},
		exited:     make(chan struct{}),
		stderr:     errR,
		stderrDone: make(chan struct{}),
		log:        log,
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	go p.readStderr()
	return p, nil
}

// signal sends sig to the whole process group.
func (p *process) signal(sig syscall.Signal) {
	if err := syscall.Kill(-p.pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		p.log.Debug("signal process group", "pgid", p.pgid, "signal", sig, "error", err)
	}
}

// stop ends the server and everything in its process group. With grace > 0
// it first closes stdin and waits up to grace for the server to exit (the
// MCP stdio shutdown), then sends SIGTERM and waits grace/2 more. It always
// ends with SIGKILL to the group, so grandchildren that outlive the leader
// die too.
func (p *process) stop(grace time.Duration) {
	p.stdin.Close()
	if grace > 0 {
		select {
		case <-p.exited:
		case <-time.After(grace):
			p.signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(grace / 2):
			}
		}
	}
	p.signal(syscall.SIGKILL)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.log.Warn("server process did not exit after SIGKILL", "pid", p.pgid)
	}
	// SIGKILL is delivered asynchronously: wait until the rest of the group
	// is gone too, so that "stopped" means it.
	for deadline := time.Now().Add(2 * time.Second); groupAlive(p.pgid); {
		if time.Now().After(deadline) {
			p.log.Warn("process group still alive after SIGKILL", "pgid", p.pgid)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A process that left the group may still hold stderr; don't wait for it.
	select {
	case <-p.stderrDone:
	case <-time.After(time.Second):
		p.stderr.Close()
		<-p.stderrDone
	}
	p.stdout.Close()
}

// exitDescription says how the process ended, for error messages.
func (p *process) exitDescription() string {
	select {
	case <-p.exited:
	default:
		return "running"
	}
	// The process is gone, but its last stderr line may still be on its
	// way through the reader: wait for the pipe's end, a little (a
	// grandchild that left the group may hold it open).
	select {
	case <-p.stderrDone:
	case <-time.After(200 * time.Millisecond):
	}
	s := "exited"
	if p.waitErr != nil {
		s = p.waitErr.Error()
	} else {
		s = "exited with status 0"
	}
	if last := p.tail.last(); last != "" {
		s += fmt.Sprintf("; last stderr line: %q", last)
	}
	return s
}

const (
	maxStderrLine      = 4096 // longer lines are truncated
	maxStderrPerSecond = 200  // lines logged per second; the rest are counted
)

// readStderr logs the server's stderr line by line at debug level, bounded
// in line length and rate, and keeps the last lines for error messages.
func (p *process) readStderr() {
	defer close(p.stderrDone)
	br := bufio.NewReaderSize(p.stderr, maxStderrLine)
	var (
		window  time.Time
		n       int
		dropped int
	)
	for {
		line, err := br.ReadSlice('\n')
		truncated := false
		if errors.Is(err, bufio.ErrBufferFull) {
			truncated = true
			// Discard the rest of the line.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if len(line) > 0 {
			s := strings.TrimRight(string(line), "\r\n")
			if truncated {
				s += " [truncated]"
			}
			p.tail.add(s)
			now := time.Now()
			if now.Sub(window) >= time.Second {
				if dropped > 0 {
					p.log.Debug("stderr lines dropped", "count", dropped)
				}
				window, n, dropped = now, 0, 0
			}
			if n < maxStderrPerSecond {
				n++
				p.log.Debug("stderr", "line", s)
			} else {
				dropped++
			}
		}
		if err != nil {
			if dropped > 0 {
				p.log.Debug("stderr lines dropped", "count", dropped)
			}
			return
		}
	}
}

// lineRing keeps the last few lines of a stream.
type lineRing struct {
	mu    sync.Mutex
	lines [8]string
	n     int
}

func (r *lineRing) add(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	r.mu.Lock()
	r.lines[r.n%len(r.lines)] = s
	r.n++
	r.mu.Unlock()
}

func (r *lineRing) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return ""
	}
	return r.lines[(r.n-1)%len(r.lines)]
}

// stdoutGuard passes a stdio server's stdout through and fails with a
// ProtocolError at the first line that cannot be a JSON-RPC message (one
// that does not start with '{' or '['), such as a banner or a log line.
// It looks at one byte per line, so it costs nothing measurable.
type stdoutGuard struct {
	server  string
	r       io.ReadCloser
	atStart bool

	mu  sync.Mutex
	err error
}

func (g *stdoutGuard) Read(p []byte) (int, error) {
	if err := g.Err(); err != nil {
		return 0, err
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; i++ {
		b := p[i]
		if !g.atStart {
			if b == '\n' {
				g.atStart = true
			}
			continue
		}
		switch b {
		case ' ', '\t', '\r', '\n':
		case '{', '[':
			g.atStart = false
		default:
			perr := &ProtocolError{Server: g.server, Detail: fmt.Sprintf(
				"non-JSON line on stdout: %q (a stdio server must write only JSON-RPC messages to stdout; logs belong on stderr)",
				g.snippet(p[i:n]))}
			g.mu.Lock()
			g.err = perr
			g.mu.Unlock()
			return i, perr
		}
	}
	return n, err
}

const maxSnippet = 200

// snippet returns the offending line for the error message: what was read,
// completed from the pipe up to its newline, maxSnippet bytes or 100 ms.
func (g *stdoutGuard) snippet(got []byte) string {
	line := append([]byte(nil), got...)
	if f, ok := g.r.(interface{ SetReadDeadline(time.Time) error }); ok && f.SetReadDeadline(time.Now().Add(100*time.Millisecond)) == nil {
		defer f.SetReadDeadline(time.Time{})
	}
	buf := make([]byte, maxSnippet)
	for !bytes.ContainsRune(line, '\n') && len(line) < maxSnippet {
		n, err := g.r.Read(buf[:maxSnippet-len(line)])
		line = append(line, buf[:n]...)
		if err != nil {
			break
		}
	}
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.TrimRight(string(line), "\r")
}

// Close closes the pipe, which ends a Read blocked on it.
func (g *stdoutGuard) Close() error { return g.r.Close() }

// Err returns the protocol error seen, if any.
func (g *stdoutGuard) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}
