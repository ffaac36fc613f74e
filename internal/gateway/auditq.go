package gateway

import (
	"context"
	"sync"

	"github.com/cemcp/cemcp/internal/audit"
)

// Ledger records are built and queued off the call path: a call only hands
// a closure to the audit queue, whose one worker runs the closures in order
// (hashing arguments, building the record) and queues each record for the
// ledger's single writer without waiting for its commit (audit.NoWait).
// Records queued together are committed in one transaction, and a call's
// latency includes neither the hashing nor an fsync. Records keep their
// order (one FIFO queue, one worker, one writer). A record the gateway is
// killed before committing is lost; a committed one never is (the ledger's
// guarantee). Close and SyncAudit wait for everything queued.

// noWait is the context of every ledger write of the gateway.
var noWait = audit.NoWait(context.Background())

// auditQueueLen bounds the closures waiting; a full queue makes callers
// wait (back-pressure) rather than lose records.
const auditQueueLen = 4096

// auditQueue runs ledger writes in order, in the background.
type auditQueue struct {
	mu     sync.RWMutex
	closed bool // guarded by mu
	ch     chan func()
	done   chan struct{}
}

func newAuditQueue() *auditQueue {
	q := &auditQueue{ch: make(chan func(), auditQueueLen), done: make(chan struct{})}
	go q.work()
	return q
}

func (q *auditQueue) work() {
	defer close(q.done)
	for f := range q.ch {
		f()
	}
}

// push queues f. After close, f runs at once (in the caller).
func (q *auditQueue) push(f func()) {
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		f()
		return
	}
	q.ch <- f
	q.mu.RUnlock()
}

// sync waits until everything pushed before it has run.
func (q *auditQueue) sync() {
	ran := make(chan struct{})
	q.push(func() { close(ran) })
	<-ran
}

// close runs what is queued and stops the worker.
func (q *auditQueue) close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.closed = true
	close(q.ch)
	q.mu.Unlock()
	<-q.done
}
