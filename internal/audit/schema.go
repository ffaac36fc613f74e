package audit

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] takes the schema from user_version i to i+1. Append only:
// never edit a migration that has shipped.
var migrations = []string{
	// 1: the chain, its indexes, append-only triggers and the head row.
	`CREATE TABLE records (
		seq       INTEGER PRIMARY KEY,
		body      TEXT NOT NULL,
		prev_hash TEXT NOT NULL,
		hash      TEXT NOT NULL,
		kind      TEXT GENERATED ALWAYS AS (json_extract(body, '$.kind')) VIRTUAL,
		run_id    TEXT GENERATED ALWAYS AS (json_extract(body, '$.run_id')) VIRTUAL,
		time      TEXT GENERATED ALWAYS AS (json_extract(body, '$.time')) VIRTUAL
	);
	CREATE INDEX records_run ON records(run_id, kind);
	CREATE INDEX records_kind_time ON records(kind, time);
	CREATE TRIGGER records_no_update BEFORE UPDATE ON records
		BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
	CREATE TRIGGER records_no_delete BEFORE DELETE ON records
		BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
	CREATE TABLE meta (
		id        INTEGER PRIMARY KEY CHECK (id = 1),
		head_seq  INTEGER NOT NULL,
		head_hash TEXT NOT NULL
	);
	INSERT INTO meta (id, head_seq, head_hash) VALUES (1, 0, '` + "0000000000000000000000000000000000000000000000000000000000000000" + `');`,
}

// SchemaVersion is the user_version of a ledger this package writes.
var SchemaVersion = len(migrations)

// migrate brings the schema to SchemaVersion in one transaction.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read user_version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("ledger schema version %d is newer than this cemcp understands (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
		}
	}
	if v < len(migrations) {
		// PRAGMA takes no bound parameters; the value is our own integer.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return fmt.Errorf("set user_version: %w", err)
		}
	}
	return tx.Commit()
}
