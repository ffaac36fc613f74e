// Package runner is the confined side of the jail: the code of cemcp-runner,
// which package sandbox starts as the init process of fresh user, pid, mount,
// network, IPC, UTS and cgroup namespaces with one end of a socketpair on
// fd 3.
//
// Before it reads any program the runner finishes its own confinement (see
// Confine): a private tmpfs root reached by pivot_root, rlimits, no
// capabilities and an unprivileged uid, no_new_privs, Landlock and a seccomp
// allow-list. A JavaScript runner started by a confining spawner
// (spawn.Confinement) is born with all of that but the seccomp filter: it
// checks what it was born with and loads the filter (finishBorn). Then it sends ready, waits for one run, runs it with package
// jsengine (forwarding tool calls over the bridge), sends done and exits. A
// Python runner instead execs CPython with an embedded bootstrap that speaks
// the same protocol.
//
// The same binary is also the spawner that starts runners for the gateway
// (package spawn). Only cmd/cemcp-runner imports this package. It must not
// link the MCP SDK, CEL, esbuild or net/http (TestRunnerDeps checks).
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/jsengine"
	"github.com/cemcp/cemcp/internal/runner/spawn"
)

// Exit codes of the runner.
const (
	ExitOK       = 0
	ExitSetup    = 10 // confinement failed: nothing was run
	ExitProtocol = 11 // the host broke the bridge protocol
	ExitBridge   = 12 // the bridge failed (host gone)
)

// Setup is the runner's start-up configuration; see bridge.Setup.
type Setup = bridge.Setup

// Main is the whole of cemcp-runner. It returns the process exit code.
func Main(args []string) int {
	var setup Setup
	if len(args) == 3 && args[1] == spawn.Flag {
		return serveSpawner(args[2])
	}
	if len(args) != 3 || args[1] != bridge.SetupFlag {
		fmt.Fprintln(os.Stderr, "cemcp-runner: this program is started by cemcp inside its jail; it is not run by hand")
		return ExitSetup
	}
	if err := json.Unmarshal([]byte(args[2]), &setup); err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: bad setup: %v\n", err)
		return ExitSetup
	}
	if setup.MemoryBytes > 0 {
		// Collect hard well before the cgroup's limit kills the jail.
		debug.SetMemoryLimit(setup.MemoryBytes * 3 / 4)
	}
	if setup.Python != "" {
		prepareBootstrap(&setup)
	}
	if setup.Confine && setup.Born {
		if err := finishBorn(&setup); err != nil {
			fmt.Fprintf(os.Stderr, "cemcp-runner: confine: %v\n", err)
			return ExitSetup
		}
	} else if setup.Confine {
		// The bounding set is emptied on this thread only, the one that
		// execs CPython (see dropBoundingSet): stay on it up to the exec.
		runtime.LockOSThread()
		if err := Confine(&setup); err != nil {
			fmt.Fprintf(os.Stderr, "cemcp-runner: confine: %v\n", err)
			return ExitSetup
		}
		if setup.Python == "" {
			runtime.UnlockOSThread() // no exec: seccomp denies it
		}
	}
	if setup.Python != "" {
		err := execPython(&setup)
		fmt.Fprintf(os.Stderr, "cemcp-runner: exec python: %v\n", err)
		return ExitSetup
	}
	sock := os.NewFile(bridge.FD, "bridge")
	if sock == nil {
		fmt.Fprintln(os.Stderr, "cemcp-runner: no bridge on fd 3")
		return ExitSetup
	}
	return serve(context.Background(), sock, bridge.Limits{MaxFrame: setup.MaxFrame})
}

// serve runs the protocol on rw: ready, one run, its calls, done.
func serve(ctx context.Context, rw io.ReadWriter, limits bridge.Limits) int {
	conn := bridge.NewConn(rw, limits)
	state := bridge.NewRunnerState()
	if err := conn.Send(&bridge.Message{T: bridge.TypeReady}); err != nil {
		return ExitBridge
	}
	// Compile the engine's prelude while nothing waits for it: a runner of
	// the warm pool then starts its program sooner (the same work, done
	// earlier). After ready, so that a cold start is not slower: a run
	// frame sent meanwhile waits in the socket.
	if err := jsengine.Warm(); err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: %v\n", err)
		return ExitSetup
	}
	run, err := conn.Recv()
	if err != nil {
		return exitFor(err)
	}
	if err := state.Received(run); err != nil {
		fmt.Fprintf(os.Stderr, "cemcp-runner: %v\n", err)
		return ExitProtocol
	}
	if run.T != bridge.TypeRun {
		return ExitProtocol
	}

	c := &calls{conn: conn, state: state, pending: make(map[uint64]chan *bridge.Message), gone: make(chan struct{})}
	readErr := make(chan error, 1)
	go func() { readErr <- c.readLoop() }()

	opts := jsengine.Options{Tools: run.Tools}
	if l := run.Limits; l != nil {
		opts.Timeout = time.Duration(l.TimeoutMS) * time.Millisecond
		opts.MaxOutputBytes = l.MaxOutputBytes
		opts.MaxToolCalls = l.MaxToolCalls
		opts.MaxConcurrency = l.MaxConcurrency
		opts.MaxCallDepth = l.MaxCallDepth
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// A broken bridge ends the run: nobody is left to answer calls.
		if err := <-readErr; err != nil {
			c.fail(err)
			cancel()
		}
	}()
	res := jsengine.Run(runCtx, run.Program, opts, c.call)
	if err := c.failure(); err != nil {
		return exitFor(err)
	}
	done := &bridge.Message{T: bridge.TypeDone, Output: res.Output, Value: res.Value,
		Error: res.Error, Truncated: res.Truncated, ToolCalls: res.ToolCalls}
	if err := conn.Send(done); err != nil {
		return ExitBridge
	}
	return ExitOK
}

func exitFor(err error) int {
	if errors.Is(err, bridge.ErrProtocol) {
		fmt.Fprintf(os.Stderr, "cemcp-runner: %v\n", err)
		return ExitProtocol
	}
	return ExitBridge
}

// calls forwards the program's tool calls over the bridge.
type calls struct {
	conn  *bridge.Conn
	state *bridge.RunnerState

	gone chan struct{} // closed on the first bridge failure

	// sendMu orders call frames by id: calls run concurrently, and the
	// host refuses a call id that is not above the last one it saw.
	sendMu sync.Mutex

	mu      sync.Mutex
	pending map[uint64]chan *bridge.Message
	err     error // first bridge failure
}

func (c *calls) call(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	ch := make(chan *bridge.Message, 1)
	c.sendMu.Lock()
	id := c.state.NextCall()
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		c.sendMu.Unlock()
		return nil, &bridge.ToolError{Code: "unavailable", Message: "the gateway is gone"}
	}
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	err := c.conn.Send(&bridge.Message{T: bridge.TypeCall, ID: id, Tool: tool, Args: args})
	c.sendMu.Unlock()
	if err != nil {
		c.fail(err)
		return nil, &bridge.ToolError{Code: "unavailable", Message: "the gateway is gone"}
	}
	select {
	case <-c.gone:
		return nil, &bridge.ToolError{Code: "unavailable", Message: "the gateway is gone"}
	case m := <-ch:
		if m.ToolError != nil {
			return nil, m.ToolError
		}
		return m.Value, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readLoop delivers results until the bridge fails.
func (c *calls) readLoop() error {
	for {
		m, err := c.conn.Recv()
		if err != nil {
			return err
		}
		if err := c.state.Received(m); err != nil {
			return err
		}
		c.mu.Lock()
		ch := c.pending[m.ID]
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

func (c *calls) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.gone)
	}
}

func (c *calls) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
