package upstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// lineConn is the connection to a stdio server: newline-delimited JSON-RPC
// over its stdin and stdout. Unlike the SDK's stream connection it reads in
// the caller of Read (the session's reader) rather than in a goroutine of
// its own, and a response to one of the tap's calls is picked off the line
// before any generic decoding: a result reaches its caller with one
// goroutine hand-off instead of three.
type lineConn struct {
	r   *bufio.Reader
	rc  io.Closer
	w   io.WriteCloser
	tap *tap // may be nil
	// progress, when set, is told the token of every progress
	// notification read (see relays.awaitProgress).
	progress func(token any)

	wmu   sync.Mutex
	queue []jsonrpc.Message // the rest of a batch

	closeOnce sync.Once
	closeErr  error
}

// lineTransport connects a lineConn once.
type lineTransport struct {
	r        io.ReadCloser
	w        io.WriteCloser
	tap      *tap
	progress func(token any)
}

func (t *lineTransport) Connect(context.Context) (mcp.Connection, error) {
	c := &lineConn{r: bufio.NewReaderSize(t.r, 64<<10), rc: t.r, w: t.w, tap: t.tap, progress: t.progress}
	if t.tap != nil {
		t.tap.conn = c
	}
	return c, nil
}

// maxLine bounds one message from a server, as the SDK's stdio transport
// does.
const maxLine = mcp.DefaultMaxLineLength

var errLineTooLong = fmt.Errorf("a message from the server exceeds %d bytes", maxLine)

func (c *lineConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		return m, nil
	}
	for {
		line, err := c.readLine()
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if c.tap != nil && c.tap.intercept(line) {
				continue
			}
			if line[0] == '[' {
				var raws []json.RawMessage
				if jerr := json.Unmarshal(line, &raws); jerr != nil || len(raws) == 0 {
					c.tap.fail(errors.New("connection closed"))
					return nil, fmt.Errorf("malformed batch from the server: %s", snippet(line))
				}
				for _, raw := range raws {
					m, derr := jsonrpc.DecodeMessage(raw)
					if derr != nil {
						return nil, derr
					}
					c.noteProgress(m)
					c.queue = append(c.queue, m)
				}
				m := c.queue[0]
				c.queue = c.queue[1:]
				return m, nil
			}
			m, derr := jsonrpc.DecodeMessage(line)
			if derr != nil {
				if c.tap != nil {
					c.tap.fail(derr)
				}
				return nil, derr
			}
			c.noteProgress(m)
			return m, nil
		}
		if err != nil {
			if c.tap != nil {
				c.tap.fail(err)
			}
			return nil, err
		}
	}
}

// noteProgress tells c.progress the token of a progress notification.
func (c *lineConn) noteProgress(m jsonrpc.Message) {
	r, ok := m.(*jsonrpc.Request)
	if !ok || c.progress == nil || r.Method != "notifications/progress" || r.ID.IsValid() {
		return
	}
	var p struct {
		ProgressToken any `json:"progressToken"`
	}
	if json.Unmarshal(r.Params, &p) == nil {
		c.progress(p.ProgressToken)
	}
}

// readLine returns the next line, up to maxLine bytes.
func (c *lineConn) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	buf := append([]byte(nil), line...)
	for {
		line, err = c.r.ReadSlice('\n')
		buf = append(buf, line...)
		if len(buf) > maxLine {
			return nil, errLineTooLong
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, err
		}
	}
}

func snippet(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return fmt.Sprintf("%q", b)
}

func (c *lineConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	b = append(b, '\n')
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err = c.w.Write(b)
	return err
}

func (c *lineConn) Close() error {
	c.closeOnce.Do(func() {
		if c.tap != nil {
			c.tap.fail(errors.New("connection closed"))
		}
		c.closeErr = errors.Join(c.rc.Close(), c.w.Close())
	})
	return c.closeErr
}

func (c *lineConn) SessionID() string { return "" }
