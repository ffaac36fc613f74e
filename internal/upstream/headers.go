package upstream

import "net/http"

// headerRoundTripper adds configured headers (such as Authorization) to
// every request of a network transport: the initial connect, every POST,
// the SSE streams and the session DELETE.
type headerRoundTripper struct {
	base    http.RoundTripper
	headers http.Header
}

var _ http.RoundTripper = (*headerRoundTripper)(nil)

func newHeaderRoundTripper(base http.RoundTripper, headers map[string]string) http.RoundTripper {
	if len(headers) == 0 {
		return base
	}
	h := make(http.Header, len(headers))
	for k, v := range headers {
		h.Set(k, v)
	}
	return &headerRoundTripper{base: base, headers: h}
}

func (t *headerRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper must not modify its request
	for k, v := range t.headers {
		r.Header[k] = v
	}
	return t.base.RoundTrip(r)
}
