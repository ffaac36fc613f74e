//go:build tools

// Package deps pins the modules of the chosen stack in go.mod before every
// package that uses them exists. It is never built.
package deps

import (
	_ "cel.dev/cel-go/cel"
	_ "github.com/dop251/goja"
	_ "github.com/elastic/go-seccomp-bpf"
	_ "github.com/evanw/esbuild/pkg/api"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/landlock-lsm/go-landlock/landlock"
	_ "github.com/modelcontextprotocol/go-sdk/mcp"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/tiktoken-go/tokenizer"
	_ "golang.org/x/sys/unix"
	_ "gonum.org/v1/plot"
	_ "modernc.org/sqlite"
)
