package documents

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/servers/internal/servertest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func connect(t *testing.T) *mcp.ClientSession {
	t.Helper()
	return servertest.Connect(t, New())
}

// readCSV reads a store CSV straight from the source tree, independently of
// the server's parser.
func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("store", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestToolsList(t *testing.T) {
	cs := connect(t)
	tools := servertest.CheckTools(t, cs)
	if len(tools) != 9 {
		t.Errorf("got %d tools, want 9", len(tools))
	}
	for _, tl := range tools {
		if !tl.Annotations.ReadOnlyHint || *tl.Annotations.DestructiveHint {
			t.Errorf("%s: want read-only, non-destructive", tl.Name)
		}
	}
	servertest.ToolsGolden(t, tools)
}

func TestStoreSize(t *testing.T) {
	var files, csvRows int
	err := filepath.WalkDir("store", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	csvRows = len(readCSV(t, "data/sales-2024.csv")) - 1
	if files < 25 || csvRows < 300 {
		t.Errorf("store has %d files and %d sales rows; want >= 25 and >= 300", files, csvRows)
	}
}

func TestTools(t *testing.T) {
	cs := connect(t)
	tools := servertest.CheckTools(t, cs)
	sales := readCSV(t, "data/sales-2024.csv")
	// Independent aggregates over the raw file.
	westRevenue, westOrders, wholesaleUnits := 0.0, 0, 0
	for _, r := range sales[1:] {
		rev, _ := strconv.ParseFloat(r[8], 64)
		if r[2] == "West" {
			westRevenue += rev
			westOrders++
		}
		if r[9] == "wholesale" {
			u, _ := strconv.Atoi(r[6])
			wholesaleUnits += u
		}
	}
	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "list_files", Args: map[string]any{"glob": "data/*.csv"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[listOut](t, raw)
			if out.Count != 7 || out.Files[0].Path != "data/employees.csv" || out.Files[0].Lines != 151 || out.Files[0].Type != "csv" {
				t.Errorf("list = %+v", out)
			}
		}},
		{Name: "list_files/all", Tool: "list_files", Args: map[string]any{}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[listOut](t, raw); out.Count < 25 {
				t.Errorf("only %d files", out.Count)
			}
		}},
		{Name: "list_files/name-glob", Tool: "list_files", Args: map[string]any{"glob": "*.json"}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[listOut](t, raw); out.Count != 6 {
				t.Errorf("json files = %+v", out)
			}
		}},
		{Tool: "read_file", Args: map[string]any{"path": "CHANGELOG.md", "start_line": 6, "end_line": 8}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[readOut](t, raw)
			if out.Content != "## [2.4.1] - 2024-10-30\n### Fixed\n- Gift card balance rounding for amounts above $1,000." || !out.Truncated || out.TotalLines != 54 {
				t.Errorf("read = %+v", out)
			}
		}},
		{Name: "read_file/capped", Tool: "read_file", Args: map[string]any{"path": "./data/sales-2024.csv"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[readOut](t, raw)
			if out.EndLine != 400 || !out.Truncated || out.TotalLines != len(sales) || out.Path != "data/sales-2024.csv" {
				t.Errorf("read = %d..%d of %d", out.StartLine, out.EndLine, out.TotalLines)
			}
		}},
		{Tool: "search", Args: map[string]any{"query": "decision:", "glob": "meetings/**"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			if out.TotalMatches != 8 || out.FilesMatched != 4 || out.Matches[0].Path != "meetings/2024-01-08-kickoff.md" || out.Matches[0].Line != 21 {
				t.Errorf("search = %+v", out)
			}
		}},
		{Name: "search/regex", Tool: "search", Args: map[string]any{"query": `timeout_ms"?: \d+`, "regex": true, "case_sensitive": true, "max_results": 2}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			if out.TotalMatches != 5 || out.FilesMatched != 3 || len(out.Matches) != 2 || !out.Truncated {
				t.Errorf("search = %+v", out)
			}
		}},
		{Tool: "file_info", Args: map[string]any{"path": "data/sales-2024.csv"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[infoOut](t, raw)
			if out.Rows != len(sales)-1 || len(out.Columns) != 10 || len(out.SHA256) != 64 {
				t.Errorf("info = %+v", out)
			}
		}},
		{Name: "file_info/markdown", Tool: "file_info", Args: map[string]any{"path": "reports/2024-q1-sales.md"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[infoOut](t, raw)
			if len(out.Headings) != 6 || out.Headings[0] != "# Q1 2024 Sales Report" {
				t.Errorf("headings = %q", out.Headings)
			}
		}},
		{Tool: "csv_summary", Args: map[string]any{"path": "data/sales-2024.csv"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[csvSummaryOut](t, raw)
			types := map[string]string{}
			for _, c := range out.Columns {
				types[c.Name] = c.Type
			}
			if types["units"] != "integer" || types["revenue"] != "number" || types["date"] != "date" || types["region"] != "string" {
				t.Errorf("types = %v", types)
			}
			reg := out.Columns[2]
			if reg.Distinct != 5 || len(reg.TopValues) != 5 {
				t.Errorf("region summary = %+v", reg)
			}
			total := 0.0
			for _, r := range sales[1:] {
				v, _ := strconv.ParseFloat(r[8], 64)
				total += v
			}
			if rev := out.Columns[8]; !servertest.Near(*rev.Sum, total, 1e-6) {
				t.Errorf("revenue sum = %v, want %v", *rev.Sum, total)
			}
		}},
		{Tool: "csv_query", Args: map[string]any{
			"path": "data/sales-2024.csv", "group_by": []string{"region"},
			"aggregates": []any{map[string]any{"fn": "sum", "column": "revenue"}, map[string]any{"fn": "count"}},
			"order_by":   "sum_revenue", "descending": true,
		}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[csvQueryOut](t, raw)
			if len(out.Rows) != 5 || strings.Join(out.Columns, ",") != "region,sum_revenue,count" {
				t.Fatalf("query = %+v", out)
			}
			for _, r := range out.Rows {
				if r["region"] == "West" && (!servertest.Near(r["sum_revenue"].(float64), westRevenue, 1e-6) || r["count"] != float64(westOrders)) {
					t.Errorf("West = %v, want %v over %d", r, westRevenue, westOrders)
				}
			}
			if out.Rows[0]["sum_revenue"].(float64) < out.Rows[4]["sum_revenue"].(float64) {
				t.Error("not sorted descending")
			}
		}},
		{Name: "csv_query/filter", Tool: "csv_query", Args: map[string]any{
			"path": "data/sales-2024.csv", "where": []any{map[string]any{"column": "channel", "op": "eq", "value": "wholesale"}},
			"aggregates": []any{map[string]any{"fn": "sum", "column": "units", "as": "units"}},
		}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[csvQueryOut](t, raw)
			if len(out.Rows) != 1 || out.Rows[0]["units"] != float64(wholesaleUnits) {
				t.Errorf("wholesale units = %+v, want %d", out.Rows, wholesaleUnits)
			}
		}},
		{Name: "csv_query/select", Tool: "csv_query", Args: map[string]any{
			"path": "data/employees.csv", "columns": []string{"name", "salary"},
			"where":    []any{map[string]any{"column": "department", "op": "eq", "value": "Engineering"}, map[string]any{"column": "salary", "op": "gte", "value": "150000"}},
			"order_by": "salary", "descending": true, "limit": 3,
		}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[csvQueryOut](t, raw)
			want := 0
			for _, r := range readCSV(t, "data/employees.csv")[1:] {
				if s, _ := strconv.Atoi(r[6]); r[2] == "Engineering" && s >= 150000 {
					want++
				}
			}
			if out.MatchedRows != want || len(out.Rows) != min(3, want) || len(out.Rows[0]) != 2 {
				t.Errorf("select = %+v, want %d matches", out, want)
			}
		}},
		{Tool: "json_query", Args: map[string]any{"path": "config/feature-flags.json", "query": "flags[?enabled==true].name"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[jsonQueryOut](t, raw)
			var names []string
			for _, m := range out.Matches {
				names = append(names, m.Value.(string))
			}
			if strings.Join(names, ",") != "pricing_engine_v2,gift_wrapping,size_guide,new_search_ranking" || out.Matches[1].Path != "flags[2].name" {
				t.Errorf("flags = %+v", out)
			}
		}},
		{Name: "json_query/nested", Tool: "json_query", Args: map[string]any{"path": "config/app.json", "query": "$.payments.timeout_ms"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[jsonQueryOut](t, raw)
			if out.Count != 1 || out.Matches[0].Value != float64(20000) {
				t.Errorf("timeout = %+v", out)
			}
		}},
		{Name: "json_query/miss", Tool: "json_query", Args: map[string]any{"path": "config/app.json", "query": "nope"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[jsonQueryOut](t, raw)
			if out.Count != 0 || !strings.Contains(out.Hint, "payments") {
				t.Errorf("miss = %+v", out)
			}
		}},
		{Tool: "text_stats", Args: map[string]any{"path": "meetings/2024-03-18-incident-retro.md", "top": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[statsOut](t, raw)
			b, _ := os.ReadFile("store/meetings/2024-03-18-incident-retro.md")
			if out.Words != len(strings.Fields(string(b))) || out.Bytes != len(b) || len(out.TopWords) != 3 || len(out.Headings) != 5 {
				t.Errorf("stats = %+v", out)
			}
		}},
		{Tool: "diff_files", Args: map[string]any{"old": "config/deploy/staging.json", "new": "config/deploy/production.json", "context": 1}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[diffOut](t, raw)
			if out.Identical || out.Added == 0 || !strings.Contains(out.Diff, "+  \"environment\": \"production\",") || !strings.HasPrefix(out.Diff, "--- config/deploy/staging.json\n+++ config/deploy/production.json\n@@ ") {
				t.Errorf("diff = %+v", out)
			}
		}},
		{Name: "diff_files/same", Tool: "diff_files", Args: map[string]any{"old": "README.md", "new": "README.md"}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[diffOut](t, raw); !out.Identical || out.Diff != "" {
				t.Errorf("diff = %+v", out)
			}
		}},
	})
}

// TestPathTraversal shows that paths outside the store are refused before
// anything is read, and that a host file's content never comes back.
func TestPathTraversal(t *testing.T) {
	cs := connect(t)
	secret := "cemcp-host-secret-7f3a"
	dir := t.TempDir()
	host := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(host, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel := strings.Repeat("../", 20) + strings.TrimPrefix(host, "/")
	for _, tc := range []struct{ path, want string }{
		{host, "absolute path"},
		{"/etc/passwd", "absolute path"},
		{rel, "leaves the document store"},
		{"../documents_test.go", "leaves the document store"},
		{"data/../../documents.go", "leaves the document store"},
		{"./../store/README.md", "leaves the document store"},
		{`..\..\etc\passwd`, "absolute path"},
		{"C:/Windows/win.ini", "absolute path"},
		{"~/.ssh/id_rsa", "absolute path"},
		{"data/nope.csv", "no such file"},
		{"reports", "directory"},
	} {
		for _, tool := range []string{"read_file", "file_info", "text_stats"} {
			msg := servertest.CallErr(t, cs, tool, map[string]any{"path": tc.path}, tc.want)
			if strings.Contains(msg, secret) || strings.Contains(msg, "root:") {
				t.Errorf("%s(%q) leaked host content: %s", tool, tc.path, msg)
			}
		}
	}
	servertest.CallErr(t, cs, "diff_files", map[string]any{"old": "README.md", "new": host}, "new:", "absolute path")
	servertest.CallErr(t, cs, "csv_query", map[string]any{"path": rel}, "leaves the document store")
	servertest.CallErr(t, cs, "json_query", map[string]any{"path": "../../../../etc/passwd", "query": "$"}, "leaves the document store")
	// Globs cannot reach outside either: they only ever match store paths.
	out, _ := servertest.CallOK[searchOut](t, cs, "search", map[string]any{"query": secret, "glob": "../**"})
	if out.TotalMatches != 0 {
		t.Errorf("search outside the store matched: %+v", out)
	}
}

func TestInvalidArguments(t *testing.T) {
	cs := connect(t)
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"read_file", map[string]any{"path": "README.md", "start_line": 500}, []string{"past the end", "17 lines"}},
		{"read_file", map[string]any{"path": "README.md", "start_line": 0}, []string{"start_line"}},
		{"read_file", map[string]any{"path": "reports/q1.md"}, []string{"no such file", "reports/"}},
		{"search", map[string]any{"query": "(", "regex": true}, []string{"invalid regular expression"}},
		{"list_files", map[string]any{"glob": "data/[.csv"}, []string{"invalid glob"}},
		{"csv_summary", map[string]any{"path": "README.md"}, []string{"not a CSV file"}},
		{"csv_query", map[string]any{"path": "data/sales-2024.csv", "columns": []string{"revnue"}}, []string{"no column \"revnue\"", "revenue"}},
		{"csv_query", map[string]any{"path": "data/sales-2024.csv", "aggregates": []any{map[string]any{"fn": "sum", "column": "region"}}}, []string{"cannot sum", "units"}},
		{"csv_query", map[string]any{"path": "data/sales-2024.csv", "where": []any{map[string]any{"column": "units", "op": "like", "value": "1"}}}, []string{"op"}},
		{"csv_query", map[string]any{"path": "data/sales-2024.csv", "order_by": "nope"}, []string{"not an output column"}},
		{"json_query", map[string]any{"path": "config/app.json", "query": "a[x"}, []string{"missing ]"}},
		{"json_query", map[string]any{"path": "data/products.csv", "query": "$"}, []string{"not a JSON file"}},
		{"diff_files", map[string]any{"old": "README.md"}, []string{"new"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestParsePath(t *testing.T) {
	doc := map[string]any{}
	_ = json.Unmarshal([]byte(`{"a":{"b":[1,2,{"c":"x"}]},"odd key":true,"list":[{"n":1,"t":"p"},{"n":5,"t":"q"}]}`), &doc)
	for _, tc := range []struct{ q, want string }{
		{"$", `[{"path":"","value":{"a":{"b":[1,2,{"c":"x"}]},"list":[{"n":1,"t":"p"},{"n":5,"t":"q"}],"odd key":true}}]`},
		{"a.b[2].c", `[{"path":"a.b[2].c","value":"x"}]`},
		{"a.b[-1].c", `[{"path":"a.b[2].c","value":"x"}]`},
		{`["odd key"]`, `[{"path":"[\"odd key\"]","value":true}]`},
		{"list[*].n", `[{"path":"list[0].n","value":1},{"path":"list[1].n","value":5}]`},
		{"list[?n>2].t", `[{"path":"list[1].t","value":"q"}]`},
		{"list[?(@.t=='p')].n", `[{"path":"list[0].n","value":1}]`},
		{"a.*", `[{"path":"a.b","value":[1,2,{"c":"x"}]}]`},
		{"a.b[9]", `null`},
	} {
		steps, err := parsePath(tc.q)
		if err != nil {
			t.Errorf("parsePath(%q): %v", tc.q, err)
			continue
		}
		var got []JSONMatch
		eval(any(doc), "", steps, &got)
		b, _ := json.Marshal(got)
		if string(b) != tc.want {
			t.Errorf("%s = %s, want %s", tc.q, b, tc.want)
		}
	}
	for _, bad := range []string{"a[", "a[x]", "a..b", `a["x`, "a[?]", "a[?==1]"} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		g, p string
		want bool
	}{
		{"**", "a/b/c.md", true},
		{"**/*.md", "README.md", true},
		{"**/*.md", "a/b/c.md", true},
		{"data/*.csv", "data/x.csv", true},
		{"data/*.csv", "data/sub/x.csv", false},
		{"data/**", "data/sub/x.csv", true},
		{"*.csv", "data/sub/x.csv", true},
		{"config/**/production.json", "config/deploy/production.json", true},
		{"../**", "README.md", false},
	} {
		if got := globMatch(tc.g, tc.p); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.g, tc.p, got)
		}
	}
}

func TestDiffRoundTrip(t *testing.T) {
	a := strings.Split("a b c d e f g h i j", " ")
	b := strings.Split("a B c d e f g h j k", " ")
	ops := diffLines(a, b)
	var olds, news []string
	for _, o := range ops {
		if o.kind != '+' {
			olds = append(olds, o.text)
		}
		if o.kind != '-' {
			news = append(news, o.text)
		}
	}
	if strings.Join(olds, " ") != strings.Join(a, " ") || strings.Join(news, " ") != strings.Join(b, " ") {
		t.Fatalf("ops do not rebuild inputs: %v / %v", olds, news)
	}
	got, hunks := unified("x", "y", ops, 1)
	want := "--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -8,3 +8,3 @@\n h\n-i\n j\n+k\n"
	if got != want || hunks != 2 {
		t.Errorf("unified:\n%s\nwant:\n%s", got, want)
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$", "a.b[0]", `["k"]`, "a[?x==1].y", "a[*].*", "a[-1]", "[", "a..b"} {
		f.Add(s)
	}
	doc := map[string]any{"a": []any{map[string]any{"x": 1.0, "y": "z"}}}
	f.Fuzz(func(t *testing.T, q string) {
		steps, err := parsePath(q)
		if err != nil {
			return
		}
		var out []JSONMatch
		eval(any(doc), "", steps, &out)
	})
}

func FuzzGlob(f *testing.F) {
	for _, s := range []string{"**", "**/*.md", "data/*.csv", "a/**/b/**/c", "[a-"} {
		f.Add(s, "data/x.csv")
	}
	f.Fuzz(func(t *testing.T, g, p string) {
		if checkGlob(g) == nil {
			globMatch(g, p)
		}
	})
}

func BenchmarkCSVQuery(b *testing.B) {
	cs := servertest.Connect(b, New())
	args := map[string]any{"path": "data/sales-2024.csv", "group_by": []string{"region", "category"}, "aggregates": []any{map[string]any{"fn": "sum", "column": "revenue"}}}
	for b.Loop() {
		servertest.CallOK[csvQueryOut](b, cs, "csv_query", args)
	}
}
