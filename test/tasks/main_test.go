package tasks_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/servers"
)

// serverEnv names the bundled server the re-executed test binary serves.
const serverEnv = "CEMCP_TASKS_TEST_SERVER"

func TestMain(m *testing.M) {
	if name := os.Getenv(serverEnv); name != "" {
		os.Exit(serve(name))
	}
	os.Exit(m.Run())
}

// serve runs one bundled server on stdio until its client goes away.
func serve(name string) int {
	info, ok := servers.Lookup(name)
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown bundled server", name)
		return 2
	}
	if err := info.New().Run(context.Background(), &mcp.StdioTransport{}); err != nil && !strings.Contains(err.Error(), "EOF") {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
