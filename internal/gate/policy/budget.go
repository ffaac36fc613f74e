package policy

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LimitError is returned when a budget or a rate limit refuses a call.
type LimitError struct {
	// Limit names what was hit: "calls per run" or a rate-limit pattern
	// such as "remote.*".
	Limit string
	// RetryAfter is when the rate limit will have a token again (zero for
	// a run budget, which does not refill).
	RetryAfter time.Duration
	msg        string
}

func (e *LimitError) Error() string { return e.msg }

// Budget counts the calls of one run. It is safe for concurrent use.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a budget of max calls; max ≤ 0 means unlimited.
func NewBudget(max int) *Budget { return &Budget{max: int64(max)} }

// Take counts one call, or returns a *LimitError when the run has used its
// budget (the refused call is not counted).
func (b *Budget) Take() error {
	n := b.used.Add(1)
	if b.max > 0 && n > b.max {
		b.used.Add(-1)
		return &LimitError{Limit: "calls per run",
			msg: fmt.Sprintf("call budget exhausted: this run may make %d tool calls (fix: do more per call, or raise cemcp.policy.max_calls_per_run)", b.max)}
	}
	return nil
}

// Used returns the number of calls counted.
func (b *Budget) Used() int { return int(b.used.Load()) }

// Max returns the budget (0: unlimited).
func (b *Budget) Max() int { return int(max(b.max, 0)) }

// RateLimiter applies calls-per-minute limits by tool pattern: "server.tool"
// (exact), "server.*" (every tool of a server) and "*" (every call). Each
// pattern is one token bucket shared by all the calls it matches, holding up
// to a minute's worth of calls and refilling continuously. A call takes a
// token from every bucket it matches, or from none: it is refused if any of
// them is empty. It is safe for concurrent use; share one per gateway.
type RateLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket   // by pattern; guarded by mu
	byTool  map[string][]*bucket // "server\x00tool" → matching buckets; guarded by mu
}

type bucket struct {
	pattern string
	perMin  float64
	tokens  float64
	last    time.Time
}

// RateOptions configure a RateLimiter.
type RateOptions struct {
	// Now is the clock (tests). nil: time.Now.
	Now func() time.Time
}

// NewRateLimiter builds the buckets of limits (pattern → calls per minute).
// A pattern that is not "*", "server.*" or "server.tool", or a limit below
// 1, is an error.
func NewRateLimiter(limits map[string]int, opts RateOptions) (*RateLimiter, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	r := &RateLimiter{now: now, buckets: map[string]*bucket{}, byTool: map[string][]*bucket{}}
	t0 := now()
	for p, n := range limits {
		if n < 1 {
			return nil, fmt.Errorf("rate limit %q: %d calls per minute (fix: use a whole number ≥ 1, or remove the entry)", p, n)
		}
		if p != "*" && (!strings.Contains(p, ".") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".")) {
			return nil, fmt.Errorf("rate limit %q: not a tool pattern (fix: write \"server.tool\", \"server.*\" or \"*\")", p)
		}
		r.buckets[p] = &bucket{pattern: p, perMin: float64(n), tokens: float64(n), last: t0}
	}
	return r, nil
}

// matchLocked returns the buckets a call matches. Preconditions: r.mu held.
func (r *RateLimiter) matchLocked(server, tool string) []*bucket {
	key := server + "\x00" + tool
	if bs, ok := r.byTool[key]; ok {
		return bs
	}
	var bs []*bucket
	if b := r.buckets[server+"."+tool]; b != nil {
		bs = append(bs, b)
	}
	if b := r.buckets[server+".*"]; b != nil {
		bs = append(bs, b)
	}
	if b := r.buckets["*"]; b != nil {
		bs = append(bs, b)
	}
	if len(r.byTool) < 1<<16 {
		r.byTool[key] = bs
	}
	return bs
}

// Allow takes a token for one call to server.tool, or returns a
// *LimitError naming the pattern that is exhausted and when to retry.
func (r *RateLimiter) Allow(server, tool string) error {
	if r == nil || len(r.buckets) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	bs := r.matchLocked(server, tool)
	for _, b := range bs {
		if dt := now.Sub(b.last); dt > 0 {
			b.tokens = math.Min(b.perMin, b.tokens+dt.Minutes()*b.perMin)
			b.last = now
		}
		if b.tokens < 1 {
			wait := time.Duration((1 - b.tokens) / b.perMin * float64(time.Minute))
			return &LimitError{Limit: b.pattern, RetryAfter: wait,
				msg: fmt.Sprintf("rate limit %q of %d calls per minute reached for %s.%s; retry in %s", b.pattern, int(b.perMin), server, tool, wait.Round(time.Millisecond))}
		}
	}
	for _, b := range bs {
		b.tokens--
	}
	return nil
}
