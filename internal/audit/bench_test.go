package audit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// BenchmarkRecordCall measures one RecordCall, from the call to its commit,
// with synchronous FULL and NORMAL, from one goroutine (no batching) and
// from many (group commit). Reports p50/p95 latency in µs and the mean
// number of records per transaction.
//
//	go test ./internal/audit -run '^$' -bench RecordCall -benchtime 2000x
func BenchmarkRecordCall(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		for _, par := range []int{1, 16} {
			b.Run(fmt.Sprintf("sync=%s/writers=%d", mode, par), func(b *testing.B) {
				benchRecordCall(b, mode, par)
			})
		}
	}
}

func benchRecordCall(b *testing.B, mode string, writers int) {
	ctx := context.Background()
	l, _ := openTemp(b, Options{Synchronous: mode})
	if err := l.BeginRun(ctx, Run{ID: "bench", Code: "x"}); err != nil {
		b.Fatal(err)
	}
	txBefore := l.commits.Load()
	call := Call{RunID: "bench", Tool: "weather.get_forecast", ArgsHash: HashArgsMust(`{"city":"Paris"}`),
		Labels: []string{"public"}, Decision: "allow", Rule: "default", Status: "ok", LatencyMs: 3, ResultBytes: 512}

	lat := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		n := b.N / writers
		if w < b.N%writers {
			n++
		}
		wg.Go(func() {
			mine := make([]time.Duration, 0, n)
			c := call
			for i := range n {
				c.Seq = w*b.N + i
				start := time.Now()
				if err := l.RecordCall(ctx, c); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
			lat[w] = mine
		})
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	us := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / 1e3 }
	b.ReportMetric(us(0.50), "p50-µs")
	b.ReportMetric(us(0.95), "p95-µs")
	if tx := l.commits.Load() - txBefore; tx > 0 {
		b.ReportMetric(float64(len(all))/float64(tx), "records/tx")
	}
}

// HashArgsMust is HashArgs for constant, valid arguments.
func HashArgsMust(args string) string {
	h, err := HashArgs([]byte(args))
	if err != nil {
		panic(err)
	}
	return h
}
