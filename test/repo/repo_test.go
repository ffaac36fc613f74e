// Package repo checks the repository itself: every package says what it is
// for, and the paths the docs name exist, so that the docs cannot go stale.
package repo

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func root(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// TestPackageDocs: every Go package has a doc comment.
func TestPackageDocs(t *testing.T) {
	r := root(t)
	dirs := map[string]bool{}
	_ = filepath.WalkDir(r, func(path string, d os.DirEntry, err error) error {
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dirs[filepath.Dir(path)] = true
		}
		return nil
	})
	if len(dirs) < 30 {
		t.Fatalf("only %d package directories found", len(dirs))
	}
	for dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		for name, p := range pkgs {
			documented := false
			for _, f := range p.Files {
				if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
					documented = true
				}
			}
			if !documented {
				rel, _ := filepath.Rel(r, dir)
				t.Errorf("package %s (%s) has no doc comment", name, rel)
			}
		}
	}
}

// TestDocPaths: the paths README.md's layout table and the docs name exist.
func TestDocPaths(t *testing.T) {
	r := root(t)
	checked := 0
	re := regexp.MustCompile("`((?:cmd|internal|servers|test|design|docs|scripts)/[A-Za-z0-9_./-]*)`")
	for _, doc := range []string{"README.md", "BENCHMARKS.md", "docs/config.md", "design/gate.md", "design/jail.md"} {
		b, err := os.ReadFile(filepath.Join(r, doc))
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			p := strings.TrimSuffix(strings.TrimSuffix(m[1], "/..."), "/…")
			if strings.ContainsAny(p, "*") {
				continue
			}
			checked++
			if _, err := os.Stat(filepath.Join(r, p)); err != nil {
				t.Errorf("%s names %s, which does not exist", doc, m[1])
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d paths found in the docs; the pattern no longer matches them", checked)
	}
	t.Logf("%d paths checked", checked)
}
