package catalog

import (
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIdentifier(t *testing.T) {
	tests := []struct{ in, want string }{
		{"get_forecast", "get_forecast"},
		{"get-forecast", "get_forecast"},
		{"get.forecast", "get_forecast"},
		{"get forecast", "get_forecast"},
		{"a$b", "a_b"},
		{"météo", "m_t_o"},
		{"3d", "_3d"},
		{"", "_"},
		{"_", "_"},
		{"delete", "delete_"},
		{"new", "new_"},
		{"class", "class_"},
		{"import", "import_"},
		{"from", "from_"},
		{"lambda", "lambda_"},
		{"None", "None_"},
		{"def", "def_"},
		{"string", "string_"},
		{"__proto__", "__proto___"},
		{"constructor", "constructor_"},
		{"prototype", "prototype_"},
		{"toString", "toString_"},
		{"hasOwnProperty", "hasOwnProperty_"},
		{"__init__", "__init___"},
		{"call", "call"}, // only reserved as a server name
		{"Delete", "Delete"},
		{"x\x00y", "x_y"},
	}
	for _, tt := range tests {
		if got := Identifier(tt.in); got != tt.want {
			t.Errorf("Identifier(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !IsIdentifier(Identifier(tt.in)) {
			t.Errorf("Identifier(%q) is not an identifier", tt.in)
		}
	}
	if got := ServerIdentifier("call"); got != "call_" {
		t.Errorf("ServerIdentifier(call) = %q", got)
	}
	if got := ServerIdentifier("my-server"); got != "my_server" {
		t.Errorf("ServerIdentifier(my-server) = %q", got)
	}
}

func TestAssign(t *testing.T) {
	tests := []struct {
		name     string
		names    []string
		sanitize func(string) string
		want     map[string]string
	}{
		{
			name:  "distinct",
			names: []string{"a-b", "c"},
			want:  map[string]string{"a-b": "a_b", "c": "c"},
		},
		{
			name:  "collision in sorted order",
			names: []string{"get.x", "get-x", "get x"},
			// sorted: "get x" < "get-x" < "get.x"
			want: map[string]string{"get x": "get_x", "get-x": "get_x_2", "get.x": "get_x_3"},
		},
		{
			name:  "valid identifier keeps itself",
			names: []string{"a-b", "a_b"},
			want:  map[string]string{"a_b": "a_b", "a-b": "a_b_2"},
		},
		{
			name:  "suffix skips taken names",
			names: []string{"a-b", "a.b", "a_b_2"},
			want:  map[string]string{"a_b_2": "a_b_2", "a-b": "a_b", "a.b": "a_b_3"},
		},
		{
			name:  "reserved word and its suffixed form",
			names: []string{"delete", "delete_"},
			want:  map[string]string{"delete_": "delete_", "delete": "delete__2"},
		},
		{
			name:     "server call",
			names:    []string{"call", "weather"},
			sanitize: ServerIdentifier,
			want:     map[string]string{"call": "call_", "weather": "weather"},
		},
		{
			name:  "duplicates ignored",
			names: []string{"x", "x"},
			want:  map[string]string{"x": "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sanitize
			if s == nil {
				s = Identifier
			}
			if diff := cmp.Diff(tt.want, Assign(tt.names, s)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// Independent of order.
			rev := make([]string, len(tt.names))
			for i, n := range tt.names {
				rev[len(rev)-1-i] = n
			}
			if diff := cmp.Diff(tt.want, Assign(rev, s)); diff != "" {
				t.Errorf("reversed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssignRandomOrder(t *testing.T) {
	names := []string{"a b", "a-b", "a.b", "a_b", "a_b_2", "3x", "_3x", "x3", "delete", "delete_", "", "_"}
	want := Assign(names, Identifier)
	seen := map[string]bool{}
	for _, v := range want {
		if seen[v] || !IsIdentifier(v) {
			t.Fatalf("bad assignment %v", want)
		}
		seen[v] = true
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 50; i++ {
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		if diff := cmp.Diff(want, Assign(names, Identifier)); diff != "" {
			t.Fatalf("order-dependent (-want +got):\n%s", diff)
		}
	}
}

func FuzzIdentifier(f *testing.F) {
	for _, s := range []string{"", "a", "3d", "delete", "__proto__", "a-b.c d", "\xff", "日本", "_", "__x__"} {
		f.Add(s, "other")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		id := Identifier(a)
		if !IsIdentifier(id) {
			t.Fatalf("Identifier(%q) = %q is not a valid identifier", a, id)
		}
		if IsReserved(id) {
			t.Fatalf("Identifier(%q) = %q is reserved", a, id)
		}
		sid := ServerIdentifier(a)
		if !IsIdentifier(sid) || sid == "call" {
			t.Fatalf("ServerIdentifier(%q) = %q", a, sid)
		}
		m := Assign([]string{a, b, a + "_2", b + "-"}, ServerIdentifier)
		seen := map[string]bool{}
		for n, v := range m {
			if seen[v] || !IsIdentifier(v) || v == "call" {
				t.Fatalf("Assign: %q → %q in %v", n, v, m)
			}
			seen[v] = true
		}
	})
}
