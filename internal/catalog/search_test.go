package catalog

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func corpusCatalog(tb testing.TB) *Catalog {
	tb.Helper()
	c := New()
	n := 0
	for s, tools := range corpusTools() {
		c.SetServer(s, tools)
		n += len(tools)
	}
	if n < 1000 {
		tb.Fatalf("corpus has %d tools, want >= 1000", n)
	}
	return c
}

func TestSearchQuality(t *testing.T) {
	c := corpusCatalog(t)
	if len(searchCases) < 40 {
		t.Fatalf("only %d queries", len(searchCases))
	}
	for _, sc := range searchCases {
		if _, ok := c.Lookup(sc.want); !ok {
			t.Fatalf("expected tool %s is not in the corpus", sc.want)
		}
	}
	top1 := 0
	for _, sc := range searchCases {
		hits := c.Search(sc.query, 5)
		rank := -1
		for i, h := range hits {
			if h.Tool.Qualified == sc.want {
				rank = i
				break
			}
		}
		if rank == 0 {
			top1++
			continue
		}
		var got []string
		for _, h := range hits {
			got = append(got, fmt.Sprintf("%s(%.2f)", h.Tool.Qualified, h.Score))
		}
		if rank < 0 {
			t.Errorf("miss: %q: want %s in top 5, got %v", sc.query, sc.want, got)
		} else {
			t.Logf("not first: %q: want %s, rank %d, got %v", sc.query, sc.want, rank+1, got)
		}
	}
	ratio := float64(top1) / float64(len(searchCases))
	t.Logf("top-1: %d/%d (%.0f%%) over %d tools", top1, len(searchCases), 100*ratio, len(c.Tools()))
	if ratio < 0.9 {
		t.Errorf("top-1 ratio %.2f < 0.90", ratio)
	}
}

func TestSearchBasics(t *testing.T) {
	c := New()
	c.SetServer("weather", []*mcp.Tool{
		{Name: "get_forecast", Description: "Hourly forecast for a city."},
		{Name: "get.alerts", Description: "Severe weather alerts."},
	})
	c.SetServer("files", []*mcp.Tool{
		{Name: "read_file", Description: "Read a file. Mentions weather forecast once."},
	})
	tests := []struct {
		query string
		limit int
		want  []string
	}{
		{"", 5, nil},
		{"   ", 5, nil},
		{"the of and", 5, nil},
		{"forecast", 1, []string{"weather.get_forecast"}},
		{"weather.get.alerts", 1, []string{"weather.get.alerts"}},
		{"WEATHER.GET_ALERTS", 1, []string{"weather.get.alerts"}}, // JS form, case-insensitive
		{"read_file", 1, []string{"files.read_file"}},
		{"fetchFiles", 1, []string{"files.read_file"}}, // camelCase + synonym + plural
		{"zzzz", 3, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range c.Search(tt.query, tt.limit) {
			got = append(got, h.Tool.Qualified)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Search(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
	// The index follows the catalog version.
	c.RemoveServer("weather")
	if hits := c.Search("forecast", 5); len(hits) != 1 || hits[0].Tool.Qualified != "files.read_file" {
		t.Errorf("after RemoveServer: %v", hits)
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"get_forecast", []string{"get", "forecast"}},
		{"getHTTPResponse", []string{"get", "http", "respons"}},
		{"list-pull.requests", []string{"list", "pull", "request"}},
		{"Creating created creates creation create", []string{"creat", "creat", "creat", "creat", "creat"}},
		{"repositories queries", []string{"repository", "query"}},
		{"boxes matches running", []string{"box", "match", "run"}},
		{"What's the status of my issues", []string{"status", "issu"}},
		{"hourly", []string{"hour"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tokenize(tt.in)); diff != "" {
			t.Errorf("tokenize(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func BenchmarkSearch1000(b *testing.B) {
	c := corpusCatalog(b)
	c.Search("warm up the index", 10)
	var durs []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := searchCases[i%len(searchCases)].query
		start := time.Now()
		c.Search(q, 10)
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	us := func(p float64) float64 {
		return float64(durs[int(p*float64(len(durs)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(us(0.50), "p50-µs")
	b.ReportMetric(us(0.95), "p95-µs")
}

func BenchmarkBuildIndex1000(b *testing.B) {
	c := corpusCatalog(b)
	tools := c.Tools()
	for b.Loop() {
		buildIndex(tools)
	}
}

func FuzzSearch(f *testing.F) {
	for _, sc := range searchCases[:10] {
		f.Add(sc.query, 5)
	}
	f.Add("", 0)
	f.Add("\xff\xfe.a..", -1)
	f.Add("ÀÉÎ ǅ ﬁ getHTTP__x", 3)
	c := New()
	c.SetServer("github", corpusTools()["github"])
	c.SetServer("a.b", []*mcp.Tool{{Name: "c.d", Description: "dots"}, {Name: ""}})
	f.Fuzz(func(t *testing.T, q string, limit int) {
		hits := c.Search(q, limit)
		if limit > 0 && len(hits) > limit {
			t.Fatalf("%d hits > limit %d", len(hits), limit)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				t.Fatalf("hits not sorted")
			}
		}
		tokenize(q)
	})
}
