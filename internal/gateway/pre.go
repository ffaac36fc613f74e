package gateway

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/gate/static"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/transpile"
)

// visibleResolver resolves the tools a program names, leaving out
// quarantined ones (a program naming one is told it does not exist).
type visibleResolver struct {
	g    *Gateway
	base static.Resolver
}

func (r visibleResolver) ResolveJS(s, t string) (string, bool) {
	q, ok := r.base.ResolveJS(s, t)
	if !ok {
		return "", false
	}
	if _, bad := r.g.quarantined(q); bad {
		return "", false
	}
	return q, true
}

func (r visibleResolver) Exists(q string) bool {
	if _, bad := r.g.quarantined(q); bad {
		return false
	}
	return r.base.Exists(q)
}

// pre is gate.Pre: the program is parsed and analysed before anything runs.
// It returns the JavaScript to run (empty for Python), or the RunError that
// refuses the program, with actionable reasons.
func (g *Gateway) pre(ctx context.Context, run *runState, code string, lang sandbox.Language) (string, *sandbox.RunError) {
	if !g.gate.Layers().Static {
		return "", nil
	}
	res := visibleResolver{g: g, base: static.FromCatalog(g.cat)}
	var rep static.Report
	var js string
	switch lang {
	case sandbox.Python:
		var err error
		rep, err = static.PythonAnalyzer{Python: g.pythonPath()}.Analyze(ctx, code, res)
		if err != nil {
			// No parser (no python3): the executor says Python is
			// unavailable; nothing runs either way.
			g.log.Debug("static analysis of python", "err", err)
			return "", nil
		}
	default:
		var rerr *sandbox.RunError
		js, rerr = transpile.Program(code, string(lang))
		if rerr != nil {
			return "", rerr
		}
		rep = static.AnalyzeJS(js, res)
	}
	var reasons []string
	for _, f := range rep.Findings {
		run.addFlag(gate.Flag{Kind: "static", Source: "program", Detail: fmt.Sprintf("%s (%s)", f.Message, f.Rule)})
		if f.Deny {
			reasons = append(reasons, f.Message)
		}
	}
	if len(reasons) > 0 {
		return "", &sandbox.RunError{Kind: "blocked", Message: "the program was not run:\n" + strings.Join(reasons, "\n")}
	}
	return js, nil
}

// pythonPath is the interpreter that parses Python programs: the jail's
// (cemcp.sandbox.python, else /usr/bin/python3), so that analysis and
// execution agree on the language version.
func (g *Gateway) pythonPath() string {
	if p := g.cfg.Cemcp.Sandbox.Python; p != "" && p != "none" {
		return p
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}
