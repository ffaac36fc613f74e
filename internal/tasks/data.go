package tasks

import (
	"encoding/csv"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Helpers that checkers use to read raw data through the oracle and to do
// their own arithmetic.

// readFile returns a whole file of the documents server, page by page.
func readFile(path string) (string, error) {
	var b strings.Builder
	start := 1
	for {
		r, err := ask[struct {
			Content   string `json:"content"`
			EndLine   int    `json:"end_line"`
			Truncated bool   `json:"truncated"`
		}]("documents", "read_file", args{"path": path, "start_line": start})
		if err != nil {
			return "", err
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(r.Content)
		if !r.Truncated {
			return b.String(), nil
		}
		start = r.EndLine + 1
	}
}

// readCSV returns the rows of a CSV file of the documents server as maps.
func readCSV(path string) ([]map[string]string, error) {
	text, err := readFile(path)
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s is empty", path)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		rows = append(rows, m)
	}
	return rows, nil
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f
}

// sqlRows runs one query on the oracle's database and returns its rows.
func sqlRows(sql string, params ...any) ([]map[string]any, error) {
	if params == nil {
		params = []any{}
	}
	r, err := ask[struct {
		Rows      []map[string]any `json:"rows"`
		Truncated bool             `json:"truncated"`
	}]("database", "run_query", args{"sql": sql, "params": params, "limit": 1000})
	if err != nil {
		return nil, err
	}
	if r.Truncated {
		return nil, fmt.Errorf("oracle query returned more than 1000 rows: %s", sql)
	}
	return r.Rows, nil
}

// forumPost is a post summary of the forum server.
type forumPost struct {
	ID           int      `json:"id"`
	Title        string   `json:"title"`
	Author       string   `json:"author"`
	Tags         []string `json:"tags"`
	Score        int      `json:"score"`
	CommentCount int      `json:"comment_count"`
	CreatedAt    string   `json:"created_at"`
}

// allPosts lists every forum post, page by page.
func allPosts() ([]forumPost, error) {
	var all []forumPost
	for page := 1; ; page++ {
		r, err := ask[struct {
			Posts []forumPost `json:"posts"`
			Pages int         `json:"pages"`
		}]("forum", "list_posts", args{"page": page, "page_size": 50, "sort": "new"})
		if err != nil {
			return nil, err
		}
		all = append(all, r.Posts...)
		if page >= r.Pages {
			return all, nil
		}
	}
}

func hasTag(p forumPost, tag string) bool {
	for _, t := range p.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// stdev is the sample standard deviation.
func stdev(xs []float64) float64 {
	m := mean(xs)
	ss := 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// ols fits y = slope·x + intercept and returns r² too.
func ols(x, y []float64) (slope, intercept, r2 float64) {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	slope = sxy / sxx
	intercept = my - slope*mx
	r2 = sxy * sxy / (sxx * syy)
	return
}

func pearson(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// hIndex is the largest h with h values ≥ h.
func hIndex(cites []int) int {
	s := append([]int(nil), cites...)
	sort.Sort(sort.Reverse(sort.IntSlice(s)))
	h := 0
	for i, c := range s {
		if c >= i+1 {
			h = i + 1
		}
	}
	return h
}

// anyOfStrings is anyOf over strings.
func anyOfStrings(ss []string) anyOf {
	a := make(anyOf, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}
