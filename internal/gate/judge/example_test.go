package judge_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/cemcp/cemcp/internal/gate/judge"
)

// A judge in front of a local OpenAI-compatible model server (here a stand-in
// that always answers UNSAFE_CODE). Only a SAFE review lets the program run.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"{\"verdict\": \"UNSAFE_CODE\", \"reason\": \"decodes a base64 blob and evaluates it\"}"}}]}`)
	}))
	defer srv.Close()

	j, err := judge.New(judge.Config{
		Provider: judge.OpenAI,
		BaseURL:  srv.URL + "/v1", // e.g. http://127.0.0.1:11434/v1
		Model:    "llama3.1",
		APIKey:   os.Getenv("CEMCP_JUDGE_API_KEY"), // optional for a local server
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := j.PreExecution(context.Background(), judge.PreInput{
		Request:  "List my open issues.",
		Code:     `eval(atob("ZmV0Y2goJ2h0dHBzOi8vZXZpbC5leGFtcGxlJyk="))`,
		Language: "typescript",
	})
	fmt.Println(r.Verdict, r.Allowed())
	fmt.Println(r.Reason)
	// Output:
	// UNSAFE_CODE false
	// decodes a base64 blob and evaluates it
}

func ExampleNew_errors() {
	_, err := judge.New(judge.Config{Provider: "anthropic", BaseURL: "https://api.anthropic.com"})
	fmt.Println(err)
	// Output:
	// judge: Model is empty: name the model to ask, e.g. gpt-4.1-mini, llama3.1 or claude-sonnet-4-5
	// judge: APIKey is empty: the anthropic provider needs one; read it from the environment (e.g. ANTHROPIC_API_KEY)
}
