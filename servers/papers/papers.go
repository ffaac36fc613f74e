// Package papers is a bundled MCP server over a deterministic corpus of
// 620 computer-science papers (2012-2024) by 340 authors in 21 venues, with
// a citation graph between them and the venues' 2025 calls for papers. The
// corpus is generated from a seeded PRNG and vocabulary lists.
//
// It mirrors the scholarly-search servers of MCP-Bench: paper and author
// search, citation traversal, venue listings, deadline windows and citation
// statistics. All tools are read-only.
package papers

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "papers"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Scholarly corpus (620 papers, 340 authors, 21 venues, citations, 2025 calls for papers): search, citations, authors, deadlines"

// New returns the server with all tools registered.
func New() *mcp.Server {
	c := build()
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Research papers", Version: "v1.0.0"}, &mcp.ServerOptions{
		Instructions: "A corpus of computer-science papers. Paper ids look like P0042, author ids like A017. Today is " + Today.Format(time.DateOnly) + ".",
	})
	c.register(s)
	return s
}

// ---- shared output types ----

// AuthorRef names an author.
type AuthorRef struct {
	ID   string `json:"id" jsonschema:"author id, e.g. A017"`
	Name string `json:"name" jsonschema:"full name"`
}

// PaperSummary is a paper in a result list.
type PaperSummary struct {
	ID        string   `json:"id" jsonschema:"paper id, e.g. P0042"`
	Title     string   `json:"title" jsonschema:"title"`
	Authors   []string `json:"authors" jsonschema:"author names in byline order"`
	Venue     string   `json:"venue" jsonschema:"venue short name"`
	Year      int      `json:"year" jsonschema:"publication year"`
	Citations int      `json:"citations" jsonschema:"times cited within the corpus"`
}

func (c *corpus) summary(p *Paper) PaperSummary {
	names := make([]string, len(p.Authors))
	for i, a := range p.Authors {
		names[i] = c.authorM[a].Name
	}
	return PaperSummary{p.ID, p.Title, names, p.Venue, p.Year, len(p.Citations)}
}

func (c *corpus) paper(id string) (*Paper, error) {
	if p, ok := c.byID[strings.ToUpper(strings.TrimSpace(id))]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no paper %q; ids run from P0001 to P%04d (find papers with search_papers)", id, numPapers)
}

func (c *corpus) author(id string) (*Author, error) {
	if a, ok := c.authorM[strings.ToUpper(strings.TrimSpace(id))]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("no author %q; ids run from A001 to A%03d (find authors with search_authors)", id, numAuthors)
}

func checkVenue(v string) error {
	if v != "" && venueOf(v) == nil {
		var names []string
		for _, x := range venues {
			names = append(names, x.Short)
		}
		return fmt.Errorf("unknown venue %q; venues are: %s", v, strings.Join(names, ", "))
	}
	return nil
}

func checkTopic(t string) error {
	if t != "" && topicOf(t) == nil {
		var names []string
		for _, x := range topics {
			names = append(names, x.Name)
		}
		return fmt.Errorf("unknown topic %q; topics are: %s", t, strings.Join(names, ", "))
	}
	return nil
}

// ---- tools ----

type searchIn struct {
	Query    string `json:"query,omitempty" jsonschema:"words to match in title, abstract and keywords (all must occur); empty matches every paper" maxLength:"300"`
	YearFrom int    `json:"year_from,omitempty" jsonschema:"earliest publication year" minimum:"2012" maximum:"2024"`
	YearTo   int    `json:"year_to,omitempty" jsonschema:"latest publication year" minimum:"2012" maximum:"2024"`
	Venue    string `json:"venue,omitempty" jsonschema:"venue short name, e.g. NeurIPS or SIGMOD (see list_venues)"`
	Topic    string `json:"topic,omitempty" jsonschema:"research area" enum:"machine learning,natural language processing,computer vision,databases,systems,security,programming languages,software engineering,data mining,networking"`
	Sort     string `json:"sort,omitempty" jsonschema:"result order" enum:"relevance,citations,newest" default:"\"relevance\""`
	Limit    int    `json:"limit,omitempty" jsonschema:"maximum results" minimum:"1" maximum:"100" default:"10"`
}

// SearchHit is a search result.
type SearchHit struct {
	PaperSummary
	Score   float64 `json:"score" jsonschema:"relevance score"`
	Snippet string  `json:"snippet" jsonschema:"abstract text around the first match"`
}

type searchOut struct {
	Results []SearchHit `json:"results" jsonschema:"matching papers in the requested order"`
	Total   int         `json:"total" jsonschema:"all matching papers"`
}

type paperIn struct {
	PaperID string `json:"paper_id" jsonschema:"paper id, e.g. P0042" minLength:"2" maxLength:"10"`
}

type paperOut struct {
	ID             string      `json:"id" jsonschema:"paper id"`
	Title          string      `json:"title" jsonschema:"title"`
	Authors        []AuthorRef `json:"authors" jsonschema:"authors in byline order"`
	Venue          string      `json:"venue" jsonschema:"venue short name"`
	VenueFull      string      `json:"venue_full" jsonschema:"venue full name"`
	Year           int         `json:"year" jsonschema:"publication year"`
	Topic          string      `json:"topic" jsonschema:"research area"`
	Pages          string      `json:"pages" jsonschema:"page range in the proceedings"`
	DOI            string      `json:"doi" jsonschema:"DOI"`
	Keywords       []string    `json:"keywords" jsonschema:"keywords"`
	Abstract       string      `json:"abstract" jsonschema:"abstract"`
	ReferenceCount int         `json:"reference_count" jsonschema:"papers it cites in the corpus"`
	CitationCount  int         `json:"citation_count" jsonschema:"papers in the corpus that cite it"`
}

type linksIn struct {
	PaperID string `json:"paper_id" jsonschema:"paper id, e.g. P0042" minLength:"2" maxLength:"10"`
	Limit   int    `json:"limit,omitempty" jsonschema:"maximum papers to return" minimum:"1" maximum:"200" default:"25"`
}

type linksOut struct {
	PaperID string         `json:"paper_id" jsonschema:"the paper asked about"`
	Total   int            `json:"total" jsonschema:"number of linked papers"`
	Papers  []PaperSummary `json:"papers" jsonschema:"linked papers, most cited first"`
}

type authorIn struct {
	AuthorID string `json:"author_id" jsonschema:"author id, e.g. A017" minLength:"2" maxLength:"10"`
}

// Coauthor is a frequent collaborator.
type Coauthor struct {
	AuthorRef
	SharedPapers int `json:"shared_papers" jsonschema:"papers written together"`
}

type authorOut struct {
	ID            string     `json:"id" jsonschema:"author id"`
	Name          string     `json:"name" jsonschema:"full name"`
	Affiliation   string     `json:"affiliation" jsonschema:"institution"`
	MainTopic     string     `json:"main_topic" jsonschema:"research area of most papers"`
	PaperCount    int        `json:"paper_count" jsonschema:"papers in the corpus"`
	CitationCount int        `json:"citation_count" jsonschema:"total citations of those papers"`
	HIndex        int        `json:"h_index" jsonschema:"h-index within the corpus"`
	FirstYear     int        `json:"first_year" jsonschema:"year of the first paper"`
	LastYear      int        `json:"last_year" jsonschema:"year of the latest paper"`
	TopCoauthors  []Coauthor `json:"top_coauthors" jsonschema:"up to 5 most frequent coauthors"`
}

type searchAuthorsIn struct {
	Query string `json:"query,omitempty" jsonschema:"part of a name or affiliation (case-insensitive)" maxLength:"100"`
	Topic string `json:"topic,omitempty" jsonschema:"only authors whose main topic is this research area" enum:"machine learning,natural language processing,computer vision,databases,systems,security,programming languages,software engineering,data mining,networking"`
	Limit int    `json:"limit,omitempty" jsonschema:"maximum results" minimum:"1" maximum:"100" default:"10"`
}

// AuthorSummary is an author in a result list.
type AuthorSummary struct {
	ID            string `json:"id" jsonschema:"author id"`
	Name          string `json:"name" jsonschema:"full name"`
	Affiliation   string `json:"affiliation" jsonschema:"institution"`
	MainTopic     string `json:"main_topic" jsonschema:"research area"`
	PaperCount    int    `json:"paper_count" jsonschema:"papers"`
	CitationCount int    `json:"citation_count" jsonschema:"citations"`
}

type searchAuthorsOut struct {
	Authors []AuthorSummary `json:"authors" jsonschema:"matches, most cited first"`
	Total   int             `json:"total" jsonschema:"all matches"`
}

type authorPapersIn struct {
	AuthorID string `json:"author_id" jsonschema:"author id, e.g. A017" minLength:"2" maxLength:"10"`
	Sort     string `json:"sort,omitempty" jsonschema:"order" enum:"newest,citations" default:"\"newest\""`
	Limit    int    `json:"limit,omitempty" jsonschema:"maximum papers" minimum:"1" maximum:"100" default:"20"`
}

type authorPapersOut struct {
	AuthorID string         `json:"author_id" jsonschema:"author id"`
	Name     string         `json:"name" jsonschema:"author name"`
	Total    int            `json:"total" jsonschema:"papers by the author"`
	Papers   []PaperSummary `json:"papers" jsonschema:"papers in the requested order"`
}

type venuesIn struct {
	Topic string `json:"topic,omitempty" jsonschema:"only venues in this research area" enum:"machine learning,natural language processing,computer vision,databases,systems,security,programming languages,software engineering,data mining,networking"`
}

// VenueInfo describes a venue.
type VenueInfo struct {
	Short        string  `json:"short" jsonschema:"short name"`
	Full         string  `json:"full" jsonschema:"full name"`
	Topic        string  `json:"topic" jsonschema:"research area"`
	Papers       int     `json:"papers" jsonschema:"papers in the corpus"`
	MeanCitation float64 `json:"mean_citations" jsonschema:"mean citations per paper"`
}

type venuesOut struct {
	Venues []VenueInfo `json:"venues" jsonschema:"venues sorted by short name"`
}

type cfpIn struct {
	Topic string `json:"topic,omitempty" jsonschema:"only calls covering this research area or keyword (e.g. privacy)"`
	From  string `json:"from,omitempty" jsonschema:"earliest paper deadline, YYYY-MM-DD; default today (2025-01-15)"`
	To    string `json:"to,omitempty" jsonschema:"latest paper deadline, YYYY-MM-DD; default one year after from"`
	Venue string `json:"venue,omitempty" jsonschema:"only this venue"`
}

// CallForPapers is one call with its dates.
type CallForPapers struct {
	Venue            string   `json:"venue" jsonschema:"venue short name"`
	Edition          string   `json:"edition" jsonschema:"conference edition"`
	Location         string   `json:"location" jsonschema:"city"`
	AbstractDeadline string   `json:"abstract_deadline" jsonschema:"abstract registration deadline"`
	PaperDeadline    string   `json:"paper_deadline" jsonschema:"full paper deadline"`
	DaysLeft         int      `json:"days_left" jsonschema:"days from today to the paper deadline (negative if passed)"`
	Notification     string   `json:"notification" jsonschema:"author notification date"`
	ConferenceStart  string   `json:"conference_start" jsonschema:"first conference day"`
	ConferenceEnd    string   `json:"conference_end" jsonschema:"last conference day"`
	Topics           []string `json:"topics" jsonschema:"topics of interest"`
	PageLimit        int      `json:"page_limit" jsonschema:"page limit excluding references"`
}

type cfpOut struct {
	Today string          `json:"today" jsonschema:"the corpus's current date"`
	Calls []CallForPapers `json:"calls" jsonschema:"calls by paper deadline, soonest first"`
}

type statsIn struct {
	Venue    string `json:"venue,omitempty" jsonschema:"only papers from this venue"`
	Topic    string `json:"topic,omitempty" jsonschema:"only papers in this research area" enum:"machine learning,natural language processing,computer vision,databases,systems,security,programming languages,software engineering,data mining,networking"`
	AuthorID string `json:"author_id,omitempty" jsonschema:"only papers by this author"`
	YearFrom int    `json:"year_from,omitempty" jsonschema:"earliest year" minimum:"2012" maximum:"2024"`
	YearTo   int    `json:"year_to,omitempty" jsonschema:"latest year" minimum:"2012" maximum:"2024"`
}

// YearCount is the per-year breakdown.
type YearCount struct {
	Year      int `json:"year" jsonschema:"year"`
	Papers    int `json:"papers" jsonschema:"papers published"`
	Citations int `json:"citations" jsonschema:"citations those papers received"`
}

type statsOut struct {
	Papers         int            `json:"papers" jsonschema:"papers in scope"`
	TotalCitations int            `json:"total_citations" jsonschema:"sum of their citation counts"`
	Mean           float64        `json:"mean" jsonschema:"mean citations per paper (2 decimals)"`
	Median         float64        `json:"median" jsonschema:"median citations per paper"`
	Max            int            `json:"max" jsonschema:"most citations of one paper"`
	Uncited        int            `json:"uncited" jsonschema:"papers with no citations"`
	HIndex         int            `json:"h_index" jsonschema:"h-index of the set"`
	ByYear         []YearCount    `json:"by_year" jsonschema:"breakdown by publication year"`
	TopPapers      []PaperSummary `json:"top_papers" jsonschema:"5 most cited papers"`
}

func (c *corpus) register(s *mcp.Server) {
	tooldef.Add(s, tooldef.ReadOnly, "search_papers", "Search papers",
		"Search papers by words in title, abstract and keywords, optionally filtered by year range, venue and topic. Sort by relevance, citations or newest.",
		c.searchPapers)
	tooldef.Add(s, tooldef.ReadOnly, "get_paper", "Get paper",
		"Get a paper's full record: authors with ids, venue, year, topic, pages, DOI, keywords, abstract, and its reference and citation counts.",
		c.getPaper)
	tooldef.Add(s, tooldef.ReadOnly, "get_citations", "Get citing papers",
		"List the papers in the corpus that cite the given paper, most cited first.",
		c.getCitations)
	tooldef.Add(s, tooldef.ReadOnly, "get_references", "Get references",
		"List the papers in the corpus that the given paper cites, most cited first.",
		c.getReferences)
	tooldef.Add(s, tooldef.ReadOnly, "get_author", "Get author",
		"Get an author's profile: affiliation, main topic, paper and citation counts, h-index, active years and top coauthors.",
		c.getAuthor)
	tooldef.Add(s, tooldef.ReadOnly, "search_authors", "Search authors",
		"Find authors by part of their name or affiliation, optionally limited to a research area; most cited first.",
		c.searchAuthors)
	tooldef.Add(s, tooldef.ReadOnly, "author_papers", "Author's papers",
		"List an author's papers, newest or most cited first.",
		c.authorPapers)
	tooldef.Add(s, tooldef.ReadOnly, "list_venues", "List venues",
		"List publication venues with full name, research area, paper count and mean citations, optionally for one research area.",
		c.listVenues)
	tooldef.Add(s, tooldef.ReadOnly, "calls_for_papers", "Calls for papers",
		"List upcoming calls for papers with abstract and paper deadlines, notification and conference dates, filtered by topic, venue and a paper-deadline window.",
		c.callsForPapers)
	tooldef.Add(s, tooldef.ReadOnly, "citation_stats", "Citation statistics",
		"Citation statistics for a set of papers selected by venue, topic, author and year range: totals, mean, median, max, h-index, per-year breakdown and top papers.",
		c.citationStats)
}

func (c *corpus) searchPapers(_ context.Context, _ *mcp.CallToolRequest, in searchIn) (*mcp.CallToolResult, searchOut, error) {
	out := searchOut{Results: []SearchHit{}}
	if err := checkVenue(in.Venue); err != nil {
		return nil, out, err
	}
	if in.YearFrom != 0 && in.YearTo != 0 && in.YearFrom > in.YearTo {
		return nil, out, fmt.Errorf("year_from %d is after year_to %d", in.YearFrom, in.YearTo)
	}
	words := strings.Fields(strings.ToLower(in.Query))
	var hits []SearchHit
	for _, p := range c.papers {
		if in.YearFrom != 0 && p.Year < in.YearFrom || in.YearTo != 0 && p.Year > in.YearTo ||
			in.Venue != "" && !strings.EqualFold(p.Venue, in.Venue) || in.Topic != "" && p.Topic != in.Topic {
			continue
		}
		title, abs, kw := strings.ToLower(p.Title), strings.ToLower(p.Abstract), strings.ToLower(strings.Join(p.Keywords, " "))
		score, ok := 0.0, true
		for _, w := range words {
			t, a, k := strings.Count(title, w), strings.Count(abs, w), strings.Count(kw, w)
			if t+a+k == 0 {
				ok = false
				break
			}
			score += 3*float64(t) + float64(a) + 2*float64(k)
		}
		if !ok {
			continue
		}
		score = math.Round((score+math.Log1p(float64(len(p.Citations)))/2)*1000) / 1000
		snip := p.Abstract
		if len(words) > 0 {
			if i := strings.Index(abs, words[0]); i > 80 {
				snip = "…" + p.Abstract[i-60:]
			}
		}
		if len(snip) > 200 {
			cut := strings.LastIndexByte(snip[:200], ' ')
			snip = snip[:cut] + "…"
		}
		hits = append(hits, SearchHit{c.summary(p), score, snip})
	}
	slices.SortStableFunc(hits, func(a, b SearchHit) int {
		switch in.Sort {
		case "citations":
			return cmp.Compare(b.Citations, a.Citations)
		case "newest":
			return cmp.Or(cmp.Compare(b.Year, a.Year), cmp.Compare(b.ID, a.ID))
		}
		return cmp.Compare(b.Score, a.Score)
	})
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	out.Total = len(hits)
	out.Results = append(out.Results, hits[:min(limit, len(hits))]...)
	return nil, out, nil
}

func (c *corpus) getPaper(_ context.Context, _ *mcp.CallToolRequest, in paperIn) (*mcp.CallToolResult, paperOut, error) {
	var out paperOut
	p, err := c.paper(in.PaperID)
	if err != nil {
		return nil, out, err
	}
	v := venueOf(p.Venue)
	out = paperOut{ID: p.ID, Title: p.Title, Venue: p.Venue, VenueFull: v.Full, Year: p.Year, Topic: p.Topic, Pages: p.Pages,
		DOI:      fmt.Sprintf("10.5555/%s.%d.%s", strings.ToLower(strings.ReplaceAll(p.Venue, " ", "")), p.Year, p.ID[1:]),
		Keywords: p.Keywords, Abstract: p.Abstract, ReferenceCount: len(p.References), CitationCount: len(p.Citations)}
	for _, a := range p.Authors {
		out.Authors = append(out.Authors, AuthorRef{a, c.authorM[a].Name})
	}
	return nil, out, nil
}

func (c *corpus) links(in linksIn, ids func(*Paper) []string) (linksOut, error) {
	out := linksOut{Papers: []PaperSummary{}}
	p, err := c.paper(in.PaperID)
	if err != nil {
		return out, err
	}
	out.PaperID = p.ID
	var ps []PaperSummary
	for _, id := range ids(p) {
		ps = append(ps, c.summary(c.byID[id]))
	}
	slices.SortStableFunc(ps, func(a, b PaperSummary) int { return cmp.Compare(b.Citations, a.Citations) })
	limit := in.Limit
	if limit == 0 {
		limit = 25
	}
	out.Total = len(ps)
	out.Papers = append(out.Papers, ps[:min(limit, len(ps))]...)
	return out, nil
}

func (c *corpus) getCitations(_ context.Context, _ *mcp.CallToolRequest, in linksIn) (*mcp.CallToolResult, linksOut, error) {
	out, err := c.links(in, func(p *Paper) []string { return p.Citations })
	return nil, out, err
}

func (c *corpus) getReferences(_ context.Context, _ *mcp.CallToolRequest, in linksIn) (*mcp.CallToolResult, linksOut, error) {
	out, err := c.links(in, func(p *Paper) []string { return p.References })
	return nil, out, err
}

func hIndex(cites []int) int {
	s := slices.Clone(cites)
	slices.SortFunc(s, func(a, b int) int { return b - a })
	h := 0
	for i, n := range s {
		if n >= i+1 {
			h = i + 1
		}
	}
	return h
}

func (c *corpus) authorStats(a *Author) (papers, cites int, topic string) {
	topics := map[string]int{}
	for _, id := range a.Papers {
		p := c.byID[id]
		cites += len(p.Citations)
		topics[p.Topic]++
	}
	topic = a.Topic
	for t, n := range topics {
		if n > topics[topic] || n == topics[topic] && t < topic {
			topic = t
		}
	}
	return len(a.Papers), cites, topic
}

func (c *corpus) getAuthor(_ context.Context, _ *mcp.CallToolRequest, in authorIn) (*mcp.CallToolResult, authorOut, error) {
	var out authorOut
	a, err := c.author(in.AuthorID)
	if err != nil {
		return nil, out, err
	}
	out = authorOut{ID: a.ID, Name: a.Name, Affiliation: a.Affiliation, TopCoauthors: []Coauthor{}}
	out.PaperCount, out.CitationCount, out.MainTopic = c.authorStats(a)
	var cites []int
	co := map[string]int{}
	for _, id := range a.Papers {
		p := c.byID[id]
		cites = append(cites, len(p.Citations))
		if out.FirstYear == 0 || p.Year < out.FirstYear {
			out.FirstYear = p.Year
		}
		out.LastYear = max(out.LastYear, p.Year)
		for _, b := range p.Authors {
			if b != a.ID {
				co[b]++
			}
		}
	}
	out.HIndex = hIndex(cites)
	for id, n := range co {
		out.TopCoauthors = append(out.TopCoauthors, Coauthor{AuthorRef{id, c.authorM[id].Name}, n})
	}
	slices.SortFunc(out.TopCoauthors, func(x, y Coauthor) int {
		return cmp.Or(cmp.Compare(y.SharedPapers, x.SharedPapers), cmp.Compare(x.ID, y.ID))
	})
	out.TopCoauthors = out.TopCoauthors[:min(5, len(out.TopCoauthors))]
	return nil, out, nil
}

func (c *corpus) searchAuthors(_ context.Context, _ *mcp.CallToolRequest, in searchAuthorsIn) (*mcp.CallToolResult, searchAuthorsOut, error) {
	out := searchAuthorsOut{Authors: []AuthorSummary{}}
	if err := checkTopic(in.Topic); err != nil {
		return nil, out, err
	}
	q := strings.ToLower(strings.TrimSpace(in.Query))
	var all []AuthorSummary
	for _, a := range c.authors {
		if q != "" && !strings.Contains(strings.ToLower(a.Name+" | "+a.Affiliation), q) {
			continue
		}
		n, cites, topic := c.authorStats(a)
		if in.Topic != "" && topic != in.Topic {
			continue
		}
		all = append(all, AuthorSummary{a.ID, a.Name, a.Affiliation, topic, n, cites})
	}
	slices.SortStableFunc(all, func(x, y AuthorSummary) int { return cmp.Compare(y.CitationCount, x.CitationCount) })
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	out.Total = len(all)
	out.Authors = append(out.Authors, all[:min(limit, len(all))]...)
	return nil, out, nil
}

func (c *corpus) authorPapers(_ context.Context, _ *mcp.CallToolRequest, in authorPapersIn) (*mcp.CallToolResult, authorPapersOut, error) {
	out := authorPapersOut{Papers: []PaperSummary{}}
	a, err := c.author(in.AuthorID)
	if err != nil {
		return nil, out, err
	}
	out.AuthorID, out.Name, out.Total = a.ID, a.Name, len(a.Papers)
	var ps []PaperSummary
	for _, id := range a.Papers {
		ps = append(ps, c.summary(c.byID[id]))
	}
	slices.SortStableFunc(ps, func(x, y PaperSummary) int {
		if in.Sort == "citations" {
			return cmp.Compare(y.Citations, x.Citations)
		}
		return cmp.Or(cmp.Compare(y.Year, x.Year), cmp.Compare(y.ID, x.ID))
	})
	limit := in.Limit
	if limit == 0 {
		limit = 20
	}
	out.Papers = append(out.Papers, ps[:min(limit, len(ps))]...)
	return nil, out, nil
}

func (c *corpus) listVenues(_ context.Context, _ *mcp.CallToolRequest, in venuesIn) (*mcp.CallToolResult, venuesOut, error) {
	out := venuesOut{Venues: []VenueInfo{}}
	if err := checkTopic(in.Topic); err != nil {
		return nil, out, err
	}
	for _, v := range venues {
		if in.Topic != "" && v.Topic != in.Topic {
			continue
		}
		vi := VenueInfo{Short: v.Short, Full: v.Full, Topic: v.Topic}
		cites := 0
		for _, p := range c.papers {
			if p.Venue == v.Short {
				vi.Papers++
				cites += len(p.Citations)
			}
		}
		if vi.Papers > 0 {
			vi.MeanCitation = math.Round(float64(cites)/float64(vi.Papers)*100) / 100
		}
		out.Venues = append(out.Venues, vi)
	}
	slices.SortFunc(out.Venues, func(a, b VenueInfo) int { return strings.Compare(a.Short, b.Short) })
	return nil, out, nil
}

func parseDate(name, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, fmt.Errorf("%s %q is not a date; use YYYY-MM-DD, e.g. 2025-03-01", name, s)
	}
	return t, nil
}

func (c *corpus) callsForPapers(_ context.Context, _ *mcp.CallToolRequest, in cfpIn) (*mcp.CallToolResult, cfpOut, error) {
	out := cfpOut{Today: Today.Format(time.DateOnly), Calls: []CallForPapers{}}
	if err := checkVenue(in.Venue); err != nil {
		return nil, out, err
	}
	from, err := parseDate("from", in.From, Today)
	if err != nil {
		return nil, out, err
	}
	to, err := parseDate("to", in.To, from.AddDate(1, 0, 0))
	if err != nil {
		return nil, out, err
	}
	if to.Before(from) {
		return nil, out, fmt.Errorf("to %s is before from %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	topic := strings.ToLower(in.Topic)
	for _, cf := range c.cfps {
		d, _ := time.Parse(time.DateOnly, cf.PaperDeadline)
		if d.Before(from) || d.After(to) || in.Venue != "" && !strings.EqualFold(cf.Venue, in.Venue) {
			continue
		}
		if topic != "" && !slices.ContainsFunc(cf.Topics, func(t string) bool { return strings.Contains(strings.ToLower(t), topic) }) {
			continue
		}
		out.Calls = append(out.Calls, CallForPapers{cf.Venue, cf.Edition, cf.Location, cf.AbstractDeadline, cf.PaperDeadline,
			int(d.Sub(Today).Hours() / 24), cf.Notification, cf.ConferenceStart, cf.ConferenceEnd, cf.Topics, cf.PageLimit})
	}
	return nil, out, nil
}

func (c *corpus) citationStats(_ context.Context, _ *mcp.CallToolRequest, in statsIn) (*mcp.CallToolResult, statsOut, error) {
	out := statsOut{ByYear: []YearCount{}, TopPapers: []PaperSummary{}}
	if err := checkVenue(in.Venue); err != nil {
		return nil, out, err
	}
	if err := checkTopic(in.Topic); err != nil {
		return nil, out, err
	}
	var author *Author
	if in.AuthorID != "" {
		a, err := c.author(in.AuthorID)
		if err != nil {
			return nil, out, err
		}
		author = a
	}
	var set []*Paper
	for _, p := range c.papers {
		if in.Venue != "" && !strings.EqualFold(p.Venue, in.Venue) || in.Topic != "" && p.Topic != in.Topic ||
			in.YearFrom != 0 && p.Year < in.YearFrom || in.YearTo != 0 && p.Year > in.YearTo ||
			author != nil && !slices.Contains(p.Authors, author.ID) {
			continue
		}
		set = append(set, p)
	}
	if len(set) == 0 {
		return nil, out, fmt.Errorf("no papers match these filters; widen the year range or drop a filter")
	}
	var cites []int
	years := map[int]*YearCount{}
	for _, p := range set {
		n := len(p.Citations)
		cites = append(cites, n)
		out.TotalCitations += n
		out.Max = max(out.Max, n)
		if n == 0 {
			out.Uncited++
		}
		y := years[p.Year]
		if y == nil {
			y = &YearCount{Year: p.Year}
			years[p.Year] = y
		}
		y.Papers++
		y.Citations += n
	}
	out.Papers = len(set)
	out.Mean = math.Round(float64(out.TotalCitations)/float64(len(set))*100) / 100
	s := slices.Sorted(slices.Values(cites))
	if len(s)%2 == 1 {
		out.Median = float64(s[len(s)/2])
	} else {
		out.Median = float64(s[len(s)/2-1]+s[len(s)/2]) / 2
	}
	out.HIndex = hIndex(cites)
	for _, y := range years {
		out.ByYear = append(out.ByYear, *y)
	}
	slices.SortFunc(out.ByYear, func(a, b YearCount) int { return a.Year - b.Year })
	slices.SortStableFunc(set, func(a, b *Paper) int { return cmp.Compare(len(b.Citations), len(a.Citations)) })
	for _, p := range set[:min(5, len(set))] {
		out.TopPapers = append(out.TopPapers, c.summary(p))
	}
	return nil, out, nil
}
