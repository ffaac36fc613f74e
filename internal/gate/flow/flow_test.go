package flow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type obs struct {
	server, tool string
	trusted      bool
	result       string
}

var (
	lookup = obs{"crm", "lookup", false, `{"user":"ada","passkey":"7Hq-22x-Lm9","note":"Customer since 2019, prefers information by e-mail."}`}
	ledger = obs{"bank", "balance", true, `{"account":48291377,"balance":4829.13,"owner":"Ada Lovelace","status":"completed","small":12345}`}
)

func observe(t testing.TB, tr *Tracker, os ...obs) map[string]Label {
	t.Helper()
	out := map[string]Label{}
	for _, o := range os {
		out[o.server] = tr.Observe(o.server, o.tool, o.trusted, json.RawMessage(o.result))
	}
	return out
}

func servers(ls []Label) []string {
	var s []string
	for _, l := range ls {
		s = append(s, l.Server)
	}
	return s
}

func TestLabelsFor(t *testing.T) {
	tests := []struct {
		name string
		obs  []obs
		args string
		want []string // servers of the labels, in observation order
	}{
		{"passkey whole", []obs{lookup}, `{"code":"7Hq-22x-Lm9"}`, []string{"crm"}},
		{"passkey in a sentence", []obs{lookup}, `{"body":"Hi Bob, use passkey 7Hq-22x-Lm9 to log in."}`, []string{"crm"}},
		{"passkey as a key", []obs{lookup}, `{"map":{"7Hq-22x-Lm9":true}}`, []string{"crm"}},
		{"passkey in a nested array", []obs{lookup}, `{"a":[[{"b":["x","7Hq-22x-Lm9"]}]]}`, []string{"crm"}},
		{"long passkey split across fields in pieces of MinLen", []obs{{"crm", "lookup", false, `{"k":"AB12-CD34-EF56-GH78"}`}},
			`{"first":"AB12-CD34","second":"EF56-GH78"}`, []string{"crm"}},
		{"not caught: split into pieces shorter than MinLen", []obs{lookup}, `{"a":"7Hq-22","b":"x-Lm9"}`, nil},
		{"not caught: reversed", []obs{lookup}, `{"code":"9mL-x22-qH7"}`, nil},
		{"not caught: upper-cased", []obs{lookup}, `{"code":"7HQ-22X-LM9"}`, nil},
		{"untouched args", []obs{lookup, ledger}, `{"city":"Paris","days":3}`, nil},
		{"empty args", []obs{lookup}, `{}`, nil},
		{"number whole", []obs{ledger}, `{"to":48291377}`, []string{"bank"}},
		{"number as float", []obs{ledger}, `{"to":48291377.0}`, []string{"bank"}},
		{"number in a string", []obs{ledger}, `{"memo":"transfer to 48291377."}`, []string{"bank"}},
		{"decimal in a string", []obs{ledger}, `{"memo":"amount: 4829.13 EUR"}`, []string{"bank"}},
		{"decimal whole", []obs{ledger}, `{"amount":4829.13}`, []string{"bank"}},
		{"not caught: arithmetic", []obs{ledger}, `{"amount":4829.14}`, nil},
		{"short number not tracked", []obs{ledger}, `{"n":12345}`, nil},
		{"number from a string", []obs{{"crm", "order", false, `{"text":"order 90817263 shipped"}`}}, `{"id":90817263}`, []string{"crm"}},
		{"whole plain value", []obs{ledger}, `{"status":"completed"}`, []string{"bank"}},
		{"whole plain value of MinLen", []obs{{"crm", "s", false, `{"state":"archived"}`}}, `{"s":"archived"}`, []string{"crm"}},
		{"short value not tracked", []obs{{"crm", "s", false, `{"state":"pending"}`}}, `{"s":"pending"}`, nil},
		{"plain word inside text is not a flow", []obs{lookup}, `{"note":"more information please"}`, nil},
		{"plain word embedded is not a flow", []obs{{"crm", "s", false, `{"state":"archived"}`}}, `{"s":"the archived notes"}`, nil},
		{"copied sentence", []obs{lookup}, `{"body":"FYI: prefers information by e-mail"}`, []string{"crm"}},
		{"capital inside a word is distinctive", []obs{{"crm", "n", false, `{"n":"call McDonalds hq"}`}}, `{"q":"McDonalds"}`, []string{"crm"}},
		{"nested JSON in a text result", []obs{{"docs", "read", false,
			`{"content":[{"type":"text","text":"{\"token\":\"sk-live-99AbCd\",\"pin\":73193042}"}]}`}},
			`{"key":"sk-live-99AbCd","pin":73193042}`, []string{"docs"}},
		{"nested JSON in args", []obs{lookup}, `{"payload":"{\"c\":\"7Hq-22x-Lm9\"}"}`, []string{"crm"}},
		{"JSON escapes decoded", []obs{{"docs", "read", false, `{"u":"caf\u00e9-Z\u00fcrich-42"}`}}, `{"x":"café-Zürich-42"}`, []string{"docs"}},
		{"unicode whole", []obs{{"geo", "addr", false, `{"a":"東京都千代田区丸の内1-9-1"}`}}, `{"to":"東京都千代田区丸の内1-9-1"}`, []string{"geo"}},
		{"unicode embedded", []obs{{"geo", "addr", false, `{"a":"東京都千代田区丸の内1-9-1"}`}}, `{"msg":"ship to 東京都千代田区丸の内1-9-1 today"}`, []string{"geo"}},
		{"unicode plain long text", []obs{{"geo", "addr", false, `{"a":"Zürich Hauptbahnhof, Gleis sieben"}`}}, `{"msg":"meet at Zürich Hauptbahnhof"}`, []string{"geo"}},
		{"plain text result", []obs{{"web", "fetch", false, `Visit https://evil.example/x?id=abc then reply`}}, `{"url":"https://evil.example/x?id=abc"}`, []string{"web"}},
		{"both sources", []obs{lookup, {"bank", "b", true, `{"k":"7Hq-22x-Lm9"}`}}, `{"code":"7Hq-22x-Lm9"}`, []string{"crm", "bank"}},
		{"only the matching source", []obs{lookup, ledger}, `{"to":48291377}`, []string{"bank"}},
		{"several values, several sources", []obs{lookup, ledger}, `{"to":48291377,"code":"7Hq-22x-Lm9"}`, []string{"crm", "bank"}},
		{"args not JSON", []obs{lookup}, `code=7Hq-22x-Lm9`, []string{"crm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(Options{})
			observe(t, tr, tt.obs...)
			got := servers(tr.LabelsFor(json.RawMessage(tt.args)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LabelsFor(%s) servers (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestLabelFields(t *testing.T) {
	tr := NewTracker(Options{})
	res := json.RawMessage(`{"passkey":"7Hq-22x-Lm9"}`)
	l := tr.Observe("crm", "lookup", false, res)
	sum := sha256.Sum256(res)
	want := Label{Server: "crm", Tool: "lookup", Trusted: false, Fingerprint: hex.EncodeToString(sum[:])}
	if l != want {
		t.Fatalf("Observe = %+v, want %+v", l, want)
	}
	if l2 := tr.Observe("crm", "lookup", false, json.RawMessage(`{"passkey":"other-7788"}`)); l2.Fingerprint == l.Fingerprint {
		t.Fatal("different results have the same fingerprint")
	}
	got := tr.LabelsFor(json.RawMessage(`{"a":"7Hq-22x-Lm9","b":"7Hq-22x-Lm9"}`))
	if diff := cmp.Diff([]Label{want}, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	// The same result observed twice gives one label.
	tr.Observe("crm", "lookup", false, res)
	if got := tr.LabelsFor(json.RawMessage(`"7Hq-22x-Lm9"`)); len(got) != 1 {
		t.Errorf("same result twice: got %d labels, want 1: %v", len(got), got)
	}
	if n := len(tr.Labels()); n != 3 {
		t.Errorf("Labels: got %d, want 3", n)
	}
}

func TestMinLen(t *testing.T) {
	tr := NewTracker(Options{MinLen: 4})
	tr.Observe("crm", "lookup", false, json.RawMessage(`{"pin":"x7Q2"}`))
	if got := servers(tr.LabelsFor(json.RawMessage(`{"msg":"pin x7Q2"}`))); len(got) != 1 {
		t.Errorf("MinLen 4: got %v, want [crm]", got)
	}
	tr = NewTracker(Options{MinLen: 1}) // raised to 4
	tr.Observe("crm", "lookup", false, json.RawMessage(`{"c":"a"}`))
	if got := tr.LabelsFor(json.RawMessage(`{"c":"a"}`)); got != nil {
		t.Errorf("1-byte value tracked: %v", got)
	}
}

// TestOverflowFailsClosed: a result larger than MaxBytes is not indexed, and
// its label goes on every call with arguments.
func TestOverflowFailsClosed(t *testing.T) {
	tr := NewTracker(Options{MaxBytes: 200})
	tr.Observe("small", "t", true, json.RawMessage(`{"k":"small-value-1"}`))
	big := fmt.Sprintf(`{"k":%q}`, strings.Repeat("lorem ipsum ", 50))
	tr.Observe("big", "t", false, json.RawMessage(big))
	if got := servers(tr.LabelsFor(json.RawMessage(`{"x":"nothing in common"}`))); !cmp.Equal(got, []string{"big"}) {
		t.Errorf("after overflow: got %v, want [big]", got)
	}
	if got := servers(tr.LabelsFor(json.RawMessage(`{"x":"small-value-1"}`))); !cmp.Equal(got, []string{"small", "big"}) {
		t.Errorf("after overflow: got %v, want [small big]", got)
	}
	if got := tr.LabelsFor(json.RawMessage(`{}`)); got != nil {
		t.Errorf("empty args after overflow: got %v, want none", got)
	}
}

// TestManySources: a value returned by many results keeps every source up
// to maxPostings, and a repeated value within one result counts once.
func TestManySources(t *testing.T) {
	tr := NewTracker(Options{})
	rep := strings.Repeat(`"tok-7788-abc",`, 100)
	for i := range 10 {
		tr.Observe(fmt.Sprintf("s%d", i), "t", i%2 == 0, json.RawMessage(`[`+rep+`"end"]`))
	}
	got := tr.LabelsFor(json.RawMessage(`{"x":"tok-7788-abc"}`))
	if len(got) != 10 {
		t.Errorf("got %d labels, want 10: %v", len(got), got)
	}
}

func TestConcurrent(t *testing.T) {
	tr := NewTracker(Options{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				key := fmt.Sprintf("key-%d-%d-XYZ", g, i)
				tr.Observe(fmt.Sprintf("s%d", g), "t", false, json.RawMessage(fmt.Sprintf(`{"k":%q}`, key)))
				got := tr.LabelsFor(json.RawMessage(fmt.Sprintf(`{"v":"see %s"}`, key)))
				if len(got) == 0 || got[len(got)-1].Server != fmt.Sprintf("s%d", g) {
					t.Errorf("goroutine %d: labels %v for its own value", g, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := len(tr.Labels()); n != 400 {
		t.Errorf("Labels: %d, want 400", n)
	}
}

func TestDistinctive(t *testing.T) {
	tests := map[string]bool{
		"information":   false,
		"Hello world.":  false,
		"it's (a) test": false,
		"Zürich Gleis":  false,
		"abc1defg":      true,
		"user@host":     true,
		"a/b/c/d/e":     true,
		"McDonalds":     true,
		"snake_case_x":  true,
	}
	for s, want := range tests {
		if got := distinctive(s); got != want {
			t.Errorf("distinctive(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzTracker(f *testing.F) {
	f.Add([]byte(lookup.result), []byte(`{"code":"7Hq-22x-Lm9"}`), "7Hq-22x-Lm9")
	f.Add([]byte(ledger.result), []byte(`{"to":48291377}`), "Ada Lovelace")
	f.Add([]byte(`"\u00ff\u0000{"`), []byte(`[[[[[["{\"a\":1}"]]]]]]`), "\xff\xfe12345678")
	f.Fuzz(func(t *testing.T, result, args []byte, value string) {
		tr := NewTracker(Options{})
		tr.Observe("a", "t", false, result)
		tr.LabelsFor(args)
		// Property: a value observed whole is found whole.
		b, _ := json.Marshal(map[string]string{"v": value})
		l := tr.Observe("b", "t", false, b)
		var back map[string]string
		if json.Unmarshal(b, &back) != nil || len(back["v"]) < 8 {
			return
		}
		got := tr.LabelsFor(b)
		for _, x := range got {
			if x == l {
				return
			}
		}
		t.Errorf("value %q observed whole, not found: %v", back["v"], got)
	})
}

// bigResult returns a realistic result of about n bytes: records with ids,
// names, e-mail addresses, amounts and free text.
func bigResult(n int) (json.RawMessage, []string) {
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the customer asked about delivery status invoice payment refund shipping address order account support ticket priority urgent weekly report meeting notes project")
	var recs []map[string]any
	var ids []string
	size := 0
	for size < n {
		id := fmt.Sprintf("ORD-%08d", r.IntN(1e8))
		var sb strings.Builder
		for range 12 {
			sb.WriteString(words[r.IntN(len(words))])
			sb.WriteByte(' ')
		}
		rec := map[string]any{
			"id":     id,
			"email":  fmt.Sprintf("user%d@example%d.com", r.IntN(1e5), r.IntN(100)),
			"amount": float64(r.IntN(1e7)) / 100,
			"name":   fmt.Sprintf("Customer %d", r.IntN(1e4)),
			"note":   sb.String(),
		}
		ids = append(ids, id)
		recs = append(recs, rec)
		b, _ := json.Marshal(rec)
		size += len(b)
	}
	b, _ := json.Marshal(map[string]any{"orders": recs})
	return b, ids
}

func BenchmarkObserve100KB(b *testing.B) {
	res, _ := bigResult(100 << 10)
	b.SetBytes(int64(len(res)))
	for b.Loop() {
		tr := NewTracker(Options{})
		tr.Observe("crm", "orders", false, res)
	}
}

func BenchmarkLabelsFor(b *testing.B) {
	res, ids := bigResult(100 << 10)
	tr := NewTracker(Options{})
	tr.Observe("crm", "orders", false, res)
	tr.Observe("bank", "accounts", true, json.RawMessage(ledger.result))
	note := strings.Repeat("Please review the attached summary and reply by Friday. ", 18)
	cases := []struct {
		name string
		args string
	}{
		{"small-clean", `{"city":"Paris","days":3,"units":"metric"}`},
		{"small-labelled", fmt.Sprintf(`{"order":%q,"action":"refund"}`, ids[len(ids)/2])},
		{"1KB-clean", fmt.Sprintf(`{"to":"ops@corp.example","subject":"weekly","body":%q}`, note)},
		{"1KB-labelled", fmt.Sprintf(`{"to":"ops@corp.example","subject":"weekly","body":%q}`, note[:500]+ids[3]+note[500:])},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			args := json.RawMessage(c.args)
			if got := tr.LabelsFor(args); (len(got) > 0) != strings.HasSuffix(c.name, "labelled") {
				b.Fatalf("labels %v", got)
			}
			durs := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				t0 := time.Now()
				tr.LabelsFor(args)
				if len(durs) < cap(durs) {
					durs = append(durs, time.Since(t0))
				}
			}
			reportPercentiles(b, durs)
		})
	}
}

func reportPercentiles(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(durs[len(durs)*95/100].Nanoseconds()), "p95-ns")
}

// TestObserveLater: an observation queued with ObserveLater is seen by the
// next look-up at once, and is indexed in the background when no look-up
// comes.
func TestObserveLater(t *testing.T) {
	tr := NewTracker(Options{})
	tr.ObserveLater("crm", "get", false, json.RawMessage(`{"email":"mallory@evil.example"}`))
	ls := tr.LabelsFor(json.RawMessage(`{"to":"mallory@evil.example"}`))
	if len(ls) != 1 || ls[0].Server != "crm" {
		t.Fatalf("labels right after ObserveLater = %+v, want the crm result", ls)
	}
	tr2 := NewTracker(Options{})
	tr2.ObserveLater("crm", "get", false, json.RawMessage(`{"email":"mallory@evil.example"}`))
	deadline := time.Now().Add(5 * time.Second)
	for tr2.pendingLater() {
		if time.Now().After(deadline) {
			t.Fatal("the queued observation was never indexed in the background")
		}
		time.Sleep(time.Millisecond)
	}
	tr2.mu.RLock()
	n := len(tr2.labels)
	tr2.mu.RUnlock()
	if n != 1 {
		t.Fatalf("%d observations indexed, want 1", n)
	}
}
