package tooldef

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
)

func TestAnnotations(t *testing.T) {
	tests := []struct {
		eff                            Effect
		readOnly, idempotent, destruct bool
	}{
		{ReadOnly, true, true, false},
		{Additive, false, false, false},
		{IdempotentWrite, false, true, false},
		{Destructive, false, true, true},
	}
	for _, tt := range tests {
		a := Annotations(tt.eff, "T")
		if a.Title != "T" || a.ReadOnlyHint != tt.readOnly || a.IdempotentHint != tt.idempotent ||
			a.DestructiveHint == nil || *a.DestructiveHint != tt.destruct || a.OpenWorldHint == nil || *a.OpenWorldHint {
			t.Errorf("Annotations(%d) = %+v", tt.eff, a)
		}
	}
}

type tagged struct {
	Mode  string   `json:"mode" enum:"a,b"`
	Limit int      `json:"limit,omitempty" minimum:"1" maximum:"50" default:"10"`
	Tags  []string `json:"tags" maxItems:"3"`
	Inner []struct {
		Name string `json:"name" minLength:"2"`
	} `json:"inner"`
}

func TestConstrain(t *testing.T) {
	s, err := jsonschema.For[tagged](nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Constrain(s, reflect.TypeFor[tagged]()); err != nil {
		t.Fatal(err)
	}
	p := s.Properties
	if !reflect.DeepEqual(p["mode"].Enum, []any{"a", "b"}) {
		t.Errorf("enum = %v", p["mode"].Enum)
	}
	if *p["limit"].Minimum != 1 || *p["limit"].Maximum != 50 || string(p["limit"].Default) != "10" {
		t.Errorf("limit = %+v", p["limit"])
	}
	if *p["tags"].MaxItems != 3 {
		t.Errorf("maxItems = %v", *p["tags"].MaxItems)
	}
	if *p["inner"].Items.Properties["name"].MinLength != 2 {
		t.Error("nested minLength not applied")
	}
}

func TestConstrainBadTag(t *testing.T) {
	type bad struct {
		N int `json:"n" maximum:"ten"`
	}
	s, _ := jsonschema.For[bad](nil)
	err := Constrain(s, reflect.TypeFor[bad]())
	if err == nil || !strings.Contains(err.Error(), "field N") {
		t.Fatalf("err = %v, want a field N error", err)
	}
}

func TestSchemaFor(t *testing.T) {
	type in struct {
		Xs   []float64 `json:"xs"`
		Unit string    `json:"unit"`
	}
	s := SchemaFor[in](Tweaks{"xs": {Items(1, 5), Between(0, 1)}, "unit": {Enum("m", "ft"), Default("m"), Pattern("^[a-z]+$")}})
	b, err := json.Marshal(s.Properties)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"unit":{"type":"string","default":"m","enum":["m","ft"],"pattern":"^[a-z]+$"},"xs":{"type":"array","items":{"type":"number","minimum":0,"maximum":1},"minItems":1,"maxItems":5}}`
	if string(b) != want {
		t.Errorf("schema =\n%s\nwant\n%s", b, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("tweak for an unknown property did not panic")
		}
	}()
	SchemaFor[in](Tweaks{"nope": {AtLeast(0)}})
}

func TestDidYouMean(t *testing.T) {
	names := []string{"sqrt", "sin", "sinh", "cos", "log"}
	tests := []struct{ in, want string }{
		{"sqr", "; did you mean sqrt or sin?"},
		{"SINH", "; did you mean sinh or sin?"},
		{"zzzzzzzz", ""},
	}
	for _, tt := range tests {
		if got := DidYouMean(tt.in, names); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
