package audit

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// StatusRunning is the status List and Show give a run not yet finished.
const StatusRunning = "running"

// ListOptions filters List.
type ListOptions struct {
	Limit  int       // at most this many runs; 0 means 50
	Since  time.Time // only runs started at or after Since; zero means all
	Status string    // only runs with this status ("running" for unfinished); "" means all
}

// RunSummary is one run as List shows it (without its code).
type RunSummary struct {
	ID, Session, Client, Language string
	Started                       time.Time
	Status                        string // the finish status, or "running"
	Error                         string
	Ms                            int64
	OutputBytes                   int
	Calls, Flags                  int
}

// RunDetail is one run with its calls and flags in the order recorded.
type RunDetail struct {
	Run    Run
	Status string  // the finish status, or "running"
	Finish *Finish // nil while running
	Calls  []Call
	Flags  []Flag
}

// List returns runs, newest first.
func (l *Ledger) List(ctx context.Context, opts ListOptions) ([]RunSummary, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 50
	}
	since := ""
	if !opts.Since.IsZero() {
		since = formatTime(opts.Since)
	}
	rows, err := l.db.QueryContext(ctx, `
		SELECT r.run_id,
			coalesce(json_extract(r.body, '$.run.session'), ''),
			coalesce(json_extract(r.body, '$.run.client'), ''),
			coalesce(json_extract(r.body, '$.run.language'), ''),
			r.time,
			f.body,
			(SELECT count(*) FROM records c WHERE c.run_id = r.run_id AND c.kind = 'call'),
			(SELECT count(*) FROM records c WHERE c.run_id = r.run_id AND c.kind = 'flag')
		FROM records r LEFT JOIN records f ON f.run_id = r.run_id AND f.kind = 'finish'
		WHERE r.kind = 'run' AND r.time >= ?
			AND (? = '' OR coalesce(json_extract(f.body, '$.finish.status'), 'running') = ?)
		ORDER BY r.time DESC, r.seq DESC
		LIMIT ?`, since, opts.Status, opts.Status, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var s RunSummary
		var started string
		var fin sql.NullString
		if err := rows.Scan(&s.ID, &s.Session, &s.Client, &s.Language, &started, &fin, &s.Calls, &s.Flags); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		s.Started = parseTime(started)
		s.Status = StatusRunning
		if fin.Valid {
			var b body
			if err := json.Unmarshal([]byte(fin.String), &b); err != nil || b.Finish == nil {
				return nil, fmt.Errorf("list runs: bad finish record of run %s", s.ID)
			}
			s.Status, s.Error, s.Ms, s.OutputBytes = b.Finish.Status, b.Finish.Error, b.Finish.Ms, b.Finish.OutputBytes
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Show returns one run with its calls and flags; ErrUnknownRun if there is
// no such run.
func (l *Ledger) Show(ctx context.Context, runID string) (*RunDetail, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT body FROM records WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("show run %s: %w", runID, err)
	}
	defer rows.Close()
	var d *RunDetail
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("show run %s: %w", runID, err)
		}
		var b body
		if err := json.Unmarshal([]byte(data), &b); err != nil {
			return nil, fmt.Errorf("show run %s: bad record: %w", runID, err)
		}
		t := parseTime(b.Time)
		switch {
		case b.Run != nil:
			d = &RunDetail{Status: StatusRunning, Run: Run{ID: b.RunID, Session: b.Run.Session,
				Client: b.Run.Client, Language: b.Run.Language, Code: b.Run.Code, Started: t}}
		case d == nil:
			return nil, fmt.Errorf("show run %s: record %d precedes the run's start", runID, b.Seq)
		case b.Call != nil:
			c := b.Call
			d.Calls = append(d.Calls, Call{RunID: b.RunID, Seq: c.Seq, Tool: c.Tool, ArgsHash: c.ArgsHash,
				Args: c.Args, Labels: c.Labels, Decision: c.Decision, Rule: c.Rule, Reason: c.Reason,
				Status: c.Status, LatencyMs: c.LatencyMs, ResultBytes: c.ResultBytes, Time: t})
		case b.Flag != nil:
			d.Flags = append(d.Flags, Flag{RunID: b.RunID, Kind: b.Flag.Kind, Source: b.Flag.Source,
				Detail: b.Flag.Detail, Time: t})
		case b.Finish != nil:
			f := b.Finish
			d.Finish = &Finish{RunID: b.RunID, Status: f.Status, Error: f.Error,
				OutputBytes: f.OutputBytes, Ms: f.Ms, Time: t}
			d.Status = f.Status
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("show run %s: %w", runID, err)
	}
	if d == nil {
		return nil, fmt.Errorf("show run %s: %w", runID, ErrUnknownRun)
	}
	return d, nil
}

// ExportRecord is one line of Export: a record exactly as chained. Anyone
// can check it without this package: Hash is hex(sha256(raw(PrevHash) ||
// Record)), Record being the bytes on the line.
type ExportRecord struct {
	Seq      int64           `json:"seq"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
	Record   json.RawMessage `json:"record"`
}

// Export writes the records of one run (all records when runID is ""), as
// JSON lines of ExportRecord in chain order.
func (l *Ledger) Export(ctx context.Context, w io.Writer, runID string) error {
	q := `SELECT seq, prev_hash, hash, body FROM records ORDER BY seq`
	args := []any{}
	if runID != "" {
		q = `SELECT seq, prev_hash, hash, body FROM records WHERE run_id = ? ORDER BY seq`
		args = append(args, runID)
	}
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("export %q: %w", runID, err)
	}
	defer rows.Close()
	bw := bufio.NewWriter(w)
	n := 0
	for rows.Next() {
		var r ExportRecord
		var data string
		if err := rows.Scan(&r.Seq, &r.PrevHash, &r.Hash, &data); err != nil {
			return fmt.Errorf("export %q: %w", runID, err)
		}
		if !json.Valid([]byte(data)) {
			return fmt.Errorf("export %q: record %d is not valid JSON", runID, r.Seq)
		}
		r.Record = json.RawMessage(data)
		line, err := canonical(r)
		if err != nil {
			return fmt.Errorf("export %q: %w", runID, err)
		}
		bw.Write(line)
		bw.WriteByte('\n')
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %q: %w", runID, err)
	}
	if runID != "" && n == 0 {
		return fmt.Errorf("export %s: %w", runID, ErrUnknownRun)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export %q: %w", runID, err)
	}
	return nil
}
