// Package distractors generates extra MCP servers whose tools look like
// real SaaS and infrastructure APIs (GitHub, Slack, Jira, calendars, CRM,
// payments, cloud, HR, analytics, email, storage, helpdesk, CMS,
// monitoring, e-commerce, marketing), so that a catalog can grow to
// thousands of tools for cemcp's scaling sweeps.
//
// Generation is deterministic: the same (nTools, seed) gives the same
// servers, tool names, descriptions and schemas, byte for byte. Each server
// has 10 to 40 tools (fewer only when nTools < 10); each tool has an input
// schema with nested arguments (scope, filters, pagination, sorting,
// patches), an output schema, a title and annotations. Calls work: a tool
// answers with plausible data generated from its output schema and seeded by
// the server, tool and arguments, so the same call gives the same bytes and
// the result validates against the output schema. Missing required
// arguments give a tool error.
package distractors

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Spec is one generated server.
type Spec struct {
	Name    string     `json:"name"`
	Title   string     `json:"title"`
	Summary string     `json:"summary"`
	Tools   []ToolSpec `json:"tools"`
}

// ToolSpec is one generated tool.
type ToolSpec struct {
	Name         string               `json:"name"`
	Title        string               `json:"title"`
	Description  string               `json:"description"`
	InputSchema  map[string]any       `json:"inputSchema"`
	OutputSchema map[string]any       `json:"outputSchema"`
	Annotations  *mcp.ToolAnnotations `json:"annotations"`
}

// Server limits.
const (
	MinTools = 10
	MaxTools = 40
)

var (
	domainsOnce sync.Once
	domains     []domain
	domainsErr  error
)

func loadDomains() ([]domain, error) {
	domainsOnce.Do(func() {
		for _, line := range catalog {
			d, err := parseDomain(line)
			if err != nil {
				domainsErr = fmt.Errorf("distractors catalog: %w", err)
				return
			}
			domains = append(domains, d)
		}
	})
	return domains, domainsErr
}

// Specs returns servers with nTools tools in total, generated from seed.
func Specs(nTools int, seed int64) []Spec {
	ds, err := loadDomains()
	if err != nil {
		panic(err) // the catalog is compiled in; its test keeps it valid
	}
	if nTools <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6469737472616374))
	sizes := serverSizes(nTools, rng)
	order := rng.Perm(len(ds))
	specs := make([]Spec, 0, len(sizes))
	for i, n := range sizes {
		d := ds[order[i%len(ds)]]
		name := d.Name
		if round := i / len(ds); round > 0 {
			name = fmt.Sprintf("%s_%s", d.Name, variants[(round-1)%len(variants)])
			if round > len(variants) {
				name = fmt.Sprintf("%s_%d", name, round)
			}
		}
		specs = append(specs, buildSpec(d, name, n, rng))
	}
	return specs
}

var variants = []string{"enterprise", "eu", "staging", "legacy", "sandbox", "apac", "internal", "v2"}

// serverSizes splits n into sizes of MinTools..MaxTools, varied by rng.
func serverSizes(n int, rng *rand.Rand) []int {
	if n < MinTools {
		return []int{n}
	}
	m := (n + 24) / 25 // about 25 tools a server on average
	for m*MaxTools < n {
		m++
	}
	for m > 1 && m*MinTools > n {
		m--
	}
	sizes := make([]int, m)
	for i := range sizes {
		sizes[i] = n / m
		if i < n%m {
			sizes[i]++
		}
	}
	for k := 0; k < 3*m; k++ { // move tools between servers, within bounds
		a, b := rng.IntN(m), rng.IntN(m)
		d := rng.IntN(12)
		if a == b || sizes[a]-d < MinTools || sizes[b]+d > MaxTools {
			continue
		}
		sizes[a] -= d
		sizes[b] += d
	}
	return sizes
}

// Servers returns the generated servers, ready to serve.
func Servers(nTools int, seed int64) []*mcp.Server {
	specs := Specs(nTools, seed)
	out := make([]*mcp.Server, len(specs))
	for i, s := range specs {
		out[i] = s.Server()
	}
	return out
}

// ToolCount is the number of tools across specs.
func ToolCount(specs []Spec) int {
	n := 0
	for _, s := range specs {
		n += len(s.Tools)
	}
	return n
}
