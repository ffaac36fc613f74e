package catalog

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hit is one search result.
type Hit struct {
	Tool  *Tool
	Score float64
}

const (
	bm25K1        = 1.2
	bm25B         = 0.75
	synonymWeight = 0.4
	exactBoost    = 1e6

	weightName        = 3
	weightTitle       = 2
	weightServer      = 1.5
	weightDescription = 1
	weightInput       = 0.5
)

type posting struct {
	doc int32
	tf  float32
}

type index struct {
	tools    []*Tool
	postings map[string][]posting
	idf      map[string]float64
	norm     []float64 // k1 * (1 - b + b*len/avgLen) per doc
	exact    map[string][]int32
}

func buildIndex(tools []*Tool) *index {
	idx := &index{
		tools:    tools,
		postings: map[string][]posting{},
		idf:      map[string]float64{},
		norm:     make([]float64, len(tools)),
		exact:    map[string][]int32{},
	}
	lens := make([]float64, len(tools))
	var total float64
	for d, t := range tools {
		tf := map[string]float64{}
		add := func(text string, w float64) {
			for _, term := range tokenize(text) {
				tf[term] += w
				lens[d] += w
			}
		}
		add(t.Name, weightName)
		title := t.Title
		if title == "" && t.Annotations != nil {
			title = t.Annotations.Title
		}
		add(title, weightTitle)
		add(t.Server, weightServer)
		add(t.Description, weightDescription)
		for _, p := range inputProperties(t.InputSchema) {
			add(p, weightInput)
		}
		total += lens[d]
		for term, f := range tf {
			idx.postings[term] = append(idx.postings[term], posting{doc: int32(d), tf: float32(f)})
		}
		for _, key := range []string{t.Qualified, t.JSServer + "." + t.JSName, t.Name} {
			k := strings.ToLower(key)
			if l := idx.exact[k]; len(l) == 0 || l[len(l)-1] != int32(d) {
				idx.exact[k] = append(l, int32(d))
			}
		}
	}
	avg := 1.0
	if len(tools) > 0 && total > 0 {
		avg = total / float64(len(tools))
	}
	for d := range tools {
		idx.norm[d] = bm25K1 * (1 - bm25B + bm25B*lens[d]/avg)
	}
	n := float64(len(tools))
	for term, ps := range idx.postings {
		df := float64(len(ps))
		idx.idf[term] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	return idx
}

// inputProperties returns the top-level property names and descriptions of
// an input schema; anything unexpected is ignored.
func inputProperties(schema json.RawMessage) []string {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return nil
	}
	var out []string
	for name, raw := range s.Properties {
		out = append(out, name)
		var p struct {
			Description string `json:"description"`
		}
		if json.Unmarshal(raw, &p) == nil && p.Description != "" {
			out = append(out, p.Description)
		}
	}
	sort.Strings(out) // deterministic float sums
	return out
}

func (idx *index) search(query string, limit int) []Hit {
	scores := make([]float64, len(idx.tools))
	hit := make([]bool, len(idx.tools))
	for term, w := range queryTerms(query) {
		idf := idx.idf[term]
		for _, p := range idx.postings[term] {
			tf := float64(p.tf)
			scores[p.doc] += w * idf * tf * (bm25K1 + 1) / (tf + idx.norm[p.doc])
			hit[p.doc] = true
		}
	}
	for _, d := range idx.exact[strings.ToLower(strings.TrimSpace(query))] {
		scores[d] += exactBoost
		hit[d] = true
	}
	var hits []Hit
	for d, ok := range hit {
		if ok && scores[d] > 0 {
			hits = append(hits, Hit{Tool: idx.tools[d], Score: scores[d]})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Tool.Qualified < hits[j].Tool.Qualified
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// queryTerms tokenizes a query and adds synonyms, with a weight per term.
func queryTerms(query string) map[string]float64 {
	terms := map[string]float64{}
	toks := tokenize(query)
	for _, t := range toks {
		terms[t] = 1
	}
	for _, t := range toks {
		for _, s := range synonyms[t] {
			if terms[s] < synonymWeight {
				terms[s] = synonymWeight
			}
		}
	}
	return terms
}

// tokenize splits text into words, lowercases them, drops stop words and
// stems what is left.
func tokenize(text string) []string {
	words := splitWords(text)
	out := words[:0]
	for _, w := range words {
		if stopWords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// splitWords splits on every non-letter-digit rune and on camelCase
// boundaries ("getHTTPResponse" → get, http, response), and lowercases.
func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.IsUpper(r) {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the to of in on at for and or is are was were be been
		being with by from as it its this that these those what whats which who whom how when where
		why will would should could can may might do does did done i im me my mine we our us you
		your he she they them their there here please want wanted need needs like going gonna
		let lets just also into about up some any s t d ll re ve m so then than if not no yes
		thing things something anything stuff via using use`) {
		stopWords[w] = true
	}
}

// stem is a light English stemmer: enough to make plurals, -ing, -ed, -ly
// and -ion forms meet their base (create, creates, creating, created,
// creation → creat). It only needs to be consistent, not linguistic.
func stem(w string) string {
	if utf8.RuneCountInString(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"),
		strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "ly") && len(w) > 5:
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ion") && len(w) > 5:
		w = w[:len(w)-3]
	}
	if strings.HasSuffix(w, "e") && len(w) > 4 {
		w = w[:len(w)-1]
	}
	return w
}

// undouble drops one of a doubled final consonant (runn → run).
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

// synonymGroups are interchangeable words in tool vocabulary. A query term
// is expanded with the other members of each group it belongs to.
var synonymGroups = [][]string{
	{"get", "fetch", "retrieve", "read", "show", "view", "display", "load"},
	{"find", "search", "lookup", "query", "look", "locate", "filter"},
	{"create", "add", "new", "insert", "make", "open", "register", "start"},
	{"delete", "remove", "erase", "destroy", "drop", "purge", "discard"},
	{"update", "edit", "modify", "change", "patch", "set", "rename", "alter"},
	{"list", "enumerate", "all", "browse"},
	{"weather", "forecast", "temperature", "rain", "climate"},
	{"convert", "conversion", "transform", "exchange"},
	{"send", "post", "deliver", "notify", "dm", "write"},
	{"message", "msg", "chat", "text"},
	{"user", "member", "person", "people", "account", "profile"},
	{"file", "document", "doc"},
	{"directory", "folder", "dir"},
	{"email", "mail", "inbox"},
	{"event", "meeting", "appointment", "calendar"},
	{"schedule", "book", "plan"},
	{"payment", "pay", "charge", "transaction"},
	{"customer", "client", "contact"},
	{"issue", "ticket", "bug"},
	{"repository", "repo", "project"},
	{"database", "db", "sql", "table"},
	{"upload", "put", "store", "save"},
	{"download", "export"},
	{"stop", "cancel", "halt", "abort"},
	{"team", "group", "channel"},
	{"picture", "image", "photo"},
	{"money", "currency"},
	{"cost", "price"},
	{"invoice", "bill", "billing"},
	{"refund", "reimburse"},
	{"comment", "reply", "respond"},
	{"merge", "combine"},
	{"run", "execute", "trigger", "invoke"},
	{"summary", "summarize", "overview"},
	{"tomorrow", "daily", "day"},
	{"song", "track", "music"},
	{"address", "location", "place"},
	{"direction", "route", "navigate"},
	{"note", "page"},
	{"stock", "quote", "ticker"},
}

var synonyms = map[string][]string{}

func init() {
	for _, g := range synonymGroups {
		stems := make([]string, len(g))
		for i, w := range g {
			stems[i] = stem(w)
		}
		for _, a := range stems {
			for _, b := range stems {
				if a != b && !contains(synonyms[a], b) {
					synonyms[a] = append(synonyms[a], b)
				}
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
