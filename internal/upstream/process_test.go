package upstream

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScrubEnv(t *testing.T) {
	tests := []struct {
		name       string
		base       []string
		configured map[string]string
		want       []string
	}{
		{
			name: "only the allowlist passes",
			base: []string{"PATH=/bin", "HOME=/root", "AWS_SECRET_ACCESS_KEY=x", "GITHUB_TOKEN=y", "LANG=C.UTF-8", "TERM=xterm", "USER=me", "SSH_AUTH_SOCK=/s"},
			want: []string{"HOME=/root", "LANG=C.UTF-8", "PATH=/bin", "TERM=xterm", "USER=me"},
		},
		{
			name:       "configured values are added and win",
			base:       []string{"PATH=/bin", "HOME=/root"},
			configured: map[string]string{"PATH": "/opt/bin", "API_KEY": "k"},
			want:       []string{"API_KEY=k", "HOME=/root", "PATH=/opt/bin"},
		},
		{
			name: "unset stays unset; malformed entries are dropped",
			base: []string{"garbage", "PATHX=/nope", "=x"},
			want: []string{},
		},
		{
			name: "values may contain =",
			base: []string{"LANG=a=b"},
			want: []string{"LANG=a=b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, scrubEnv(tt.base, tt.configured)); diff != "" {
				t.Errorf("scrubEnv (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookCommand(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	noexec := filepath.Join(dir, "data")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noexec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, command, cwd, path string
		want, wantErr            string
	}{
		{name: "found on PATH", command: "tool", path: "/nonexistent:" + dir, want: exe},
		{name: "absolute", command: exe, want: exe},
		{name: "relative to cwd", command: "./tool", cwd: dir, want: exe},
		{name: "not on PATH", command: "foo", path: dir, wantErr: `command "foo" not found on PATH; install it or fix mcpServers.x.command`},
		{name: "not executable on PATH", command: "data", path: dir, wantErr: `command "data" not found on PATH`},
		{name: "missing path", command: "/no/such/bin", wantErr: `command "/no/such/bin": stat /no/such/bin: no such file or directory; fix mcpServers.x.command`},
		{name: "a directory", command: dir, wantErr: "is a directory"},
		{name: "empty", command: "", wantErr: "no command; set mcpServers.x.command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookCommand("x", tt.command, tt.cwd, tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("lookCommand = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestStdoutGuard(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantOut string // what passes before the error
		wantErr string // "" = no error
	}{
		{"json lines", "{\"a\":1}\n[1]\n", "{\"a\":1}\n[1]\n", ""},
		{"blank lines and indentation", "\n  {}\r\n\t[]\n", "\n  {}\r\n\t[]\n", ""},
		{"banner first", "hello\n{}\n", "", `non-JSON line on stdout: "hello"`},
		{"log line after a message", "{\"x\":\"y\\nz\"}\nINFO started\n{}\n", "{\"x\":\"y\\nz\"}\n", `"INFO started"`},
		{"braces inside a line do not count", "{\"a\":\"}\\nq\"}\n", "{\"a\":\"}\\nq\"}\n", ""},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			g := &stdoutGuard{server: "s", r: io.NopCloser(r), atStart: true}
			out, err := io.ReadAll(g)
			if string(out) != tt.wantOut {
				t.Errorf("%s (one byte %v): passed %q, want %q", tt.name, oneByte, out, tt.wantOut)
			}
			var pe *ProtocolError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s: err = %v", tt.name, err)
			case tt.wantErr != "" && (!errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%s: err = %v, want ProtocolError with %q", tt.name, err, tt.wantErr)
			case tt.wantErr != "" && g.Err() == nil:
				t.Errorf("%s: Err() = nil after a protocol error", tt.name)
			}
			// A guard that failed keeps failing.
			if tt.wantErr != "" {
				if n, err := g.Read(make([]byte, 8)); n != 0 || err == nil {
					t.Errorf("%s: Read after failure = %d, %v", tt.name, n, err)
				}
			}
		}
	}
}

// FuzzStdoutGuard checks the guard against a line-by-line model: it passes
// input through unchanged up to the first line whose first non-blank byte
// is not '{' or '[', and fails there.
func FuzzStdoutGuard(f *testing.F) {
	f.Add([]byte("{}\n[]\n"))
	f.Add([]byte("banner\n{}\n"))
	f.Add([]byte("  \r\n{\"a\":\"\\n\"}\nx"))
	f.Fuzz(func(t *testing.T, in []byte) {
		g := &stdoutGuard{server: "s", r: io.NopCloser(iotest.HalfReader(bytes.NewReader(in))), atStart: true}
		out, err := io.ReadAll(g)
		// Model.
		wantLen, bad := len(in), false
		atStart := true
		for i, b := range in {
			if !atStart {
				atStart = b == '\n'
				continue
			}
			switch b {
			case ' ', '\t', '\r', '\n':
			case '{', '[':
				atStart = false
			default:
				wantLen, bad = i, true
			}
			if bad {
				break
			}
		}
		if !bytes.Equal(out, in[:wantLen]) {
			t.Fatalf("passed %q, want %q", out, in[:wantLen])
		}
		if bad != (err != nil) {
			t.Fatalf("err = %v, want error %v", err, bad)
		}
	})
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 200 * time.Millisecond, max: 30 * time.Second}
	base := 200 * time.Millisecond
	for i := 0; i < 12; i++ {
		d := b.next()
		lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
		if d < lo || d > hi {
			t.Fatalf("step %d: %s not in [%s, %s]", i, d, lo, hi)
		}
		base = min(2*base, 30*time.Second)
	}
	b.reset()
	if d := b.next(); d > 240*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
}
