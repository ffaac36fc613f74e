package sandbox

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// pyPrelude gives Python probes a raw syscall helper and a verdict
// printer: a probe prints BLOCKED when the attempt failed and ESCAPED when
// it worked.
const pyPrelude = `
import os, sys
def verdict(ok, what):
    print(("ESCAPED " if ok else "BLOCKED ") + str(what))
def attempt(fn, what):
    try:
        r = fn()
    except BaseException as e:
        verdict(False, f"{what}: {type(e).__name__}: {e}")
    else:
        verdict(True, f"{what}: {str(r)[:200]}")
def sc(nr, *args):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    r = libc.syscall(nr, *args)
    verdict(r != -1, f"syscall {nr} = {r}, errno {ctypes.get_errno()}")
`

// escapeEnv is what the probes try to reach on the host.
type escapeEnv struct {
	canary    string // path of a world-readable file with a secret
	secret    string // its content, and the value of a variable of the test's env
	writePath string // a host path a probe tries to create, in a world-writable dir
	port      int    // a TCP listener on 127.0.0.1
	accepted  *atomic.Int64
}

func newEscapeEnv(t *testing.T) *escapeEnv {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	e := &escapeEnv{secret: "cemcp-canary-" + strconv.FormatInt(time.Now().UnixNano(), 36), accepted: new(atomic.Int64)}
	e.canary = filepath.Join(dir, "canary.txt")
	if err := os.WriteFile(e.canary, []byte(e.secret), 0o644); err != nil {
		t.Fatal(err)
	}
	e.writePath = filepath.Join(dir, "escaped.txt")
	t.Setenv("CEMCP_TEST_SECRET", e.secret)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	e.port = ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.accepted.Add(1)
			c.Close()
		}
	}()
	return e
}

func (e *escapeEnv) expand(code string) string {
	return strings.NewReplacer("CANARY", e.canary, "WRITEPATH", e.writePath,
		"PORT", strconv.Itoa(e.port), "TESTPID", strconv.Itoa(os.Getpid())).Replace(code)
}

type escapeProbe struct {
	name string
	lang Language
	code string
	lim  Limits
	// want checks the response; nil means: a Python probe printed
	// BLOCKED and no ESCAPED, a JavaScript probe finished without leaking.
	want func(t *testing.T, r *Response)
}

func wantError(kind, limit string) func(t *testing.T, r *Response) {
	return func(t *testing.T, r *Response) {
		t.Helper()
		if r.Error == nil || r.Error.Kind != kind || r.Error.Limit != limit {
			t.Errorf("error %+v, want kind %q limit %q (output %.300q)", r.Error, kind, limit, r.Output)
		}
	}
}

func wantBlocked(t *testing.T, r *Response) {
	t.Helper()
	if strings.Contains(r.Output, "ESCAPED") || !strings.Contains(r.Output, "BLOCKED") {
		t.Errorf("probe was not blocked: error %+v, output:\n%s", r.Error, r.Output)
	}
}

var escapeProbes = []escapeProbe{
	// Files.
	{name: "read canary file", lang: Python, code: `attempt(lambda: open("CANARY").read(), "read canary")`},
	{name: "read /etc/shadow", lang: Python, code: `attempt(lambda: open("/etc/shadow").read(), "shadow")`},
	{name: "read /etc/passwd", lang: Python, code: `attempt(lambda: open("/etc/passwd").read(), "passwd")`},
	{name: "read /proc/1/environ", lang: Python, code: `attempt(lambda: open("/proc/1/environ").read(), "environ")`},
	{name: "read the gateway's environment", lang: Python, code: `verdict("CEMCP_TEST_SECRET" in os.environ or len(os.environ) > 3, dict(os.environ))`},
	{name: "list /proc", lang: Python, code: `attempt(lambda: os.listdir("/proc"), "proc")`},
	{name: "list /sys", lang: Python, code: `attempt(lambda: os.listdir("/sys"), "sys")`},
	{name: "list /home and /root", lang: Python, code: `attempt(lambda: os.listdir("/root") + os.listdir("/home"), "home")`},
	{name: "root holds only the runtime", lang: Python, code: `
try:
    extra = set(os.listdir("/")) - {"tmp", "usr", "lib", "lib64", "lib32", "libx32", "bin", "etc"}
except OSError as e:
    verdict(False, e)
else:
    verdict(bool(extra), extra)`},
	{name: "write the host path", lang: Python, code: `attempt(lambda: open("WRITEPATH", "w").write("x"), "write host path")`},
	{name: "write the root", lang: Python, code: `attempt(lambda: open("/evil", "w").write("x"), "write /")`},
	{name: "write /usr", lang: Python, code: `attempt(lambda: open("/usr/bin/python3", "a").write("x"), "write /usr")`},
	{name: "read /usr/bin through a traversal", lang: Python, code: `attempt(lambda: open("/tmp/../../CANARY").read(), "traversal")`},
	{name: "execute from scratch", lang: Python, code: `
open("/tmp/x", "w").write("#!/bin/sh\necho hi\n")
attempt(lambda: os.chmod("/tmp/x", 0o4755), "chmod setuid")
attempt(lambda: os.execv("/tmp/x", ["/tmp/x"]), "exec scratch")`},
	{name: "exec a shell", lang: Python, code: `attempt(lambda: os.execv("/bin/sh", ["sh", "-c", "echo hi"]), "exec sh")`},
	{name: "mknod a device", lang: Python, code: `attempt(lambda: os.mknod("/tmp/mem", 0o600 | 0o020000, os.makedev(1, 1)), "mknod")`},
	{name: "fill scratch", lang: Python, code: `
def fill():
    with open("/tmp/big", "wb") as f:
        for _ in range(64):
            f.write(b"x" * (1 << 20))
attempt(fill, "fill scratch")`},
	// Processes.
	{name: "fork", lang: Python, code: `attempt(lambda: os.fork(), "fork")`},
	{name: "fork bomb", lang: Python, code: `
def bomb():
    while True:
        os.fork()
attempt(bomb, "fork bomb")`},
	{name: "subprocess", lang: Python, code: `
import subprocess
attempt(lambda: subprocess.run(["/bin/echo", "hi"], capture_output=True), "subprocess")`},
	{name: "os.system", lang: Python, code: `verdict(os.system("echo hi") == 0, "system")`},
	{name: "posix_spawn", lang: Python, code: `attempt(lambda: os.posix_spawn("/bin/echo", ["echo"], {}), "posix_spawn")`},
	{name: "signal the parent", lang: Python, code: `attempt(lambda: os.kill(TESTPID, 0), "kill host pid"); attempt(lambda: os.kill(os.getppid() or 1, 9), "kill ppid")`},
	{name: "setuid root", lang: Python, code: `attempt(lambda: os.setuid(0), "setuid")`},
	// Network.
	{name: "connect to a host listener", lang: Python, code: `
import socket
attempt(lambda: socket.create_connection(("127.0.0.1", PORT), timeout=2), "tcp connect")`},
	{name: "dns", lang: Python, code: `
import socket
attempt(lambda: socket.getaddrinfo("example.com", 80), "dns")`},
	{name: "netlink socket", lang: Python, code: `
import socket
attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0), "netlink")`},
	{name: "unix socket", lang: Python, code: `
import socket
attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), "unix socket")`},
	// Kernel attack surface, by raw syscall through ctypes.
	{name: "ptrace attach", lang: Python, code: `sc(101, 16, 1, 0, 0)`},
	{name: "mount", lang: Python, code: `sc(165, b"none", b"/tmp", b"tmpfs", 0, 0)`},
	{name: "unshare user namespace", lang: Python, code: `sc(272, 0x10000000)`},
	{name: "setns", lang: Python, code: `sc(308, 0, 0)`},
	{name: "chroot", lang: Python, code: `sc(161, b"/tmp")`},
	{name: "bpf", lang: Python, code: `sc(321, 0, 0, 0)`},
	{name: "perf_event_open", lang: Python, code: `sc(298, 0, 0, -1, -1, 0)`},
	{name: "keyctl", lang: Python, code: `sc(250, 0, 0, 0, 0)`},
	{name: "io_uring_setup", lang: Python, code: `sc(425, 8, 0)`},
	{name: "kexec_load", lang: Python, code: `sc(246, 0, 0, 0, 0)`},
	{name: "clone with new namespaces", lang: Python, code: `sc(56, 0x10000000 | 0x20000000 | 17, 0, 0, 0, 0)`},
	{name: "sethostname", lang: Python, code: `sc(170, b"evil", 4)`},
	{name: "userfaultfd", lang: Python, code: `sc(323, 0)`},
	// The bridge.
	{name: "forged call with a repeated id", lang: Python, code: `
import __main__
__main__._send({"t": "call", "id": 7, "tool": "echo.say", "args": {}})
__main__._send({"t": "call", "id": 7, "tool": "echo.say", "args": {}})
import time; time.sleep(5)`, want: wantError("internal", "")},
	{name: "huge bridge frame", lang: Python, code: `os.write(3, b"\xff\xff\xff\xff" + b"x" * 1000); import time; time.sleep(5)`, want: wantError("internal", "")},
	{name: "runner sends a result", lang: Python, code: `
import __main__
__main__._send({"t": "result", "id": 1, "value": 1}); import time; time.sleep(5)`, want: wantError("internal", "")},
	{name: "call to an unknown tool", lang: Python, code: `
import __main__
__main__._send({"t": "call", "id": 99, "tool": "secret.admin", "args": {}})
r = __main__._recv()
verdict(r.get("tool_error") is None, r)`},
	// Resources.
	{name: "python memory bomb", lang: Python, code: `x = b"x" * (1 << 30)`, want: wantError("limit", "memory")},
	{name: "python infinite loop", lang: Python, code: `while True: pass`, lim: Limits{Timeout: time.Second}, want: wantError("timeout", "time")},
	{name: "python deep recursion", lang: Python, code: "def f(n):\n    return f(n + 1)\nf(0)", want: wantError("limit", "stack")},
	{name: "python 50 MB output", lang: Python, code: `
for _ in range(50000):
    print("x" * 1000)`, want: func(t *testing.T, r *Response) {
		if !r.Truncated || len(r.Output) > 64<<10 {
			t.Errorf("truncated %v, %d bytes of output", r.Truncated, len(r.Output))
		}
	}},
	{name: "js infinite loop", lang: JavaScript, code: `while (true) {}`, lim: Limits{Timeout: time.Second}, want: wantError("timeout", "time")},
	{name: "js memory bomb", lang: JavaScript, code: `const a = []; while (true) a.push("x".repeat(1 << 16) + a.length);`, want: func(t *testing.T, r *Response) {
		if r.Error == nil || (r.Error.Limit != "memory" && r.Error.Limit != "time") {
			t.Errorf("error %+v, want a memory (or time) limit", r.Error)
		}
	}},
	{name: "js deep recursion", lang: JavaScript, code: `function f(n) { return f(n + 1) + 1; } return f(0);`, want: wantError("limit", "stack")},
	{name: "js 50 MB output", lang: JavaScript, code: `for (let i = 0; i < 50000; i++) console.log("x".repeat(1000));`, want: func(t *testing.T, r *Response) {
		if !r.Truncated || len(r.Output) > 64<<10 {
			t.Errorf("truncated %v, %d bytes of output", r.Truncated, len(r.Output))
		}
	}},
	{name: "js 10000 tool calls", lang: JavaScript, code: `for (let i = 0; i < 10000; i++) await tools.echo.say({i});`, want: func(t *testing.T, r *Response) {
		if r.Error == nil || r.Error.Kind != "limit" || r.ToolCalls > 1000 {
			t.Errorf("error %+v after %d calls, want a calls limit at 1000", r.Error, r.ToolCalls)
		}
	}},
	{name: "js flood of unresolved promises", lang: JavaScript, code: `for (let i = 0; i < 100000; i++) new Promise(() => {}); await new Promise(() => {});`, lim: Limits{Timeout: 2 * time.Second}, want: func(t *testing.T, r *Response) {
		if r.Error == nil {
			t.Errorf("a program waiting forever finished without error: %+v", r)
		}
	}},
	{name: "js constructor.constructor", lang: JavaScript, code: `return (function(){}).constructor.constructor("return this")().process;`, want: func(t *testing.T, r *Response) {
		if r.Error == nil || string(r.Result) != "" {
			t.Errorf("Function constructor reached: result %s, error %+v", r.Result, r.Error)
		}
	}},
	{name: "js prototype pollution of tools", lang: JavaScript, code: `
try { tools.echo.say = () => "forged"; } catch (e) {}
try { Object.prototype.say = () => "polluted"; } catch (e) {}
const r = await tools.echo.say({});
return r.tool;`, want: func(t *testing.T, r *Response) {
		if string(r.Result) != `"echo.say"` {
			t.Errorf("tools were replaced: result %s, error %+v", r.Result, r.Error)
		}
	}},
	{name: "js host bindings", lang: JavaScript, code: `return [typeof require, typeof process, typeof fetch, typeof Deno, typeof eval].join(",");`, want: func(t *testing.T, r *Response) {
		if s := string(r.Result); strings.Contains(s, "function") || strings.Contains(s, "object") {
			t.Errorf("host bindings present: %s (%+v)", s, r.Error)
		}
	}},
}

// TestEscapeProbes runs every attack and asserts that its effect did not
// happen, that nothing of the run is left behind, and that the jail still
// works afterwards.
func TestEscapeProbes(t *testing.T) {
	j := newTestJail(t, JailConfig{PoolSize: 1, PythonPoolSize: 1, MemoryBytes: 128 << 20})
	if j.python == "" {
		if os.Getenv("CEMCP_REQUIRE_SANDBOX") == "1" {
			t.Fatalf("CEMCP_REQUIRE_SANDBOX=1 but %s", j.noPy)
		}
		t.Log("Python probes skipped: " + j.noPy)
	}
	env := newEscapeEnv(t)
	for _, p := range escapeProbes {
		t.Run(p.name, func(t *testing.T) {
			if p.lang == Python && j.python == "" {
				t.Skip(j.noPy)
			}
			code := env.expand(p.code)
			if p.lang == Python {
				code = pyPrelude + code
			}
			r := run(t, j, p.lang, code, p.lim)
			t.Logf("error %+v, %d calls, output %.600s", r.Error, r.ToolCalls, r.Output)
			if p.want != nil {
				p.want(t, r)
			} else if p.lang == Python {
				wantBlocked(t, r)
			}
			if strings.Contains(r.Output+string(r.Result), env.secret) {
				t.Errorf("the secret leaked: %.500s", r.Output)
			}
			if _, err := os.Stat(env.writePath); err == nil {
				t.Fatalf("the probe created %s on the host", env.writePath)
			}
			if n := env.accepted.Load(); n != 0 {
				t.Fatalf("the host listener accepted %d connections", n)
			}
			assertNothingLeft(t, j)
			if r := run(t, j, JavaScript, `return 1 + 1`, Limits{}); r.Error != nil || string(r.Result) != "2" {
				t.Fatalf("the next run failed: %+v %s", r.Error, r.Result)
			}
		})
	}
}

// assertNothingLeft checks that only the warm pool's runners are alive: no
// process of a finished run and no cgroup of one remain.
func assertNothingLeft(t *testing.T, j *Jail) {
	t.Helper()
	// Let the fillers finish the replacements they may be starting, and
	// the background teardown of the last run finish ("shortly after").
	deadline := time.Now().Add(10 * time.Second)
	for _, pl := range []*pool{j.pool, j.pyPool} {
		for pl != nil && pl.warm() < cap(pl.ready) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	reaped := make(chan struct{})
	go func() { j.reaping.Wait(); close(reaped) }()
	select {
	case <-reaped:
	case <-time.After(10 * time.Second):
		t.Error("the background teardown of the last run did not finish within 10 s")
	}
	// A cgroup of this process is either a live runner's or a clean one
	// kept for reuse, which must hold no process.
	j.mu.Lock()
	live := make(map[string]bool)
	cgLive := make(map[string]bool)
	for p := range j.live {
		live[p.name] = true
		if p.cg != nil {
			for _, dir := range p.cg.dirs {
				cgLive[dir] = true
			}
		}
	}
	j.mu.Unlock()
	if j.cg != nil {
		kept := make(map[string]bool)
		j.cg.mu.Lock()
		for _, g := range j.cg.free {
			for _, dir := range g.dirs {
				kept[dir] = true
			}
		}
		j.cg.mu.Unlock()
		for _, parent := range j.cg.parents {
			entries, _ := os.ReadDir(parent)
			for _, e := range entries {
				// Only this process's runs: other processes on a shared
				// machine may run jails under the same parents.
				mine := strings.HasPrefix(e.Name(), "r"+strconv.Itoa(os.Getpid())+"-")
				dir := filepath.Join(parent, e.Name())
				switch {
				case !e.IsDir() || !mine || cgLive[dir]:
				case kept[dir]:
					if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); len(procs) > 0 {
						t.Errorf("cgroup %s kept for reuse holds processes %q", dir, procs)
					}
				default:
					t.Errorf("cgroup %s left behind", dir)
				}
			}
		}
	}
	if n := jailProcesses(t, j); n > len(live) {
		t.Errorf("%d jail processes alive, want at most %d (the warm pool)", n, len(live))
	}
}

// jailProcesses counts host processes running as the jail's host uids
// that descend from this test process (other processes on a shared machine
// may run jails too), but the spawners of a Jail that is open (a confining
// spawner runs as the jail's uid too).
func jailProcesses(t testing.TB, j *Jail) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	spawners := map[int]bool{}
	j.mu.Lock()
	if !j.closed {
		for _, s := range []*spawner{j.spawner, j.pySpawner} {
			if s != nil { // alive, or dead and being reaped
				spawners[s.cmd.Process.Pid] = true
			}
		}
	}
	j.mu.Unlock()
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat("/proc/"+e.Name(), &st) != nil {
			continue
		}
		if (int(st.Uid) == j.cfg.HostUID || int(st.Uid) == j.cfg.HostUID-1) && !spawners[pid] && descendsFromUs(pid) {
			n++
		}
	}
	return n
}

// descendsFromUs reports whether pid's ancestry reaches this process.
func descendsFromUs(pid int) bool {
	for i := 0; i < 64 && pid > 1; i++ {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return false
		}
		// The command may contain spaces and parentheses: ppid follows
		// the last ')'.
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 {
			return false
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil {
			return false
		}
		if ppid == os.Getpid() {
			return true
		}
		pid = ppid
	}
	return false
}

// TestJailCredentials reads the credentials of every thread of a confined
// runner from the host: no capability in any set but the bounding set
// (emptied only on the thread that may exec, see design/jail.md),
// no_new_privs and a seccomp filter everywhere, the unprivileged host uid.
// The Python runner, which exec'd CPython from that thread, must have an
// empty bounding set on every thread: nothing it runs can gain a
// capability at exec.
func TestJailCredentials(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	langs := []bool{false}
	if j.python != "" {
		langs = append(langs, true)
	}
	for _, python := range langs {
		p, err := j.spawn(t.Context(), python)
		if err != nil {
			t.Fatal(err)
		}
		pid := p.pid
		tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
		if err != nil || len(tasks) == 0 {
			p.kill()
			t.Fatalf("threads of %d: %v", pid, err)
		}
		for _, task := range tasks {
			data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", task.Name(), "status"))
			if err != nil {
				t.Fatal(err)
			}
			st := map[string]string{}
			for _, line := range strings.Split(string(data), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok {
					st[k] = strings.TrimSpace(v)
				}
			}
			want := map[string]string{
				"CapInh": "0000000000000000", "CapPrm": "0000000000000000",
				"CapEff": "0000000000000000", "CapAmb": "0000000000000000",
				"NoNewPrivs": "1", "Seccomp": "2",
				"Uid": strings.Repeat(strconv.Itoa(j.cfg.HostUID)+"\t", 3) + strconv.Itoa(j.cfg.HostUID),
				"Gid": strings.Repeat(strconv.Itoa(j.cfg.HostGID)+"\t", 3) + strconv.Itoa(j.cfg.HostGID),
			}
			if python || j.spawner != nil && j.spawner.born {
				want["CapBnd"] = "0000000000000000"
			}
			for k, v := range want {
				if st[k] != v {
					t.Errorf("python=%v thread %s: %s = %q, want %q", python, task.Name(), k, st[k], v)
				}
			}
		}
		p.kill()
	}
}
