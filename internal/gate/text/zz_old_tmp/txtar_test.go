package text

import (
	"os"
	"strings"
	"testing"
)

// testCase is one file of a txtar archive.
type testCase struct{ name, data string }

// readTxtar reads the files of a txtar archive (lines "-- name --" start a
// file; text before the first one is a comment). A trailing newline of each
// file is dropped.
func readTxtar(t *testing.T, path string) []testCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []testCase
	var cur *testCase
	for _, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			out = append(out, testCase{name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])})
			cur = &out[len(out)-1]
			continue
		}
		if cur != nil {
			cur.data += line
		}
	}
	for i := range out {
		out[i].data = strings.TrimSuffix(out[i].data, "\n")
	}
	return out
}
