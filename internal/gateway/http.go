package gateway

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// HTTPHandler serves the gateway over Streamable HTTP at /mcp, with an
// Origin check (browsers on other sites may not drive a local gateway), the
// SDK's DNS-rebinding protection, and an optional bearer token.
func (g *Gateway) HTTPHandler() http.Handler {
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return g.server }, &mcp.StreamableHTTPOptions{
		Logger: quiet(g.log).With("component", "http"),
	})
	allowed := map[string]bool{}
	for _, o := range g.cfg.Cemcp.Serve.AllowedOrigins {
		allowed[strings.TrimRight(o, "/")] = true
	}
	token := g.cfg.Cemcp.Serve.Token
	mux := http.NewServeMux()
	mux.Handle("/mcp", guard(mcpHandler, allowed, token))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

func guard(next http.Handler, allowedOrigins map[string]bool, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !originAllowed(o, allowedOrigins) {
			http.Error(w, "cemcp: origin "+o+" is not allowed; add it to cemcp.serve.allowed_origins", http.StatusForbidden)
			return
		}
		if token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="cemcp"`)
				http.Error(w, "cemcp: missing or wrong bearer token", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed accepts localhost origins and the configured ones.
func originAllowed(origin string, allowed map[string]bool) bool {
	if allowed[strings.TrimRight(origin, "/")] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
