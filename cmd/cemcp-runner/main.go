// Command cemcp-runner is the confined side of the cemcp jail. The gateway
// starts it as the init process of fresh namespaces with the bridge on fd 3;
// it is not meant to be run by hand. Build it with CGO_ENABLED=0.
package main

import (
	"fmt"
	"os"

	"github.com/cemcp/cemcp/internal/runner"
)

// cgoBuild is set when the binary was built with cgo (see cgo.go).
var cgoBuild bool

func main() {
	if cgoBuild {
		fmt.Fprintln(os.Stderr, "cemcp-runner: built with cgo, so it cannot drop privileges on every thread; rebuild it with: CGO_ENABLED=0 go build -o bin/ ./cmd/cemcp-runner")
		os.Exit(2)
	}
	os.Exit(runner.Main(os.Args))
}
