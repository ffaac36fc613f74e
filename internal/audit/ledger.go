package audit

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Errors callers may branch on. Each is wrapped with what failed.
var (
	ErrInvalid      = errors.New("invalid audit record")
	ErrUnknownRun   = errors.New("unknown run")
	ErrDuplicateRun = errors.New("run already begun")
	ErrRunFinished  = errors.New("run already finished")
	ErrClosed       = errors.New("audit ledger closed")
)

// Options configures Open.
type Options struct {
	// Path is the SQLite file. Its directory is created (0700) and the file
	// is created 0600. ":memory:" gives a private in-memory ledger (tests).
	Path string
	// StoreArgs keeps each call's arguments; by default only their hash.
	StoreArgs bool
	// Synchronous is "FULL" (default: a committed record survives a power
	// loss) or "NORMAL" (in WAL mode a committed record survives the process
	// being killed, but the last commits may be lost on a power loss or
	// kernel crash). Anything else is an error.
	Synchronous string
	// Logger receives open, close and write-failure events; nil is silence.
	Logger *slog.Logger
}

// Ledger is an open audit ledger. It is safe for concurrent use. Writes go
// through one writer goroutine that commits the records that arrived together
// in one transaction (group commit); each write method returns only once its
// record is committed, or with an error and nothing of it written.
//
// If ctx ends while a record still waits in the queue, the write method
// returns ctx's error and nothing is written; once the writer has taken the
// record, the method waits for its commit. A caller that must record even
// when its request is canceled (FinishRun after the client went away)
// passes context.WithoutCancel(ctx).
type Ledger struct {
	db        *sql.DB
	log       *slog.Logger
	path      string
	storeArgs bool

	insert, check, readHead, writeHead *sql.Stmt

	commits atomic.Int64 // transactions committed (benchmarks)
	// open are runs this writer began and has not seen finish, so that a
	// call or flag record of one needs no look-up. Written only by the
	// writer goroutine, after a commit.
	open  map[string]bool
	taken atomic.Int64 // requests taken by the writer (tests)

	mu     sync.RWMutex // guards closed and sends on reqs
	closed bool
	reqs   chan *request
	done   chan struct{} // closed when the writer has exited
}

// maxBatch bounds how many records one transaction commits.
const maxBatch = 256

// Open opens (creating if needed) the ledger at opts.Path and brings its
// schema up to date.
func Open(ctx context.Context, opts Options) (_ *Ledger, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Path == "" {
		return nil, errors.New("open audit ledger: empty path")
	}
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("open audit ledger: synchronous %q: want FULL or NORMAL", opts.Synchronous)
	}
	memory := opts.Path == ":memory:"
	dsn := ":memory:?_txlock=immediate&_pragma=foreign_keys(1)"
	if !memory {
		if strings.ContainsRune(opts.Path, '?') {
			return nil, fmt.Errorf("open audit ledger %s: path may not contain '?'", opts.Path)
		}
		if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
			return nil, fmt.Errorf("open audit ledger: create directory: %w", err)
		}
		f, err := os.OpenFile(opts.Path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open audit ledger: %w", err)
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("audit ledger file is readable by others", "path", opts.Path, "mode", fi.Mode().Perm().String())
		}
		f.Close()
		dsn = opts.Path + "?_txlock=immediate" +
			"&_pragma=busy_timeout(10000)" +
			"&_pragma=journal_mode(WAL)" +
			"&_pragma=synchronous(" + syncMode + ")" +
			"&_pragma=foreign_keys(1)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open audit ledger %s: %w", opts.Path, err)
	}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if memory {
		// Every connection to ":memory:" is a database of its own.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(4)
	}
	db.SetMaxIdleConns(4)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	if err := migrate(ctx, db); err != nil {
		return nil, fmt.Errorf("open audit ledger %s: %w", opts.Path, err)
	}
	l := &Ledger{
		db:        db,
		log:       log,
		path:      opts.Path,
		storeArgs: opts.StoreArgs,
		reqs:      make(chan *request, maxBatch),
		done:      make(chan struct{}),
	}
	prep := func(dst **sql.Stmt, q string) {
		if err != nil {
			return
		}
		*dst, err = db.PrepareContext(ctx, q)
		if err != nil {
			err = fmt.Errorf("open audit ledger %s: prepare %q: %w", opts.Path, q, err)
		}
	}
	prep(&l.insert, `INSERT INTO records (seq, body, prev_hash, hash) VALUES (?, ?, ?, ?)`)
	prep(&l.check, `SELECT coalesce(sum(kind = 'run'), 0), coalesce(sum(kind = 'finish'), 0) FROM records WHERE run_id = ? AND kind IN ('run', 'finish')`)
	prep(&l.readHead, `SELECT head_seq, head_hash FROM meta WHERE id = 1`)
	prep(&l.writeHead, `UPDATE meta SET head_seq = ?, head_hash = ? WHERE id = 1`)
	if err != nil {
		return nil, err
	}
	go l.writer()
	log.Debug("audit ledger open", "path", opts.Path, "schema", SchemaVersion, "synchronous", syncMode)
	return l, nil
}

// Close waits for queued records to be committed and closes the database.
// Writes after Close fail with ErrClosed.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.reqs)
	l.mu.Unlock()
	<-l.done
	var seq int64
	var head string
	if err := l.readHead.QueryRow().Scan(&seq, &head); err == nil {
		l.log.Info("audit ledger closed", "path", l.path, "records", seq, "head", head)
	}
	for _, s := range []*sql.Stmt{l.insert, l.check, l.readHead, l.writeHead} {
		s.Close()
	}
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("close audit ledger %s: %w", l.path, err)
	}
	return nil
}

// BeginRun records the start of a run. The run id must be new.
func (l *Ledger) BeginRun(ctx context.Context, r Run) error {
	if r.ID == "" {
		return fmt.Errorf("begin run: %w: empty run id", ErrInvalid)
	}
	b := &body{Kind: KindRun, RunID: r.ID, Time: stamp(r.Started),
		Run: &runBody{Session: r.Session, Client: r.Client, Language: r.Language, Code: r.Code}}
	if err := l.write(ctx, b); err != nil {
		return fmt.Errorf("begin run %s: %w", r.ID, err)
	}
	return nil
}

// RecordCall records one inner tool call of a begun, unfinished run.
func (l *Ledger) RecordCall(ctx context.Context, c Call) error {
	if c.RunID == "" {
		return fmt.Errorf("record call: %w: empty run id", ErrInvalid)
	}
	if c.Tool == "" {
		return fmt.Errorf("record call in run %s: %w: empty tool", c.RunID, ErrInvalid)
	}
	cb := &callBody{Seq: c.Seq, Tool: c.Tool, ArgsHash: c.ArgsHash, Labels: c.Labels,
		Decision: c.Decision, Rule: c.Rule, Reason: c.Reason, Status: c.Status,
		LatencyMs: c.LatencyMs, ResultBytes: c.ResultBytes}
	if cb.Labels == nil {
		cb.Labels = []string{}
	}
	if len(c.Args) > 0 {
		canon, err := canonicalArgs(c.Args)
		if err != nil {
			return fmt.Errorf("record call %s in run %s: %w: %v", c.Tool, c.RunID, ErrInvalid, err)
		}
		h, _ := HashArgs(canon)
		if cb.ArgsHash == "" {
			cb.ArgsHash = h
		} else if cb.ArgsHash != h {
			return fmt.Errorf("record call %s in run %s: %w: args_hash does not match args", c.Tool, c.RunID, ErrInvalid)
		}
		if l.storeArgs {
			cb.Args = canon
		}
	}
	if cb.ArgsHash != "" && !validHash(cb.ArgsHash) {
		return fmt.Errorf("record call %s in run %s: %w: args_hash %q is not a lowercase hex SHA-256", c.Tool, c.RunID, ErrInvalid, cb.ArgsHash)
	}
	b := &body{Kind: KindCall, RunID: c.RunID, Time: stamp(c.Time), Call: cb}
	if err := l.write(ctx, b); err != nil {
		return fmt.Errorf("record call %s in run %s: %w", c.Tool, c.RunID, err)
	}
	return nil
}

// RecordFlag records one finding about a begun, unfinished run.
func (l *Ledger) RecordFlag(ctx context.Context, f Flag) error {
	if f.RunID == "" {
		return fmt.Errorf("record flag: %w: empty run id", ErrInvalid)
	}
	if f.Kind == "" {
		return fmt.Errorf("record flag in run %s: %w: empty kind", f.RunID, ErrInvalid)
	}
	b := &body{Kind: KindFlag, RunID: f.RunID, Time: stamp(f.Time),
		Flag: &flagBody{Kind: f.Kind, Source: f.Source, Detail: f.Detail}}
	if err := l.write(ctx, b); err != nil {
		return fmt.Errorf("record flag %s in run %s: %w", f.Kind, f.RunID, err)
	}
	return nil
}

// FinishRun records the end of a begun run; a run finishes once.
func (l *Ledger) FinishRun(ctx context.Context, f Finish) error {
	if f.RunID == "" {
		return fmt.Errorf("finish run: %w: empty run id", ErrInvalid)
	}
	if f.Status == "" {
		return fmt.Errorf("finish run %s: %w: empty status", f.RunID, ErrInvalid)
	}
	b := &body{Kind: KindFinish, RunID: f.RunID, Time: stamp(f.Time),
		Finish: &finishBody{Status: f.Status, Error: f.Error, OutputBytes: f.OutputBytes, Ms: f.Ms}}
	if err := l.write(ctx, b); err != nil {
		return fmt.Errorf("finish run %s: %w", f.RunID, err)
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return formatTime(t)
}

// request states: the writer takes a pending request, or its caller cancels
// it; whoever swaps first decides whether the record is written.
const (
	pending int32 = iota
	taken
	canceled
)

type request struct {
	b      *body
	noWait bool // the caller does not wait: the writer may linger to batch
	state  atomic.Int32
	done   chan error // buffered 1
	err    error      // set by the writer while the batch is built
}

// write hands b to the writer and waits for its commit. If ctx ends before
// the writer has taken the record, nothing is written and ctx's error is
// returned; once taken, write waits for the outcome.
func (l *Ledger) write(ctx context.Context, b *body) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	noWait, _ := ctx.Value(noWaitKey{}).(bool)
	r := &request{b: b, done: make(chan error, 1), noWait: noWait}
	if err := l.enqueue(ctx, r); err != nil {
		return err
	}
	if noWait {
		return nil // the writer logs a record it refuses
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(pending, canceled) {
			return ctx.Err()
		}
		return <-r.done
	}
}

// enqueue hands r to the writer, unless the ledger is closed or ctx ends
// first.
func (l *Ledger) enqueue(ctx context.Context, r *request) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	select {
	case l.reqs <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type noWaitKey struct{}

// lingerFor is how long the writer waits to batch records no caller waits
// for.
const lingerFor = 10 * time.Millisecond

// NoWait returns a context under which BeginRun, RecordCall, RecordFlag and
// FinishRun return as soon as the record is queued, in order, for the
// single writer, instead of waiting for its commit. Records queued together
// are committed in one transaction (group commit), which keeps the ledger's
// cost off a caller's latency. A record the writer refuses is logged. Use
// Flush to wait until everything queued is committed.
func NoWait(ctx context.Context) context.Context { return context.WithValue(ctx, noWaitKey{}, true) }

// Flush waits until every record queued before it is committed.
func (l *Ledger) Flush(ctx context.Context) error {
	r := &request{done: make(chan error, 1)}
	if err := l.enqueue(ctx, r); err != nil {
		return err
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer is the single goroutine that writes records.
func (l *Ledger) writer() {
	defer close(l.done)
	batch := make([]*request, 0, maxBatch)
	for r := range l.reqs {
		batch = append(batch[:0], r)
		// While nobody waits for the batch, linger a little so that records
		// arriving one by one share a transaction (one commit, not many).
		linger := r.noWait
		var deadline <-chan time.Time
		if linger {
			deadline = time.After(lingerFor)
		}
	drain:
		for len(batch) < maxBatch {
			if linger {
				select {
				case r, ok := <-l.reqs:
					if !ok {
						break drain
					}
					batch = append(batch, r)
					if !r.noWait {
						linger = false
					}
				case <-deadline:
					break drain
				}
				continue
			}
			select {
			case r, ok := <-l.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		live := batch[:0]
		var barriers []*request
		for _, r := range batch {
			if r.b == nil { // Flush: answered once the records before it are committed
				barriers = append(barriers, r)
				continue
			}
			if r.state.CompareAndSwap(pending, taken) {
				live = append(live, r)
				l.taken.Add(1)
			}
		}
		var err error
		if len(live) > 0 {
			err = l.commit(live)
			if err != nil {
				l.log.Error("audit ledger write failed", "path", l.path, "records", len(live), "err", err)
			}
		}
		for _, r := range live {
			if r.err != nil {
				r.done <- r.err
				if errors.Is(r.err, ErrUnknownRun) || errors.Is(r.err, ErrDuplicateRun) || errors.Is(r.err, ErrRunFinished) {
					l.log.Warn("audit record refused", "run", r.b.RunID, "kind", r.b.Kind, "err", r.err)
				}
			} else {
				r.done <- err
			}
		}
		for _, r := range barriers {
			r.done <- err
		}
	}
}

// commit writes batch in one transaction. A request whose record is refused
// (unknown run, ...) gets its own r.err and takes no place in the chain; an
// error returned means nothing of the batch was written.
//
// Preconditions: called only from the writer goroutine.
func (l *Ledger) commit(batch []*request) (err error) {
	ctx := context.Background() // callers may go away; the batch is shared
	for _, r := range batch {
		r.err = nil
	}
	tx, err := l.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			for _, r := range batch {
				r.err = nil // the batch error applies to all
			}
		}
	}()
	// The head is read inside the write transaction, so another process
	// appending to the same file cannot fork the chain.
	var seq int64
	var headHex string
	if err := tx.StmtContext(ctx, l.readHead).QueryRowContext(ctx).Scan(&seq, &headHex); err != nil {
		return fmt.Errorf("read chain head: %w", err)
	}
	prev, err := hex.DecodeString(headHex)
	if err != nil || len(prev) != len(genesis) {
		return fmt.Errorf("read chain head: bad head hash %q", headHex)
	}
	check := tx.StmtContext(ctx, l.check)
	insert := tx.StmtContext(ctx, l.insert)
	written := 0
	began := map[string]bool{} // in this batch
	ended := map[string]bool{}
	for _, r := range batch {
		var begun, finished int
		switch {
		case r.b.Kind != KindRun && r.b.Kind != KindFinish && (l.open[r.b.RunID] || began[r.b.RunID]) && !ended[r.b.RunID]:
			begun = 1 // known open: no look-up
		default:
			if err := check.QueryRowContext(ctx, r.b.RunID).Scan(&begun, &finished); err != nil {
				return fmt.Errorf("look up run %s: %w", r.b.RunID, err)
			}
		}
		switch {
		case r.b.Kind == KindRun && begun > 0:
			r.err = ErrDuplicateRun
		case r.b.Kind != KindRun && begun == 0:
			r.err = ErrUnknownRun
		case r.b.Kind != KindRun && finished > 0:
			r.err = ErrRunFinished
		}
		if r.err != nil {
			continue
		}
		r.b.Seq = seq + 1
		data, err := canonical(r.b)
		if err != nil {
			return fmt.Errorf("encode record: %w", err)
		}
		h := chainHash(prev, data)
		if _, err := insert.ExecContext(ctx, r.b.Seq, string(data), hex.EncodeToString(prev), hex.EncodeToString(h)); err != nil {
			return fmt.Errorf("insert record %d: %w", r.b.Seq, err)
		}
		seq, prev = r.b.Seq, h
		written++
		switch r.b.Kind {
		case KindRun:
			began[r.b.RunID] = true
		case KindFinish:
			ended[r.b.RunID] = true
		}
	}
	if written == 0 {
		tx.Rollback()
		return nil
	}
	if _, err := tx.StmtContext(ctx, l.writeHead).ExecContext(ctx, seq, hex.EncodeToString(prev)); err != nil {
		return fmt.Errorf("update chain head: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	l.commits.Add(1)
	if l.open == nil {
		l.open = map[string]bool{}
	}
	for id := range began {
		if len(l.open) >= maxOpenRuns {
			clear(l.open) // forget: the look-up still works
		}
		l.open[id] = true
	}
	for id := range ended {
		delete(l.open, id)
	}
	return nil
}

// maxOpenRuns bounds the runs the writer remembers as open.
const maxOpenRuns = 4096
