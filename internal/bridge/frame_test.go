package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func frame(payload string) []byte { return AppendFrame(nil, []byte(payload)) }

func TestRoundTrip(t *testing.T) {
	msgs := []*Message{
		{T: TypeReady},
		{T: TypeRun, Language: "javascript", Program: "return 1", Tools: []ToolRef{{Qualified: "a.b", JSServer: "a", JSName: "b"}}, Limits: &RunLimits{TimeoutMS: 5000, MaxToolCalls: 3}},
		{T: TypeCall, ID: 1, Tool: "a.b", Args: json.RawMessage(`{"x":1}`)},
		{T: TypeResult, ID: 1, Value: json.RawMessage(`[1,2]`)},
		{T: TypeResult, ID: 2, ToolError: &ToolError{Server: "a", Tool: "b", Code: "denied", Message: "no"}},
		{T: TypeLog, Data: "hello\n"},
		{T: TypeDone, Output: "out", Value: json.RawMessage(`{"ok":true}`), Error: &RunError{Kind: "limit", Message: "m", Limit: "calls"}, Truncated: true, ToolCalls: 7},
	}
	var buf bytes.Buffer
	c := NewConn(&buf, Limits{})
	for _, m := range msgs {
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range msgs {
		got, err := c.Recv()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("frame %d (-want +got):\n%s", i, d)
		}
	}
	if _, err := c.Recv(); err != io.EOF {
		t.Fatalf("after the last frame: got %v, want io.EOF", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	small := Limits{MaxFrame: 64, MaxDone: 128}
	tests := []struct {
		name    string
		payload string
		limits  Limits
		want    string
	}{
		{"not json", `hello`, Limits{}, "bad frame"},
		{"array", `[1]`, Limits{}, "bad frame"},
		{"trailing data", `{"t":"ready"} {"t":"ready"}`, Limits{}, "after the JSON"},
		{"no type", `{"id":1}`, Limits{}, "without a type"},
		{"unknown type", `{"t":"exec"}`, Limits{}, "unknown frame type"},
		{"run without program", `{"t":"run","lang":"javascript"}`, Limits{}, "without a program"},
		{"run without language", `{"t":"run","program":"1"}`, Limits{}, "without a language"},
		{"call without id", `{"t":"call","tool":"a.b"}`, Limits{}, "without an id"},
		{"call without tool", `{"t":"call","id":1}`, Limits{}, "without a tool"},
		{"negative id", `{"t":"call","id":-1,"tool":"a.b"}`, Limits{}, "bad frame"},
		{"result with both", `{"t":"result","id":1,"value":1,"tool_error":{"code":"x"}}`, Limits{}, "exactly one"},
		{"result with neither", `{"t":"result","id":1}`, Limits{}, "exactly one"},
		{"wrong field type", `{"t":"done","tool_calls":"many"}`, Limits{}, "bad frame"},
		{"call over frame limit", `{"t":"call","id":1,"tool":"a.b","args":{"pad":"` + strings.Repeat("x", 80) + `"}}`, small, "exceeds the limit"},
		{"done over done limit", `{"t":"done","output":"` + strings.Repeat("x", 200) + `"}`, small, "exceeds the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.payload), tt.limits)
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode(%s) = %v, want a protocol error containing %q", tt.payload, err, tt.want)
			}
		})
	}
	// A done frame may exceed MaxFrame up to MaxDone.
	if _, err := Decode([]byte(`{"t":"done","output":"`+strings.Repeat("x", 80)+`"}`), small); err != nil {
		t.Fatalf("done frame between MaxFrame and MaxDone: %v", err)
	}
}

func TestReadFrameRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, '{'}, "exceeds the limit"},
		{"zero length", []byte{0, 0, 0, 0}, "empty frame"},
		{"short header", []byte{0, 0}, "truncated frame header"},
		{"short body", []byte{0, 0, 0, 10, '{', '}'}, "truncated frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tt.in), 1<<20)
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a protocol error containing %q", err, tt.want)
			}
		})
	}
}

func TestHostState(t *testing.T) {
	type step struct {
		m       Message
		wantErr string
	}
	ready := Message{T: TypeReady}
	call := func(id uint64) Message { return Message{T: TypeCall, ID: id, Tool: "a.b"} }
	tests := []struct {
		name   string
		max    int
		answer []uint64 // answered after the steps before the last one
		steps  []step
	}{
		{"happy path", 2, nil, []step{{ready, ""}, {call(1), ""}, {call(5), ""}, {Message{T: TypeDone}, ""}}},
		{"call before ready", 0, nil, []step{{call(1), "before ready"}}},
		{"repeated id", 0, nil, []step{{ready, ""}, {call(3), ""}, {call(3), "not above"}}},
		{"decreasing id", 0, nil, []step{{ready, ""}, {call(3), ""}, {call(2), "not above"}}},
		{"too many in flight", 2, nil, []step{{ready, ""}, {call(1), ""}, {call(2), ""}, {call(3), "in flight"}}},
		{"call after done", 0, nil, []step{{ready, ""}, {Message{T: TypeDone}, ""}, {call(1), "after done"}}},
		{"second ready", 0, nil, []step{{ready, ""}, {ready, "second ready"}}},
		{"runner sends run", 0, nil, []step{{ready, ""}, {Message{T: TypeRun, Program: "x", Language: "javascript"}, "may not send"}}},
		{"runner sends result", 0, nil, []step{{ready, ""}, {Message{T: TypeResult, ID: 1, Value: json.RawMessage("1")}, "may not send"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewHostState(tt.max)
			for i, st := range tt.steps {
				err := s.Received(&st.m)
				if st.wantErr == "" && err != nil {
					t.Fatalf("step %d (%s): unexpected %v", i, st.m.T, err)
				}
				if st.wantErr != "" && (!errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), st.wantErr)) {
					t.Fatalf("step %d (%s): got %v, want %q", i, st.m.T, err, st.wantErr)
				}
			}
		})
	}

	// Answering frees a slot.
	s := NewHostState(1)
	for _, m := range []Message{ready, call(1)} {
		if err := s.Received(&m); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Answered(1) || s.Answered(1) || s.Answered(9) {
		t.Fatal("Answered: want true once for an open call, false otherwise")
	}
	c2 := call(2)
	if err := s.Received(&c2); err != nil {
		t.Fatalf("call after a slot was freed: %v", err)
	}
}

func TestRunnerState(t *testing.T) {
	s := NewRunnerState()
	res := func(id uint64) *Message { return &Message{T: TypeResult, ID: id, Value: json.RawMessage("1")} }
	if err := s.Received(res(1)); err == nil {
		t.Fatal("result before run accepted")
	}
	if err := s.Received(&Message{T: TypeRun, Program: "1", Language: "javascript"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Received(&Message{T: TypeRun, Program: "1", Language: "javascript"}); err == nil {
		t.Fatal("second run accepted")
	}
	if err := s.Received(res(1)); err == nil {
		t.Fatal("reply to a never-issued id accepted")
	}
	id := s.NextCall()
	if id != 1 || s.NextCall() != 2 {
		t.Fatal("ids are not 1, 2")
	}
	if err := s.Received(res(id)); err != nil {
		t.Fatal(err)
	}
	if err := s.Received(res(id)); err == nil {
		t.Fatal("second reply to the same id accepted")
	}
	if err := s.Received(&Message{T: TypeDone}); err == nil {
		t.Fatal("host sending done accepted")
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(frame(`{"t":"ready"}`))
	f.Add(frame(`{"t":"call","id":1,"tool":"a.b","args":{}}`))
	f.Add(frame(`{"t":"result","id":1,"tool_error":{"code":"denied"}}`))
	f.Add(frame(`{"t":"done","output":"x","value":[1],"error":{"kind":"limit"}}`))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 2, '{', '}'})
	limits := Limits{MaxFrame: 1 << 10, MaxDone: 4 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConn(struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(data), io.Discard}, limits)
		for i := 0; i < 8; i++ {
			m, err := c.Recv()
			if err != nil {
				return
			}
			// Whatever decodes must re-encode and decode to the same message.
			var buf bytes.Buffer
			if err := NewConn(&buf, limits).Send(m); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			m2, err := NewConn(&buf, Limits{MaxFrame: 1 << 20, MaxDone: 1 << 20}).Recv()
			if err != nil {
				t.Fatalf("re-decode %+v: %v", m, err)
			}
			if m.T != m2.T || m.ID != m2.ID {
				t.Fatalf("re-decoded %+v as %+v", m, m2)
			}
		}
	})
}

func socketpair(tb testing.TB) (a, b net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	conn := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "bridge")
		defer f.Close()
		c, err := net.FileConn(f)
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}
	a, b = conn(fds[0]), conn(fds[1])
	tb.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// BenchmarkRoundTrip measures a call and its result over a real socketpair,
// the host answering in its own goroutine.
func BenchmarkRoundTrip(b *testing.B) {
	ra, ha := socketpair(b)
	runner, host := NewConn(ra, Limits{}), NewConn(ha, Limits{})
	go func() {
		for {
			m, err := host.Recv()
			if err != nil {
				return
			}
			if err := host.Send(&Message{T: TypeResult, ID: m.ID, Value: json.RawMessage(`{"temp":21.5,"city":"Paris"}`)}); err != nil {
				return
			}
		}
	}()
	args := json.RawMessage(`{"city":"Paris","days":3}`)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := runner.Send(&Message{T: TypeCall, ID: uint64(i + 1), Tool: "weather.get_forecast", Args: args}); err != nil {
			b.Fatal(err)
		}
		m, err := runner.Recv()
		if err != nil || m.ID != uint64(i+1) {
			b.Fatalf("got %+v, %v", m, err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// reportPercentiles reports p50 and p95 of lat in µs.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Nanoseconds())/1e3, "p95-µs")
}
