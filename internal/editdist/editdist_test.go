package editdist

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"kitten", "sitting", 3},
		{"flaw", "lawn", 2},
		{"same", "same", 0},
		{"", "abc", 3},
		{"héllo", "hello", 1}, // runes, not bytes
		{"日本", "日本語", 1},
		{strings.Repeat("a", MaxRunes+1), "a", Far},
		{strings.Repeat("é", MaxRunes), strings.Repeat("é", MaxRunes), 0}, // 512 bytes, 256 runes
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%.20q, %.20q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%.20q, %.20q) = %d, want %d (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

func FuzzDistance(f *testing.F) {
	f.Add("kitten", "sitting")
	f.Add("", "\xff")
	f.Fuzz(func(t *testing.T, a, b string) {
		d := Distance(a, b)
		if d == Far {
			return
		}
		ra, rb := []rune(a), []rune(b)
		if d < max(len(ra), len(rb))-min(len(ra), len(rb)) || d > max(len(ra), len(rb)) {
			t.Fatalf("Distance(%q, %q) = %d out of bounds", a, b, d)
		}
		if (d == 0) != (string(ra) == string(rb)) {
			t.Fatalf("Distance(%q, %q) = %d, but the runes are equal: %v", a, b, d, string(ra) == string(rb))
		}
	})
}
