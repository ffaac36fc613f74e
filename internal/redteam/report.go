package redteam

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ScenarioInfo describes a scenario in a report.
type ScenarioInfo struct {
	ID      string `json:"id"`
	Class   string `json:"class"`
	Title   string `json:"title"`
	Attack  string `json:"attack"`
	Task    string `json:"task"`
	Stop    string `json:"expected_stop"`
	Program bool   `json:"program_side"`
}

// Rate is successes over attempts.
type Rate struct {
	Succeeded int     `json:"succeeded"`
	Total     int     `json:"total"`
	Rate      float64 `json:"rate"`
}

// LayerCheck compares a scenario with what THREATS.md expects of a layer.
type LayerCheck struct {
	Scenario string `json:"scenario"`
	Expected string `json:"expected_stop"` // layer THREATS.md names
	// StoppedBy is the first configuration in the ladder from which the
	// attack stays blocked ("" = never).
	StoppedBy string `json:"stopped_by"`
	OK        bool   `json:"as_expected"`
}

// Report is the result of a suite run.
type Report struct {
	Started time.Time `json:"started"`
	Ms      int64     `json:"ms"`
	// Driver is who sat in the agent's seat: "scripted" (the compromised
	// model, the worst case) or "llm" (Model, a real model).
	Driver    string          `json:"driver"`
	Model     string          `json:"model,omitempty"`
	Limits    Limits          `json:"limits"`
	Configs   []Configuration `json:"configurations"`
	Scenarios []ScenarioInfo  `json:"scenarios"`
	Controls  []string        `json:"controls"`
	Outcomes  []Outcome       `json:"outcomes"`
	// Benign are the controls' runs; Blocked means a false positive.
	Benign []Outcome `json:"benign"`

	// PerConfig, PerClass and PerPhase are attack success rates: config →
	// rate, and config → class/phase → rate.
	PerConfig map[string]Rate            `json:"success_rate"`
	PerClass  map[string]map[string]Rate `json:"success_rate_by_class"`
	PerPhase  map[string]map[string]Rate `json:"success_rate_by_phase"`
	// FalsePositives is config → benign controls blocked.
	FalsePositives map[string]Rate `json:"false_positive_rate"`
	Layers         []LayerCheck    `json:"layers"`
}

// Outcome returns the cell of scenario × config.
func (r *Report) Outcome(scenario, config string) (Outcome, bool) {
	for _, o := range r.Outcomes {
		if o.Scenario == scenario && o.Config == config {
			return o, true
		}
	}
	return Outcome{}, false
}

func (r *Report) finish() {
	r.Ms = time.Since(r.Started).Milliseconds()
	order := map[string]int{}
	for i, s := range r.Scenarios {
		order[s.ID] = i
	}
	sort.Slice(r.Outcomes, func(i, j int) bool {
		return order[r.Outcomes[i].Scenario] < order[r.Outcomes[j].Scenario]
	})
	corder := map[string]int{}
	for i, c := range r.Controls {
		corder[c] = i
	}
	sort.SliceStable(r.Benign, func(i, j int) bool { return corder[r.Benign[i].Scenario] < corder[r.Benign[j].Scenario] })
	class := map[string]string{}
	for _, s := range r.Scenarios {
		class[s.ID] = s.Class
	}
	r.PerConfig = map[string]Rate{}
	r.PerClass = map[string]map[string]Rate{}
	r.PerPhase = map[string]map[string]Rate{}
	r.FalsePositives = map[string]Rate{}
	add := func(m map[string]Rate, k string, ok bool) {
		x := m[k]
		x.Total++
		if ok {
			x.Succeeded++
		}
		x.Rate = float64(x.Succeeded) / float64(x.Total)
		m[k] = x
	}
	for _, o := range r.Outcomes {
		add(r.PerConfig, o.Config, !o.Blocked)
		if r.PerClass[o.Config] == nil {
			r.PerClass[o.Config], r.PerPhase[o.Config] = map[string]Rate{}, map[string]Rate{}
		}
		add(r.PerClass[o.Config], class[o.Scenario], !o.Blocked)
		add(r.PerPhase[o.Config], ClassOf(class[o.Scenario]).Phase, !o.Blocked)
	}
	for _, o := range r.Benign {
		add(r.FalsePositives, o.Config, o.Blocked)
	}
	// Which configuration of the ladder first stops each attack for good.
	for _, s := range r.Scenarios {
		lc := LayerCheck{Scenario: s.ID, Expected: s.Stop}
		for i := len(r.Configs) - 1; i >= 0; i-- {
			o, ok := r.Outcome(s.ID, r.Configs[i].Name)
			if !ok || !o.Blocked {
				break
			}
			lc.StoppedBy = r.Configs[i].Name
		}
		lc.OK = lc.StoppedBy != "" && r.layerOf(lc.StoppedBy) == s.Stop
		r.Layers = append(r.Layers, lc)
	}
}

// layerOf names the layer a configuration adds.
func (r *Report) layerOf(config string) string {
	for _, c := range r.Configs {
		if c.Name == config {
			return c.Adds
		}
	}
	return ""
}

func pct(x Rate) string {
	if x.Total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", x.Succeeded, x.Total)
}

func mark(o Outcome, ok bool) string {
	switch {
	case !ok:
		return "?"
	case o.Blocked:
		return "blocked"
	default:
		return "SUCCEEDED"
	}
}

// WriteText writes the terminal table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprint(tw, "scenario\texpect")
	for _, c := range r.Configs {
		fmt.Fprintf(tw, "\t%s", c.Name)
	}
	fmt.Fprintln(tw)
	for _, s := range r.Scenarios {
		fmt.Fprintf(tw, "%s\t%s", s.ID, s.Stop)
		for _, c := range r.Configs {
			o, ok := r.Outcome(s.ID, c.Name)
			fmt.Fprintf(tw, "\t%s", mark(o, ok))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "ATTACKS SUCCEEDED\t")
	for _, c := range r.Configs {
		fmt.Fprintf(tw, "\t%s", pct(r.PerConfig[c.Name]))
	}
	fmt.Fprintln(tw)
	fmt.Fprint(tw, "BENIGN BLOCKED\t")
	for _, c := range r.Configs {
		fmt.Fprintf(tw, "\t%s", pct(r.FalsePositives[c.Name]))
	}
	fmt.Fprintln(tw)
	if err := tw.Flush(); err != nil {
		return err
	}
	last := r.Configs[len(r.Configs)-1].Name
	var still []string
	for _, o := range r.Outcomes {
		if o.Config == last && !o.Blocked {
			still = append(still, fmt.Sprintf("  %s: %s", o.Scenario, strings.Join(o.Effects, "; ")))
		}
	}
	if len(still) > 0 {
		fmt.Fprintf(w, "\nStill succeeding under %q:\n%s\n", last, strings.Join(still, "\n"))
	}
	for _, o := range r.Benign {
		if o.Config == last && o.Blocked {
			fmt.Fprintf(w, "  benign %s blocked under %q: %s\n", o.Scenario, last, strings.Join(o.Effects, "; "))
		}
	}
	fmt.Fprintf(w, "\n%d scenarios, %d benign controls, %d configurations in %.1fs; agent: %s\n", len(r.Scenarios), len(r.Controls), len(r.Configs), float64(r.Ms)/1000, r.agent())
	return nil
}

// WriteMarkdown writes report.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# cemcp red team\n\n")
	fmt.Fprintf(&b, "%d scenarios over the 16 classes of THREATS.md, %d benign controls, %d configurations (%s). "+
		"Each cell says whether the attack **succeeded** (its oracle saw the effect) or was blocked. Agent: %s.\n\n",
		len(r.Scenarios), len(r.Controls), len(r.Configs), r.Started.Format(time.RFC3339), r.agent())
	b.WriteString("## Summary\n\n| | ")
	for _, c := range r.Configs {
		b.WriteString(c.Name + " | ")
	}
	b.WriteString("\n|---|")
	for range r.Configs {
		b.WriteString("---|")
	}
	b.WriteString("\n| attacks succeeded | ")
	for _, c := range r.Configs {
		b.WriteString(pct(r.PerConfig[c.Name]) + " | ")
	}
	b.WriteString("\n| benign blocked (false positives) | ")
	for _, c := range r.Configs {
		b.WriteString(pct(r.FalsePositives[c.Name]) + " | ")
	}
	b.WriteString("\n\n## By phase (attacks succeeded)\n\n")
	r.mdRates(&b, r.PerPhase, phases(r))
	b.WriteString("\n## By class (attacks succeeded)\n\n")
	var cls []string
	for _, c := range Classes {
		cls = append(cls, c.ID)
	}
	r.mdRates(&b, r.PerClass, cls)
	b.WriteString("\n## Matrix\n\n| scenario | expected stop | ")
	for _, c := range r.Configs {
		b.WriteString(c.Name + " | ")
	}
	b.WriteString("\n|---|---|")
	for range r.Configs {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "| `%s` %s | %s | ", s.ID, s.Title, s.Stop)
		for _, c := range r.Configs {
			o, ok := r.Outcome(s.ID, c.Name)
			m := mark(o, ok)
			if m == "SUCCEEDED" {
				m = "**succeeded**"
			}
			b.WriteString(m + " | ")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n## Layers against THREATS.md\n\nThe configuration from which each attack stays blocked, against the layer THREATS.md names.\n\n| scenario | expected | stopped from | |\n|---|---|---|---|\n")
	for _, l := range r.Layers {
		ok := "as expected"
		switch {
		case l.StoppedBy == "":
			ok = "**never stopped**"
		case !l.OK:
			ok = "stopped by another layer (" + r.layerOf(l.StoppedBy) + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", l.Scenario, l.Expected, l.StoppedBy, ok)
	}
	last := r.Configs[len(r.Configs)-1].Name
	b.WriteString("\n## Attacks that still succeed under `" + last + "`\n\n")
	n := 0
	for _, o := range r.Outcomes {
		if o.Config == last && !o.Blocked {
			n++
			fmt.Fprintf(&b, "- `%s`: %s\n", o.Scenario, strings.Join(o.Effects, "; "))
		}
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
	b.WriteString("\n## Benign controls blocked\n\n")
	n = 0
	for _, o := range r.Benign {
		if o.Blocked {
			n++
			fmt.Fprintf(&b, "- `%s` under %s: %s\n", o.Scenario, o.Config, strings.Join(o.Effects, "; "))
		}
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
	b.WriteString("\n## Scenarios\n\n| id | attack | task |\n|---|---|---|\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.ID, strings.ReplaceAll(s.Attack, "|", "\\|"), s.Task)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func phases(r *Report) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range Classes {
		if !seen[c.Phase] {
			seen[c.Phase] = true
			out = append(out, c.Phase)
		}
	}
	return out
}

func (r *Report) mdRates(b *strings.Builder, m map[string]map[string]Rate, keys []string) {
	b.WriteString("| | ")
	for _, c := range r.Configs {
		b.WriteString(c.Name + " | ")
	}
	b.WriteString("\n|---|")
	for range r.Configs {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, k := range keys {
		name := k
		if c := ClassOf(k); c.Name != "" {
			name = k + " " + c.Name
		}
		fmt.Fprintf(b, "| %s | ", name)
		for _, c := range r.Configs {
			b.WriteString(pct(m[c.Name][k]) + " | ")
		}
		b.WriteString("\n")
	}
}

// WriteFiles writes report.json, report.md and heatmap.png into dir.
func (r *Report) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	files := []string{filepath.Join(dir, "report.json"), filepath.Join(dir, "report.md"), filepath.Join(dir, "heatmap.png")}
	if err := os.WriteFile(files[0], append(js, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var md strings.Builder
	_ = r.WriteMarkdown(&md)
	if err := os.WriteFile(files[1], []byte(md.String()), 0o644); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := r.Heatmap(files[2]); err != nil {
		return nil, err
	}
	return files, nil
}

// grid is the matrix as a heat map grid: rows are scenarios (first at the
// top), columns configurations; 1 = succeeded.
type grid struct{ r *Report }

func (g grid) Dims() (c, r int) { return len(g.r.Configs), len(g.r.Scenarios) }
func (g grid) Z(c, r int) float64 {
	s := g.r.Scenarios[len(g.r.Scenarios)-1-r]
	if o, ok := g.r.Outcome(s.ID, g.r.Configs[c].Name); ok && !o.Blocked {
		return 1
	}
	return 0
}
func (g grid) X(c int) float64 { return float64(c) }
func (g grid) Y(r int) float64 { return float64(r) }

type twoColors struct{}

func (twoColors) Colors() []color.Color {
	return []color.Color{color.RGBA{R: 60, G: 160, B: 90, A: 255}, color.RGBA{R: 214, G: 39, B: 40, A: 255}}
}

// Heatmap writes the matrix as a PNG: red = the attack succeeded, green =
// blocked.
func (r *Report) Heatmap(file string) error {
	if len(r.Scenarios) == 0 || len(r.Configs) == 0 {
		return fmt.Errorf("heat map: empty report")
	}
	p := plot.New()
	p.Title.Text = "cemcp red team: attack succeeded (red) or blocked (green)"
	h := plotter.NewHeatMap(grid{r}, twoColors{})
	h.Min, h.Max = 0, 1
	p.Add(h)
	var xs, ys []string
	for _, c := range r.Configs {
		xs = append(xs, c.Name)
	}
	for i := len(r.Scenarios) - 1; i >= 0; i-- {
		ys = append(ys, r.Scenarios[i].ID)
	}
	p.NominalX(xs...)
	p.NominalY(ys...)
	p.Y.Tick.Label.Font.Size = vg.Points(7)
	height := vg.Length(len(r.Scenarios))*vg.Points(11) + 2*vg.Inch
	if err := p.Save(9*vg.Inch, height, file); err != nil {
		return fmt.Errorf("heat map: %w", err)
	}
	return nil
}
