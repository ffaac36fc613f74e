// Package audit is cemcp's run ledger: an embedded SQLite file
// (modernc.org/sqlite, pure Go) that records every execute_code run, every
// inner tool call with the gate's decision, and every flag, in one
// append-only hash chain, so that a changed, removed, reordered or forged
// record is detected by Verify.
//
// # Schema (user_version 1)
//
//	records(
//	  seq       INTEGER PRIMARY KEY,  -- position in the chain: 1, 2, 3, ...
//	  body      TEXT NOT NULL,        -- the record: canonical JSON, see below
//	  prev_hash TEXT NOT NULL,        -- hex hash of record seq-1 (64 zeros for seq 1)
//	  hash      TEXT NOT NULL,        -- hex hash of this record
//	  kind, run_id, time              -- VIRTUAL generated columns: json_extract of body,
//	)                                 -- indexed for queries, never stored apart from body
//	meta(id = 1, head_seq, head_hash) -- the chain head, updated in every append transaction
//
// Triggers refuse UPDATE and DELETE on records. They stop accidents, not
// an attacker who can write the file: the chain and the head are what
// detect that. Migrations are applied in one transaction and recorded in
// PRAGMA user_version; a file from a newer cemcp is refused.
//
// # Records
//
// A body is the canonical JSON of
//
//	{"seq":N,"kind":K,"run_id":ID,"time":T, K:{...}}
//
// where K is "run" (session, client, language, code), "call" (seq, tool,
// args_hash, args only with Options.StoreArgs, labels, decision, rule,
// reason, status, latency_ms, result_bytes), "flag" (kind, source, detail)
// or "finish" (status, error, output_bytes, ms), and T is UTC with a fixed
// width, 2006-01-02T15:04:05.000000000Z, so times sort as strings.
// Canonical means encoding/json of the package's body structs: fields in
// declaration order, no white space, no HTML escaping. Call arguments are
// not stored by default; args_hash is HashArgs of them (sorted object keys,
// numbers as written).
//
// # Chain rule
//
//	hash(seq) = sha256( raw(prev_hash(seq)) || body(seq) )
//	prev_hash(1) = 32 zero bytes;  prev_hash(n) = hash(n-1)
//
// raw() is the 32 bytes the hex stands for; body is the bytes stored.
// Export writes records as JSON lines carrying these three values, so the
// chain can be checked without this package.
//
// # Writing
//
// One writer goroutine owns all writes. Records that arrive while it is
// busy are committed together in one BEGIN IMMEDIATE transaction (group
// commit) that reads the head from meta, appends, and updates meta; each
// caller returns only after the transaction holding its record has
// committed. A record refused (unknown run, run already finished,
// duplicate run id) takes no place in the chain and does not fail its
// batch. The file is in WAL mode with synchronous=FULL by default: a
// commit is fsynced, so a committed record survives the gateway being
// killed and a power loss. synchronous=NORMAL (Options.Synchronous) still
// loses no committed record when the process is killed (the WAL is in
// the kernel's page cache), but may lose the last commits on a power loss
// or kernel crash. Reading the head inside the write transaction keeps the
// chain linear even when two processes append to one file.
//
// # What Verify detects, and what it cannot
//
// Detected: a changed field of any record (hash mismatch); a record deleted
// in the middle (seq gap and prev_hash mismatch); records reordered or
// renumbered (seq and prev_hash mismatch); a forged record inserted or
// appended with raw SQL (hash or prev_hash mismatch, or records beyond the
// head recorded in meta); a truncated tail (the chain ends before the head
// in meta); a body not in canonical form; a call, flag or finish before its
// run began or after it finished.
//
// Not detectable from the file alone: someone able to write the file can
// recompute every hash after the record they change, and the meta row with
// them (the chain has no secret key); likewise a truncation that also
// rewrites meta, a restore of an older copy of the whole file, or the file
// deleted. Guarding against that needs the head kept elsewhere: Verify and
// Close report the head hash (Close logs it), which a deployment can ship
// to a place the gateway's user cannot rewrite.
package audit
