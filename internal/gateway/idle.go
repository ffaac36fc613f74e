package gateway

import (
	"runtime/debug"
	"time"
)

// The gateway runs with a lenient collector (DefaultGCPercent), which lets
// the heap grow well past what is live between collections, and its
// start-up leaves garbage behind (compiled rule tables, schemas). A
// gateway mostly waits for its client: once it has been idle for a while,
// it returns the memory it does not use to the operating system, so that
// an idle gateway holds about what is live.

// idleRelease is how long the gateway must be idle before it returns
// unused memory; it releases once per idle period.
var idleRelease = 10 * time.Second

// releaseWhenIdle returns unused memory to the OS after each idle period,
// until stop is closed.
func (g *Gateway) releaseWhenIdle(stop <-chan struct{}) {
	t := time.NewTicker(idleRelease)
	defer t.Stop()
	seen, released := uint64(0), false
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		n := g.act.Load()
		if n != seen {
			seen, released = n, false
			continue
		}
		if !released {
			debug.FreeOSMemory()
			g.released.Add(1)
			released = true
		}
	}
}
