package documents

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for are but not you all any can her was one our out has have had
		this that with from they will would there their what about which when your into than then them these
		its also been were more some such only other over just most per each via use used using should could
		may must both after before under while where who how does did doing very two three`) {
		stopWords[w] = true
	}
}

type statsIn struct {
	Path string `json:"path" jsonschema:"file path relative to the store root"`
	Top  int    `json:"top,omitempty" jsonschema:"number of most frequent words to return" minimum:"0" maximum:"50" default:"10"`
}

type statsOut struct {
	Path          string       `json:"path" jsonschema:"file path"`
	Lines         int          `json:"lines" jsonschema:"lines"`
	BlankLines    int          `json:"blank_lines" jsonschema:"empty or whitespace-only lines"`
	Words         int          `json:"words" jsonschema:"whitespace-separated words"`
	Characters    int          `json:"characters" jsonschema:"Unicode characters"`
	Bytes         int          `json:"bytes" jsonschema:"bytes"`
	Sentences     int          `json:"sentences" jsonschema:"approximate sentence count (. ! ? endings)"`
	AvgWordLength float64      `json:"avg_word_length" jsonschema:"mean letters per word, two decimals"`
	TopWords      []ValueCount `json:"top_words" jsonschema:"most frequent words of 3+ letters, lowercased, stop words excluded"`
	Headings      []string     `json:"headings,omitempty" jsonschema:"Markdown headings"`
}

func (st *store) textStats(_ context.Context, _ *mcp.CallToolRequest, in statsIn) (*mcp.CallToolResult, statsOut, error) {
	var out statsOut
	p, text, err := st.read(in.Path)
	if err != nil {
		return nil, out, err
	}
	ls := lines(text)
	out = statsOut{Path: p, Lines: len(ls), Bytes: len(text), Characters: len([]rune(text)), TopWords: []ValueCount{}}
	for _, l := range ls {
		if strings.TrimSpace(l) == "" {
			out.BlankLines++
		}
	}
	words := strings.Fields(text)
	out.Words = len(words)
	counts := map[string]int{}
	letters := 0
	for _, w := range words {
		if strings.ContainsAny(w[len(w)-1:], ".!?") {
			out.Sentences++
		}
		clean := strings.ToLower(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))
		for _, r := range clean {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if len(clean) >= 3 && !stopWords[clean] && strings.IndexFunc(clean, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '\'' }) < 0 {
			counts[clean]++
		}
	}
	if out.Words > 0 {
		out.AvgWordLength = float64(int(float64(letters)/float64(out.Words)*100+0.5)) / 100
	}
	for w, c := range counts {
		out.TopWords = append(out.TopWords, ValueCount{w, c})
	}
	slices.SortFunc(out.TopWords, func(a, b ValueCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) })
	top := in.Top
	if top == 0 {
		top = 10
	}
	out.TopWords = out.TopWords[:min(top, len(out.TopWords))]
	if fileType(p) == "markdown" {
		out.Headings = headings(text)
	}
	return nil, out, nil
}

type diffIn struct {
	Old     string `json:"old" jsonschema:"path of the original file"`
	New     string `json:"new" jsonschema:"path of the changed file"`
	Context int    `json:"context,omitempty" jsonschema:"unchanged lines shown around each change" minimum:"0" maximum:"20" default:"3"`
}

type diffOut struct {
	Old       string `json:"old" jsonschema:"original file"`
	New       string `json:"new" jsonschema:"changed file"`
	Identical bool   `json:"identical" jsonschema:"true if the files are equal"`
	Added     int    `json:"added" jsonschema:"lines only in new"`
	Removed   int    `json:"removed" jsonschema:"lines only in old"`
	Hunks     int    `json:"hunks" jsonschema:"number of @@ hunks"`
	Diff      string `json:"diff" jsonschema:"unified diff (empty when identical)"`
}

// maxDiffCells bounds the LCS table (old lines × new lines).
const maxDiffCells = 4_000_000

func (st *store) diffFiles(_ context.Context, _ *mcp.CallToolRequest, in diffIn) (*mcp.CallToolResult, diffOut, error) {
	var out diffOut
	pa, ta, err := st.read(in.Old)
	if err != nil {
		return nil, out, fmt.Errorf("old: %w", err)
	}
	pb, tb, err := st.read(in.New)
	if err != nil {
		return nil, out, fmt.Errorf("new: %w", err)
	}
	a, b := lines(ta), lines(tb)
	if (len(a)+1)*(len(b)+1) > maxDiffCells {
		return nil, out, fmt.Errorf("files too large to diff (%d × %d lines); read them in ranges instead", len(a), len(b))
	}
	out.Old, out.New = pa, pb
	ops := diffLines(a, b)
	for _, o := range ops {
		switch o.kind {
		case '+':
			out.Added++
		case '-':
			out.Removed++
		}
	}
	out.Identical = out.Added == 0 && out.Removed == 0
	if !out.Identical {
		out.Diff, out.Hunks = unified(pa, pb, ops, in.Context)
	}
	return nil, out, nil
}

type diffOp struct {
	kind       byte // ' ', '-', '+'
	text       string
	aLine, bLn int // 1-based positions before this op
}

// diffLines computes a shortest edit script by longest common subsequence.
func diffLines(a, b []string) []diffOp {
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i + 1, j + 1})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', a[i], i + 1, j + 1})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], i + 1, j + 1})
			j++
		}
	}
	return ops
}

// unified renders ops as a unified diff with ctx lines of context.
func unified(pa, pb string, ops []diffOp, ctx int) (string, int) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", pa, pb)
	hunks := 0
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-ctx)
		end := i
		// Extend the hunk while the next change is within 2*ctx lines.
		for k := i; k < len(ops); k++ {
			if ops[k].kind != ' ' {
				end = k
			} else if k-end > 2*ctx {
				break
			}
		}
		stop := min(len(ops), end+ctx+1)
		var aN, bN int
		for _, o := range ops[start:stop] {
			if o.kind != '+' {
				aN++
			}
			if o.kind != '-' {
				bN++
			}
		}
		aStart, bStart := ops[start].aLine, ops[start].bLn
		if aN == 0 {
			aStart--
		}
		if bN == 0 {
			bStart--
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", aStart, aN, bStart, bN)
		for _, o := range ops[start:stop] {
			sb.WriteByte(o.kind)
			sb.WriteString(o.text)
			sb.WriteByte('\n')
		}
		hunks++
		i = stop
	}
	return sb.String(), hunks
}
