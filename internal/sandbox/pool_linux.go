package sandbox

import (
	"context"
	"sync"
	"time"
)

// pool keeps confined JavaScript runners that have sent ready. Each is
// handed out once and never comes back; a filler goroutine replaces it.
type pool struct {
	j     *Jail
	ready chan *proc
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newPool(j *Jail, size int) *pool {
	p := &pool{j: j, ready: make(chan *proc, size-1), stop: make(chan struct{})}
	p.wg.Add(1)
	go p.fill()
	return p
}

// fill starts runners until the pool is closed; the one it holds while the
// channel is full makes the size-th.
func (p *pool) fill() {
	defer p.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		r, err := p.j.spawn(context.Background(), false)
		if err != nil {
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
		select {
		case p.ready <- r:
		case <-p.stop:
			r.kill()
			return
		}
	}
}

// get returns a live warm runner, or nil when none is ready.
func (p *pool) get() *proc {
	for {
		select {
		case r := <-p.ready:
			if r.alive() {
				return r
			}
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
