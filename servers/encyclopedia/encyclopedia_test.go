package encyclopedia

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/servers/internal/servertest"
)

func TestToolsList(t *testing.T) {
	tools := servertest.CheckTools(t, servertest.Connect(t, New()))
	if len(tools) != 9 {
		t.Errorf("got %d tools, want 9", len(tools))
	}
	for _, tl := range tools {
		if !tl.Annotations.ReadOnlyHint || *tl.Annotations.DestructiveHint {
			t.Errorf("%s: annotations %+v", tl.Name, tl.Annotations)
		}
	}
	servertest.ToolsGolden(t, tools)
}

func TestData(t *testing.T) {
	as, err := loadArticles()
	if err != nil {
		t.Fatal(err)
	}
	if len(as) < 60 {
		t.Fatalf("%d articles, want >= 60", len(as))
	}
	seen := map[string]bool{}
	for _, a := range as {
		if seen[a.Title] || len(a.Sections) < 4 || a.Summary == "" || len(a.Infobox) < 4 {
			t.Errorf("%s: duplicate or thin (%d sections, %d facts)", a.Title, len(a.Sections), len(a.Infobox))
		}
		seen[a.Title] = true
		for _, s := range a.Sections {
			if strings.Contains(s.Text, "%!") || strings.Contains(s.Text, "<nil>") {
				t.Errorf("%s/%s: template error: %s", a.Title, s.Title, s.Text)
			}
		}
	}
}

func TestTools(t *testing.T) {
	cs := servertest.Connect(t, New())
	tools := servertest.CheckTools(t, cs)
	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "search", Args: map[string]any{"query": "radioactivity radium"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			if len(out.Results) == 0 || out.Results[0].Title != "Marie Curie" || !strings.Contains(out.Results[0].Snippet, "radioactivity") {
				t.Errorf("search = %+v", out)
			}
		}},
		{Name: "search/title-boost", Tool: "search", Args: map[string]any{"query": "Tokyo", "limit": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			if out.Results[0].Title != "Tokyo" || out.Total < 2 {
				t.Errorf("search = %+v", out)
			}
		}},
		{Name: "search/category", Tool: "search", Args: map[string]any{"query": "river", "category": "city", "limit": 25}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			if out.Total != 16 {
				t.Errorf("every city mentions its river; got %d", out.Total)
			}
			for _, h := range out.Results {
				if h.Category != "city" {
					t.Errorf("hit %+v", h)
				}
			}
		}},
		{Tool: "get_article", Args: map[string]any{"title": "japan"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[articleOut](t, raw)
			if out.Title != "Japan" || len(out.Sections) != 5 || out.Sections[4].Title != "Major cities" || !strings.Contains(out.Sections[4].Text, "Tokyo") {
				t.Errorf("article = %+v", out)
			}
		}},
		{Tool: "list_sections", Args: map[string]any{"title": "Iron"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[sectionsOut](t, raw)
			var names []string
			for _, s := range out.Sections {
				names = append(names, s.Title)
			}
			if strings.Join(names, ",") != "Overview,Properties,Discovery,Uses" {
				t.Errorf("sections = %v", names)
			}
		}},
		{Tool: "get_section", Args: map[string]any{"title": "Berlin", "section": "history"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[sectionOut](t, raw)
			if out.Section != "History" || !strings.Contains(out.Text, "1961") {
				t.Errorf("section = %+v", out)
			}
		}},
		{Tool: "get_summary", Args: map[string]any{"title": "Transistor"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[summaryOut](t, raw)
			if !strings.Contains(out.Summary, "1947") || out.Category != "invention" {
				t.Errorf("summary = %+v", out)
			}
		}},
		{Tool: "get_infobox", Args: map[string]any{"title": "Canada"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[infoboxOut](t, raw)
			f := out.Facts
			if f["capital"] != "Ottawa" || f["population"] != float64(40100000) || f["area_km2"] != float64(9984670) || f["coordinates"] != "56.100°N 106.300°W" {
				t.Errorf("infobox = %+v", f)
			}
		}},
		{Name: "get_infobox/element", Tool: "get_infobox", Args: map[string]any{"title": "Gold"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[infoboxOut](t, raw)
			if out.Facts["symbol"] != "Au" || out.Facts["atomic_number"] != float64(79) {
				t.Errorf("infobox = %+v", out.Facts)
			}
		}},
		{Tool: "related_articles", Args: map[string]any{"title": "Marie Curie", "limit": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[relatedOut](t, raw)
			var titles []string
			for _, r := range out.Related {
				titles = append(titles, r.Title)
			}
			if len(titles) != 3 || !strings.Contains(strings.Join(titles, ","), "Warsaw") || !strings.Contains(strings.Join(titles, ","), "Polonium") {
				t.Errorf("related = %+v", out.Related)
			}
		}},
		{Name: "related_articles/country", Tool: "related_articles", Args: map[string]any{"title": "France"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[relatedOut](t, raw)
			if out.Related[0].Title != "Paris" || out.Related[0].Score < 8 {
				t.Errorf("related = %+v", out.Related)
			}
		}},
		{Tool: "random_article", Args: map[string]any{"seed": 7, "category": "element"}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[summaryOut](t, raw); out.Category != "element" {
				t.Errorf("random = %+v", out)
			}
		}},
		{Tool: "list_articles", Args: map[string]any{}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[listOut](t, raw)
			want := map[string]int{"country": 21, "city": 16, "scientist": 12, "invention": 8, "element": 11}
			for k, v := range want {
				if out.Counts[k] != v {
					t.Errorf("%s: %d articles, want %d", k, out.Counts[k], v)
				}
			}
			if len(out.Articles) != 68 {
				t.Errorf("%d articles listed", len(out.Articles))
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
		{"get_article", map[string]any{"title": "Pari"}, []string{"no article", "Paris"}},
		{"get_summary", map[string]any{"title": "Atlantis"}, []string{"no article", "search"}},
		{"get_section", map[string]any{"title": "Paris", "section": "Economy"}, []string{"no section", "History, Geography"}},
		{"search", map[string]any{"query": "!!!"}, []string{"no words"}},
		{"search", map[string]any{"query": "x", "category": "planet"}, []string{"category"}},
		{"related_articles", map[string]any{"title": "Paris", "limit": 100}, []string{"limit"}},
		{"get_infobox", map[string]any{}, []string{"title"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestRandomSpread(t *testing.T) {
	cs := servertest.Connect(t, New())
	seen := map[string]bool{}
	for seed := range 20 {
		out, _ := servertest.CallOK[summaryOut](t, cs, "random_article", map[string]any{"seed": seed})
		seen[out.Title] = true
	}
	if len(seen) < 10 {
		t.Errorf("20 seeds gave only %d articles", len(seen))
	}
}

func TestFreshServersAgree(t *testing.T) {
	args := map[string]any{"query": "city founded river", "limit": 25}
	_, a := servertest.CallOK[json.RawMessage](t, servertest.Connect(t, New()), "search", args)
	_, b := servertest.CallOK[json.RawMessage](t, servertest.Connect(t, New()), "search", args)
	if string(a) != string(b) {
		t.Error("fresh servers differ")
	}
}

func BenchmarkSearch(b *testing.B) {
	cs := servertest.Connect(b, New())
	for b.Loop() {
		servertest.CallOK[searchOut](b, cs, "search", map[string]any{"query": "nobel prize physics"})
	}
}
