package gateway

import (
	"sync"
)

// auditQueue writes ledger records behind the responses, in order, on one
// goroutine: a tool call's latency does not include the SQLite commit. A
// record the gateway is killed before committing is lost; a committed one
// never is (the ledger's guarantee). Close drains the queue.
type auditQueue struct {
	ch   chan func()
	wg   sync.WaitGroup
	once sync.Once
}

// auditQueueLen bounds the records waiting to be written; a full queue makes
// callers wait (back-pressure), it never drops records.
const auditQueueLen = 4096

func newAuditQueue() *auditQueue {
	q := &auditQueue{ch: make(chan func(), auditQueueLen)}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		for f := range q.ch {
			f()
		}
	}()
	return q
}

func (q *auditQueue) push(f func()) { q.ch <- f }

// close writes what is queued and stops the writer.
func (q *auditQueue) close() {
	q.once.Do(func() {
		close(q.ch)
		q.wg.Wait()
	})
}
