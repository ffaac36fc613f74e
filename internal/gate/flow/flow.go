package flow

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Label says where a value came from: the result of one tool call.
type Label struct {
	Server  string // upstream server name as in the config
	Tool    string // tool name as the upstream reports it
	Trusted bool   // the server's trust level from the config
	// Fingerprint is the hex SHA-256 of the whole result the value was
	// found in, so that a label can be matched with the audit record.
	Fingerprint string
}

// Options configure a Tracker. The zero value gives the defaults.
type Options struct {
	// MinLen is the shortest string, in bytes, that is tracked, and the
	// shortest common substring that counts as a flow. Default 8; values
	// below 4 are raised to 4.
	MinLen int
	// MaxBytes bounds the observed text indexed per run. Default 4 MiB (the index
	// takes about 35 bytes of memory per indexed byte).
	// A result that would exceed it is not indexed and its label is then
	// reported for every call with arguments (fail closed).
	MaxBytes int
}

const (
	defaultMinLen   = 8
	defaultMaxBytes = 4 << 20
	minDigits       = 6  // a token with this many digits is tracked
	maxPostings     = 16 // occurrences kept per n-gram, from distinct results
	maxNesting      = 4  // JSON inside strings, levels
	sep             = 0xFF
	hashBase        = 0x100000001b3
)

// Tracker labels the values of one run. It is safe for concurrent use.
type Tracker struct {
	minLen   int
	maxBytes int
	pow      uint64 // hashBase^(minLen-1)

	mu sync.RWMutex
	// labels holds one label per observation, by observation id.
	labels []Label
	// unindexed are observations too large to index; they label every
	// call with arguments.
	unindexed []int32
	// corpus is every indexed string, each preceded and followed by sep
	// (0xFF never occurs in UTF-8).
	corpus []byte
	// next links the occurrences of an n-gram: next[p] is the previous
	// recorded occurrence of the n-gram that starts at corpus offset p
	// (0: none; offset 0 is always sep).
	next []uint32
	// grams maps an n-gram hash to its newest occurrence (low 32 bits) and
	// the number of occurrences recorded (high 32 bits).
	grams map[uint64]uint64
	// starts[i] is the corpus offset where observation startObs[i] begins.
	starts   []uint32
	startObs []int32
	// tokens maps a digit token to the observations it occurred in.
	tokens map[string][]int32

	// later are observations not indexed yet (ObserveLater); every
	// look-up indexes them first.
	laterMu   sync.Mutex
	later     []laterObs // guarded by laterMu
	scheduled bool       // a background indexing is due; guarded by laterMu
}

type laterObs struct {
	server, tool string
	trusted      bool
	result       json.RawMessage
}

// laterDelay is how long after ObserveLater the background indexing runs:
// after the result it was called for has gone out.
const laterDelay = 250 * time.Microsecond

// ObserveLater records a result like Observe, but indexes it off the
// caller's path: shortly after, in the background, or at the next look-up
// (Labels, LabelsFor, LabelsForValue), whichever comes first. A look-up
// never misses an observation made before it. result must not be modified
// afterwards.
func (t *Tracker) ObserveLater(server, tool string, trusted bool, result json.RawMessage) {
	t.laterMu.Lock()
	t.later = append(t.later, laterObs{server, tool, trusted, result})
	schedule := !t.scheduled
	t.scheduled = true
	t.laterMu.Unlock()
	if schedule {
		time.AfterFunc(laterDelay, t.flushLater)
	}
}

// flushLater indexes the observations ObserveLater queued.
func (t *Tracker) flushLater() {
	t.laterMu.Lock()
	defer t.laterMu.Unlock()
	t.scheduled = false
	for _, o := range t.later {
		t.Observe(o.server, o.tool, o.trusted, o.result)
	}
	t.later = nil
}

// pendingLater reports whether observations wait to be indexed.
func (t *Tracker) pendingLater() bool {
	t.laterMu.Lock()
	defer t.laterMu.Unlock()
	return len(t.later) > 0
}

// catchUp indexes queued observations before a look-up.
func (t *Tracker) catchUp() {
	if t.pendingLater() {
		t.flushLater()
	}
}

// NewTracker returns an empty Tracker.
func NewTracker(opts Options) *Tracker {
	if opts.MinLen == 0 {
		opts.MinLen = defaultMinLen
	}
	if opts.MinLen < 4 {
		opts.MinLen = 4
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = defaultMaxBytes
	}
	if opts.MaxBytes > math.MaxUint32-1 {
		opts.MaxBytes = math.MaxUint32 - 1
	}
	pow := uint64(1)
	for i := 1; i < opts.MinLen; i++ {
		pow *= hashBase
	}
	return &Tracker{
		minLen:   opts.MinLen,
		maxBytes: opts.MaxBytes,
		pow:      pow,
		corpus:   []byte{sep},
		next:     []uint32{0},
		grams:    map[uint64]uint64{},
		tokens:   map[string][]int32{},
	}
}

// Observe records a tool result and returns its label. result is the JSON
// the program receives; anything that is not valid JSON is treated as one
// string.
func (t *Tracker) Observe(server, tool string, trusted bool, result json.RawMessage) Label {
	sum := sha256.Sum256(result)
	l := Label{Server: server, Tool: tool, Trusted: trusted, Fingerprint: hex.EncodeToString(sum[:])}

	var c collector
	c.minLen = t.minLen
	if v, ok := decode(result); ok {
		c.walk(v, 0)
	} else {
		c.str(string(result), 0)
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	id := int32(len(t.labels))
	t.labels = append(t.labels, l)
	if len(t.corpus)+c.bytes > t.maxBytes {
		t.unindexed = append(t.unindexed, id)
		return l
	}
	start := uint32(len(t.corpus))
	t.starts = append(t.starts, start)
	t.startObs = append(t.startObs, id)
	for _, s := range c.strs {
		t.indexLocked(s, start)
	}
	for _, tok := range c.toks {
		ids := t.tokens[tok]
		if len(ids) > 0 && ids[len(ids)-1] == id {
			continue
		}
		t.tokens[tok] = append(ids, id)
	}
	return l
}

// indexLocked appends s to the corpus and records its n-grams.
// Preconditions: t.mu held for writing; start is the corpus offset where
// the current observation began.
func (t *Tracker) indexLocked(s string, start uint32) {
	k := t.minLen
	base := len(t.corpus)
	t.corpus = append(t.corpus, s...)
	t.corpus = append(t.corpus, sep)
	t.next = append(t.next, make([]uint32, len(s)+1)...)
	if len(s) < k {
		return
	}
	h := t.hash(s[:k])
	for i := 0; ; i++ {
		p := uint32(base + i)
		v, ok := t.grams[h]
		head, n := uint32(v), uint32(v>>32)
		// Keep one occurrence per result (the first) and at most
		// maxPostings results per n-gram.
		if !ok || (head < start && n < maxPostings) {
			t.next[p] = head
			t.grams[h] = uint64(p) | uint64(n+1)<<32
		}
		if i+k >= len(s) {
			return
		}
		h = (h-uint64(s[i])*t.pow)*hashBase + uint64(s[i+k])
	}
}

func (t *Tracker) hash(s string) uint64 {
	var h uint64
	for i := 0; i < len(s); i++ {
		h = h*hashBase + uint64(s[i])
	}
	return h
}

// Labels returns the label of every result observed so far, in order.
func (t *Tracker) Labels() []Label {
	t.catchUp()
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]Label(nil), t.labels...)
}

// LabelsFor returns the labels of the observed results that values in args
// came from (see the package documentation for what matches), in the order
// the results were observed, without duplicates. args that are not valid
// JSON are treated as one string.
func (t *Tracker) LabelsFor(args json.RawMessage) []Label {
	if v, ok := decode(args); ok {
		return t.LabelsForValue(v)
	}
	return t.LabelsForValue(string(args))
}

// LabelsForValue is LabelsFor on arguments already decoded from JSON
// (map[string]any, []any, string, float64 or json.Number, bool, nil; Go
// integers are accepted too).
func (t *Tracker) LabelsForValue(args any) []Label {
	t.catchUp()
	t.mu.RLock()
	defer t.mu.RUnlock()
	if len(t.labels) == 0 {
		return nil
	}
	m := matcher{t: t}
	m.walk(args, 0)
	if len(t.unindexed) > 0 && !empty(args) {
		m.hits = append(m.hits, t.unindexed...)
	}
	if len(m.hits) == 0 {
		return nil
	}
	sort.Slice(m.hits, func(i, j int) bool { return m.hits[i] < m.hits[j] })
	out := make([]Label, 0, len(m.hits))
	for i, id := range m.hits {
		if i > 0 && id == m.hits[i-1] {
			continue
		}
		l := t.labels[id]
		if containsLabel(out, l) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func containsLabel(ls []Label, l Label) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	case string:
		return v == ""
	}
	return false
}

// matcher looks up one call's arguments. Preconditions: t.mu held.
type matcher struct {
	t    *Tracker
	hits []int32
}

func (m *matcher) walk(v any, depth int) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			m.str(k)
			m.walk(x, depth)
		}
	case []any:
		for _, x := range v {
			m.walk(x, depth)
		}
	case string:
		m.str(v)
		if depth < maxNesting {
			if inner, ok := nestedJSON(v); ok {
				m.walk(inner, depth+1)
			}
		}
	case json.Number:
		m.token(canonNumber(string(v)))
	case float64:
		m.token(canonFloat(v))
	case float32:
		m.token(canonFloat(float64(v)))
	case int:
		m.token(strconv.Itoa(v))
	case int64:
		m.token(strconv.FormatInt(v, 10))
	case int32:
		m.token(strconv.FormatInt(int64(v), 10))
	case uint64:
		m.token(strconv.FormatUint(v, 10))
	}
}

func (m *matcher) token(tok string) {
	if significantDigits(tok) < minDigits {
		return
	}
	m.hits = append(m.hits, m.t.tokens[tok]...)
}

func (m *matcher) str(s string) {
	t := m.t
	if len(t.tokens) > 0 {
		eachToken(s, func(tok string) { m.hits = append(m.hits, t.tokens[tok]...) })
	}
	k := t.minLen
	if len(s) < k || len(t.grams) == 0 {
		return
	}
	corpus := t.corpus
	i := 0
	h := t.hash(s[:k])
	for {
		matched := 0
		if v, ok := t.grams[h]; ok {
			for p := uint32(v); p != 0; p = t.next[p] {
				n := commonPrefix(s[i:], corpus[p:])
				if n < k || !m.counts(s, i, n, p) {
					continue
				}
				m.hits = append(m.hits, t.obsAt(p))
				matched = max(matched, n)
			}
		}
		if matched > 0 {
			i += matched
			if i+k > len(s) {
				return
			}
			h = t.hash(s[i : i+k])
			continue
		}
		if i+k >= len(s) {
			return
		}
		h = (h-uint64(s[i])*t.pow)*hashBase + uint64(s[i+k])
		i++
	}
}

// counts says whether the common substring s[i:i+n] == corpus[p:p+n] is a
// flow (see the package documentation).
func (m *matcher) counts(s string, i, n int, p uint32) bool {
	if n >= 2*m.t.minLen {
		return true
	}
	c := m.t.corpus
	if i == 0 && n == len(s) && c[p-1] == sep && c[int(p)+n] == sep {
		return true // whole-value match
	}
	return distinctive(s[i : i+n])
}

// obsAt returns the observation that corpus offset p belongs to.
func (t *Tracker) obsAt(p uint32) int32 {
	j := sort.Search(len(t.starts), func(j int) bool { return t.starts[j] > p })
	return t.startObs[j-1]
}

// commonPrefix returns the length of the common prefix of s and c, stopping
// at sep in c.
func commonPrefix(s string, c []byte) int {
	n := min(len(s), len(c))
	i := 0
	for i < n && c[i] == s[i] && c[i] != sep {
		i++
	}
	return i
}

// distinctive reports whether s is more than plain text: it has a digit, a
// symbol other than common punctuation, or a capital inside a word.
func distinctive(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 0x80:
		case c >= 'A' && c <= 'Z':
			if i > 0 && isWordByte(s[i-1]) {
				return true
			}
		case strings.IndexByte(" \t\r\n.,;:'\"!?()-", c) >= 0:
		default:
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// eachToken calls f with every run of [A-Za-z0-9_.-] in s, trimmed of
// leading and trailing [._-], that has at least minDigits digits.
func eachToken(s string, f func(string)) {
	for i := 0; i < len(s); {
		if !isTokenByte(s[i]) {
			i++
			continue
		}
		j, digits := i, 0
		for j < len(s) && isTokenByte(s[j]) {
			if s[j] >= '0' && s[j] <= '9' {
				digits++
			}
			j++
		}
		if digits >= minDigits {
			f(strings.Trim(s[i:j], "._-"))
		}
		i = j
	}
}

// significantDigits counts the digits of a canonical number after leading
// zeros.
func significantDigits(s string) int {
	n, lead := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'e' || c == 'E' {
			break
		}
		if c < '0' || c > '9' || (lead && c == '0') {
			continue
		}
		lead = false
		n++
	}
	return n
}

func canonNumber(s string) string {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return canonFloat(f)
}

func canonFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.FormatInt(int64(f), 10)
	}
	if math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func decode(b []byte) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return v, true
}

// nestedJSON decodes s when it is a JSON object or array.
func nestedJSON(s string) (any, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || (s[0] != '{' && s[0] != '[') {
		return nil, false
	}
	return decode([]byte(s))
}

// collector gathers what one result contributes to the index.
type collector struct {
	minLen int
	strs   []string
	toks   []string
	bytes  int
}

func (c *collector) walk(v any, depth int) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			c.str(k, depth)
			c.walk(x, depth)
		}
	case []any:
		for _, x := range v {
			c.walk(x, depth)
		}
	case string:
		c.str(v, depth)
	case json.Number:
		tok := canonNumber(string(v))
		if significantDigits(tok) >= minDigits {
			c.toks = append(c.toks, tok)
			c.bytes += len(tok)
		}
	}
}

func (c *collector) str(s string, depth int) {
	if len(s) >= c.minLen {
		c.strs = append(c.strs, s)
		c.bytes += len(s) + 1
	}
	eachToken(s, func(tok string) {
		c.toks = append(c.toks, tok)
		c.bytes += len(tok)
	})
	if depth < maxNesting {
		if inner, ok := nestedJSON(s); ok {
			c.walk(inner, depth+1)
		}
	}
}
