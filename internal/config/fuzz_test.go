package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a *Error
// with a position inside the input, and that a Config it accepts keeps
// the rules (valid names, command xor url, a known type).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"mcpServers": {"a": {"command": "${A:-x}", "args": ["$$", "${env:B}"]}}}`))
	f.Add([]byte("\ufeff/* c */ {\"servers\": {},}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.json", lookupIn(testEnv))
		if err != nil {
			if cfg != nil {
				t.Fatal("Config returned with an error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not a *Error: %T %v", err, err)
			}
			for _, e := range Errors(err) {
				if e.Line < 0 || e.Col < 0 || e.Msg == "" {
					t.Fatalf("bad error: %#v", e)
				}
			}
			if _, err2 := Parse(data, "fuzz.json", lookupIn(testEnv)); err2 == nil || err2.Error() != err.Error() {
				t.Fatalf("not deterministic: %v / %v", err, err2)
			}
			return
		}
		for name, s := range cfg.Servers {
			if name != s.Name || !validName(name) {
				t.Fatalf("bad server name %q", name)
			}
			if (s.Command == "") == (s.URL == "") {
				t.Fatalf("server %q: command %q url %q", name, s.Command, s.URL)
			}
			switch s.Type {
			case "stdio", "http", "sse":
			default:
				t.Fatalf("server %q: type %q", name, s.Type)
			}
			if !s.Disabled {
				if err := s.Validate(); err != nil {
					t.Fatalf("accepted server fails Validate: %v", err)
				}
			}
		}
		sb := cfg.Cemcp.Sandbox
		if sb.Timeout <= 0 || sb.Timeout > sb.MaxTimeout || sb.MemoryBytes <= 0 || sb.MaxToolCalls <= 0 {
			t.Fatalf("bad sandbox settings %+v", sb)
		}
		if cfg.Cemcp.Policy.MaxCallsPerRun <= 0 {
			t.Fatalf("MaxCallsPerRun = %d", cfg.Cemcp.Policy.MaxCallsPerRun)
		}
	})
}
