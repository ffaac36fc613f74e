// Package servers is the registry of cemcp's bundled representative MCP
// servers: ten offline servers that mirror the domains of MCP-Bench (unit
// conversion, math and statistics, scientific computing, time zones, weather,
// an encyclopedia, paper search, a SQL database, a document store and a
// forum). Each lives in a package of its own; `cemcp servers run NAME` serves
// one over stdio or Streamable HTTP.
package servers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/servers/database"
	"github.com/cemcp/cemcp/servers/documents"
	"github.com/cemcp/cemcp/servers/encyclopedia"
	"github.com/cemcp/cemcp/servers/forum"
	"github.com/cemcp/cemcp/servers/mathstats"
	"github.com/cemcp/cemcp/servers/papers"
	"github.com/cemcp/cemcp/servers/science"
	"github.com/cemcp/cemcp/servers/timezones"
	"github.com/cemcp/cemcp/servers/units"
	"github.com/cemcp/cemcp/servers/weather"
)

// Info describes one bundled server.
type Info struct {
	Name    string
	Summary string
	New     func() *mcp.Server
}

var all = []Info{
	{units.Name, units.Summary, units.New},
	{mathstats.Name, mathstats.Summary, mathstats.New},
	{science.Name, science.Summary, science.New},
	{timezones.Name, timezones.Summary, timezones.New},
	{weather.Name, weather.Summary, weather.New},
	{encyclopedia.Name, encyclopedia.Summary, encyclopedia.New},
	{papers.Name, papers.Summary, papers.New},
	{database.Name, database.Summary, database.New},
	{documents.Name, documents.Summary, documents.New},
	{forum.Name, forum.Summary, forum.New},
}

// All returns the bundled servers in a stable order.
func All() []Info { return append([]Info(nil), all...) }

// Names returns the names of the bundled servers.
func Names() []string {
	var n []string
	for _, i := range all {
		n = append(n, i.Name)
	}
	return n
}

// Lookup finds a bundled server by name.
func Lookup(name string) (Info, bool) {
	for _, i := range all {
		if i.Name == name {
			return i, true
		}
	}
	return Info{}, false
}

// ErrUnknown is returned for a name that is not a bundled server.
var ErrUnknown = errors.New("unknown bundled server")

// Run serves one bundled server until ctx ends: over stdio when httpAddr is
// empty, else over Streamable HTTP at http://httpAddr/mcp.
func Run(ctx context.Context, name, httpAddr string, ready func(addr string)) error {
	info, ok := Lookup(name)
	if !ok {
		names := Names()
		sort.Strings(names)
		return fmt.Errorf("%w %q; the bundled servers are: %v", ErrUnknown, name, names)
	}
	srv := info.New()
	if httpAddr == "" {
		return srv.Run(ctx, &mcp.StdioTransport{})
	}
	ln, err := net.Listen("tcp", httpAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", httpAddr, err)
	}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	if ready != nil {
		ready(ln.Addr().String())
	}
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
