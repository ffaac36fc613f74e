package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a Sweep.
type Report struct {
	Generated     string             `json:"generated"`
	Quick         bool               `json:"quick"`
	ElapsedS      float64            `json:"elapsed_s"`
	Setups        int                `json:"setups"` // gateways started
	Cost          CostModel          `json:"cost_model"`
	BytesPerToken map[string]float64 `json:"bytes_per_token"`
	Headline      Headline           `json:"headline"`
	Points        []Point            `json:"points"`
	Runs          []*Run             `json:"runs"`
}

// Point is the mean of the runs of one sweep point, strategy and task
// category ("all" for every category).
type Point struct {
	Sweep        string  `json:"sweep"`
	X            int     `json:"x"`
	Strategy     string  `json:"strategy"`
	Category     string  `json:"category"`
	Runs         int     `json:"runs"`
	Correct      int     `json:"correct"`
	CatalogTools float64 `json:"catalog_tools"`
	Input        float64 `json:"input_tokens"`
	Output       float64 `json:"output_tokens"`
	Total        float64 `json:"total_tokens"`
	Predicted    float64 `json:"predicted_tokens"`
	Turns        float64 `json:"turns"`
	ToolCalls    float64 `json:"tool_calls"`
	ResultBytes  float64 `json:"result_bytes"`
	SchemaTokens float64 `json:"schema_tokens_first_turn"`
	ModelMs      float64 `json:"model_ms"`
	WallMs       float64 `json:"wall_ms"`
	ToolMs       float64 `json:"tool_ms"`
	GatewayMs    float64 `json:"gateway_ms"`
	SandboxMs    float64 `json:"sandbox_ms"`
}

// Headline holds the figures the study asks for.
type Headline struct {
	// At the largest server count, on two- and three-server tasks: the
	// share of tokens code mode saves against coupled, over all such tasks
	// and the smallest per task.
	MaxServers           int     `json:"max_servers"`
	MultiServerTasks     int     `json:"multi_server_tasks"`
	MultiServerSaving    float64 `json:"multi_server_saving"`
	MultiServerMinSaving float64 `json:"multi_server_min_saving"`
	// Tool sweep: the largest relative change of a task's code-mode tokens
	// from no distractors to DriftUpTo distractor tools (and the mean).
	DriftUpTo     int     `json:"drift_up_to"`
	CodeDriftMax  float64 `json:"code_drift_max"`
	CodeDriftMean float64 `json:"code_drift_mean"`
	// Coupled tokens against catalog tools: least-squares slope (tokens
	// per tool, over the whole task) and R².
	CoupledSlope float64 `json:"coupled_tokens_per_tool"`
	CoupledR2    float64 `json:"coupled_r2"` // over every run (tasks differ in size)
	// CoupledMeanR2 is R² of the fit over the sweep points' means.
	CoupledMeanR2 float64 `json:"coupled_mean_r2"`
	// Predicted against measured tokens, over distinct runs.
	PredRuns     int                   `json:"pred_runs"`
	PredWithin15 float64               `json:"pred_within_15pct"`
	PredMeanErr  float64               `json:"pred_mean_abs_err"`
	PredMaxErr   float64               `json:"pred_max_abs_err"`
	PredByAgent  map[string][2]float64 `json:"pred_by_agent"` // mean abs err, max abs err
	Runs         int                   `json:"runs"`
	Correct      int                   `json:"correct"`
}

func (r *Report) distinct() []*Run {
	seen := map[string]bool{}
	var out []*Run
	for _, x := range r.Runs {
		k := x.Setup.Key() + "|" + x.Task + "|" + x.Strategy
		if !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out
}

func relErr(pred, meas int) float64 {
	if meas == 0 {
		return 0
	}
	return math.Abs(float64(pred-meas)) / float64(meas)
}

func (r *Report) summarize() {
	r.Generated = time.Now().UTC().Format(time.RFC3339)
	type pk struct {
		sweep    string
		x        int
		strategy string
		category string
	}
	acc := map[pk]*Point{}
	var keys []pk
	for _, run := range r.Runs {
		for _, cat := range []string{run.Category, "all"} {
			k := pk{run.Sweep, run.X, run.Strategy, cat}
			p, ok := acc[k]
			if !ok {
				p = &Point{Sweep: k.sweep, X: k.x, Strategy: k.strategy, Category: k.category}
				acc[k] = p
				keys = append(keys, k)
			}
			p.Runs++
			if run.Correct {
				p.Correct++
			}
			p.CatalogTools += float64(run.CatalogTools)
			p.Input += float64(run.Input)
			p.Output += float64(run.Output)
			p.Total += float64(run.Total())
			p.Predicted += float64(run.Predicted)
			p.Turns += float64(len(run.Turns))
			p.ToolCalls += float64(run.ToolCalls)
			p.ResultBytes += float64(run.ResultBytes)
			if len(run.Turns) > 0 {
				p.SchemaTokens += float64(run.Turns[0].SchemaTokens)
			}
			p.ModelMs += run.ModelMs
			p.WallMs += run.Measured.WallMs
			p.ToolMs += run.Measured.ToolMs
			p.GatewayMs += run.Measured.GatewayMs
			p.SandboxMs += run.Measured.SandboxMs
		}
	}
	r.Points = nil
	for _, k := range keys {
		p := acc[k]
		n := float64(p.Runs)
		for _, f := range []*float64{&p.CatalogTools, &p.Input, &p.Output, &p.Total, &p.Predicted, &p.Turns, &p.ToolCalls, &p.ResultBytes,
			&p.SchemaTokens, &p.ModelMs, &p.WallMs, &p.ToolMs, &p.GatewayMs, &p.SandboxMs} {
			*f /= n
		}
		r.Points = append(r.Points, *p)
	}
	order := map[string]int{Coupled: 0, Search: 1, Code: 2}
	sort.SliceStable(r.Points, func(i, j int) bool {
		a, b := r.Points[i], r.Points[j]
		if a.Sweep != b.Sweep {
			return a.Sweep < b.Sweep
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		if a.X != b.X {
			return a.X < b.X
		}
		return order[a.Strategy] < order[b.Strategy]
	})
	r.headline()
}

func (r *Report) headline() {
	h := &r.Headline
	// Savings at the most servers.
	for _, run := range r.Runs {
		if run.Sweep == SweepServers && run.X > h.MaxServers {
			h.MaxServers = run.X
		}
	}
	byTask := func(sweep string, x int, strategy string) map[string]*Run {
		m := map[string]*Run{}
		for _, run := range r.Runs {
			if run.Sweep == sweep && run.X == x && run.Strategy == strategy {
				m[run.Task] = run
			}
		}
		return m
	}
	coupled, code := byTask(SweepServers, h.MaxServers, Coupled), byTask(SweepServers, h.MaxServers, Code)
	var sc, sx float64
	h.MultiServerMinSaving = 1
	for id, c := range coupled {
		x, ok := code[id]
		if !ok || c.Category == "single" {
			continue
		}
		h.MultiServerTasks++
		sc += float64(c.Total())
		sx += float64(x.Total())
		h.MultiServerMinSaving = min(h.MultiServerMinSaving, 1-float64(x.Total())/float64(c.Total()))
	}
	if sc > 0 {
		h.MultiServerSaving = 1 - sx/sc
	} else {
		h.MultiServerMinSaving = 0
	}
	// Code-mode drift over the tool sweep.
	var ds []int
	for _, run := range r.Runs {
		if run.Sweep == SweepTools && !slices.Contains(ds, run.X) {
			ds = append(ds, run.X)
		}
	}
	slices.Sort(ds)
	if len(ds) > 1 {
		h.DriftUpTo = ds[len(ds)-1]
		for _, d := range ds {
			if d <= 1000 {
				h.DriftUpTo = d
			}
		}
		base := byTask(SweepTools, ds[0], Code)
		n := 0
		for _, d := range ds[1:] {
			if d > h.DriftUpTo {
				continue
			}
			for id, run := range byTask(SweepTools, d, Code) {
				b, ok := base[id]
				if !ok {
					continue
				}
				drift := math.Abs(float64(run.Total())/float64(b.Total()) - 1)
				h.CodeDriftMax = max(h.CodeDriftMax, drift)
				h.CodeDriftMean += drift
				n++
			}
		}
		if n > 0 {
			h.CodeDriftMean /= float64(n)
		}
		var xs, ys []float64
		for _, run := range r.Runs {
			if run.Sweep == SweepTools && run.Strategy == Coupled {
				xs, ys = append(xs, float64(run.CatalogTools)), append(ys, float64(run.Total()))
			}
		}
		h.CoupledSlope, _, h.CoupledR2 = linfit(xs, ys)
		xs, ys = nil, nil
		for _, p := range r.Points {
			if p.Sweep == SweepTools && p.Strategy == Coupled && p.Category == "all" {
				xs, ys = append(xs, p.CatalogTools), append(ys, p.Total)
			}
		}
		_, _, h.CoupledMeanR2 = linfit(xs, ys)
	}
	// Predicted against measured.
	h.PredByAgent = map[string][2]float64{}
	counts := map[string]int{}
	within := 0
	for _, run := range r.distinct() {
		e := relErr(run.Predicted, run.Total())
		h.PredRuns++
		h.PredMeanErr += e
		h.PredMaxErr = max(h.PredMaxErr, e)
		if e <= 0.15 {
			within++
		}
		a := h.PredByAgent[run.Strategy]
		a[0] += e
		a[1] = max(a[1], e)
		h.PredByAgent[run.Strategy] = a
		counts[run.Strategy]++
		h.Runs++
		if run.Correct {
			h.Correct++
		}
	}
	if h.PredRuns > 0 {
		h.PredMeanErr /= float64(h.PredRuns)
		h.PredWithin15 = float64(within) / float64(h.PredRuns)
	}
	for s, a := range h.PredByAgent {
		a[0] /= float64(counts[s])
		h.PredByAgent[s] = a
	}
}

// linfit is ordinary least squares: slope, intercept, R².
func linfit(xs, ys []float64) (slope, icept, r2 float64) {
	n := float64(len(xs))
	if n < 2 {
		return 0, 0, 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return 0, my, 0
	}
	slope = sxy / sxx
	return slope, my - slope*mx, sxy * sxy / (sxx * syy)
}

// WriteTable writes the terminal table: the server sweep over all tasks.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sweep\tx\ttools\tagent\ttokens\tpredicted\tturns\tcalls\tmodel s\tmeasured ms\ttool ms\tgateway ms\tsandbox ms\tcorrect\t")
	for _, p := range r.Points {
		if p.Category != "all" {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d/%d\t\n", p.Sweep, p.X, p.CatalogTools, p.Strategy,
			p.Total, p.Predicted, p.Turns, p.ToolCalls, p.ModelMs/1000, p.WallMs, p.ToolMs, p.GatewayMs, p.SandboxMs, p.Correct, p.Runs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n"+r.headlineText())
	return err
}

func pct(f float64) string { return fmt.Sprintf("%.1f %%", 100*f) }

func (r *Report) headlineText() string {
	h := r.Headline
	var b strings.Builder
	fmt.Fprintf(&b, "- Code mode vs coupled at %d servers, %d multi-server tasks: %s fewer tokens overall, at least %s per task.\n",
		h.MaxServers, h.MultiServerTasks, pct(h.MultiServerSaving), pct(h.MultiServerMinSaving))
	fmt.Fprintf(&b, "- Code-mode tokens from 0 to %d distractor tools: largest change of a task %s, mean %s.\n", h.DriftUpTo, pct(h.CodeDriftMax), pct(h.CodeDriftMean))
	fmt.Fprintf(&b, "- Coupled tokens grow by %.1f tokens per catalog tool over a task (linear fit: R² = %.4f over the sweep means, %.3f over every run).\n",
		h.CoupledSlope, h.CoupledMeanR2, h.CoupledR2)
	fmt.Fprintf(&b, "- Predicted vs measured tokens over %d distinct runs: %s within 15 %%, mean error %s, largest %s.\n",
		h.PredRuns, pct(h.PredWithin15), pct(h.PredMeanErr), pct(h.PredMaxErr))
	for _, s := range Strategies {
		if a, ok := h.PredByAgent[s]; ok {
			fmt.Fprintf(&b, "  - %s: mean error %s, largest %s\n", s, pct(a[0]), pct(a[1]))
		}
	}
	fmt.Fprintf(&b, "- Answers accepted by the task checkers: %d of %d distinct runs.\n", h.Correct, h.Runs)
	fmt.Fprintf(&b, "- %d gateways started; sweep took %.1f s.\n", r.Setups, r.ElapsedS)
	return b.String()
}

// WriteDir writes report.json, report.md, runs.csv, points.csv and the
// plots into dir.
func (r *Report) WriteDir(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var files []string
	write := func(name string, f func(io.Writer) error) error {
		p := filepath.Join(dir, name)
		fh, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("create %s: %w", p, err)
		}
		if err := f(fh); err != nil {
			fh.Close()
			return fmt.Errorf("write %s: %w", p, err)
		}
		files = append(files, p)
		return fh.Close()
	}
	steps := []struct {
		name string
		f    func(io.Writer) error
	}{
		{"report.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(r)
		}},
		{"report.md", r.WriteMarkdown},
		{"runs.csv", r.writeRunsCSV},
		{"points.csv", r.writePointsCSV},
	}
	for _, s := range steps {
		if err := write(s.name, s.f); err != nil {
			return files, err
		}
	}
	pf, err := r.Plots(dir)
	files = append(files, pf...)
	return files, err
}

func (r *Report) writeRunsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"sweep", "x", "task", "category", "strategy", "servers", "catalog_tools", "turns", "input_tokens", "output_tokens",
		"total_tokens", "predicted_tokens", "model_tool_calls", "tool_calls", "result_bytes", "wall_ms", "tool_ms", "gateway_ms", "sandbox_ms",
		"model_ms", "search_recall", "correct"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	for _, x := range r.Runs {
		cw.Write([]string{x.Sweep, strconv.Itoa(x.X), x.Task, x.Category, x.Strategy, strconv.Itoa(x.Servers), strconv.Itoa(x.CatalogTools),
			strconv.Itoa(len(x.Turns)), strconv.Itoa(x.Input), strconv.Itoa(x.Output), strconv.Itoa(x.Total()), strconv.Itoa(x.Predicted),
			strconv.Itoa(x.ModelCalls), strconv.Itoa(x.ToolCalls), strconv.Itoa(x.ResultBytes), f(x.Measured.WallMs), f(x.Measured.ToolMs),
			f(x.Measured.GatewayMs), f(x.Measured.SandboxMs), f(x.ModelMs), f(x.SearchRecall), strconv.FormatBool(x.Correct)})
	}
	cw.Flush()
	return cw.Error()
}

func (r *Report) writePointsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"sweep", "x", "category", "strategy", "runs", "correct", "catalog_tools", "input_tokens", "output_tokens", "total_tokens",
		"predicted_tokens", "turns", "tool_calls", "result_bytes", "schema_tokens_first_turn", "model_ms", "wall_ms", "tool_ms", "gateway_ms", "sandbox_ms"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	for _, p := range r.Points {
		cw.Write([]string{p.Sweep, strconv.Itoa(p.X), p.Category, p.Strategy, strconv.Itoa(p.Runs), strconv.Itoa(p.Correct), f(p.CatalogTools),
			f(p.Input), f(p.Output), f(p.Total), f(p.Predicted), f(p.Turns), f(p.ToolCalls), f(p.ResultBytes), f(p.SchemaTokens), f(p.ModelMs),
			f(p.WallMs), f(p.ToolMs), f(p.GatewayMs), f(p.SandboxMs)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes report.md.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	mode := "full"
	if r.Quick {
		mode = "quick"
	}
	fmt.Fprintf(&b, "# cemcp bench: context-coupled vs code mode\n\nReplay driver, %s sweep, generated %s in %.1f s. Tokens are o200k_base counts of the exact requests a model would receive (see docs/model.md).\n\n", mode, r.Generated, r.ElapsedS)
	b.WriteString("## Headline\n\n" + r.headlineText() + "\n")
	b.WriteString(r.targetsText())
	fmt.Fprintf(&b, "Model latency is modelled, not measured: %.0f ms per turn + input at %.0f tokens/s + output at %.0f tokens/s. Measured time is the gateway, the transports, the servers and the sandbox only.\n\n",
		r.Cost.TurnOverheadMs, r.Cost.PrefillTPS, r.Cost.DecodeTPS)
	for _, sw := range []struct{ name, x string }{{SweepServers, "servers"}, {SweepTools, "distractor tools"}} {
		fmt.Fprintf(&b, "## Sweep: %s\n\n| category | %s | catalog tools | agent | tokens | predicted | error | turns | model s | measured ms (tool / gateway / sandbox) | correct |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|\n", sw.name, sw.x)
		for _, p := range r.Points {
			if p.Sweep != sw.name {
				continue
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %.0f | %.0f | %s | %.1f | %.1f | %.1f (%.1f / %.1f / %.1f) | %d/%d |\n", p.Category, p.X, p.CatalogTools, p.Strategy,
				p.Total, p.Predicted, pct(math.Abs(p.Predicted-p.Total)/p.Total), p.Turns, p.ModelMs/1000, p.WallMs, p.ToolMs, p.GatewayMs, p.SandboxMs, p.Correct, p.Runs)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Plots\n\n![tokens vs servers](tokens_vs_servers.png)\n![tokens vs tools](tokens_vs_tools.png)\n![latency](latency_breakdown.png)\n![per task](per_task_scatter.png)\n![predicted vs measured](predicted_vs_measured.png)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// targetsText compares the headline with the study's targets and, where a
// figure falls short, says why from the data of the run.
func (r *Report) targetsText() string {
	h := r.Headline
	var b strings.Builder
	b.WriteString("## Against the targets\n\n")
	if h.MultiServerSaving >= 0.90 {
		fmt.Fprintf(&b, "- Multi-server saving at %d servers: %s, meets >= 90 %%.\n", h.MaxServers, pct(h.MultiServerSaving))
	} else {
		fmt.Fprintf(&b, "- Multi-server saving at %d servers: %s, short of >= 90 %%. Code mode has a fixed cost per task "+
			"(the three code-mode tools in every turn, the search result, the typed declarations of the tools used, the program), "+
			"so its saving grows with the catalog: the bundled servers expose only %.0f tools here.", h.MaxServers, pct(h.MultiServerSaving), r.catalogAt(SweepServers, h.MaxServers))
		if x, ok := r.breakEven(0.90); ok {
			fmt.Fprintf(&b, " In the tool sweep the saving reaches 90 %% at about %.0f tools.", x)
		}
		b.WriteString("\n")
	}
	if h.CodeDriftMax <= 0.10 {
		fmt.Fprintf(&b, "- Code-mode tokens stay within 10 %% up to %d extra tools (largest change %s).\n", h.DriftUpTo, pct(h.CodeDriftMax))
	} else {
		fmt.Fprintf(&b, "- Code-mode tokens moved by up to %s, more than 10 %%.\n", pct(h.CodeDriftMax))
	}
	if h.PredWithin15 >= 0.999 {
		b.WriteString("- Every prediction is within 15 % of the measurement.\n")
	} else {
		fmt.Fprintf(&b, "- Predicted vs measured: %s of runs within 15 %% (largest error %s). The runs outside the band are tasks whose "+
			"arguments or results are long arrays of decimals: digits tokenize at fewer bytes per token than the model's calibrated "+
			"JSON ratio (docs/model.md).\n", pct(h.PredWithin15), pct(h.PredMaxErr))
	}
	b.WriteString("\n")
	return b.String()
}

// catalogAt is the catalog size at a sweep point (all categories).
func (r *Report) catalogAt(sweep string, x int) float64 {
	for _, p := range r.Points {
		if p.Sweep == sweep && p.X == x && p.Category == "all" {
			return p.CatalogTools
		}
	}
	return 0
}

// breakEven interpolates, over the tool sweep, the catalog size at which
// code mode saves the given share of coupled tokens.
func (r *Report) breakEven(share float64) (float64, bool) {
	type pt struct{ tools, saving float64 }
	byX := map[int]*struct{ tools, coupled, code float64 }{}
	for _, p := range r.Points {
		if p.Sweep != SweepTools || p.Category != "all" {
			continue
		}
		e := byX[p.X]
		if e == nil {
			e = &struct{ tools, coupled, code float64 }{}
			byX[p.X] = e
		}
		e.tools = p.CatalogTools
		switch p.Strategy {
		case Coupled:
			e.coupled = p.Total
		case Code:
			e.code = p.Total
		}
	}
	var pts []pt
	for _, e := range byX {
		if e.coupled > 0 && e.code > 0 {
			pts = append(pts, pt{e.tools, 1 - e.code/e.coupled})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].tools < pts[j].tools })
	for i := 1; i < len(pts); i++ {
		a, c := pts[i-1], pts[i]
		if a.saving < share && c.saving >= share {
			return a.tools + (share-a.saving)/(c.saving-a.saving)*(c.tools-a.tools), true
		}
	}
	return 0, false
}
