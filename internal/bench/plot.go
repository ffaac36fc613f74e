package bench

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var agentColor = map[string]color.Color{
	Coupled: color.RGBA{R: 214, G: 39, B: 40, A: 255},
	Search:  color.RGBA{R: 255, G: 127, B: 14, A: 255},
	Code:    color.RGBA{R: 31, G: 119, B: 180, A: 255},
}

var categoryColor = map[string]color.Color{
	"single": color.RGBA{R: 44, G: 160, B: 44, A: 255},
	"two":    color.RGBA{R: 148, G: 103, B: 189, A: 255},
	"three":  color.RGBA{R: 23, G: 190, B: 207, A: 255},
}

var agentLabel = map[string]string{
	Coupled: "coupled (all schemas every turn)",
	Search:  "search (schemas found by search_tools)",
	Code:    "code mode (search, describe, execute_code)",
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	return p
}

// Plots writes the PNG plots into dir.
func (r *Report) Plots(dir string) ([]string, error) {
	var files []string
	save := func(p *plot.Plot, name string, w, h vg.Length) error {
		f := filepath.Join(dir, name)
		if err := p.Save(w, h, f); err != nil {
			return fmt.Errorf("plot %s: %w", name, err)
		}
		files = append(files, f)
		return nil
	}
	// Tokens against a sweep variable, one line per agent.
	sweepPlot := func(sweep, title, xlabel string, xOf func(Point) float64, logX bool) *plot.Plot {
		p := newPlot(title, xlabel, "tokens per task (input + output)")
		if logX {
			p.Y.Label.Text = "tokens per task (input + output, log scale)"
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = niceLogTicks{}
			p.X.Scale = plot.LogScale{}
			p.X.Tick.Marker = niceLogTicks{}
		}
		for _, s := range Strategies {
			var xys plotter.XYs
			for _, pt := range r.Points {
				if pt.Sweep == sweep && pt.Strategy == s && pt.Category == "all" {
					xys = append(xys, plotter.XY{X: xOf(pt), Y: pt.Total})
				}
			}
			if len(xys) == 0 {
				continue
			}
			sort.Slice(xys, func(i, j int) bool { return xys[i].X < xys[j].X })
			l, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				continue
			}
			l.Color, pts.Color = agentColor[s], agentColor[s]
			l.Width = vg.Points(2)
			pts.Shape = draw.CircleGlyph{}
			p.Add(l, pts)
			p.Legend.Add(agentLabel[s], l, pts)
		}
		if !logX {
			p.Y.Min = 0
		}
		return p
	}
	ps := sweepPlot(SweepServers, "Tokens per task vs connected servers (replay; mean over the tasks whose servers fit)",
		"connected MCP servers (1: single-server tasks only; 2: one- and two-server tasks; 3+: all)",
		func(p Point) float64 { return float64(p.X) }, false)
	if err := save(ps, "tokens_vs_servers.png", 9*vg.Inch, 6*vg.Inch); err != nil {
		return files, err
	}
	pt := sweepPlot(SweepTools, "Tokens per task vs catalog size (task's servers + distractors)", "tools in the catalog (mean over tasks, log scale)",
		func(p Point) float64 { return p.CatalogTools }, true)
	if err := save(pt, "tokens_vs_tools.png", 9*vg.Inch, 6*vg.Inch); err != nil {
		return files, err
	}
	if f, err := r.latencyPlot(dir); err != nil {
		return files, err
	} else {
		files = append(files, f)
	}
	if err := save(r.scatterPlot(), "per_task_scatter.png", 8*vg.Inch, 7*vg.Inch); err != nil {
		return files, err
	}
	if err := save(r.predPlot(), "predicted_vs_measured.png", 8*vg.Inch, 7*vg.Inch); err != nil {
		return files, err
	}
	return files, nil
}

// latencyPlot: measured time split (left) and modelled model time (right)
// per agent at the largest server count.
func (r *Report) latencyPlot(dir string) (string, error) {
	x := r.Headline.MaxServers
	pts := map[string]Point{}
	for _, p := range r.Points {
		if p.Sweep == SweepServers && p.X == x && p.Category == "all" {
			pts[p.Strategy] = p
		}
	}
	var names []string
	for _, s := range Strategies {
		if _, ok := pts[s]; ok {
			names = append(names, s)
		}
	}
	left := newPlot(fmt.Sprintf("Measured time per task at %d servers", x), "agent", "milliseconds (mean per task)")
	left.Legend.Left = false
	parts := []struct {
		name string
		get  func(Point) float64
		c    color.Color
	}{
		{"upstream tool time", func(p Point) float64 { return p.ToolMs }, color.RGBA{R: 44, G: 160, B: 44, A: 255}},
		{"gateway + transport overhead", func(p Point) float64 { return p.GatewayMs }, color.RGBA{R: 127, G: 127, B: 127, A: 255}},
		{"sandbox (program, excl. calls)", func(p Point) float64 { return p.SandboxMs }, color.RGBA{R: 31, G: 119, B: 180, A: 255}},
	}
	var below *plotter.BarChart
	for _, part := range parts {
		var vs plotter.Values
		for _, n := range names {
			vs = append(vs, part.get(pts[n]))
		}
		b, err := plotter.NewBarChart(vs, vg.Points(50))
		if err != nil {
			return "", fmt.Errorf("latency plot: %w", err)
		}
		b.Color = part.c
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		below = b
		left.Add(b)
		left.Legend.Add(part.name, b)
	}
	left.NominalX(names...)
	right := newPlot("Modelled model time per task (cost model)", "agent", "seconds (mean per task)")
	var vs plotter.Values
	for _, n := range names {
		vs = append(vs, pts[n].ModelMs/1000)
	}
	b, err := plotter.NewBarChart(vs, vg.Points(50))
	if err != nil {
		return "", fmt.Errorf("latency plot: %w", err)
	}
	b.Color = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	b.LineStyle.Width = 0
	right.Add(b)
	right.Legend.Add(fmt.Sprintf("%.0f ms/turn + in @ %.0f tok/s + out @ %.0f tok/s", r.Cost.TurnOverheadMs, r.Cost.PrefillTPS, r.Cost.DecodeTPS), b)
	right.NominalX(names...)
	right.Legend.Left = true
	for _, p := range []*plot.Plot{left, right} {
		p.Y.Min = 0
		p.Y.Max *= 1.3 // room for the legend
		p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	}

	img := vgimg.New(14*vg.Inch, 6*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 2, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	left.Draw(tiles.At(dc, 0, 0))
	right.Draw(tiles.At(dc, 1, 0))
	f := filepath.Join(dir, "latency_breakdown.png")
	fh, err := os.Create(f)
	if err != nil {
		return "", fmt.Errorf("latency plot: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(fh); err != nil {
		fh.Close()
		return "", fmt.Errorf("latency plot: %w", err)
	}
	return f, fh.Close()
}

// scatterPlot: per task, the share of tokens code mode saves against the
// coupled agent's tokens, at the largest server count.
func (r *Report) scatterPlot() *plot.Plot {
	x := r.Headline.MaxServers
	p := newPlot(fmt.Sprintf("Per task at %d servers: code-mode saving vs coupled tokens", x), "coupled agent's tokens for the task",
		"tokens saved by code mode (% of coupled)")
	p.Legend.Top, p.Legend.Left = false, false
	coupled := map[string]*Run{}
	for _, run := range r.Runs {
		if run.Sweep == SweepServers && run.X == x && run.Strategy == Coupled {
			coupled[run.Task] = run
		}
	}
	lo, hi := math.Inf(1), 0.0
	for _, cat := range []string{"single", "two", "three"} {
		var xys plotter.XYs
		for _, run := range r.Runs {
			if run.Sweep == SweepServers && run.X == x && run.Strategy == Code && run.Category == cat {
				if c, ok := coupled[run.Task]; ok {
					ct := float64(c.Total())
					xys = append(xys, plotter.XY{X: ct, Y: 100 * (1 - float64(run.Total())/ct)})
					lo, hi = math.Min(lo, ct), math.Max(hi, ct)
				}
			}
		}
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		s.Color = categoryColor[cat]
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(4)
		p.Add(s)
		p.Legend.Add(cat+"-server tasks", s)
	}
	if hi > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: 90}, {X: hi, Y: 90}})
		if err == nil {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
			l.Color = color.Gray{Y: 90}
			p.Add(l)
			p.Legend.Add("90 % saving", l)
		}
	}
	p.Y.Max = 100
	return p
}

// predPlot: predicted against measured tokens for every distinct run.
func (r *Report) predPlot() *plot.Plot {
	p := newPlot("Token model: predicted vs measured (every distinct run)", "measured tokens (log scale)", "predicted tokens (log scale)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = niceLogTicks{}, niceLogTicks{}
	lo, hi := math.Inf(1), 0.0
	runs := r.distinct()
	for _, s := range Strategies {
		var xys plotter.XYs
		for _, run := range runs {
			if run.Strategy == s && run.Total() > 0 && run.Predicted > 0 {
				xys = append(xys, plotter.XY{X: float64(run.Total()), Y: float64(run.Predicted)})
				lo, hi = math.Min(lo, float64(run.Total())), math.Max(hi, float64(run.Total()))
			}
		}
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		sc.Color = agentColor[s]
		sc.Radius = vg.Points(2.5)
		p.Add(sc)
		p.Legend.Add(agentLabel[s], sc)
	}
	if hi > 0 {
		for _, f := range []float64{1, 0.85, 1.15} {
			l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo * f}, {X: hi, Y: hi * f}})
			if err != nil {
				continue
			}
			l.Color = color.Gray{Y: 90}
			if f != 1 {
				l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
			}
			p.Add(l)
			switch f {
			case 1:
				p.Legend.Add("predicted = measured", l)
			case 0.85:
				p.Legend.Add("±15 %", l)
			}
		}
	}
	return p
}

// niceLogTicks marks 1, 2 and 5 times powers of ten on a log axis, labelled
// with k and M suffixes.
type niceLogTicks struct{}

func (niceLogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	if lo <= 0 {
		lo = 1
	}
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			ts = append(ts, plot.Tick{Value: v, Label: short(v)})
		}
	}
	return ts
}

func short(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	default:
		return fmt.Sprintf("%g", v)
	}
}
