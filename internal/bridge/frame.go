package bridge

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Message types. Host to runner: TypeRun, TypeResult. Runner to host:
// TypeReady, TypeCall, TypeLog, TypeDone.
const (
	TypeReady  = "ready"
	TypeRun    = "run"
	TypeCall   = "call"
	TypeResult = "result"
	TypeLog    = "log"
	TypeDone   = "done"
)

// Default bounds of a frame.
const (
	DefaultMaxFrame    = 4 << 20  // any frame but done
	DefaultMaxDone     = 16 << 20 // a done frame (output plus value)
	DefaultMaxInFlight = 64       // open calls a runner may have
	headerSize         = 4
)

// ErrProtocol is wrapped by every protocol violation.
var ErrProtocol = errors.New("bridge protocol violation")

func violation(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// RunLimits are the limits a run message carries to the runner.
type RunLimits struct {
	TimeoutMS      int64 `json:"timeout_ms,omitempty"`
	MaxOutputBytes int   `json:"max_output_bytes,omitempty"`
	MaxToolCalls   int   `json:"max_tool_calls,omitempty"`
	MaxConcurrency int   `json:"max_concurrency,omitempty"`
	MaxCallDepth   int   `json:"max_call_depth,omitempty"`
}

// Message is one frame's payload. T says which fields are meaningful:
//
//	ready:  (none)
//	run:    Language, Program, Tools, Limits
//	call:   ID, Tool, Args
//	result: ID, and exactly one of Value or ToolError
//	log:    Data
//	done:   Output, Value, Error, Truncated, ToolCalls
type Message struct {
	T  string `json:"t"`
	ID uint64 `json:"id,omitempty"`

	Language string     `json:"lang,omitempty"`
	Program  string     `json:"program,omitempty"`
	Tools    []ToolRef  `json:"tools,omitempty"`
	Limits   *RunLimits `json:"limits,omitempty"`

	Tool string          `json:"tool,omitempty"`
	Args json.RawMessage `json:"args,omitempty"`

	Value     json.RawMessage `json:"value,omitempty"`
	ToolError *ToolError      `json:"tool_error,omitempty"`

	Data string `json:"data,omitempty"`

	Output    string    `json:"output,omitempty"`
	Error     *RunError `json:"error,omitempty"`
	Truncated bool      `json:"truncated,omitempty"`
	ToolCalls int       `json:"tool_calls,omitempty"`
}

// Limits bound what a Conn reads. Zero values mean the defaults.
type Limits struct {
	MaxFrame int // bytes of any frame but done
	MaxDone  int // bytes of a done frame
}

func (l Limits) withDefaults() Limits {
	if l.MaxFrame <= 0 {
		l.MaxFrame = DefaultMaxFrame
	}
	if l.MaxDone <= 0 {
		l.MaxDone = DefaultMaxDone
	}
	if l.MaxDone < l.MaxFrame {
		l.MaxDone = l.MaxFrame
	}
	return l
}

// ReadFrame reads one frame and returns its payload. A length above max is
// refused before anything is allocated. io.EOF means the peer closed the
// stream cleanly between frames.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, violation("truncated frame header")
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if n == 0 {
		return nil, violation("empty frame")
	}
	if uint64(n) > uint64(max) {
		return nil, violation("frame of %d bytes exceeds the limit of %d", n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, violation("truncated frame: want %d bytes", n)
		}
		return nil, err
	}
	return buf, nil
}

// AppendFrame appends the frame of payload to dst.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// Decode parses and checks one payload: a JSON object of a known type whose
// required fields are present. limits bounds the payload by type.
func Decode(payload []byte, limits Limits) (*Message, error) {
	limits = limits.withDefaults()
	if len(payload) > limits.MaxDone {
		return nil, violation("frame of %d bytes exceeds the limit of %d", len(payload), limits.MaxDone)
	}
	var m Message
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&m); err != nil {
		return nil, violation("bad frame: %v", err)
	}
	if dec.More() {
		return nil, violation("bad frame: data after the JSON object")
	}
	if m.T != TypeDone && len(payload) > limits.MaxFrame {
		return nil, violation("%s frame of %d bytes exceeds the limit of %d", m.T, len(payload), limits.MaxFrame)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// validate checks the fields a type requires.
func (m *Message) validate() error {
	switch m.T {
	case TypeReady:
	case TypeRun:
		if m.Program == "" {
			return violation("run without a program")
		}
		if m.Language == "" {
			return violation("run without a language")
		}
	case TypeCall:
		if m.ID == 0 {
			return violation("call without an id")
		}
		if m.Tool == "" {
			return violation("call %d without a tool", m.ID)
		}
		if len(m.Args) > 0 && !json.Valid(m.Args) {
			return violation("call %d: args are not JSON", m.ID)
		}
	case TypeResult:
		if m.ID == 0 {
			return violation("result without an id")
		}
		if (m.ToolError == nil) == (len(m.Value) == 0) {
			return violation("result %d needs exactly one of value and tool_error", m.ID)
		}
	case TypeLog:
	case TypeDone:
	case "":
		return violation("frame without a type")
	default:
		return violation("unknown frame type %q", truncate(m.T, 32))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Conn reads and writes frames on one end of the socketpair. Send may be
// called from several goroutines; Recv from one at a time.
type Conn struct {
	rw     io.ReadWriter
	limits Limits

	mu  sync.Mutex // guards buf and writes to rw
	buf []byte
}

// NewConn returns a Conn over rw. Zero limits mean the defaults.
func NewConn(rw io.ReadWriter, limits Limits) *Conn {
	return &Conn{rw: rw, limits: limits.withDefaults()}
}

// Send encodes m and writes it as one frame.
func (c *Conn) Send(m *Message) error {
	payload, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s frame: %w", m.T, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = AppendFrame(c.buf[:0], payload)
	if _, err := c.rw.Write(c.buf); err != nil {
		return fmt.Errorf("write %s frame: %w", m.T, err)
	}
	if cap(c.buf) > 64<<10 {
		c.buf = nil
	}
	return nil
}

// Recv reads and decodes one frame. Errors that wrap ErrProtocol mean the
// peer broke the protocol; io.EOF means it closed the stream.
func (c *Conn) Recv() (*Message, error) {
	payload, err := ReadFrame(c.rw, c.limits.MaxDone)
	if err != nil {
		return nil, err
	}
	return Decode(payload, c.limits)
}
