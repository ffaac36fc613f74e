// Package documents is a bundled MCP server over a read-only store of a
// company's shared documents: Markdown reports and meeting notes, CSV
// exports with hundreds of rows, JSON configuration, a changelog and logs.
// The files ship inside the binary (embed), so every path resolves inside
// the store and nothing on the host can be named.
//
// It mirrors the file-analysis servers of MCP-Bench: listing, reading with
// line ranges, full-text search, CSV statistics and queries, JSON path
// queries, text statistics and diffs.
package documents

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "documents"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Company shared drive (36 Markdown, CSV, JSON and text files): list, read, search, CSV stats and queries, JSON paths, diffs"

//go:embed store
var embedded embed.FS

// New returns the server with all tools registered over the embedded store.
func New() *mcp.Server {
	sub, err := fs.Sub(embedded, "store")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return NewWithFS(sub)
}

// NewWithFS returns the server over files, for tests and custom stores.
// Paths are always interpreted inside files.
func NewWithFS(files fs.FS) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Shared documents", Version: "v1.0.0"}, &mcp.ServerOptions{
		Instructions: "A read-only shared drive. Paths are relative to the store root (e.g. data/sales-2024.csv). Use list_files to browse and search to find text.",
	})
	st := &store{fs: files}
	st.register(s)
	return s
}

type store struct {
	fs fs.FS
}

// errNoSuchFile reports a missing file with suggestions.
func (st *store) notFound(p string) error {
	base := strings.ToLower(path.Base(p))
	stem := strings.TrimSuffix(base, path.Ext(base))
	var near []string
	for _, f := range st.all() {
		lf := strings.ToLower(f)
		if strings.Contains(lf, stem) || strings.Contains(lf, strings.ToLower(path.Dir(p))+"/") && path.Dir(p) != "." {
			near = append(near, f)
		}
	}
	if len(near) > 5 {
		near = near[:5]
	}
	if len(near) == 0 {
		return fmt.Errorf("no such file %q; call list_files to see the available files", p)
	}
	return fmt.Errorf("no such file %q; did you mean: %s", p, strings.Join(near, ", "))
}

// clean validates a user path and returns it in canonical form. Absolute
// paths, backslashes, drive letters and any ".." element are refused before
// the store is touched.
func clean(p string) (string, error) {
	if p == "" {
		return "", errors.New("path is empty; give a path relative to the store root, e.g. reports/2024-q1-sales.md")
	}
	if strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\') || len(p) > 1 && p[1] == ':' || strings.HasPrefix(p, "~") {
		return "", fmt.Errorf("absolute path %q is not allowed; paths are relative to the store root, e.g. reports/2024-q1-sales.md", p)
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %q contains a NUL byte", p)
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return "", fmt.Errorf("path %q leaves the document store; \"..\" is not allowed", p)
		}
	}
	c := path.Clean(strings.TrimPrefix(p, "./"))
	if !fs.ValidPath(c) {
		return "", fmt.Errorf("invalid path %q", p)
	}
	return c, nil
}

// read returns the contents of the file at user path p.
func (st *store) read(p string) (string, string, error) {
	c, err := clean(p)
	if err != nil {
		return "", "", err
	}
	b, err := fs.ReadFile(st.fs, c)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", st.notFound(c)
	}
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w (is it a directory? use list_files)", c, err)
	}
	return c, string(b), nil
}

// all lists every file in the store, sorted.
func (st *store) all() []string {
	var files []string
	_ = fs.WalkDir(st.fs, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	return files
}

func fileType(p string) string {
	switch path.Ext(p) {
	case ".md":
		return "markdown"
	case ".csv":
		return "csv"
	case ".json":
		return "json"
	case ".log":
		return "log"
	}
	return "text"
}

// lines splits text into lines without the trailing empty line.
func lines(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// ---- tools ----

type listIn struct {
	Glob string `json:"glob,omitempty" jsonschema:"glob over store paths; * and ? stay within one path segment, ** spans segments (e.g. data/*.csv, **/*.md)" default:"\"**\"" maxLength:"200"`
}

// FileEntry is one file in a listing.
type FileEntry struct {
	Path  string `json:"path" jsonschema:"path relative to the store root"`
	Type  string `json:"type" jsonschema:"markdown, csv, json, log or text"`
	Size  int    `json:"size_bytes" jsonschema:"size in bytes"`
	Lines int    `json:"lines" jsonschema:"number of lines"`
}

type listOut struct {
	Files []FileEntry `json:"files" jsonschema:"matching files sorted by path"`
	Count int         `json:"count" jsonschema:"number of matching files"`
}

type readIn struct {
	Path      string `json:"path" jsonschema:"file path relative to the store root"`
	StartLine int    `json:"start_line,omitempty" jsonschema:"first line to return (1-based)" minimum:"1" default:"1"`
	EndLine   int    `json:"end_line,omitempty" jsonschema:"last line to return (inclusive); at most 400 lines are returned per call" minimum:"1"`
}

type readOut struct {
	Path       string `json:"path" jsonschema:"file path"`
	StartLine  int    `json:"start_line" jsonschema:"first returned line"`
	EndLine    int    `json:"end_line" jsonschema:"last returned line"`
	TotalLines int    `json:"total_lines" jsonschema:"lines in the whole file"`
	Truncated  bool   `json:"truncated" jsonschema:"true if lines after end_line exist"`
	Content    string `json:"content" jsonschema:"the requested lines joined by newlines"`
}

type searchIn struct {
	Query         string `json:"query" jsonschema:"text to find (a regular expression if regex is true)" minLength:"1" maxLength:"500"`
	Glob          string `json:"glob,omitempty" jsonschema:"only search files matching this glob" default:"\"**\""`
	Regex         bool   `json:"regex,omitempty" jsonschema:"treat query as a Go regular expression"`
	CaseSensitive bool   `json:"case_sensitive,omitempty" jsonschema:"match case exactly"`
	MaxResults    int    `json:"max_results,omitempty" jsonschema:"maximum matching lines to return" minimum:"1" maximum:"500" default:"50"`
}

// Match is one matching line.
type Match struct {
	Path string `json:"path" jsonschema:"file path"`
	Line int    `json:"line" jsonschema:"1-based line number"`
	Text string `json:"text" jsonschema:"the line (cut to 300 characters)"`
}

type searchOut struct {
	Matches      []Match `json:"matches" jsonschema:"matching lines in path, line order"`
	TotalMatches int     `json:"total_matches" jsonschema:"all matching lines, including ones not returned"`
	FilesMatched int     `json:"files_matched" jsonschema:"files with at least one match"`
	Truncated    bool    `json:"truncated" jsonschema:"true if more matches exist than returned"`
}

type infoIn struct {
	Path string `json:"path" jsonschema:"file path relative to the store root"`
}

type infoOut struct {
	Path     string   `json:"path" jsonschema:"file path"`
	Type     string   `json:"type" jsonschema:"markdown, csv, json, log or text"`
	Size     int      `json:"size_bytes" jsonschema:"size in bytes"`
	Lines    int      `json:"lines" jsonschema:"number of lines"`
	Words    int      `json:"words" jsonschema:"whitespace-separated words"`
	SHA256   string   `json:"sha256" jsonschema:"hex SHA-256 of the content"`
	Headings []string `json:"headings,omitempty" jsonschema:"Markdown headings, for markdown files"`
	Columns  []string `json:"columns,omitempty" jsonschema:"header row, for CSV files"`
	Rows     int      `json:"rows,omitempty" jsonschema:"data rows (excluding the header), for CSV files"`
	Keys     []string `json:"keys,omitempty" jsonschema:"top-level keys, for JSON objects"`
}

func (st *store) register(s *mcp.Server) {
	tooldef.Add(s, tooldef.ReadOnly, "list_files", "List files",
		"List files in the document store whose path matches a glob (** spans folders), with type, size and line count.",
		st.listFiles)
	tooldef.Add(s, tooldef.ReadOnly, "read_file", "Read file",
		"Read a text file, optionally only a range of lines (1-based, inclusive). Returns at most 400 lines per call; truncated tells whether more follow.",
		st.readFile)
	tooldef.Add(s, tooldef.ReadOnly, "search", "Search text",
		"Full-text search across files: returns matching lines with their path and line number. Supports plain text or regular expressions, a glob filter and case sensitivity.",
		st.search)
	tooldef.Add(s, tooldef.ReadOnly, "file_info", "File info",
		"Metadata of one file: type, size, lines, words and SHA-256, plus headings for Markdown, columns and row count for CSV, and top-level keys for JSON.",
		st.fileInfo)
	tooldef.Add(s, tooldef.ReadOnly, "csv_summary", "Summarize CSV",
		"Profile a CSV file: for each column its inferred type (integer, number, date, boolean, string), non-empty and distinct counts, min/max/mean/sum for numbers, and the most common values for text.",
		st.csvSummary)
	tooldef.Add(s, tooldef.ReadOnly, "csv_query", "Query CSV",
		"Filter, group, aggregate, sort and project a CSV file like a small SQL SELECT: where conditions (AND), group_by columns, aggregates (count, sum, avg, min, max, count_distinct), order_by and limit.",
		st.csvQuery)
	tooldef.Add(s, tooldef.ReadOnly, "json_query", "Query JSON",
		"Evaluate a path expression on a JSON file and return every matching value with its concrete path. Syntax: a.b, a[0], a[-1], a[*], a.*, [\"key\"], and filters like flags[?enabled==true].name.",
		st.jsonQuery)
	tooldef.Add(s, tooldef.ReadOnly, "text_stats", "Text statistics",
		"Word, line, character and sentence counts of a text file, its most frequent words (stop words excluded), and for Markdown its headings.",
		st.textStats)
	tooldef.Add(s, tooldef.ReadOnly, "diff_files", "Diff files",
		"Compare two files line by line and return a unified diff with the number of added and removed lines.",
		st.diffFiles)
}

func (st *store) listFiles(_ context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
	out := listOut{Files: []FileEntry{}}
	g := in.Glob
	if g == "" {
		g = "**"
	}
	if err := checkGlob(g); err != nil {
		return nil, out, err
	}
	for _, p := range st.all() {
		if !globMatch(g, p) {
			continue
		}
		b, _ := fs.ReadFile(st.fs, p)
		out.Files = append(out.Files, FileEntry{p, fileType(p), len(b), len(lines(string(b)))})
	}
	out.Count = len(out.Files)
	return nil, out, nil
}

const maxReadLines = 400

func (st *store) readFile(_ context.Context, _ *mcp.CallToolRequest, in readIn) (*mcp.CallToolResult, readOut, error) {
	var out readOut
	p, text, err := st.read(in.Path)
	if err != nil {
		return nil, out, err
	}
	ls := lines(text)
	start, end := max(in.StartLine, 1), in.EndLine
	if start > len(ls) {
		return nil, out, fmt.Errorf("start_line %d is past the end of %s, which has %d lines", start, p, len(ls))
	}
	if end == 0 || end > len(ls) {
		end = len(ls)
	}
	if end < start {
		return nil, out, fmt.Errorf("end_line %d is before start_line %d", end, start)
	}
	if end-start+1 > maxReadLines {
		end = start + maxReadLines - 1
	}
	out = readOut{Path: p, StartLine: start, EndLine: end, TotalLines: len(ls), Truncated: end < len(ls),
		Content: strings.Join(ls[start-1:end], "\n")}
	return nil, out, nil
}

func (st *store) search(_ context.Context, _ *mcp.CallToolRequest, in searchIn) (*mcp.CallToolResult, searchOut, error) {
	out := searchOut{Matches: []Match{}}
	g := in.Glob
	if g == "" {
		g = "**"
	}
	if err := checkGlob(g); err != nil {
		return nil, out, err
	}
	expr := in.Query
	if !in.Regex {
		expr = regexp.QuoteMeta(expr)
	}
	if !in.CaseSensitive {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, out, fmt.Errorf("invalid regular expression %q: %v (set regex to false to search for the literal text)", in.Query, err)
	}
	limit := in.MaxResults
	if limit <= 0 {
		limit = 50
	}
	for _, p := range st.all() {
		if !globMatch(g, p) {
			continue
		}
		b, _ := fs.ReadFile(st.fs, p)
		hit := false
		for i, l := range lines(string(b)) {
			if !re.MatchString(l) {
				continue
			}
			hit = true
			out.TotalMatches++
			if len(out.Matches) < limit {
				if len(l) > 300 {
					l = l[:300]
				}
				out.Matches = append(out.Matches, Match{p, i + 1, l})
			}
		}
		if hit {
			out.FilesMatched++
		}
	}
	out.Truncated = out.TotalMatches > len(out.Matches)
	return nil, out, nil
}

func (st *store) fileInfo(_ context.Context, _ *mcp.CallToolRequest, in infoIn) (*mcp.CallToolResult, infoOut, error) {
	var out infoOut
	p, text, err := st.read(in.Path)
	if err != nil {
		return nil, out, err
	}
	sum := sha256.Sum256([]byte(text))
	out = infoOut{Path: p, Type: fileType(p), Size: len(text), Lines: len(lines(text)), Words: len(strings.Fields(text)), SHA256: hex.EncodeToString(sum[:])}
	switch out.Type {
	case "markdown":
		out.Headings = headings(text)
	case "csv":
		t, err := parseCSV(p, text)
		if err != nil {
			return nil, out, err
		}
		out.Columns, out.Rows = t.header, len(t.rows)
	case "json":
		v, err := parseJSON(p, text)
		if err != nil {
			return nil, out, err
		}
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				out.Keys = append(out.Keys, k)
			}
			slices.Sort(out.Keys)
		}
	}
	return nil, out, nil
}

func headings(text string) []string {
	var hs []string
	inFence := false
	for _, l := range lines(text) {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		if !inFence && strings.HasPrefix(l, "#") {
			hs = append(hs, l)
		}
	}
	return hs
}
