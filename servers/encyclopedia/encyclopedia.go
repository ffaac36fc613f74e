// Package encyclopedia is a bundled MCP server over a small encyclopedia of
// 68 multi-section articles about countries, cities, scientists,
// inventions and chemical elements. Articles are built with templates from
// compact facts shipped in data/articles.json (embedded), so the text is
// deterministic and every infobox value is structured data.
//
// It mirrors the knowledge-lookup servers of MCP-Bench (Wikipedia-style):
// ranked search with snippets, whole articles or single sections,
// summaries, infoboxes and related articles. All tools are read-only.
package encyclopedia

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "encyclopedia"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Encyclopedia of 68 articles (countries, cities, scientists, inventions, elements): search, sections, summaries, infoboxes, related"

// Categories lists the article categories.
var Categories = []string{"country", "city", "scientist", "invention", "element"}

// New returns the server with all tools registered. It panics only if the
// embedded data file is malformed, which the package tests rule out.
func New() *mcp.Server {
	as, err := loadArticles()
	if err != nil {
		panic(err)
	}
	e := newIndex(as)
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Encyclopedia", Version: "v1.0.0"}, &mcp.ServerOptions{
		Instructions: "An encyclopedia. Find articles with search, read them with get_summary, list_sections and get_section, and get structured facts with get_infobox.",
	})
	e.register(s)
	return s
}

type index struct {
	articles []*article // sorted by title
	byTitle  map[string]*article
	terms    []map[string]int // per article term frequencies (title and text)
	df       map[string]int
}

func tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func newIndex(as []*article) *index {
	slices.SortFunc(as, func(a, b *article) int { return strings.Compare(a.Title, b.Title) })
	x := &index{articles: as, byTitle: map[string]*article{}, df: map[string]int{}}
	for _, a := range as {
		x.byTitle[strings.ToLower(a.Title)] = a
		tf := map[string]int{}
		for _, t := range tokenize(a.Title + " " + a.text()) {
			tf[t]++
		}
		for t := range tf {
			x.df[t]++
		}
		x.terms = append(x.terms, tf)
	}
	return x
}

func (x *index) lookup(title string) (*article, error) {
	if a, ok := x.byTitle[strings.ToLower(strings.TrimSpace(title))]; ok {
		return a, nil
	}
	q := strings.ToLower(title)
	var near []string
	for _, a := range x.articles {
		lt := strings.ToLower(a.Title)
		if q != "" && (strings.Contains(lt, q) || strings.Contains(q, lt) || strings.HasPrefix(lt, q[:min(3, len(q))])) {
			near = append(near, a.Title)
		}
	}
	if len(near) > 0 {
		return nil, fmt.Errorf("no article titled %q; did you mean: %s", title, strings.Join(near[:min(5, len(near))], ", "))
	}
	return nil, fmt.Errorf("no article titled %q; use search to find articles by keyword", title)
}

func checkCategory(c string) error {
	if c != "" && !slices.Contains(Categories, c) {
		return fmt.Errorf("unknown category %q; categories are: %s", c, strings.Join(Categories, ", "))
	}
	return nil
}

// ---- tools ----

type searchIn struct {
	Query    string `json:"query" jsonschema:"keywords to search for in titles and text" minLength:"1" maxLength:"200"`
	Category string `json:"category,omitempty" jsonschema:"only articles in this category" enum:"country,city,scientist,invention,element"`
	Limit    int    `json:"limit,omitempty" jsonschema:"maximum results" minimum:"1" maximum:"25" default:"5"`
}

// Hit is a search result.
type Hit struct {
	Title    string  `json:"title" jsonschema:"article title"`
	Category string  `json:"category" jsonschema:"article category"`
	Score    float64 `json:"score" jsonschema:"relevance (TF-IDF with a title boost), higher is better"`
	Snippet  string  `json:"snippet" jsonschema:"sentence containing a query word"`
}

type searchOut struct {
	Results []Hit `json:"results" jsonschema:"best matches first"`
	Total   int   `json:"total" jsonschema:"all matching articles"`
}

type titleIn struct {
	Title string `json:"title" jsonschema:"exact article title (case-insensitive), e.g. Marie Curie" minLength:"1" maxLength:"200"`
}

type articleOut struct {
	Title    string    `json:"title" jsonschema:"article title"`
	Category string    `json:"category" jsonschema:"article category"`
	Sections []Section `json:"sections" jsonschema:"all sections in order"`
	Words    int       `json:"words" jsonschema:"number of words"`
}

type sectionIn struct {
	Title   string `json:"title" jsonschema:"exact article title (case-insensitive)" minLength:"1" maxLength:"200"`
	Section string `json:"section" jsonschema:"section title as returned by list_sections (case-insensitive), e.g. History" minLength:"1" maxLength:"100"`
}

type sectionOut struct {
	Title   string `json:"title" jsonschema:"article title"`
	Section string `json:"section" jsonschema:"section title"`
	Text    string `json:"text" jsonschema:"section text"`
}

// SectionInfo names a section.
type SectionInfo struct {
	Index int    `json:"index" jsonschema:"position, starting at 1"`
	Title string `json:"title" jsonschema:"section title"`
	Words int    `json:"words" jsonschema:"words in the section"`
}

type sectionsOut struct {
	Title    string        `json:"title" jsonschema:"article title"`
	Sections []SectionInfo `json:"sections" jsonschema:"sections in order"`
}

type summaryOut struct {
	Title    string `json:"title" jsonschema:"article title"`
	Category string `json:"category" jsonschema:"article category"`
	Summary  string `json:"summary" jsonschema:"lead paragraph, one or two sentences"`
}

type infoboxOut struct {
	Title    string         `json:"title" jsonschema:"article title"`
	Category string         `json:"category" jsonschema:"article category"`
	Facts    map[string]any `json:"facts" jsonschema:"structured facts: numbers are JSON numbers (population, area_km2, atomic_number...), coordinates also as latitude and longitude"`
}

type relatedIn struct {
	Title string `json:"title" jsonschema:"exact article title (case-insensitive)" minLength:"1" maxLength:"200"`
	Limit int    `json:"limit,omitempty" jsonschema:"maximum related articles" minimum:"1" maximum:"20" default:"5"`
}

// Related is a related article and why.
type Related struct {
	Title    string   `json:"title" jsonschema:"related article"`
	Category string   `json:"category" jsonschema:"its category"`
	Score    int      `json:"score" jsonschema:"strength of the relation"`
	Reasons  []string `json:"reasons" jsonschema:"why it is related: links to, linked from, mentions, same group"`
}

type relatedOut struct {
	Title   string    `json:"title" jsonschema:"article asked about"`
	Related []Related `json:"related" jsonschema:"strongest relations first"`
}

type randomIn struct {
	Seed     int    `json:"seed,omitempty" jsonschema:"seed; the same seed always gives the same article" minimum:"0" maximum:"1000000"`
	Category string `json:"category,omitempty" jsonschema:"only pick from this category" enum:"country,city,scientist,invention,element"`
}

type listIn struct {
	Category string `json:"category,omitempty" jsonschema:"only this category" enum:"country,city,scientist,invention,element"`
}

// Entry is one article in a listing.
type Entry struct {
	Title    string `json:"title" jsonschema:"article title"`
	Category string `json:"category" jsonschema:"category"`
}

type listOut struct {
	Articles []Entry        `json:"articles" jsonschema:"articles sorted by title"`
	Counts   map[string]int `json:"counts" jsonschema:"number of articles per category (whole encyclopedia)"`
}

func (x *index) register(s *mcp.Server) {
	tooldef.Add(s, tooldef.ReadOnly, "search", "Search articles",
		"Full-text search over article titles and text, ranked by TF-IDF with a title boost. Returns titles with a snippet; then read an article with get_summary or get_section.",
		x.search)
	tooldef.Add(s, tooldef.ReadOnly, "get_article", "Get article",
		"Get a whole article: every section with its text. Prefer get_summary or get_section when only part is needed.",
		x.getArticle)
	tooldef.Add(s, tooldef.ReadOnly, "list_sections", "List sections",
		"List the section titles of an article with their word counts, to pick one for get_section.",
		x.listSections)
	tooldef.Add(s, tooldef.ReadOnly, "get_section", "Get section",
		"Get the text of one section of an article, e.g. History, Geography, Economy, Uses.",
		x.getSection)
	tooldef.Add(s, tooldef.ReadOnly, "get_summary", "Get summary",
		"Get an article's one- or two-sentence lead summary.",
		x.getSummary)
	tooldef.Add(s, tooldef.ReadOnly, "get_infobox", "Get infobox",
		"Get an article's infobox as structured facts: population, area, capital, coordinates for places; birth and awards for people; year and inventor for inventions; symbol and atomic number for elements.",
		x.getInfobox)
	tooldef.Add(s, tooldef.ReadOnly, "related_articles", "Related articles",
		"Find articles related to one article, by links between them (a country and its cities, a scientist's birthplace, an invention's country), mentions in the text, and shared category and continent.",
		x.relatedArticles)
	tooldef.Add(s, tooldef.ReadOnly, "random_article", "Random article",
		"Pick an article pseudo-randomly from a seed (deterministic: the same seed gives the same article), optionally within one category. Returns its summary.",
		x.randomArticle)
	tooldef.Add(s, tooldef.ReadOnly, "list_articles", "List articles",
		"List article titles, optionally for one category, with the number of articles in each category.",
		x.listArticles)
}

// sentences splits text into sentences at ". " boundaries.
func sentences(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.Index(text, ". ")
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+2:]
	}
	return out
}

func (x *index) search(_ context.Context, _ *mcp.CallToolRequest, in searchIn) (*mcp.CallToolResult, searchOut, error) {
	out := searchOut{Results: []Hit{}}
	q := tokenize(in.Query)
	if len(q) == 0 {
		return nil, out, fmt.Errorf("query %q has no words", in.Query)
	}
	n := float64(len(x.articles))
	var hits []Hit
	for i, a := range x.articles {
		if in.Category != "" && a.Category != in.Category {
			continue
		}
		score := 0.0
		title := tokenize(a.Title)
		for _, t := range q {
			tf := x.terms[i][t]
			if tf == 0 {
				continue
			}
			idf := math.Log(1 + n/float64(x.df[t]))
			score += (1 + math.Log(float64(tf))) * idf
			if slices.Contains(title, t) {
				score += 3 * idf
			}
		}
		if score == 0 {
			continue
		}
		if strings.EqualFold(a.Title, strings.TrimSpace(in.Query)) {
			score += 10
		}
		snip := a.Summary
	find:
		for _, s := range a.Sections {
			for _, sent := range sentences(s.Text) {
				toks := tokenize(sent)
				for _, t := range q {
					if slices.Contains(toks, t) {
						snip = sent
						break find
					}
				}
			}
		}
		hits = append(hits, Hit{a.Title, a.Category, math.Round(score*1000) / 1000, snip})
	}
	slices.SortStableFunc(hits, func(a, b Hit) int { return cmp.Compare(b.Score, a.Score) })
	limit := in.Limit
	if limit == 0 {
		limit = 5
	}
	out.Total = len(hits)
	out.Results = append(out.Results, hits[:min(limit, len(hits))]...)
	return nil, out, nil
}

func (x *index) getArticle(_ context.Context, _ *mcp.CallToolRequest, in titleIn) (*mcp.CallToolResult, articleOut, error) {
	a, err := x.lookup(in.Title)
	if err != nil {
		return nil, articleOut{}, err
	}
	return nil, articleOut{a.Title, a.Category, a.Sections, len(strings.Fields(a.text())) - len(a.Sections)}, nil
}

func (x *index) listSections(_ context.Context, _ *mcp.CallToolRequest, in titleIn) (*mcp.CallToolResult, sectionsOut, error) {
	a, err := x.lookup(in.Title)
	if err != nil {
		return nil, sectionsOut{}, err
	}
	out := sectionsOut{Title: a.Title}
	for i, s := range a.Sections {
		out.Sections = append(out.Sections, SectionInfo{i + 1, s.Title, len(strings.Fields(s.Text))})
	}
	return nil, out, nil
}

func (x *index) getSection(_ context.Context, _ *mcp.CallToolRequest, in sectionIn) (*mcp.CallToolResult, sectionOut, error) {
	a, err := x.lookup(in.Title)
	if err != nil {
		return nil, sectionOut{}, err
	}
	var names []string
	for _, s := range a.Sections {
		if strings.EqualFold(s.Title, strings.TrimSpace(in.Section)) {
			return nil, sectionOut{a.Title, s.Title, s.Text}, nil
		}
		names = append(names, s.Title)
	}
	return nil, sectionOut{}, fmt.Errorf("article %q has no section %q; its sections are: %s", a.Title, in.Section, strings.Join(names, ", "))
}

func (x *index) getSummary(_ context.Context, _ *mcp.CallToolRequest, in titleIn) (*mcp.CallToolResult, summaryOut, error) {
	a, err := x.lookup(in.Title)
	if err != nil {
		return nil, summaryOut{}, err
	}
	return nil, summaryOut{a.Title, a.Category, a.Summary}, nil
}

func (x *index) getInfobox(_ context.Context, _ *mcp.CallToolRequest, in titleIn) (*mcp.CallToolResult, infoboxOut, error) {
	a, err := x.lookup(in.Title)
	if err != nil {
		return nil, infoboxOut{}, err
	}
	return nil, infoboxOut{a.Title, a.Category, a.Infobox}, nil
}

func mentions(text, title string) bool {
	toks := tokenize(text)
	want := tokenize(title)
	for i := 0; i+len(want) <= len(toks); i++ {
		if slices.Equal(toks[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

func (x *index) relatedArticles(_ context.Context, _ *mcp.CallToolRequest, in relatedIn) (*mcp.CallToolResult, relatedOut, error) {
	a, err := x.lookup(in.Title)
	if err != nil {
		return nil, relatedOut{}, err
	}
	out := relatedOut{Title: a.Title, Related: []Related{}}
	for _, b := range x.articles {
		if b == a {
			continue
		}
		r := Related{Title: b.Title, Category: b.Category, Reasons: []string{}}
		add := func(n int, why string) { r.Score += n; r.Reasons = append(r.Reasons, why) }
		if slices.Contains(a.Related, b.Title) {
			add(4, "links to")
		}
		if slices.Contains(b.Related, a.Title) {
			add(4, "linked from")
		}
		if !slices.Contains(a.Related, b.Title) && mentions(a.text(), b.Title) {
			add(2, "mentions")
		}
		if !slices.Contains(b.Related, a.Title) && mentions(b.text(), a.Title) {
			add(2, "mentioned by")
		}
		if a.Category == b.Category {
			same := false
			for _, k := range []string{"continent", "country", "field", "category"} {
				if va, ok := a.Infobox[k]; ok && va == b.Infobox[k] {
					same = true
				}
			}
			if same {
				add(1, "same "+a.Category+" group")
			}
		}
		if r.Score > 0 {
			out.Related = append(out.Related, r)
		}
	}
	slices.SortStableFunc(out.Related, func(p, q Related) int { return cmp.Compare(q.Score, p.Score) })
	limit := in.Limit
	if limit == 0 {
		limit = 5
	}
	out.Related = out.Related[:min(limit, len(out.Related))]
	return nil, out, nil
}

func (x *index) randomArticle(_ context.Context, _ *mcp.CallToolRequest, in randomIn) (*mcp.CallToolResult, summaryOut, error) {
	var pool []*article
	for _, a := range x.articles {
		if in.Category == "" || a.Category == in.Category {
			pool = append(pool, a)
		}
	}
	// A multiplicative hash spreads consecutive seeds over the pool.
	i := int((uint64(in.Seed)*2654435761 + 40503) % uint64(len(pool)))
	a := pool[i]
	return nil, summaryOut{a.Title, a.Category, a.Summary}, nil
}

func (x *index) listArticles(_ context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
	out := listOut{Articles: []Entry{}, Counts: map[string]int{}}
	if err := checkCategory(in.Category); err != nil {
		return nil, out, err
	}
	for _, a := range x.articles {
		out.Counts[a.Category]++
		if in.Category == "" || a.Category == in.Category {
			out.Articles = append(out.Articles, Entry{a.Title, a.Category})
		}
	}
	return nil, out, nil
}
