package audit

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// tamperFixture writes 8 records:
//
//	1 run a   2 call a#0   3 run b   4 call a#1 (deny)
//	5 flag a  6 call b#0   7 finish a   8 finish b
func tamperFixture(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	l, path := openTemp(t, Options{})
	steps := []func() error{
		func() error { return l.BeginRun(ctx, Run{ID: "a", Code: "1"}) },
		func() error { return l.RecordCall(ctx, Call{RunID: "a", Seq: 0, Tool: "s.t", Decision: "allow"}) },
		func() error { return l.BeginRun(ctx, Run{ID: "b", Code: "2"}) },
		func() error { return l.RecordCall(ctx, Call{RunID: "a", Seq: 1, Tool: "mail.send", Decision: "deny"}) },
		func() error { return l.RecordFlag(ctx, Flag{RunID: "a", Kind: "secret"}) },
		func() error { return l.RecordCall(ctx, Call{RunID: "b", Seq: 0, Tool: "s.t", Decision: "allow"}) },
		func() error { return l.FinishRun(ctx, Finish{RunID: "a", Status: "blocked"}) },
		func() error { return l.FinishRun(ctx, Finish{RunID: "b", Status: "ok"}) },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("fixture step %d: %v", i+1, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// rawDB opens the ledger file with plain SQL, as an attacker would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forge returns the body and hash of a well-formed record at seq chained
// after prevHex, computed with the documented rule.
func forge(t *testing.T, seq int64, prevHex string, b body) (string, string) {
	t.Helper()
	b.Seq = seq
	data, err := canonical(b)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := hex.DecodeString(prevHex)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), hex.EncodeToString(chainHash(prev, data))
}

func hashOf(t *testing.T, db *sql.DB, seq int64) string {
	t.Helper()
	var h string
	if err := db.QueryRow(`SELECT hash FROM records WHERE seq = ?`, seq).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

const dropTriggers = `DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;`

func TestTriggersRefuseChanges(t *testing.T) {
	db := rawDB(t, tamperFixture(t))
	for _, q := range []string{
		`UPDATE records SET body = '{}' WHERE seq = 2`,
		`DELETE FROM records WHERE seq = 8`,
	} {
		_, err := db.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want append-only refusal", q, err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, db *sql.DB) // runs after the triggers are dropped
		table   string
		rowID   int64
		problem string
	}{
		{
			name: "update a field",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `UPDATE records SET body = json_set(body, '$.call.decision', 'allow') WHERE seq = 4`)
			},
			table: "records", rowID: 4, problem: "hash does not match",
		},
		{
			name: "update a field and its hash",
			tamper: func(t *testing.T, db *sql.DB) {
				body, hash := forge(t, 4, hashOf(t, db, 3), body{Kind: KindCall, RunID: "a",
					Call: &callBody{Seq: 1, Tool: "mail.send", Labels: []string{}, Decision: "allow"}})
				rawExec(t, db, `UPDATE records SET body = ?, hash = ? WHERE seq = 4`, body, hash)
			},
			table: "records", rowID: 5, problem: "prev_hash is not the previous record's hash",
		},
		{
			name: "update a generated column's source: run id",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `UPDATE records SET body = replace(body, '"run_id":"b"', '"run_id":"a"') WHERE seq = 6`)
			},
			table: "records", rowID: 6, problem: "hash does not match",
		},
		{
			name: "update prev_hash",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `UPDATE records SET prev_hash = hash WHERE seq = 3`)
			},
			table: "records", rowID: 3, problem: "prev_hash is not the previous record's hash",
		},
		{
			name:   "delete a middle record",
			tamper: func(t *testing.T, db *sql.DB) { rawExec(t, db, `DELETE FROM records WHERE seq = 5`) },
			table:  "records", rowID: 6, problem: "missing before this one",
		},
		{
			name:   "delete the first record",
			tamper: func(t *testing.T, db *sql.DB) { rawExec(t, db, `DELETE FROM records WHERE seq = 1`) },
			table:  "records", rowID: 2, problem: "missing before this one",
		},
		{
			name: "swap two records",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `UPDATE records SET seq = -3 WHERE seq = 3`)
				rawExec(t, db, `UPDATE records SET seq = 3 WHERE seq = 4`)
				rawExec(t, db, `UPDATE records SET seq = 4 WHERE seq = -3`)
			},
			table: "records", rowID: 3, problem: "prev_hash is not the previous record's hash",
		},
		{
			name: "insert a forged record with a made-up hash",
			tamper: func(t *testing.T, db *sql.DB) {
				body, _ := forge(t, 9, hashOf(t, db, 8), body{Kind: KindFlag, RunID: "a", Flag: &flagBody{Kind: "none"}})
				rawExec(t, db, `INSERT INTO records (seq, body, prev_hash, hash) VALUES (9, ?, ?, ?)`, body, hashOf(t, db, 8), strings.Repeat("f", 64))
			},
			table: "records", rowID: 9, problem: "hash does not match",
		},
		{
			name: "append a well-chained forged record",
			tamper: func(t *testing.T, db *sql.DB) {
				prev := hashOf(t, db, 8)
				body, hash := forge(t, 9, prev, body{Kind: KindRun, RunID: "c", Run: &runBody{Code: "evil"}})
				rawExec(t, db, `INSERT INTO records (seq, body, prev_hash, hash) VALUES (9, ?, ?, ?)`, body, prev, hash)
			},
			table: "records", rowID: 9, problem: "not appended by the ledger",
		},
		{
			name: "insert a forged record in a gap",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `DELETE FROM records WHERE seq = 5`)
				body, hash := forge(t, 5, hashOf(t, db, 4), body{Kind: KindFlag, RunID: "a", Flag: &flagBody{Kind: "benign"}})
				rawExec(t, db, `INSERT INTO records (seq, body, prev_hash, hash) VALUES (5, ?, ?, ?)`, body, hashOf(t, db, 4), hash)
			},
			table: "records", rowID: 6, problem: "prev_hash is not the previous record's hash",
		},
		{
			name:   "truncate the tail",
			tamper: func(t *testing.T, db *sql.DB) { rawExec(t, db, `DELETE FROM records WHERE seq >= 7`) },
			table:  "records", rowID: 7, problem: "tail records missing",
		},
		{
			name: "change the head",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `UPDATE meta SET head_hash = ?`, strings.Repeat("0", 64))
			},
			table: "meta", rowID: 1, problem: "head hash differs",
		},
		{
			name:   "delete the head",
			tamper: func(t *testing.T, db *sql.DB) { rawExec(t, db, `DELETE FROM meta`) },
			table:  "meta", rowID: 1, problem: "missing",
		},
		{
			name: "re-encode a body with the same content",
			tamper: func(t *testing.T, db *sql.DB) {
				rawExec(t, db, `UPDATE records SET body = replace(body, '{"seq":2,', '{ "seq":2,') WHERE seq = 2`)
			},
			table: "records", rowID: 2, problem: "hash does not match",
		},
		{
			name: "a call before its run, well chained from there on",
			tamper: func(t *testing.T, db *sql.DB) {
				// Rewrite the whole chain and the head: only the
				// semantic check can still see it.
				rawExec(t, db, `DELETE FROM records`)
				prev := GenesisHash
				for i, b := range []body{
					{Kind: KindCall, RunID: "z", Call: &callBody{Tool: "s.t", Labels: []string{}}},
					{Kind: KindRun, RunID: "z", Run: &runBody{}},
				} {
					data, hash := forge(t, int64(i+1), prev, b)
					rawExec(t, db, `INSERT INTO records (seq, body, prev_hash, hash) VALUES (?, ?, ?, ?)`, i+1, data, prev, hash)
					prev = hash
				}
				rawExec(t, db, `UPDATE meta SET head_seq = 2, head_hash = ?`, prev)
			},
			table: "records", rowID: 1, problem: "before the run began",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tamperFixture(t)
			db := rawDB(t, path)
			rawExec(t, db, dropTriggers)
			tc.tamper(t, db)
			db.Close()

			l, err := Open(context.Background(), Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			rep, err := l.Verify(context.Background())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if rep.OK || rep.First == nil {
				t.Fatalf("Verify found nothing: %+v", rep)
			}
			b := rep.First
			if b.Table != tc.table || b.RowID != tc.rowID || !strings.Contains(b.Problem, tc.problem) {
				t.Errorf("first break = %v\nwant %s row %d: ...%s...", b, tc.table, tc.rowID, tc.problem)
			}
			t.Logf("reported: %v (bad records: %d of %d)", b, rep.Bad, rep.Records)
		})
	}
}

// TestVerifyIntactAfterReopen is the control for the table above: the
// fixture untouched verifies.
func TestVerifyIntactAfterReopen(t *testing.T) {
	path := tamperFixture(t)
	l, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rep := mustVerify(t, l)
	if rep.Records != 8 || rep.Bad != 0 {
		t.Errorf("report = %+v, want 8 good records", rep)
	}
	// And the ledger goes on chaining after a reopen.
	if err := l.BeginRun(context.Background(), Run{ID: "c"}); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, l); rep.Records != 9 {
		t.Errorf("records = %d, want 9", rep.Records)
	}
}

func rawExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

var _ fmt.Stringer = (*Break)(nil)
