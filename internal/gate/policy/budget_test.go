package policy

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBudgetConcurrent(t *testing.T) {
	b := NewBudget(500)
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := b.Take(); err != nil {
					var le *LimitError
					if !errors.As(err, &le) || le.Limit != "calls per run" || !strings.Contains(err.Error(), "500 tool calls") {
						t.Errorf("error %v", err)
					}
					refused.Add(1)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 500 || refused.Load() != 500 || b.Used() != 500 {
		t.Errorf("ok %d refused %d used %d, want 500 500 500", ok.Load(), refused.Load(), b.Used())
	}
}

func TestBudgetUnlimited(t *testing.T) {
	b := NewBudget(0)
	for range 10000 {
		if err := b.Take(); err != nil {
			t.Fatal(err)
		}
	}
	if b.Used() != 10000 || b.Max() != 0 {
		t.Errorf("used %d max %d", b.Used(), b.Max())
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRateLimiter(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	r, err := NewRateLimiter(map[string]int{"weather.get_forecast": 2, "weather.*": 3, "*": 5, "a.b.*": 1}, RateOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		server, tool string
		advance      time.Duration
		want         string // "" allowed, else the exhausted pattern
	}{
		{"weather", "get_forecast", 0, ""},
		{"weather", "get_forecast", 0, ""},
		{"weather", "get_forecast", 0, "weather.get_forecast"}, // exact bucket empty; nothing taken
		{"weather", "alerts", 0, ""},                           // weather.* has 1 left
		{"weather", "alerts", 0, "weather.*"},
		{"files", "read", 0, ""}, // * has 1 left (5 - 3 - 1)
		{"a.b", "c", 0, ""},      // server names with dots; takes the last of *
		{"files", "read", 0, "*"},
		{"files", "read", 12 * time.Second, ""}, // 12 s refills one token of "*" (5/min)
		{"files", "read", 0, "*"},
		{"weather", "get_forecast", time.Hour, ""}, // full again
		{"a.b", "c", 0, ""},
		{"a.b", "c", 0, "a.b.*"},
	}
	for i, s := range steps {
		clk.Add(s.advance)
		err := r.Allow(s.server, s.tool)
		var le *LimitError
		switch {
		case s.want == "" && err != nil:
			t.Fatalf("step %d %s.%s: %v, want allowed", i, s.server, s.tool, err)
		case s.want != "" && (!errors.As(err, &le) || le.Limit != s.want):
			t.Fatalf("step %d %s.%s: %v, want refused by %q", i, s.server, s.tool, err, s.want)
		case s.want != "" && (le.RetryAfter <= 0 || le.RetryAfter > time.Minute):
			t.Fatalf("step %d: retry after %v", i, le.RetryAfter)
		}
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	r, err := NewRateLimiter(map[string]int{"*": 100, "s.*": 1000}, RateOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if r.Allow("s", "t") == nil {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 100 {
		t.Errorf("%d calls allowed, want 100", ok.Load())
	}
}

func TestRateLimiterConfig(t *testing.T) {
	for _, bad := range []map[string]int{{"weather": 3}, {"*": 0}, {".x": 1}, {"x.": 1}} {
		if _, err := NewRateLimiter(bad, RateOptions{}); err == nil || !strings.Contains(err.Error(), "fix:") {
			t.Errorf("%v: error %v, want one with a fix", bad, err)
		}
	}
	var nilLimiter *RateLimiter
	if err := nilLimiter.Allow("s", "t"); err != nil {
		t.Errorf("nil limiter: %v", err)
	}
}
