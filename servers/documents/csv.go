package documents

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type table struct {
	path   string
	header []string
	rows   [][]string
	types  []string
}

func parseCSV(p, text string) (*table, error) {
	if fileType(p) != "csv" {
		return nil, fmt.Errorf("%s is not a CSV file; CSV files are under data/ (try list_files with glob *.csv)", p)
	}
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s is empty", p)
	}
	t := &table{path: p, header: recs[0], rows: recs[1:]}
	for i := range t.header {
		t.types = append(t.types, inferType(t.rows, i))
	}
	return t, nil
}

func (t *table) col(name string) (int, error) {
	if i := slices.Index(t.header, name); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("no column %q in %s; columns are: %s", name, t.path, strings.Join(t.header, ", "))
}

func inferType(rows [][]string, i int) string {
	typ := ""
	for _, r := range rows {
		v := r[i]
		if v == "" {
			continue
		}
		var k string
		switch {
		case isInt(v):
			k = "integer"
		case isNum(v):
			k = "number"
		case isDate(v):
			k = "date"
		case v == "true" || v == "false":
			k = "boolean"
		default:
			return "string"
		}
		switch {
		case typ == "" || typ == k:
			typ = k
		case typ == "integer" && k == "number" || typ == "number" && k == "integer":
			typ = "number"
		default:
			return "string"
		}
	}
	if typ == "" {
		return "string"
	}
	return typ
}

func isInt(v string) bool { _, err := strconv.ParseInt(v, 10, 64); return err == nil }
func isNum(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}
func isDate(v string) bool { _, err := time.Parse(time.DateOnly, v); return err == nil }

// typed converts a cell to its JSON value for a column type.
func typed(v, typ string) any {
	if v == "" {
		return nil
	}
	switch typ {
	case "integer":
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case "number":
		f, _ := strconv.ParseFloat(v, 64)
		return f
	case "boolean":
		return v == "true"
	}
	return v
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// ---- csv_summary ----

type csvSummaryIn struct {
	Path string `json:"path" jsonschema:"CSV file path, e.g. data/sales-2024.csv"`
}

// ValueCount is a value and how often it occurs.
type ValueCount struct {
	Value string `json:"value" jsonschema:"the value"`
	Count int    `json:"count" jsonschema:"occurrences"`
}

// ColumnSummary profiles one CSV column.
type ColumnSummary struct {
	Name      string       `json:"name" jsonschema:"column name"`
	Type      string       `json:"type" jsonschema:"integer, number, date, boolean or string"`
	NonEmpty  int          `json:"non_empty" jsonschema:"cells that are not empty"`
	Distinct  int          `json:"distinct" jsonschema:"distinct non-empty values"`
	Min       any          `json:"min,omitempty" jsonschema:"smallest value (numbers and dates)"`
	Max       any          `json:"max,omitempty" jsonschema:"largest value (numbers and dates)"`
	Mean      *float64     `json:"mean,omitempty" jsonschema:"average (numbers)"`
	Sum       *float64     `json:"sum,omitempty" jsonschema:"total (numbers)"`
	TopValues []ValueCount `json:"top_values,omitempty" jsonschema:"up to 5 most common values (strings and booleans)"`
}

type csvSummaryOut struct {
	Path    string          `json:"path" jsonschema:"file path"`
	Rows    int             `json:"rows" jsonschema:"data rows"`
	Columns []ColumnSummary `json:"columns" jsonschema:"one profile per column in header order"`
}

func (st *store) csvSummary(_ context.Context, _ *mcp.CallToolRequest, in csvSummaryIn) (*mcp.CallToolResult, csvSummaryOut, error) {
	var out csvSummaryOut
	p, text, err := st.read(in.Path)
	if err != nil {
		return nil, out, err
	}
	t, err := parseCSV(p, text)
	if err != nil {
		return nil, out, err
	}
	out.Path, out.Rows = p, len(t.rows)
	for i, name := range t.header {
		cs := ColumnSummary{Name: name, Type: t.types[i]}
		counts := map[string]int{}
		var sum float64
		var minS, maxS string
		minF, maxF := math.Inf(1), math.Inf(-1)
		for _, r := range t.rows {
			v := r[i]
			if v == "" {
				continue
			}
			cs.NonEmpty++
			counts[v]++
			switch cs.Type {
			case "integer", "number":
				f, _ := strconv.ParseFloat(v, 64)
				sum += f
				minF, maxF = math.Min(minF, f), math.Max(maxF, f)
			case "date":
				if minS == "" || v < minS {
					minS = v
				}
				if v > maxS {
					maxS = v
				}
			}
		}
		cs.Distinct = len(counts)
		switch cs.Type {
		case "integer", "number":
			if cs.NonEmpty > 0 {
				s, m := round6(sum), round6(sum/float64(cs.NonEmpty))
				cs.Sum, cs.Mean, cs.Min, cs.Max = &s, &m, minF, maxF
			}
		case "date":
			cs.Min, cs.Max = minS, maxS
		default:
			for v, c := range counts {
				cs.TopValues = append(cs.TopValues, ValueCount{v, c})
			}
			slices.SortFunc(cs.TopValues, func(a, b ValueCount) int {
				return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
			})
			cs.TopValues = cs.TopValues[:min(5, len(cs.TopValues))]
		}
		out.Columns = append(out.Columns, cs)
	}
	return nil, out, nil
}

// ---- csv_query ----

// Condition is one where clause.
type Condition struct {
	Column string `json:"column" jsonschema:"column to test"`
	Op     string `json:"op" jsonschema:"comparison; numbers compare numerically, other values as text; contains is case-insensitive" enum:"eq,ne,gt,gte,lt,lte,contains,starts_with"`
	Value  string `json:"value" jsonschema:"value to compare with, as text (e.g. \"2024-06-30\", \"100\", \"West\")"`
}

// Aggregate is one aggregate column.
type Aggregate struct {
	Fn     string `json:"fn" jsonschema:"aggregate function" enum:"count,sum,avg,min,max,count_distinct"`
	Column string `json:"column,omitempty" jsonschema:"column to aggregate (not needed for count)"`
	As     string `json:"as,omitempty" jsonschema:"output column name; default fn_column, or count"`
}

type csvQueryIn struct {
	Path       string      `json:"path" jsonschema:"CSV file path, e.g. data/sales-2024.csv"`
	Columns    []string    `json:"columns,omitempty" jsonschema:"columns to return when not aggregating; default all"`
	Where      []Condition `json:"where,omitempty" jsonschema:"conditions that must all hold" maxItems:"20"`
	GroupBy    []string    `json:"group_by,omitempty" jsonschema:"group rows by these columns; output has one row per group with the aggregates"`
	Aggregates []Aggregate `json:"aggregates,omitempty" jsonschema:"aggregates to compute per group (or over all matching rows without group_by)" maxItems:"20"`
	OrderBy    string      `json:"order_by,omitempty" jsonschema:"output column to sort by"`
	Descending bool        `json:"descending,omitempty" jsonschema:"sort in descending order"`
	Limit      int         `json:"limit,omitempty" jsonschema:"maximum rows to return" minimum:"1" maximum:"1000" default:"50"`
}

type csvQueryOut struct {
	Columns     []string         `json:"columns" jsonschema:"output column names in order"`
	Rows        []map[string]any `json:"rows" jsonschema:"result rows keyed by column name; numbers are JSON numbers"`
	MatchedRows int              `json:"matched_rows" jsonschema:"input rows that passed the where conditions"`
	TotalRows   int              `json:"total_rows" jsonschema:"result rows before the limit"`
	Truncated   bool             `json:"truncated" jsonschema:"true if rows were cut by limit"`
}

func compareCells(a, b string) int {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return cmp.Compare(fa, fb)
	}
	return strings.Compare(a, b)
}

func (c Condition) holds(v string) bool {
	switch c.Op {
	case "eq":
		return compareCells(v, c.Value) == 0
	case "ne":
		return compareCells(v, c.Value) != 0
	case "gt":
		return compareCells(v, c.Value) > 0
	case "gte":
		return compareCells(v, c.Value) >= 0
	case "lt":
		return compareCells(v, c.Value) < 0
	case "lte":
		return compareCells(v, c.Value) <= 0
	case "contains":
		return strings.Contains(strings.ToLower(v), strings.ToLower(c.Value))
	case "starts_with":
		return strings.HasPrefix(v, c.Value)
	}
	return false
}

func compareAny(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	fa, oka := num(a)
	fb, okb := num(b)
	if oka && okb {
		return cmp.Compare(fa, fb)
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func (st *store) csvQuery(_ context.Context, _ *mcp.CallToolRequest, in csvQueryIn) (*mcp.CallToolResult, csvQueryOut, error) {
	out := csvQueryOut{Rows: []map[string]any{}}
	p, text, err := st.read(in.Path)
	if err != nil {
		return nil, out, err
	}
	t, err := parseCSV(p, text)
	if err != nil {
		return nil, out, err
	}
	where := make([]int, len(in.Where))
	for i, c := range in.Where {
		if where[i], err = t.col(c.Column); err != nil {
			return nil, out, err
		}
	}
	var matched [][]string
	for _, r := range t.rows {
		ok := true
		for i, c := range in.Where {
			if !c.holds(r[where[i]]) {
				ok = false
				break
			}
		}
		if ok {
			matched = append(matched, r)
		}
	}
	out.MatchedRows = len(matched)

	if len(in.GroupBy) == 0 && len(in.Aggregates) == 0 {
		cols := in.Columns
		if len(cols) == 0 {
			cols = t.header
		}
		idx := make([]int, len(cols))
		for i, c := range cols {
			if idx[i], err = t.col(c); err != nil {
				return nil, out, err
			}
		}
		out.Columns = cols
		for _, r := range matched {
			row := map[string]any{}
			for i, c := range cols {
				row[c] = typed(r[idx[i]], t.types[idx[i]])
			}
			out.Rows = append(out.Rows, row)
		}
	} else {
		if len(in.Columns) > 0 {
			return nil, out, fmt.Errorf("columns cannot be combined with group_by or aggregates; the output columns are the group_by columns followed by the aggregates")
		}
		if err := t.aggregate(in, matched, &out); err != nil {
			return nil, out, err
		}
	}
	if in.OrderBy != "" {
		if !slices.Contains(out.Columns, in.OrderBy) {
			return nil, out, fmt.Errorf("order_by %q is not an output column; output columns are: %s", in.OrderBy, strings.Join(out.Columns, ", "))
		}
		slices.SortStableFunc(out.Rows, func(a, b map[string]any) int {
			c := compareAny(a[in.OrderBy], b[in.OrderBy])
			if in.Descending {
				return -c
			}
			return c
		})
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 50
	}
	out.TotalRows = len(out.Rows)
	if len(out.Rows) > limit {
		out.Rows, out.Truncated = out.Rows[:limit], true
	}
	return nil, out, nil
}

func (t *table) aggregate(in csvQueryIn, rows [][]string, out *csvQueryOut) error {
	gidx := make([]int, len(in.GroupBy))
	var err error
	for i, g := range in.GroupBy {
		if gidx[i], err = t.col(g); err != nil {
			return err
		}
	}
	aggs := in.Aggregates
	if len(aggs) == 0 {
		aggs = []Aggregate{{Fn: "count"}}
	}
	aidx := make([]int, len(aggs))
	names := slices.Clone(in.GroupBy)
	for i, a := range aggs {
		aidx[i] = -1
		if a.Column != "" {
			if aidx[i], err = t.col(a.Column); err != nil {
				return err
			}
		} else if a.Fn != "count" {
			return fmt.Errorf("aggregate %s needs a column", a.Fn)
		}
		if (a.Fn == "sum" || a.Fn == "avg") && t.types[aidx[i]] != "integer" && t.types[aidx[i]] != "number" {
			return fmt.Errorf("cannot %s column %q of type %s; numeric columns are: %s", a.Fn, a.Column, t.types[aidx[i]], strings.Join(t.numericCols(), ", "))
		}
		name := a.As
		if name == "" {
			name = a.Fn
			if a.Column != "" {
				name += "_" + a.Column
			}
		}
		if slices.Contains(names, name) {
			return fmt.Errorf("duplicate output column %q; set as to rename an aggregate", name)
		}
		names = append(names, name)
	}
	out.Columns = names
	type group struct {
		key  []string
		rows [][]string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, r := range rows {
		key := make([]string, len(gidx))
		for i, g := range gidx {
			key[i] = r[g]
		}
		k := strings.Join(key, "\x00")
		g := byKey[k]
		if g == nil {
			g = &group{key: key}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
	}
	if len(gidx) == 0 && len(groups) == 0 {
		groups = append(groups, &group{})
	}
	slices.SortFunc(groups, func(a, b *group) int {
		for i := range a.key {
			if c := compareCells(a.key[i], b.key[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	for _, g := range groups {
		row := map[string]any{}
		for i, name := range in.GroupBy {
			row[name] = typed(g.key[i], t.types[gidx[i]])
		}
		for i, a := range aggs {
			row[names[len(in.GroupBy)+i]] = aggValue(a.Fn, aidx[i], t, g.rows)
		}
		out.Rows = append(out.Rows, row)
	}
	return nil
}

func (t *table) numericCols() []string {
	var cols []string
	for i, typ := range t.types {
		if typ == "integer" || typ == "number" {
			cols = append(cols, t.header[i])
		}
	}
	return cols
}

func aggValue(fn string, col int, t *table, rows [][]string) any {
	if fn == "count" {
		if col < 0 {
			return int64(len(rows))
		}
		n := int64(0)
		for _, r := range rows {
			if r[col] != "" {
				n++
			}
		}
		return n
	}
	if fn == "count_distinct" {
		seen := map[string]bool{}
		for _, r := range rows {
			if r[col] != "" {
				seen[r[col]] = true
			}
		}
		return int64(len(seen))
	}
	var best any
	sum, n := 0.0, 0
	for _, r := range rows {
		if r[col] == "" {
			continue
		}
		v := typed(r[col], t.types[col])
		if f, ok := num(v); ok {
			sum += f
		}
		n++
		switch {
		case best == nil,
			fn == "min" && compareAny(v, best) < 0,
			fn == "max" && compareAny(v, best) > 0:
			best = v
		}
	}
	switch fn {
	case "sum":
		if t.types[col] == "integer" {
			return int64(sum)
		}
		return round6(sum)
	case "avg":
		if n == 0 {
			return nil
		}
		return round6(sum / float64(n))
	}
	return best
}
