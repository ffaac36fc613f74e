package static

import (
	"os"
	"strings"
	"testing"
)

// archive is a parsed txtar file: a comment and named files in order.
type archive struct {
	comment string
	files   []archiveFile
}

type archiveFile struct{ name, data string }

func readArchive(t testing.TB, path string) *archive {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ar := &archive{}
	var cur *archiveFile
	for _, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			ar.files = append(ar.files, archiveFile{name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])})
			cur = &ar.files[len(ar.files)-1]
			continue
		}
		if cur == nil {
			ar.comment += line
		} else {
			cur.data += line
		}
	}
	return ar
}

func (ar *archive) get(name string) (string, bool) {
	for _, f := range ar.files {
		if f.name == name {
			return f.data, true
		}
	}
	return "", false
}

func (ar *archive) set(name, data string) {
	for i, f := range ar.files {
		if f.name == name {
			ar.files[i].data = data
			return
		}
	}
	ar.files = append(ar.files, archiveFile{name, data})
}

func (ar *archive) write(t testing.TB, path string) {
	var b strings.Builder
	b.WriteString(ar.comment)
	for _, f := range ar.files {
		b.WriteString("-- " + f.name + " --\n")
		b.WriteString(f.data)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// golden compares the findings of program base with base.want in the
// archive or, with -update, records them there (setting *changed when they
// differ) and reports true: the caller's other checks are then moot.
func (ar *archive) golden(t *testing.T, base string, findings []Finding, changed *bool) (updating bool) {
	t.Helper()
	got := formatFindings(findings)
	want, _ := ar.get(base + ".want")
	if *update {
		if got != want {
			ar.set(base+".want", got)
			*changed = true
		}
		return true
	}
	if got != want {
		t.Errorf("findings:\n%s\nwant:\n%s\nmessages:", got, want)
		for _, f := range findings {
			t.Logf("  %s", f.Message)
		}
	}
	return false
}
