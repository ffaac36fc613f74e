package judge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// fakeProvider is a real HTTP server speaking one provider's wire protocol,
// recording every request it gets. behave decides the reply.
type fakeProvider struct {
	provider Provider
	srv      *httptest.Server
	release  chan struct{} // closed at cleanup: unblocks hanging handlers

	mu   sync.Mutex
	reqs []gotRequest
}

// gotRequest is what the fake saw of one request.
type gotRequest struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	Model        string
	MaxTokens    int
	Temperature  *float64
	System       string // system prompt
	User         string // the user message
	NumMessages  int
}

// behaviour answers one request.
type behaviour func(f *fakeProvider, w http.ResponseWriter, r *http.Request)

func newFake(t testing.TB, p Provider, behave behaviour) *fakeProvider {
	t.Helper()
	f := &fakeProvider{provider: p, release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g := gotRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		var req struct {
			Model       string   `json:"model"`
			MaxTokens   int      `json:"max_tokens"`
			Temperature *float64 `json:"temperature"`
			System      string   `json:"system"`
			Messages    []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
			return
		}
		g.Model, g.MaxTokens, g.Temperature, g.NumMessages = req.Model, req.MaxTokens, req.Temperature, len(req.Messages)
		g.System = req.System
		for _, m := range req.Messages {
			switch m.Role {
			case "system":
				g.System = m.Content
			case "user":
				g.User = m.Content
			}
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, g)
		f.mu.Unlock()
		behave(f, w, r)
	}))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.release) }) // runs before srv.Close
	return f
}

func (f *fakeProvider) requests() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotRequest(nil), f.reqs...)
}

// baseURL is what a user would configure for this provider.
func (f *fakeProvider) baseURL() string {
	if f.provider == OpenAI {
		return f.srv.URL + "/v1"
	}
	return f.srv.URL
}

// wantPath is where the provider's API lives.
func (f *fakeProvider) wantPath() string {
	if f.provider == OpenAI {
		return "/v1/chat/completions"
	}
	return "/v1/messages"
}

// answer replies with a successful response carrying text as the model's
// answer, in the provider's shape.
func answer(text string) behaviour {
	return func(f *fakeProvider, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var v any
		switch f.provider {
		case OpenAI:
			v = map[string]any{
				"id": "chatcmpl-1", "object": "chat.completion", "model": "m",
				"choices": []any{map[string]any{
					"index":         0,
					"message":       map[string]any{"role": "assistant", "content": text},
					"finish_reason": "stop",
				}},
				"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 20},
			}
		case Anthropic:
			v = map[string]any{
				"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
				"content":     []any{map[string]any{"type": "text", "text": text}},
				"stop_reason": "end_turn",
				"usage":       map[string]any{"input_tokens": 100, "output_tokens": 20},
			}
		}
		_ = json.NewEncoder(w).Encode(v)
	}
}

// status replies with an error status and the provider's error body.
func status(code int, msg string) behaviour {
	return func(f *fakeProvider, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
		var v any
		switch f.provider {
		case OpenAI:
			v = map[string]any{"error": map[string]any{"message": msg, "type": "server_error"}}
		case Anthropic:
			v = map[string]any{"type": "error", "error": map[string]any{"type": "api_error", "message": msg}}
		}
		_ = json.NewEncoder(w).Encode(v)
	}
}

// rawBody replies 200 with body as is.
func rawBody(body string) behaviour {
	return func(f *fakeProvider, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

// hang never answers (until the client goes away or the test ends).
func hang(f *fakeProvider, w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.release:
	}
}

// hangMidBody sends the headers and half a body, then stops.
func hangMidBody(f *fakeProvider, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"choices": [{"message": {"content": "{\"verdict\": \"SA`)
	w.(http.Flusher).Flush()
	hang(f, w, r)
}
