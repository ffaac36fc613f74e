package audit

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	OK       bool   // no problem found
	Records  int64  // records walked
	Runs     int64  // run records
	Calls    int64  // call records
	Flags    int64  // flag records
	Finished int64  // finish records
	Bad      int64  // records that failed a check
	Head     string // hash of the last record walked (GenesisHash if none)
	First    *Break // the first problem found; nil when OK
}

// Break names one record that failed verification.
type Break struct {
	Table    string // "records" or "meta"
	RowID    int64  // seq of the record (1 for the meta row)
	Problem  string
	Expected string // what the chain says the value should be
	Stored   string // what is stored
}

func (b *Break) String() string {
	s := fmt.Sprintf("%s row %d: %s", b.Table, b.RowID, b.Problem)
	if b.Expected != "" || b.Stored != "" {
		s += fmt.Sprintf(" (expected %s, stored %s)", b.Expected, b.Stored)
	}
	return s
}

// Verify walks the whole chain in one read transaction and checks, for
// every record: that seq numbers run 1, 2, 3... without gaps; that
// prev_hash is the previous record's hash; that hash is the chain rule
// applied to the stored body; that the body is canonical, carries its own
// seq and a known kind; that a run begins once, before its calls, flags
// and finish, and finishes once. It then checks that the chain ends where
// the meta row says it does. The error is for failures to read; a broken
// chain is reported in the VerifyReport.
func (l *Ledger) Verify(ctx context.Context) (VerifyReport, error) {
	rep := VerifyReport{Head: GenesisHash}
	tx, err := l.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback()

	var metaSeq int64
	var metaHead string
	metaErr := tx.QueryRowContext(ctx, `SELECT head_seq, head_hash FROM meta WHERE id = 1`).Scan(&metaSeq, &metaHead)
	if metaErr != nil && metaErr != sql.ErrNoRows {
		return rep, fmt.Errorf("verify: read meta: %w", metaErr)
	}

	rows, err := tx.QueryContext(ctx, `SELECT seq, body, prev_hash, hash FROM records ORDER BY seq`)
	if err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}
	defer rows.Close()

	bad := func(b Break) {
		rep.Bad++
		if rep.First == nil {
			b.Table = "records"
			rep.First = &b
		}
	}
	runs := map[string]int{} // 1 = begun, 2 = finished
	prev := hex.EncodeToString(genesis)
	prevRaw := genesis
	var lastSeq int64
	for rows.Next() {
		var seq int64
		var data, prevHash, hash string
		if err := rows.Scan(&seq, &data, &prevHash, &hash); err != nil {
			return rep, fmt.Errorf("verify: %w", err)
		}
		rep.Records++
		ok := true
		fail := func(b Break) {
			if ok {
				ok = false
				b.RowID = seq
				bad(b)
			}
		}
		if seq != lastSeq+1 {
			what := "record(s) missing before this one"
			if seq <= lastSeq {
				what = "sequence out of order"
			}
			fail(Break{Problem: what, Expected: "seq " + strconv.FormatInt(lastSeq+1, 10), Stored: "seq " + strconv.FormatInt(seq, 10)})
		}
		if prevHash != prev {
			fail(Break{Problem: "prev_hash is not the previous record's hash", Expected: prev, Stored: prevHash})
		}
		if want := hex.EncodeToString(chainHash(prevRaw, []byte(data))); hash != want {
			fail(Break{Problem: "hash does not match the record", Expected: want, Stored: hash})
		}
		var b body
		if err := json.Unmarshal([]byte(data), &b); err != nil {
			fail(Break{Problem: "body is not valid JSON: " + err.Error()})
		} else {
			if c, err := canonical(b); err != nil || !bytes.Equal(c, []byte(data)) {
				fail(Break{Problem: "body is not in canonical form"})
			}
			if b.Seq != seq {
				fail(Break{Problem: "body seq differs from the row's seq", Expected: strconv.FormatInt(seq, 10), Stored: strconv.FormatInt(b.Seq, 10)})
			}
			if p := checkKind(&b, runs); p != "" {
				fail(Break{Problem: p})
			}
			switch b.Kind {
			case KindRun:
				rep.Runs++
			case KindCall:
				rep.Calls++
			case KindFlag:
				rep.Flags++
			case KindFinish:
				rep.Finished++
			}
		}
		// Go on from the stored values, so one bad record is reported once
		// rather than breaking every record after it.
		lastSeq, prev = seq, hash
		if raw, err := hex.DecodeString(hash); err == nil && len(raw) == len(genesis) {
			prevRaw = raw
		} else {
			prevRaw = nil
		}
		rep.Head = hash
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify: %w", err)
	}

	// The chain cannot see a cut tail nor a well-formed record appended
	// behind the ledger's back; the meta row, written in the same
	// transaction as every append, can.
	switch {
	case metaErr == sql.ErrNoRows:
		rep.Bad++
		if rep.First == nil {
			rep.First = &Break{Table: "meta", RowID: 1, Problem: "meta row (chain head) is missing"}
		}
	case lastSeq < metaSeq:
		bad(Break{RowID: lastSeq + 1, Problem: fmt.Sprintf("chain ends at seq %d but the ledger head is seq %d: tail records missing", lastSeq, metaSeq), Expected: metaHead, Stored: rep.Head})
	case lastSeq > metaSeq:
		bad(Break{RowID: metaSeq + 1, Problem: fmt.Sprintf("records after the ledger head (seq %d) were not appended by the ledger", metaSeq), Expected: "seq " + strconv.FormatInt(metaSeq, 10), Stored: "seq " + strconv.FormatInt(lastSeq, 10)})
	case rep.Head != metaHead:
		rep.Bad++
		if rep.First == nil {
			rep.First = &Break{Table: "meta", RowID: 1, Problem: "head hash differs from the last record's hash", Expected: rep.Head, Stored: metaHead}
		}
	}
	rep.OK = rep.First == nil
	return rep, nil
}

// checkKind checks a record's kind and its place in its run's life; runs
// maps run ids to 1 (begun) or 2 (finished).
func checkKind(b *body, runs map[string]int) string {
	parts := 0
	for _, set := range []bool{b.Run != nil, b.Call != nil, b.Flag != nil, b.Finish != nil} {
		if set {
			parts++
		}
	}
	if parts != 1 {
		return "record must carry exactly one of run, call, flag, finish"
	}
	if b.RunID == "" {
		return "empty run_id"
	}
	state := runs[b.RunID]
	switch {
	case b.Kind == KindRun && b.Run != nil:
		if state != 0 {
			return "run " + b.RunID + " begun twice"
		}
		runs[b.RunID] = 1
	case b.Kind == KindCall && b.Call != nil, b.Kind == KindFlag && b.Flag != nil, b.Kind == KindFinish && b.Finish != nil:
		if state == 0 {
			return b.Kind + " of run " + b.RunID + " before the run began"
		}
		if state == 2 {
			return b.Kind + " of run " + b.RunID + " after the run finished"
		}
		if b.Kind == KindFinish {
			runs[b.RunID] = 2
		}
	default:
		return "unknown or mismatched kind " + strconv.Quote(b.Kind)
	}
	return ""
}
