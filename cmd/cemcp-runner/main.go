// Command cemcp-runner is the confined side of the cemcp jail. The gateway
// starts it as the init process of fresh namespaces with the bridge on fd 3;
// it is not meant to be run by hand. Build it with CGO_ENABLED=0.
package main

import (
	"os"

	"github.com/cemcp/cemcp/internal/runner"
)

func main() { os.Exit(runner.Main(os.Args)) }
