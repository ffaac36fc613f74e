package runner

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"
)

func socketpair(t *testing.T) (runnerEnd, hostEnd net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "bridge")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := conn(fds[0]), conn(fds[1])
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// program is what package transpile makes of a body: an async wrapper.
const program = `(async () => {
const r = await tools.echo.say({word: "hi"});
console.log("got", r.word);
return r;
})()`

func startServe(t *testing.T) (*bridge.Conn, chan int) {
	r, h := socketpair(t)
	code := make(chan int, 1)
	go func() { code <- serve(context.Background(), r, bridge.Limits{}) }()
	host := bridge.NewConn(h, bridge.Limits{})
	_ = h.SetDeadline(time.Now().Add(20 * time.Second))
	m, err := host.Recv()
	if err != nil || m.T != bridge.TypeReady {
		t.Fatalf("first frame %+v, %v; want ready", m, err)
	}
	run := &bridge.Message{T: bridge.TypeRun, Language: "javascript", Program: program,
		Tools: []bridge.ToolRef{{Qualified: "echo.say", JSServer: "echo", JSName: "say"}}}
	if err := host.Send(run); err != nil {
		t.Fatal(err)
	}
	return host, code
}

func TestServe(t *testing.T) {
	host, code := startServe(t)
	call, err := host.Recv()
	if err != nil || call.T != bridge.TypeCall || call.Tool != "echo.say" || call.ID != 1 {
		t.Fatalf("got %+v, %v; want call 1 of echo.say", call, err)
	}
	if err := host.Send(&bridge.Message{T: bridge.TypeResult, ID: call.ID, Value: call.Args}); err != nil {
		t.Fatal(err)
	}
	done, err := host.Recv()
	if err != nil || done.T != bridge.TypeDone {
		t.Fatalf("got %+v, %v; want done", done, err)
	}
	if done.Error != nil || string(done.Value) != `{"word":"hi"}` || done.Output != "got hi\n" || done.ToolCalls != 1 {
		t.Fatalf("done %+v (value %s)", done, done.Value)
	}
	if c := <-code; c != ExitOK {
		t.Fatalf("exit code %d", c)
	}
}

func TestServeRejectsUnissuedResult(t *testing.T) {
	host, code := startServe(t)
	if _, err := host.Recv(); err != nil { // the call
		t.Fatal(err)
	}
	if err := host.Send(&bridge.Message{T: bridge.TypeResult, ID: 42, Value: json.RawMessage("1")}); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != ExitProtocol {
			t.Fatalf("exit code %d, want %d", c, ExitProtocol)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the runner accepted a result for a call it never made")
	}
}
