package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/cemcp/cemcp/internal/tasks"
	"github.com/cemcp/cemcp/servers"
)

// Sweep names.
const (
	SweepServers = "servers"
	SweepTools   = "tools"
)

// Options configure a Sweep. Zero values take the full sweep's defaults.
type Options struct {
	Quick        bool         // the CI subset: fewer tasks and points
	Tasks        []tasks.Task // default: every task (Quick: a subset)
	ServerCounts []int        // connected servers; default 1..10
	// Distractors are the tool sweep's points: 0 is the task's own servers
	// alone; d > 0 is all ten bundled servers plus d distractor tools.
	// Default 0, 100, 250, 500, 1000.
	Distractors []int
	Strategies  []string  // default: all
	Cost        CostModel // zero: DefaultCostModel
	Progress    io.Writer // progress bar; nil: none
	Logger      *slog.Logger
}

func (o *Options) defaults() {
	if o.Cost == (CostModel{}) {
		o.Cost = DefaultCostModel
	}
	if len(o.Strategies) == 0 {
		o.Strategies = Strategies
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Quick {
		if len(o.Tasks) == 0 {
			o.Tasks = QuickTasks()
		}
		if len(o.ServerCounts) == 0 {
			o.ServerCounts = []int{1, 2, 3, 5, 10}
		}
		if len(o.Distractors) == 0 {
			o.Distractors = []int{0, 1000}
		}
	}
	if len(o.Tasks) == 0 {
		o.Tasks = tasks.All()
	}
	if len(o.ServerCounts) == 0 {
		o.ServerCounts = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	}
	if len(o.Distractors) == 0 {
		o.Distractors = []int{0, 100, 250, 500, 1000}
	}
}

// QuickTasks is the --quick subset: the first four single-server tasks,
// three two-server and two three-server tasks.
func QuickTasks() []tasks.Task {
	var out []tasks.Task
	for c, n := range map[string]int{tasks.Single: 4, tasks.Two: 3, tasks.Three: 2} {
		ts := tasks.ByCategory(c)
		out = append(out, ts[:min(n, len(ts))]...)
	}
	order := map[string]int{tasks.Single: 0, tasks.Two: 1, tasks.Three: 2}
	slices.SortStableFunc(out, func(a, b tasks.Task) int { return order[a.Category] - order[b.Category] })
	return out
}

// serverSetup is the task's servers plus bundled fillers up to k servers.
func serverSetup(tk tasks.Task, k int) (Setup, bool) {
	if k < len(tk.Servers) {
		return Setup{}, false
	}
	s := slices.Clone(tk.Servers)
	for _, n := range servers.Names() {
		if len(s) >= k {
			break
		}
		if !slices.Contains(s, n) {
			s = append(s, n)
		}
	}
	return Setup{Servers: s}, true
}

type point struct {
	sweep string
	x     int
	task  tasks.Task
}

// Sweep runs the replay driver over the server and tool sweeps.
func Sweep(ctx context.Context, opts Options) (*Report, error) {
	opts.defaults()
	start := time.Now()
	// Group the points by setup, so each gateway starts once.
	type group struct {
		setup  Setup
		points []point
	}
	var order []string
	groups := map[string]*group{}
	addPoint := func(s Setup, p point) {
		k := s.Key()
		g, ok := groups[k]
		if !ok {
			g = &group{setup: s}
			groups[k] = g
			order = append(order, k)
		}
		g.points = append(g.points, p)
	}
	for _, k := range opts.ServerCounts {
		for _, tk := range opts.Tasks {
			if s, ok := serverSetup(tk, k); ok {
				addPoint(s, point{SweepServers, k, tk})
			}
		}
	}
	for _, d := range opts.Distractors {
		for _, tk := range opts.Tasks {
			// Without distractors: the task's own servers, the smallest
			// catalog that can answer it. With: all ten bundled servers
			// plus d distractor tools, one gateway for every task.
			s := Setup{Servers: slices.Clone(tk.Servers)}
			if d > 0 {
				s = Setup{Servers: servers.Names(), Distractors: d}
			}
			addPoint(s, point{SweepTools, d, tk})
		}
	}
	total := 0
	for _, k := range order {
		total += len(groups[k].points) * len(opts.Strategies)
	}
	var bar *progressbar.ProgressBar
	if opts.Progress != nil {
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(opts.Progress), progressbar.OptionSetDescription("bench"),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(opts.Progress) }))
	}
	host, err := NewHost()
	if err != nil {
		return nil, err
	}
	defer host.Close()
	rp := &Replayer{Counter: &Counter{}, Cost: opts.Cost}
	rep := &Report{Quick: opts.Quick, Cost: opts.Cost, BytesPerToken: BytesPerToken}
	type key struct{ setup, task, strategy string }
	done := map[key]*Run{}
	for _, k := range order {
		g := groups[k]
		e, err := host.Start(ctx, g.setup, nil)
		if err != nil {
			return nil, fmt.Errorf("setup %s: %w", k, err)
		}
		rep.Setups++
		for _, p := range g.points {
			for _, s := range opts.Strategies {
				if err := ctx.Err(); err != nil {
					e.Close()
					return nil, err
				}
				kk := key{k, p.task.ID, s}
				r, ok := done[kk]
				if !ok {
					r, err = rp.Replay(ctx, e, p.task, s)
					if err != nil {
						e.Close()
						return nil, err
					}
					done[kk] = r
				}
				c := *r
				c.Sweep, c.X = p.sweep, p.x
				rep.Runs = append(rep.Runs, &c)
				if bar != nil {
					bar.Add(1)
				}
			}
		}
		e.Close()
		opts.Logger.Debug("setup done", "setup", k)
	}
	rep.ElapsedS = time.Since(start).Seconds()
	rep.summarize()
	return rep, nil
}
