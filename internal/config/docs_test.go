package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsNameEveryKey keeps docs/config.md and doc.go in step with the
// parser: every key it accepts is documented, and every sandbox default and
// range in the docs is the one in the code.
func TestDocsNameEveryKey(t *testing.T) {
	md, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	godoc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	lists := [][]string{topKeys, topIgnored, serverKeys, serverAlias, serverIgnored, cemcpKeys, sandboxKeys,
		policyKeys, ruleKeys, auditKeys, exposeKeys, serverOptionKeys, serveKeys}
	for _, list := range lists {
		for _, k := range list {
			if !strings.Contains(string(md), "`"+k+"`") {
				t.Errorf("docs/config.md does not name `%s`", k)
			}
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(strings.TrimPrefix(k, "$")) + `\b`).Match(godoc) {
				t.Errorf("doc.go does not name %s", k)
			}
		}
	}

	def := defaultSettings(lookupIn(nil))
	for _, f := range sandboxInts {
		// Find the default by setting a marker and comparing fields.
		val := defaultIntOf(t, def.Sandbox, f)
		row := findRow(string(md), f.key)
		if row == "" {
			t.Errorf("docs/config.md has no table row for %s", f.key)
			continue
		}
		if !strings.Contains(row, fmt.Sprintf("`%d`", val)) {
			t.Errorf("docs/config.md row for %s lacks the default %d: %s", f.key, val, row)
		}
		if !strings.Contains(row, fmt.Sprintf("%d – %d", f.lo, f.hi)) {
			t.Errorf("docs/config.md row for %s lacks the range %d – %d: %s", f.key, f.lo, f.hi, row)
		}
		line := regexp.MustCompile(`(?m)^//\s+sandbox\.` + f.key + `\s+(\d+)\s+(\d+)\.\.(\d+)`).FindStringSubmatch(string(godoc))
		if line == nil || line[1] != fmt.Sprint(val) || line[2] != fmt.Sprint(f.lo) || line[3] != fmt.Sprint(f.hi) {
			t.Errorf("doc.go: sandbox.%s should read %d %d..%d; found %v", f.key, val, f.lo, f.hi, line)
		}
	}
}

// defaultIntOf returns the default of the sandbox integer field f, in the
// units of the configuration key.
func defaultIntOf(t *testing.T, def Sandbox, f intField[Sandbox]) int64 {
	t.Helper()
	// Apply candidate values until the field equals its default: the
	// setters are monotonic, so a binary search finds the key's value.
	lo, hi := f.lo, f.hi
	for lo <= hi {
		mid := lo + (hi-lo)/2
		s := def
		f.set(&s, mid)
		switch cmpSandbox(s, def) {
		case 0:
			return mid
		case -1:
			lo = mid + 1
		default:
			hi = mid - 1
		}
	}
	t.Fatalf("no value of %s gives the default", f.key)
	return 0
}

// cmpSandbox compares the one field that differs between a and b.
func cmpSandbox(a, b Sandbox) int {
	pairs := [][2]int64{
		{int64(a.Timeout), int64(b.Timeout)}, {int64(a.MaxTimeout), int64(b.MaxTimeout)},
		{int64(a.MaxOutputBytes), int64(b.MaxOutputBytes)}, {int64(a.MaxToolCalls), int64(b.MaxToolCalls)},
		{int64(a.MaxConcurrency), int64(b.MaxConcurrency)}, {int64(a.MaxCallDepth), int64(b.MaxCallDepth)},
		{a.MemoryBytes, b.MemoryBytes}, {int64(a.MaxPids), int64(b.MaxPids)}, {int64(a.CPUPercent), int64(b.CPUPercent)},
		{a.ScratchBytes, b.ScratchBytes}, {int64(a.PoolSize), int64(b.PoolSize)},
	}
	for _, p := range pairs {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

// findRow returns the markdown table row documenting key.
func findRow(md, key string) string {
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| `"+key+"` |") {
			return line
		}
	}
	return ""
}
