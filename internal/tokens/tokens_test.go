package tokens

import "testing"

func TestCount(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello world", 2},
		{"Hello, world!", 4},
	}
	for _, tt := range tests {
		if got := Count(tt.in); got != tt.want {
			t.Errorf("Count(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	// More text, more tokens; a JSON schema costs real tokens.
	if a, b := Count("a"), Count(`{"type":"object","properties":{"city":{"type":"string"}}}`); b <= a || b < 10 {
		t.Errorf("schema tokens = %d", b)
	}
}
