package catalog

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Catalog is the set of tools of every connected upstream server. It is safe
// for concurrent use.
//
// The *Tool values it hands out are immutable snapshots: a change (a server
// added, replaced or removed) builds new Tool values, because adding a server
// can change the JSServer of another one (see [Assign]). Callers must not
// modify them.
type Catalog struct {
	mu      sync.RWMutex
	servers map[string][]*Tool          // original server name → tools sorted by Name
	byJS    map[string]map[string]*Tool // JSServer → JSName → tool
	all     []*Tool                     // sorted by Qualified
	version uint64
	index   *index // search index for version; nil until first Search
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{
		servers: map[string][]*Tool{},
		byJS:    map[string]map[string]*Tool{},
	}
}

// SetServer replaces the tools of server with tools and reports whether
// anything changed (the server is new, or its set of tool definitions
// differs by name or [Hash]). Nil tools and tools with duplicate names (the
// later one wins) are ignored. A schema that does not marshal to JSON is
// replaced by "{}" (input) or dropped (output).
func (c *Catalog) SetServer(server string, tools []*mcp.Tool) (changed bool) {
	byName := map[string]*Tool{}
	for _, mt := range tools {
		if mt == nil {
			continue
		}
		byName[mt.Name] = newTool(server, mt)
	}
	next := make([]*Tool, 0, len(byName))
	for _, t := range byName {
		next = append(next, t)
	}
	sort.Slice(next, func(i, j int) bool { return next[i].Name < next[j].Name })

	c.mu.Lock()
	defer c.mu.Unlock()
	prev, ok := c.servers[server]
	if ok && sameTools(prev, next) {
		return false
	}
	c.servers[server] = next
	c.rebuildLocked()
	return true
}

// RemoveServer drops server and its tools. Removing an unknown server is a
// no-op that does not bump the version.
func (c *Catalog) RemoveServer(server string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.servers[server]; !ok {
		return
	}
	delete(c.servers, server)
	c.rebuildLocked()
}

func newTool(server string, mt *mcp.Tool) *Tool {
	in, err := rawSchema(mt.InputSchema, json.RawMessage("{}"))
	if err != nil {
		in = json.RawMessage("{}")
	}
	out, err := rawSchema(mt.OutputSchema, nil)
	if err != nil {
		out = nil
	}
	var ann *mcp.ToolAnnotations
	if mt.Annotations != nil {
		a := *mt.Annotations
		ann = &a
	}
	return &Tool{
		Server:       server,
		Name:         mt.Name,
		Qualified:    server + "." + mt.Name,
		Title:        mt.Title,
		Description:  mt.Description,
		InputSchema:  in,
		OutputSchema: out,
		Annotations:  ann,
		Hash:         Hash(mt),
	}
}

func sameTools(a, b []*Tool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Hash != b[i].Hash {
			return false
		}
	}
	return true
}

// rebuildLocked recomputes identifiers and indexes after a change and bumps
// the version. Every Tool is copied so that published snapshots never change.
//
// Preconditions: c.mu is held for writing.
func (c *Catalog) rebuildLocked() {
	names := make([]string, 0, len(c.servers))
	for s := range c.servers {
		names = append(names, s)
	}
	jsServers := Assign(names, ServerIdentifier)

	c.byJS = make(map[string]map[string]*Tool, len(c.servers))
	c.all = c.all[:0:0]
	for _, s := range names {
		old := c.servers[s]
		toolNames := make([]string, len(old))
		for i, t := range old {
			toolNames[i] = t.Name
		}
		jsNames := Assign(toolNames, Identifier)
		js := make(map[string]*Tool, len(old))
		fresh := make([]*Tool, len(old))
		for i, t := range old {
			nt := *t
			nt.JSServer = jsServers[s]
			nt.JSName = jsNames[t.Name]
			fresh[i] = &nt
			js[nt.JSName] = &nt
			c.all = append(c.all, &nt)
		}
		c.servers[s] = fresh
		c.byJS[jsServers[s]] = js
	}
	sort.Slice(c.all, func(i, j int) bool {
		if c.all[i].Qualified != c.all[j].Qualified {
			return c.all[i].Qualified < c.all[j].Qualified
		}
		return c.all[i].Server < c.all[j].Server
	})
	c.version++
	c.index = nil
}

// Lookup finds a tool by its qualified name "server.tool" with the original
// names. Server and tool names may both contain dots: the name is split at
// each dot in turn, left to right, and the first split whose left part is a
// known server and whose right part is one of its tools wins.
func (c *Catalog) Lookup(qualified string) (*Tool, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i := 0; i < len(qualified); i++ {
		if qualified[i] != '.' {
			continue
		}
		tools, ok := c.servers[qualified[:i]]
		if !ok {
			continue
		}
		if t := findTool(tools, qualified[i+1:]); t != nil {
			return t, true
		}
	}
	return nil, false
}

func findTool(tools []*Tool, name string) *Tool {
	i := sort.Search(len(tools), func(i int) bool { return tools[i].Name >= name })
	if i < len(tools) && tools[i].Name == name {
		return tools[i]
	}
	return nil
}

// LookupJS finds a tool by its code-API identifiers: tools.<jsServer>.<jsName>.
func (c *Catalog) LookupJS(jsServer, jsName string) (*Tool, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.byJS[jsServer][jsName]
	return t, ok
}

// Tools returns every tool, sorted by Qualified.
func (c *Catalog) Tools() []*Tool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]*Tool(nil), c.all...)
}

// ServerTools returns the tools of server sorted by name, or nil when the
// server is unknown.
func (c *Catalog) ServerTools(server string) []*Tool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tools, ok := c.servers[server]
	if !ok {
		return nil
	}
	return append([]*Tool(nil), tools...)
}

// Servers returns the names of the known servers, sorted.
func (c *Catalog) Servers() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.servers))
	for s := range c.servers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Version returns a counter that increases on every change of the catalog.
func (c *Catalog) Version() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version
}

// Search ranks the tools against a plain-language query; see [Hit] and the
// search rules in search.go. It returns at most limit hits (limit <= 0 means
// 10), best first. An empty or all-stop-word query returns no hits.
func (c *Catalog) Search(query string, limit int) []Hit {
	if limit <= 0 {
		limit = 10
	}
	if strings.TrimSpace(query) == "" {
		return nil
	}
	return c.searchIndex().search(query, limit)
}

// searchIndex returns the index for the current version, building it once.
func (c *Catalog) searchIndex() *index {
	c.mu.RLock()
	idx := c.index
	c.mu.RUnlock()
	if idx != nil {
		return idx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.index == nil {
		c.index = buildIndex(c.all)
	}
	return c.index
}
