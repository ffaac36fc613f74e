package papers

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/servers/internal/servertest"
)

func TestToolsList(t *testing.T) {
	tools := servertest.CheckTools(t, servertest.Connect(t, New()))
	if len(tools) != 10 {
		t.Errorf("got %d tools, want 10", len(tools))
	}
	for _, tl := range tools {
		if !tl.Annotations.ReadOnlyHint || *tl.Annotations.DestructiveHint || *tl.Annotations.OpenWorldHint {
			t.Errorf("%s: annotations %+v", tl.Name, tl.Annotations)
		}
	}
	servertest.ToolsGolden(t, tools)
}

func TestCorpus(t *testing.T) {
	c := build()
	if len(c.papers) < 500 || len(c.authors) < 300 || len(c.cfps) != len(venues) {
		t.Fatalf("papers %d authors %d cfps %d", len(c.papers), len(c.authors), len(c.cfps))
	}
	edges := 0
	for _, p := range c.papers {
		for _, r := range p.References {
			q := c.byID[r]
			edges++
			if q.Year > p.Year || !slices.Contains(q.Citations, p.ID) {
				t.Fatalf("%s cites %s (year %d > %d, or backlink missing)", p.ID, r, q.Year, p.Year)
			}
		}
	}
	if edges < 3000 {
		t.Errorf("only %d citation edges", edges)
	}
}

func TestTools(t *testing.T) {
	cs := servertest.Connect(t, New())
	c := build()
	// The most cited paper and its author, computed independently.
	top := c.papers[0]
	for _, p := range c.papers {
		if len(p.Citations) > len(top.Citations) {
			top = p
		}
	}
	a := c.authorM[top.Authors[0]]
	aCites := 0
	for _, id := range a.Papers {
		aCites += len(c.byID[id].Citations)
	}
	sigmod, sigmodCites := 0, 0
	for _, p := range c.papers {
		if p.Venue == "SIGMOD" && p.Year >= 2018 && p.Year <= 2022 {
			sigmod++
			sigmodCites += len(p.Citations)
		}
	}
	tools := servertest.CheckTools(t, cs)
	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "search_papers", Args: map[string]any{"query": "query optimization", "year_from": 2016, "year_to": 2020}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			want := 0
			for _, p := range c.papers {
				txt := strings.ToLower(p.Title + p.Abstract + strings.Join(p.Keywords, " "))
				if p.Year >= 2016 && p.Year <= 2020 && strings.Contains(txt, "query") && strings.Contains(txt, "optimization") {
					want++
				}
			}
			if out.Total != want || want == 0 {
				t.Errorf("total %d, want %d", out.Total, want)
			}
			for i, h := range out.Results {
				if h.Year < 2016 || h.Year > 2020 || i > 0 && h.Score > out.Results[i-1].Score {
					t.Errorf("hit %d: %+v", i, h)
				}
			}
		}},
		{Name: "search_papers/venue-cited", Tool: "search_papers", Args: map[string]any{"venue": "SIGMOD", "sort": "citations", "limit": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			if len(out.Results) != 3 || out.Results[0].Venue != "SIGMOD" || out.Results[0].Citations < out.Results[2].Citations {
				t.Errorf("results %+v", out.Results)
			}
		}},
		{Tool: "get_paper", Args: map[string]any{"paper_id": top.ID}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[paperOut](t, raw)
			if out.CitationCount != len(top.Citations) || out.Title != top.Title || out.Authors[0].Name != a.Name || out.VenueFull == "" {
				t.Errorf("paper = %+v", out)
			}
		}},
		{Tool: "get_citations", Args: map[string]any{"paper_id": top.ID, "limit": 200}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[linksOut](t, raw)
			if out.Total != len(top.Citations) || len(out.Papers) != out.Total {
				t.Errorf("citations %d, want %d", out.Total, len(top.Citations))
			}
			for _, p := range out.Papers {
				if !slices.Contains(c.byID[p.ID].References, top.ID) {
					t.Errorf("%s does not cite %s", p.ID, top.ID)
				}
			}
		}},
		{Tool: "get_references", Args: map[string]any{"paper_id": strings.ToLower(c.papers[400].ID)}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[linksOut](t, raw); out.Total != len(c.papers[400].References) || out.PaperID != c.papers[400].ID {
				t.Errorf("references = %+v", out)
			}
		}},
		{Tool: "get_author", Args: map[string]any{"author_id": a.ID}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[authorOut](t, raw)
			if out.PaperCount != len(a.Papers) || out.CitationCount != aCites || out.HIndex < 1 || len(out.TopCoauthors) == 0 {
				t.Errorf("author = %+v, want %d papers %d citations", out, len(a.Papers), aCites)
			}
		}},
		{Tool: "search_authors", Args: map[string]any{"query": strings.Fields(a.Name)[1]}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchAuthorsOut](t, raw)
			if !slices.ContainsFunc(out.Authors, func(x AuthorSummary) bool { return x.ID == a.ID }) && out.Total <= 10 {
				t.Errorf("%s not found: %+v", a.Name, out)
			}
		}},
		{Tool: "author_papers", Args: map[string]any{"author_id": a.ID, "sort": "citations"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[authorPapersOut](t, raw)
			if out.Total != len(a.Papers) || out.Papers[0].Citations < out.Papers[len(out.Papers)-1].Citations {
				t.Errorf("author papers = %+v", out)
			}
		}},
		{Tool: "list_venues", Args: map[string]any{}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[venuesOut](t, raw)
			total := 0
			for _, v := range out.Venues {
				total += v.Papers
			}
			if len(out.Venues) != len(venues) || total != len(c.papers) {
				t.Errorf("%d venues with %d papers", len(out.Venues), total)
			}
		}},
		{Tool: "calls_for_papers", Args: map[string]any{"from": "2025-01-01", "to": "2025-03-31"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[cfpOut](t, raw)
			want := 0
			for _, cf := range c.cfps {
				if cf.PaperDeadline >= "2025-01-01" && cf.PaperDeadline <= "2025-03-31" {
					want++
				}
			}
			if len(out.Calls) != want || want == 0 {
				t.Fatalf("calls %d, want %d", len(out.Calls), want)
			}
			for i, cf := range out.Calls {
				if i > 0 && cf.PaperDeadline < out.Calls[i-1].PaperDeadline || cf.AbstractDeadline >= cf.PaperDeadline {
					t.Errorf("call %+v out of order", cf)
				}
			}
		}},
		{Name: "calls_for_papers/topic", Tool: "calls_for_papers", Args: map[string]any{"topic": "privacy", "from": "2024-01-01", "to": "2026-12-31"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[cfpOut](t, raw)
			if len(out.Calls) != 2 {
				t.Errorf("privacy calls = %+v", out.Calls)
			}
		}},
		{Tool: "citation_stats", Args: map[string]any{"venue": "SIGMOD", "year_from": 2018, "year_to": 2022}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[statsOut](t, raw)
			if out.Papers != sigmod || out.TotalCitations != sigmodCites {
				t.Errorf("stats = %d papers %d citations, want %d %d", out.Papers, out.TotalCitations, sigmod, sigmodCites)
			}
			sum := 0
			for _, y := range out.ByYear {
				sum += y.Citations
			}
			if sum != sigmodCites || len(out.TopPapers) == 0 || out.TopPapers[0].Citations != out.Max {
				t.Errorf("by year %v, top %v", out.ByYear, out.TopPapers)
			}
		}},
	})
}

func TestInvalidArguments(t *testing.T) {
	cs := servertest.Connect(t, New())
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"get_paper", map[string]any{"paper_id": "P9999"}, []string{"P0001 to P0620", "search_papers"}},
		{"get_citations", map[string]any{"paper_id": "X1"}, []string{"no paper"}},
		{"get_author", map[string]any{"author_id": "A999"}, []string{"A001 to A340"}},
		{"search_papers", map[string]any{"venue": "Nature"}, []string{"unknown venue", "NeurIPS"}},
		{"search_papers", map[string]any{"year_from": 2020, "year_to": 2015}, []string{"after year_to"}},
		{"search_papers", map[string]any{"year_from": 1999}, []string{"year_from"}},
		{"search_papers", map[string]any{"topic": "biology"}, []string{"topic"}},
		{"calls_for_papers", map[string]any{"from": "next week"}, []string{"YYYY-MM-DD"}},
		{"citation_stats", map[string]any{"venue": "POPL", "year_from": 2024, "year_to": 2012}, []string{"no papers match"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestFreshServersAgree(t *testing.T) {
	args := map[string]any{"query": "learning", "limit": 50}
	_, a := servertest.CallOK[json.RawMessage](t, servertest.Connect(t, New()), "search_papers", args)
	_, b := servertest.CallOK[json.RawMessage](t, servertest.Connect(t, New()), "search_papers", args)
	if string(a) != string(b) {
		t.Error("fresh servers differ")
	}
}

func BenchmarkSearchPapers(b *testing.B) {
	cs := servertest.Connect(b, New())
	for b.Loop() {
		servertest.CallOK[searchOut](b, cs, "search_papers", map[string]any{"query": "graph neural networks"})
	}
}
