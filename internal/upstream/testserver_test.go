package upstream

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

// The test binary doubles as the upstream server: with CEMCP_TEST_UPSTREAM
// set, TestMain runs a real Go SDK server on stdio instead of the tests.
//
//	full  all tools, including the ones that kill or corrupt the process
//	hang  reads stdin and never answers (an initialize that hangs)
//	banner  writes a non-JSON line to stdout before serving
//	stubborn like full, but keeps running after stdin closes
//	gateway runs a Hub with one stubborn stdio server, prints the server's
//	        pid and waits to be killed
const upstreamEnv = "CEMCP_TEST_UPSTREAM"

func TestMain(m *testing.M) {
	switch os.Getenv(upstreamEnv) {
	case "":
		os.Exit(m.Run())
	case "hang":
		time.Sleep(time.Hour)
		os.Exit(0)
	case "gateway":
		runGateway()
	case "stubborn":
		srv := newTestServer(true)
		_ = srv.Run(context.Background(), &mcp.StdioTransport{})
		time.Sleep(time.Hour) // outlive stdin EOF: only a signal ends us
		os.Exit(0)
	case "banner":
		fmt.Println("Welcome to the test server!")
		runStdioServer()
	default:
		runStdioServer()
	}
}

func runGateway() {
	exe, _ := os.Executable()
	h := New(map[string]*config.Server{"s": {Name: "s", Command: exe, Env: map[string]string{upstreamEnv: "stubborn"}}}, Options{})
	h.Start(context.Background())
	res, err := h.CallTool(context.Background(), "s", "pid", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	time.Sleep(time.Hour)
}

func runStdioServer() {
	srv := newTestServer(true)
	if err := srv.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// cancelled counts sleep calls whose context was cancelled (per process).
var cancelled atomic.Int64

type textArgs struct {
	Text string `json:"text,omitempty"`
}
type sleepArgs struct {
	MS int `json:"ms"`
}
type nameArgs struct {
	Name string `json:"name"`
}
type noArgs struct{}
type progressArgs struct {
	N int `json:"n"`
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// newTestServer builds the upstream used by every test. Tools that would
// kill or corrupt the process it runs in exist only when stdio is true.
// PageSize 2 makes tools/list paginate.
func newTestServer(stdio bool) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "testupstream", Version: "1"}, &mcp.ServerOptions{PageSize: 2})
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "echoes text"}, func(_ context.Context, _ *mcp.CallToolRequest, a textArgs) (*mcp.CallToolResult, any, error) {
		return text(a.Text), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "env", Description: "returns the environment"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return text(strings.Join(os.Environ(), "\n")), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "sleep", Description: "sleeps ms or until cancelled"}, func(ctx context.Context, _ *mcp.CallToolRequest, a sleepArgs) (*mcp.CallToolResult, any, error) {
		select {
		case <-time.After(time.Duration(a.MS) * time.Millisecond):
			return text("slept"), nil, nil
		case <-ctx.Done():
			cancelled.Add(1)
			return nil, nil, ctx.Err()
		}
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "stats", Description: "counters"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return text(fmt.Sprintf("cancelled=%d", cancelled.Load())), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "fail", Description: "a tool-level failure"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "it failed"}}}, nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "add_tool", Description: "adds a tool (list_changed)"}, func(_ context.Context, _ *mcp.CallToolRequest, a nameArgs) (*mcp.CallToolResult, any, error) {
		mcp.AddTool(srv, &mcp.Tool{Name: a.Name, Description: "added"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
			return text("added tool " + a.Name), nil, nil
		})
		return text("ok"), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "progress", Description: "sends n progress notifications, then answers at once"}, func(ctx context.Context, req *mcp.CallToolRequest, a progressArgs) (*mcp.CallToolResult, any, error) {
		if tok := req.Params.GetProgressToken(); tok != nil {
			for i := 1; i <= a.N; i++ {
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok, Progress: float64(i), Total: float64(a.N)})
			}
		}
		return text("done"), nil, nil
	})
	if !stdio {
		return srv
	}
	mcp.AddTool(srv, &mcp.Tool{Name: "crash", Description: "exits mid-call"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		fmt.Fprintln(os.Stderr, "crashing on purpose")
		os.Exit(3)
		return nil, nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "garbage", Description: "writes non-JSON to stdout"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		os.Stdout.WriteString("this is not json\n")
		time.Sleep(100 * time.Millisecond)
		return text("wrote garbage"), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "spawn_child", Description: "starts a grandchild and returns its pid"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		cmd := exec.Command("sleep", "1000")
		if err := cmd.Start(); err != nil {
			return nil, nil, err
		}
		return text(fmt.Sprint(cmd.Process.Pid)), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "stderr", Description: "writes a line to stderr"}, func(_ context.Context, _ *mcp.CallToolRequest, a textArgs) (*mcp.CallToolResult, any, error) {
		fmt.Fprintln(os.Stderr, a.Text)
		return text("ok"), nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "pid", Description: "returns the server's pid"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return text(fmt.Sprint(os.Getpid())), nil, nil
	})
	return srv
}
