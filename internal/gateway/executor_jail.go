package gateway

import (
	"fmt"
	"log/slog"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/sandbox"
)

// newJailExecutor sets up the Linux jail executor.
func newJailExecutor(s config.Sandbox, limits sandbox.Limits, log *slog.Logger) (sandbox.Executor, error) {
	return nil, fmt.Errorf("cemcp.sandbox.mode \"jail\" is not available in this build yet; set \"mode\": \"inprocess\" for development (programs are NOT isolated)")
}
