package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func openTemp(t testing.TB, opts Options) (*Ledger, string) {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "state", "audit.db")
	}
	l, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, opts.Path
}

func mustVerify(t *testing.T, l *Ledger) VerifyReport {
	t.Helper()
	rep, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !rep.OK {
		t.Fatalf("Verify: chain broken: %v (report %+v)", rep.First, rep)
	}
	return rep
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	l, path := openTemp(t, Options{})

	runA := Run{ID: "run-a", Session: "s1", Client: "claude/1.0", Language: "typescript",
		Code: `const x = await tools.weather.get_forecast({city: "Paris"}); if (x < 1 && y > 2) {}`, Started: t0}
	runB := Run{ID: "run-b", Session: "s1", Client: "claude/1.0", Language: "python", Code: "print(1)", Started: t0.Add(time.Second)}
	callA1 := Call{RunID: "run-a", Seq: 0, Tool: "weather.get_forecast", Args: json.RawMessage(`{"days": 3, "city": "Paris"}`),
		Labels: []string{"public"}, Decision: "allow", Rule: "default", Status: "ok", LatencyMs: 12, ResultBytes: 300, Time: t0.Add(10 * time.Millisecond)}
	callA2 := Call{RunID: "run-a", Seq: 1, Tool: "mail.send", ArgsHash: strings.Repeat("ab", 32),
		Decision: "deny", Rule: "no-exfil", Reason: "private data to an external sink", Status: "denied", Time: t0.Add(20 * time.Millisecond)}
	flagA := Flag{RunID: "run-a", Kind: "injection", Source: "weather", Detail: "instruction-like text removed", Time: t0.Add(30 * time.Millisecond)}
	finA := Finish{RunID: "run-a", Status: "blocked", Error: "call denied", OutputBytes: 42, Ms: 40, Time: t0.Add(40 * time.Millisecond)}

	steps := []func() error{
		func() error { return l.BeginRun(ctx, runA) },
		func() error { return l.RecordCall(ctx, callA1) },
		func() error { return l.BeginRun(ctx, runB) },
		func() error { return l.RecordCall(ctx, callA2) },
		func() error { return l.RecordFlag(ctx, flagA) },
		func() error { return l.FinishRun(ctx, finA) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	// Reopen: everything must come back from the file.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	got, err := l.Show(ctx, "run-a")
	if err != nil {
		t.Fatal(err)
	}
	wantHash, err := HashArgs(json.RawMessage(`{"city":"Paris","days":3}`))
	if err != nil {
		t.Fatal(err)
	}
	wantA1 := callA1
	wantA1.ArgsHash, wantA1.Args = wantHash, nil // args are not stored by default
	want := &RunDetail{Run: runA, Status: "blocked", Finish: &finA,
		Calls: []Call{wantA1, callA2}, Flags: []Flag{flagA}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Show(run-a) mismatch (-want +got):\n%s", diff)
	}

	gotB, err := l.Show(ctx, "run-b")
	if err != nil {
		t.Fatal(err)
	}
	if gotB.Status != StatusRunning || gotB.Finish != nil || len(gotB.Calls) != 0 {
		t.Errorf("Show(run-b) = %+v, want running with no calls", gotB)
	}
	if _, err := l.Show(ctx, "nope"); !errors.Is(err, ErrUnknownRun) {
		t.Errorf("Show(nope) err = %v, want ErrUnknownRun", err)
	}

	sumA := RunSummary{ID: "run-a", Session: "s1", Client: "claude/1.0", Language: "typescript", Started: t0,
		Status: "blocked", Error: "call denied", Ms: 40, OutputBytes: 42, Calls: 2, Flags: 1}
	sumB := RunSummary{ID: "run-b", Session: "s1", Client: "claude/1.0", Language: "python", Started: t0.Add(time.Second),
		Status: StatusRunning}
	for _, tc := range []struct {
		name string
		opts ListOptions
		want []RunSummary
	}{
		{"all newest first", ListOptions{}, []RunSummary{sumB, sumA}},
		{"limit", ListOptions{Limit: 1}, []RunSummary{sumB}},
		{"since", ListOptions{Since: t0.Add(time.Millisecond)}, []RunSummary{sumB}},
		{"status blocked", ListOptions{Status: "blocked"}, []RunSummary{sumA}},
		{"status running", ListOptions{Status: StatusRunning}, []RunSummary{sumB}},
		{"status none", ListOptions{Status: "ok"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.List(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("List(%+v) mismatch (-want +got):\n%s", tc.opts, diff)
			}
		})
	}

	rep := mustVerify(t, l)
	if rep.Records != 6 || rep.Runs != 2 || rep.Calls != 2 || rep.Flags != 1 || rep.Finished != 1 {
		t.Errorf("Verify counts = %+v, want 6 records: 2 runs, 2 calls, 1 flag, 1 finish", rep)
	}
}

func TestStoreArgs(t *testing.T) {
	ctx := context.Background()
	l, _ := openTemp(t, Options{StoreArgs: true})
	if err := l.BeginRun(ctx, Run{ID: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := l.RecordCall(ctx, Call{RunID: "r", Tool: "a.b", Args: json.RawMessage(` {"z": 1, "a": [true, null, "<x>"]} `)}); err != nil {
		t.Fatal(err)
	}
	d, err := l.Show(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(d.Calls[0].Args), `{"a":[true,null,"<x>"],"z":1}`; got != want {
		t.Errorf("stored args = %s, want canonical %s", got, want)
	}
	if want, _ := HashArgs(d.Calls[0].Args); d.Calls[0].ArgsHash != want {
		t.Errorf("args_hash = %s, want %s", d.Calls[0].ArgsHash, want)
	}
}

func TestOpenFileModesAndPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	l, path := openTemp(t, Options{Path: filepath.Join(dir, "audit.db")})
	if err := l.BeginRun(context.Background(), Run{ID: "r"}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", p, got, want)
		}
	}
	var mode string
	var syncLevel, version int
	if err := l.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := l.db.QueryRow("PRAGMA synchronous").Scan(&syncLevel); err != nil {
		t.Fatal(err)
	}
	if err := l.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || syncLevel != 2 || version != SchemaVersion {
		t.Errorf("journal_mode=%s synchronous=%d user_version=%d, want wal, 2 (FULL), %d", mode, syncLevel, version, SchemaVersion)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	newer := filepath.Join(t.TempDir(), "newer.db")
	l, err := Open(ctx, Options{Path: newer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	l.Close()
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"empty path", Options{}, "empty path"},
		{"question mark", Options{Path: filepath.Join(t.TempDir(), "a?b.db")}, "may not contain"},
		{"bad synchronous", Options{Path: filepath.Join(t.TempDir(), "x.db"), Synchronous: "OFF"}, "synchronous"},
		{"newer schema", Options{Path: newer}, "newer than this cemcp"},
		{"not a database", Options{Path: writeFile(t, "junk.db", strings.Repeat("not sqlite ", 500))}, "open audit ledger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Open(ctx, tc.opts)
			if err == nil {
				l.Close()
				t.Fatalf("Open(%+v) succeeded, want error containing %q", tc.opts, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%+v) = %v, want error containing %q", tc.opts, err, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	l, _ := openTemp(t, Options{})
	if err := l.BeginRun(ctx, Run{ID: "open"}); err != nil {
		t.Fatal(err)
	}
	if err := l.BeginRun(ctx, Run{ID: "done"}); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, Finish{RunID: "done", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	before := mustVerify(t, l).Records

	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"begin empty id", func() error { return l.BeginRun(ctx, Run{}) }, ErrInvalid},
		{"begin duplicate", func() error { return l.BeginRun(ctx, Run{ID: "open"}) }, ErrDuplicateRun},
		{"call empty run id", func() error { return l.RecordCall(ctx, Call{Tool: "a.b"}) }, ErrInvalid},
		{"call empty tool", func() error { return l.RecordCall(ctx, Call{RunID: "open"}) }, ErrInvalid},
		{"call unknown run", func() error { return l.RecordCall(ctx, Call{RunID: "ghost", Tool: "a.b"}) }, ErrUnknownRun},
		{"call after finish", func() error { return l.RecordCall(ctx, Call{RunID: "done", Tool: "a.b"}) }, ErrRunFinished},
		{"call bad args hash", func() error { return l.RecordCall(ctx, Call{RunID: "open", Tool: "a.b", ArgsHash: "XYZ"}) }, ErrInvalid},
		{"call args hash mismatch", func() error {
			return l.RecordCall(ctx, Call{RunID: "open", Tool: "a.b", ArgsHash: strings.Repeat("0", 64), Args: json.RawMessage(`{}`)})
		}, ErrInvalid},
		{"call bad args json", func() error {
			return l.RecordCall(ctx, Call{RunID: "open", Tool: "a.b", Args: json.RawMessage(`{"a":`)})
		}, ErrInvalid},
		{"flag unknown run", func() error { return l.RecordFlag(ctx, Flag{RunID: "ghost", Kind: "secret"}) }, ErrUnknownRun},
		{"flag empty kind", func() error { return l.RecordFlag(ctx, Flag{RunID: "open"}) }, ErrInvalid},
		{"flag after finish", func() error { return l.RecordFlag(ctx, Flag{RunID: "done", Kind: "secret"}) }, ErrRunFinished},
		{"finish unknown run", func() error { return l.FinishRun(ctx, Finish{RunID: "ghost", Status: "ok"}) }, ErrUnknownRun},
		{"finish empty status", func() error { return l.FinishRun(ctx, Finish{RunID: "open"}) }, ErrInvalid},
		{"finish twice", func() error { return l.FinishRun(ctx, Finish{RunID: "done", Status: "ok"}) }, ErrRunFinished},
		{"canceled context", func() error {
			c, cancel := context.WithCancel(ctx)
			cancel()
			return l.RecordCall(c, Call{RunID: "open", Tool: "a.b"})
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if rep := mustVerify(t, l); rep.Records != before {
				t.Errorf("records = %d after a refused write, want %d", rep.Records, before)
			}
		})
	}

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.BeginRun(ctx, Run{ID: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("BeginRun after Close = %v, want ErrClosed", err)
	}
}

// TestConcurrentWriters has many goroutines append at once, some with
// records that must be refused, and checks the chain and the counts.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	l, _ := openTemp(t, Options{Synchronous: "NORMAL"})
	const runs, workers, perWorker = 4, 8, 40
	for r := range runs {
		if err := l.BeginRun(ctx, Run{ID: fmt.Sprint("run-", r)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				run := fmt.Sprint("run-", (w+i)%runs)
				var err error
				switch i % 4 {
				case 3: // refused in the middle of a batch
					err = l.RecordCall(ctx, Call{RunID: "ghost", Tool: "x.y"})
					if !errors.Is(err, ErrUnknownRun) {
						errs <- fmt.Errorf("ghost call: %v, want ErrUnknownRun", err)
					}
					continue
				case 2:
					err = l.RecordFlag(ctx, Flag{RunID: run, Kind: "secret", Source: fmt.Sprint(w)})
				default:
					err = l.RecordCall(ctx, Call{RunID: run, Seq: w*1000 + i, Tool: "x.y", Status: "ok"})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for r := range runs {
		if err := l.FinishRun(ctx, Finish{RunID: fmt.Sprint("run-", r), Status: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	rep := mustVerify(t, l)
	wantCalls := int64(workers * perWorker / 2)
	wantFlags := int64(workers * perWorker / 4)
	if rep.Runs != runs || rep.Calls != wantCalls || rep.Flags != wantFlags || rep.Finished != runs {
		t.Errorf("counts = %+v, want %d runs, %d calls, %d flags", rep, runs, wantCalls, wantFlags)
	}
	list, err := l.List(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var calls, flags int
	for _, s := range list {
		calls += s.Calls
		flags += s.Flags
	}
	if int64(calls) != wantCalls || int64(flags) != wantFlags {
		t.Errorf("List totals: %d calls, %d flags; want %d, %d", calls, flags, wantCalls, wantFlags)
	}
}

// TestTwoLedgersOneFile appends from two Ledgers (as two gateway processes
// would) to one file; the chain must stay linear.
func TestTwoLedgersOneFile(t *testing.T) {
	ctx := context.Background()
	a, path := openTemp(t, Options{Synchronous: "NORMAL"})
	b, _ := openTemp(t, Options{Path: path, Synchronous: "NORMAL"})
	for _, l := range []*Ledger{a, b} {
		if err := l.BeginRun(ctx, Run{ID: fmt.Sprintf("%p", l)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, l := range []*Ledger{a, b} {
		wg.Go(func() {
			for i := range 50 {
				if err := l.RecordCall(ctx, Call{RunID: fmt.Sprintf("%p", l), Seq: i, Tool: "t.t"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if rep := mustVerify(t, a); rep.Records != 102 {
		t.Errorf("records = %d, want 102", rep.Records)
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	l, _ := openTemp(t, Options{})
	for _, id := range []string{"a", "b"} {
		if err := l.BeginRun(ctx, Run{ID: id, Code: "return 1 < 2 && \"x\""}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.RecordCall(ctx, Call{RunID: "a", Tool: "s.t", Args: json.RawMessage(`[1]`)}); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishRun(ctx, Finish{RunID: "a", Status: "ok"}); err != nil {
		t.Fatal(err)
	}

	var all bytes.Buffer
	if err := l.Export(ctx, &all, ""); err != nil {
		t.Fatal(err)
	}
	// Check the chain from the export alone, with the documented rule.
	prev := GenesisHash
	n := 0
	sc := bufio.NewScanner(&all)
	for sc.Scan() {
		var r ExportRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if r.PrevHash != prev {
			t.Errorf("record %d: prev_hash %s, want %s", r.Seq, r.PrevHash, prev)
		}
		raw, _ := hex.DecodeString(r.PrevHash)
		sum := sha256.Sum256(append(raw, r.Record...))
		if got := hex.EncodeToString(sum[:]); got != r.Hash {
			t.Errorf("record %d: sha256(prev||record) = %s, stored hash %s", r.Seq, got, r.Hash)
		}
		prev = r.Hash
		n++
	}
	if n != 4 {
		t.Errorf("exported %d records, want 4", n)
	}

	var one bytes.Buffer
	if err := l.Export(ctx, &one, "a"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(one.String(), "\n"); got != 3 {
		t.Errorf("export of run a has %d lines, want 3:\n%s", got, one.String())
	}
	if err := l.Export(ctx, &one, "ghost"); !errors.Is(err, ErrUnknownRun) {
		t.Errorf("Export(ghost) = %v, want ErrUnknownRun", err)
	}
}

// TestCancelWhileQueued cancels a write still waiting in the queue: it must
// return the context's error and leave nothing behind, while the write
// already taken by the writer is committed.
func TestCancelWhileQueued(t *testing.T) {
	ctx := context.Background()
	l, _ := openTemp(t, Options{Path: ":memory:"}) // one connection
	if err := l.BeginRun(ctx, Run{ID: "r"}); err != nil {
		t.Fatal(err)
	}
	conn, err := l.db.Conn(ctx) // hold the only connection: the writer stalls
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- l.RecordCall(ctx, Call{RunID: "r", Seq: 1, Tool: "a.b"}) }()
	for l.taken.Load() < 2 { // BeginRun, then the first call
		runtime.Gosched()
	}
	cctx, cancel := context.WithCancel(ctx)
	second := make(chan error, 1)
	go func() { second <- l.RecordCall(cctx, Call{RunID: "r", Seq: 2, Tool: "a.b"}) }()
	for len(l.reqs) == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued write after cancel: %v, want context.Canceled", err)
	}
	conn.Close()
	if err := <-first; err != nil {
		t.Fatalf("write taken before the cancel: %v", err)
	}
	d, err := l.Show(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Calls) != 1 || d.Calls[0].Seq != 1 {
		t.Errorf("calls = %+v, want only call 1", d.Calls)
	}
	mustVerify(t, l)
}

// TestNoWaitAndFlush: records queued without waiting are committed in
// order; a refused one does not disturb the others; Flush waits for all.
func TestNoWaitAndFlush(t *testing.T) {
	ctx := context.Background()
	l, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "a.db"), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nw := NoWait(ctx)
	if err := l.BeginRun(nw, Run{ID: "r1", Language: "typescript"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 50; i++ {
		if err := l.RecordCall(nw, Call{RunID: "r1", Seq: i, Tool: "s.t", Decision: "allow", Status: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	_ = l.RecordCall(nw, Call{RunID: "nope", Seq: 1, Tool: "s.t"}) // refused by the writer
	if err := l.FinishRun(nw, Finish{RunID: "r1", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := l.Show(ctx, "r1")
	if err != nil || len(d.Calls) != 50 || d.Status != "ok" {
		t.Fatalf("show: %v, %d calls, status %q", err, len(d.Calls), d.Status)
	}
	for i, c := range d.Calls {
		if c.Seq != i+1 {
			t.Fatalf("call %d has seq %d: order lost", i, c.Seq)
		}
	}
	if rep, err := l.Verify(ctx); err != nil || !rep.OK || rep.Calls != 50 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
