package sandbox

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// pool keeps confined runners of one language (JavaScript, or Python that
// has exec'd CPython and waits in its bootstrap) that have sent ready.
// Each is handed out once and never comes back; filler goroutines (one per
// CPU, at most size) replace it. At most size runners are warm or starting
// at any time.
type pool struct {
	j      *Jail
	python bool
	ready  chan *proc
	tokens chan struct{} // one per runner warm or starting
	stop   chan struct{}
	wg     sync.WaitGroup
}

func newPool(j *Jail, size int, python bool) *pool {
	p := &pool{j: j, python: python, ready: make(chan *proc, size), tokens: make(chan struct{}, size), stop: make(chan struct{})}
	workers := min(size, runtime.NumCPU())
	p.wg.Add(workers)
	for range workers {
		go p.fill()
	}
	return p
}

// fill starts a runner whenever a slot is free, until the pool is closed.
func (p *pool) fill() {
	defer p.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		select {
		case p.tokens <- struct{}{}:
		case <-p.stop:
			return
		}
		r, err := p.j.spawn(context.Background(), p.python)
		if err != nil {
			<-p.tokens
			p.j.log.Warn("warm pool: start runner", "err", err)
			select {
			case <-p.stop:
				return
			case <-time.After(backoff):
			}
			if backoff < 5*time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = 50 * time.Millisecond
		p.ready <- r // never blocks: a token is held for it
	}
}

// warm reports how many runners are ready.
func (p *pool) warm() int { return len(p.ready) }

// get returns a live warm runner, or nil when none is ready. Its slot is
// freed (and the filler starts a replacement) when the runner calls
// handedOff, after its program was sent: the replacement's start does not
// compete with the hand-off for the CPU.
func (p *pool) get() *proc {
	for {
		select {
		case r := <-p.ready:
			r.freeSlot = sync.OnceFunc(func() { <-p.tokens })
			if r.alive() {
				return r
			}
			r.freeSlot()
			r.kill()
		default:
			return nil
		}
	}
}

// close stops the filler and kills the runners that wait.
func (p *pool) close() {
	close(p.stop)
	p.wg.Wait()
	for {
		select {
		case r := <-p.ready:
			r.kill()
		default:
			return
		}
	}
}
