package config

import (
	"log/slog"
	"net/url"
	"slices"
)

// LogValue logs a server without secrets: environment and header values,
// arguments and URL credentials or query are left out.
func (s *Server) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("name", s.Name), slog.String("type", s.Type)}
	if s.Command != "" {
		attrs = append(attrs, slog.String("command", s.Command), slog.Int("args", len(s.Args)))
	}
	if s.URL != "" {
		attrs = append(attrs, slog.String("url", redactURL(s.URL)))
	}
	if len(s.Env) > 0 {
		attrs = append(attrs, slog.Any("env", sortedKeys(s.Env)))
	}
	if len(s.Headers) > 0 {
		attrs = append(attrs, slog.Any("headers", sortedKeys(s.Headers)))
	}
	if s.Disabled {
		attrs = append(attrs, slog.Bool("disabled", true))
	}
	attrs = append(attrs, slog.Bool("trusted", s.Trusted))
	return slog.GroupValue(attrs...)
}

// LogValue logs the serve settings with the token hidden.
func (s Serve) LogValue() slog.Value {
	tok := ""
	if s.Token != "" {
		tok = "REDACTED"
	}
	return slog.GroupValue(slog.String("http", s.HTTP), slog.String("token", tok),
		slog.Any("allowed_origins", s.AllowedOrigins))
}

var (
	_ slog.LogValuer = (*Server)(nil)
	_ slog.LogValuer = Serve{}
)

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	u.Fragment = ""
	return u.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
