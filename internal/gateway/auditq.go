package gateway

import (
	"context"

	"github.com/cemcp/cemcp/internal/audit"
)

// Ledger records are queued for the ledger's single writer without waiting
// for their commit (audit.NoWait): records queued together are committed in
// one transaction, and a call's latency does not include an fsync. Records
// keep their order (one FIFO queue). A record the gateway is killed before
// committing is lost; a committed one never is (the ledger's guarantee).
// Close and SyncAudit wait for everything queued.

// noWait is the context of every ledger write of the gateway.
var noWait = audit.NoWait(context.Background())

// auditQueue runs ledger writes in order; with NoWait they only queue.
type auditQueue struct{}

func newAuditQueue() *auditQueue { return &auditQueue{} }

func (q *auditQueue) push(f func()) { f() }

func (q *auditQueue) close() {}
