package audit

import (
	"encoding/json"
	"testing"
)

// FuzzHashArgs checks that HashArgs never panics, accepts exactly the
// valid JSON values, and is a function of the canonical form: hashing the
// canonical bytes again gives the same hash.
func FuzzHashArgs(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `{"b":1,"a":[1,2.50,"<&>"]}`, ` {"a" : {"z":1e400, "y":"\u00e9"}} `,
		`{"a":1} {"b":2}`, `{"a":`, `"\ud800"`, `[1,]`, `123456789012345678901234567890`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := HashArgs(json.RawMessage(s))
		valid := json.Valid([]byte(s)) || len(trimSpace(s)) == 0
		if (err == nil) != valid {
			t.Fatalf("HashArgs(%q) err = %v, json.Valid = %v", s, err, valid)
		}
		if err != nil {
			return
		}
		if !validHash(h) {
			t.Fatalf("HashArgs(%q) = %q, not a hex sha256", s, h)
		}
		c, err := canonicalArgs(json.RawMessage(s))
		if err != nil {
			t.Fatal(err)
		}
		h2, err := HashArgs(c)
		if err != nil || h2 != h {
			t.Fatalf("HashArgs(canonical %q) = %q, %v; want %q", c, h2, err, h)
		}
	})
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
