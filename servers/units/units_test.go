package units

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/servers/internal/servertest"
)

func TestTools(t *testing.T) {
	cs := servertest.Connect(t, New())
	tools := servertest.CheckTools(t, cs)
	servertest.ToolsGolden(t, tools)

	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "list_units", Args: map[string]any{"dimension": "length"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ListUnitsOut](t, raw)
			if out.Count < 10 || out.BaseUnits["length"] != "m" || len(out.BaseUnits) != 1 {
				t.Errorf("list_units(length) = %d units, bases %v", out.Count, out.BaseUnits)
			}
		}},
		{Name: "list_units_all", Tool: "list_units", Args: map[string]any{}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[ListUnitsOut](t, raw); len(out.BaseUnits) != len(dimensions) {
				t.Errorf("all dimensions: %v", out.BaseUnits)
			}
		}},
		{Tool: "convert", Args: map[string]any{"value": 1, "from": "mile", "to": "meters"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ConvertOut](t, raw)
			if out.Result != 1609.344 || out.From != "mi" || out.To != "m" || out.Dimension != "length" {
				t.Errorf("1 mile = %+v", out)
			}
		}},
		{Tool: "convert_batch", Args: map[string]any{"items": []map[string]any{
			{"value": 100, "from": "C", "to": "F"}, {"value": 1, "from": "kg", "to": "m"}, {"value": 2, "from": "GiB", "to": "MiB"},
		}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[BatchOut](t, raw)
			if out.Converted != 2 || out.Failed != 1 || *out.Results[0].Result != 212 || *out.Results[2].Result != 2048 ||
				!strings.Contains(out.Results[1].Error, "incompatible") {
				t.Errorf("batch = %s", raw)
			}
		}},
		{Tool: "convert_to_all", Args: map[string]any{"value": 1, "from": "km"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[AllOut](t, raw)
			got := map[string]float64{}
			for _, e := range out.In {
				got[e.Unit] = e.Value
			}
			if got["m"] != 1000 || got["mi"] != 0.621371192237 || got["ft"] != 3280.83989501 {
				t.Errorf("1 km in all = %v", got)
			}
		}},
		{Tool: "parse_quantity", Args: map[string]any{"text": "5 ft 3 in", "to": "cm"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ParseOut](t, raw)
			if len(out.Components) != 2 || out.Converted == nil || *out.Converted != 160.02 || out.Base != 1.6002 {
				t.Errorf("5 ft 3 in = %s", raw)
			}
		}},
		{Tool: "currency_rates", Args: map[string]any{"base": "EUR"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[RatesOut](t, raw)
			if out.Date != RatesDate || out.Base != "EUR" || len(out.Rates) != len(usdPer) || out.Rates[1].PerBase != 1 {
				t.Errorf("rates = %s", raw)
			}
		}},
		{Tool: "compare_quantities", Args: map[string]any{"a": "10 km", "b": "6 mi"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[CompareOut](t, raw)
			if out.Larger != "a" || out.BInUnit != 9.656064 || out.Ratio != 1.03561865373 {
				t.Errorf("compare = %s", raw)
			}
		}},
	})
}

func TestReferenceConversions(t *testing.T) {
	cs := servertest.Connect(t, New())
	f, err := os.Open("testdata/conversions.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		v, _ := strconv.ParseFloat(fs[0], 64)
		want, _ := strconv.ParseFloat(fs[3], 64)
		out, _ := servertest.CallOK[ConvertOut](t, cs, "convert", map[string]any{"value": v, "from": fs[1], "to": fs[2]})
		if !servertest.Near(out.Result, want, 1e-11) {
			t.Errorf("%s: got %v", line, out.Result)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d reference conversions read", n)
	}
}

func TestErrors(t *testing.T) {
	cs := servertest.Connect(t, New())
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"convert", map[string]any{"value": 1, "from": "mille", "to": "m"}, []string{`unknown unit "mille"`, "did you mean", "list_units"}},
		{"convert", map[string]any{"value": 1, "from": "kg", "to": "m"}, []string{"incompatible dimensions", "mass", "length"}},
		{"convert", map[string]any{"value": -300, "from": "C", "to": "K"}, []string{"below absolute zero"}},
		{"convert", map[string]any{"value": 1, "from": "kg"}, []string{"to"}},
		{"list_units", map[string]any{"dimension": "flavour"}, []string{"dimension"}},
		{"parse_quantity", map[string]any{"text": "five feet"}, []string{"expected a number"}},
		{"parse_quantity", map[string]any{"text": "5 ft 3 kg"}, []string{"mixed dimensions"}},
		{"parse_quantity", map[string]any{"text": "5"}, []string{"missing unit"}},
		{"parse_quantity", map[string]any{"text": "20 C 3 F"}, []string{"temperature cannot"}},
		{"parse_quantity", map[string]any{"text": "5 ft", "to": "kg"}, []string{"incompatible"}},
		{"currency_rates", map[string]any{"base": "EUX"}, []string{`unknown currency "EUX"`, "EUR"}},
		{"convert_batch", map[string]any{"items": []any{}}, []string{"items"}},
		{"compare_quantities", map[string]any{"a": "1 kg", "b": "1 m"}, []string{"incompatible"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestParseQuantity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		dim  string
		base float64
	}{
		{"5 ft 3 in", "length", 1.6002},
		{"5'3\"", "length", 1.6002},
		{"5ft3in", "length", 1.6002},
		{"2 h 30 min", "time", 9000},
		{"3 lb and 4 oz", "mass", 3.25 * 0.45359237},
		{"1,500.5 kg", "mass", 1500.5},
		{"3/4 cup", "volume", 0.75 * 3.785411784e-3 / 16},
		{"-40 °F", "temperature", 233.15},
		{"72 degrees F", "temperature", (72 + 459.67) * 5 / 9},
		{"12 sq ft", "area", 12 * 0.3048 * 0.3048},
		{"2 m2", "area", 2},
		{"8 fl oz", "volume", 8 * 3.785411784e-3 / 128},
		{"1.5e3 m", "length", 1500},
		{"10 km/h", "speed", 10 / 3.6},
		{"2 nautical miles", "length", 3704},
	} {
		q, err := ParseQuantity(tc.in)
		if err != nil {
			t.Errorf("ParseQuantity(%q): %v", tc.in, err)
			continue
		}
		if q.Dimension != tc.dim || !servertest.Near(q.Base, tc.base, 1e-12) {
			t.Errorf("ParseQuantity(%q) = %s %v, want %s %v", tc.in, q.Dimension, q.Base, tc.dim, tc.base)
		}
	}
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"5 ft 3 in", "5'3\"", "1,000 m", "3/4 cup", "1e400 m", "-0 C", "2 m2", "and", "1/0 m", "7 sq"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err == nil && (len(q.Parts) == 0 || q.Dimension == "") {
			t.Fatalf("ParseQuantity(%q) succeeded with no parts", s)
		}
	})
}
