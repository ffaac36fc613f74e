package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testEnv is the environment the golden tests expand variables from.
var testEnv = map[string]string{
	"HOME":               "/home/test",
	"GITHUB_TOKEN":       "ghp_test",
	"API_TOKEN":          "tok123",
	"TOKEN":              "t0k",
	"CEMCP_TOKEN":        "s3cret",
	"PERPLEXITY_API_KEY": "pplx",
	"EMPTY":              "",
}

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// dump renders a Config as sorted "key = value" lines.
func dump(c *Config) string {
	var lines []string
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		if v.Type() == reflect.TypeOf(time.Duration(0)) {
			lines = append(lines, fmt.Sprintf("%s = %s", prefix, time.Duration(v.Int())))
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				lines = append(lines, prefix+" = nil")
				return
			}
			walk(prefix, v.Elem())
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if !v.Type().Field(i).IsExported() {
					continue
				}
				walk(prefix+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Map:
			keys := v.MapKeys()
			sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
			if len(keys) == 0 {
				lines = append(lines, prefix+" = {}")
			}
			for _, k := range keys {
				walk(fmt.Sprintf("%s[%q]", prefix, k.String()), v.MapIndex(k))
			}
		case reflect.Slice:
			if v.IsNil() {
				lines = append(lines, prefix+" = nil")
				return
			}
			if v.Len() == 0 {
				lines = append(lines, prefix+" = []")
			}
			for i := 0; i < v.Len(); i++ {
				walk(fmt.Sprintf("%s[%d]", prefix, i), v.Index(i))
			}
		case reflect.String:
			lines = append(lines, fmt.Sprintf("%s = %q", prefix, v.String()))
		default:
			lines = append(lines, fmt.Sprintf("%s = %v", prefix, v.Interface()))
		}
	}
	walk("Config", reflect.ValueOf(c))
	return strings.Join(lines, "\n") + "\n"
}

func TestValidFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) < 5 {
		t.Fatalf("found only %d valid test files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(data, filepath.Base(f), lookupIn(testEnv))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkGolden(t, strings.TrimPrefix(strings.TrimSuffix(f, ".json")+".golden", "testdata/"), dump(cfg))
		})
	}
}

func TestInvalidFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) < 20 {
		t.Fatalf("found only %d invalid test files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(data, filepath.Base(f), lookupIn(testEnv))
			if err == nil {
				t.Fatalf("Parse succeeded: %s", dump(cfg))
			}
			if cfg != nil {
				t.Errorf("Parse returned a Config with an error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not a *Error: %T %v", err, err)
			}
			all := Errors(err)
			for _, e := range all {
				if e.Line == 0 || e.Col == 0 {
					t.Errorf("error without a position: %v", e)
				}
				if e.File != filepath.Base(f) {
					t.Errorf("error names file %q", e.File)
				}
			}
			if got := len(strings.Split(err.Error(), "\n")); got != len(all) {
				t.Errorf("Errors returned %d, the message has %d lines", len(all), got)
			}
			checkGolden(t, strings.TrimPrefix(strings.TrimSuffix(f, ".json")+".golden", "testdata/"), err.Error()+"\n")
		})
	}
}
