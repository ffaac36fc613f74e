package mathstats

import (
	"bufio"
	"math"
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
	sample := []float64{2, 4, 4, 4, 5, 5, 7, 9}
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, 4, 5, 4, 5}

	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "evaluate", Args: map[string]any{"expression": "a * x^2 + b", "variables": map[string]float64{"a": 2, "x": 3, "b": 1}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[EvaluateOut](t, raw)
			if out.Result != 19 || out.Parsed != "((a * (x ^ 2)) + b)" {
				t.Errorf("evaluate = %+v", out)
			}
		}},
		{Tool: "tabulate", Args: map[string]any{"expression": "1/x", "from": -1, "to": 1, "points": 5}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[TabulateOut](t, raw)
			if len(out.Rows) != 5 || out.Rows[2].Y != nil || !strings.Contains(out.Rows[2].Error, "division by zero") ||
				*out.Rows[3].Y != 2 || *out.Min != -2 || *out.Max != 2 {
				t.Errorf("tabulate = %s", raw)
			}
		}},
		{Tool: "describe", Args: map[string]any{"data": sample}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[DescribeOut](t, raw)
			if out.Mean != 5 || out.Median != 4.5 || out.PopStdev != 2 || out.Stdev != 2.138089935 ||
				out.Q1 != 4 || out.Q3 != 5.5 || len(out.Mode) != 1 || out.Mode[0] != 4 || out.Count != 8 {
				t.Errorf("describe = %+v", out)
			}
			if !servertest.Near(out.Skewness, 0.8185, 1e-3) {
				t.Errorf("skewness = %v, want 0.8185 (Excel SKEW)", out.Skewness)
			}
		}},
		{Tool: "percentiles", Args: map[string]any{"data": []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "percentiles": []float64{0, 25, 50, 90, 100}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[PercentilesOut](t, raw)
			want := []float64{1, 3.25, 5.5, 9.1, 10} // numpy.percentile
			for i, r := range out.Results {
				if r.Value != want[i] {
					t.Errorf("p%v = %v, want %v", r.P, r.Value, want[i])
				}
			}
			if out.Method != "linear" {
				t.Errorf("default method = %q", out.Method)
			}
		}},
		{Tool: "correlation", Args: map[string]any{"x": x, "y": y}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[CorrelationOut](t, raw)
			if out.R != 0.7745966692 || out.R2 != 0.6 || !servertest.Near(out.P, 0.124036, 1e-5) || out.Strength != "strong positive correlation" {
				t.Errorf("correlation = %+v", out)
			}
		}},
		{Name: "correlation_spearman", Tool: "correlation", Args: map[string]any{"x": []float64{1, 2, 3, 4}, "y": []float64{1, 8, 27, 64}, "method": "spearman"}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[CorrelationOut](t, raw); out.R != 1 {
				t.Errorf("spearman of a monotone series = %v", out.R)
			}
		}},
		{Tool: "linear_regression", Args: map[string]any{"x": x, "y": y, "predict": []float64{6}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[RegressionOut](t, raw)
			if out.Slope != 0.6 || out.Intercept != 2.2 || out.R2 != 0.6 || len(out.Residuals) != 5 ||
				out.Predictions[0].Y != 5.8 || !servertest.Near(out.SlopeP, 0.124036, 1e-5) {
				t.Errorf("regression = %+v", out)
			}
		}},
		{Tool: "histogram", Args: map[string]any{"data": sample, "bins": 4}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[HistogramOut](t, raw)
			counts := []int{}
			for _, b := range out.Bins {
				counts = append(counts, b.Count)
			}
			// Edges 2, 3.75, 5.5, 7.25, 9.
			if len(counts) != 4 || counts[0] != 1 || counts[1] != 5 || counts[2] != 1 || counts[3] != 1 || out.Bins[3].Cumulative != 1 {
				t.Errorf("histogram counts = %v (%s)", counts, raw)
			}
		}},
		{Tool: "z_scores", Args: map[string]any{"data": sample, "population": true, "threshold": 1.5}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ZOut](t, raw)
			if out.Scores[0] != -1.5 || out.Scores[7] != 2 || len(out.Outliers) != 1 || out.Outliers[0].Index != 7 {
				t.Errorf("z = %+v", out)
			}
		}},
		{Tool: "moving_average", Args: map[string]any{"data": []float64{1, 2, 3, 4, 5}, "window": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[MovingOut](t, raw)
			if out.Values[0] != nil || out.Values[1] != nil || *out.Values[2] != 2 || *out.Values[4] != 4 {
				t.Errorf("sma = %s", raw)
			}
		}},
		{Name: "moving_average_exponential", Tool: "moving_average", Args: map[string]any{"data": []float64{10, 20}, "kind": "exponential", "alpha": 0.5}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[MovingOut](t, raw); *out.Values[1] != 15 {
				t.Errorf("ema = %s", raw)
			}
		}},
	})
}

func TestExpressions(t *testing.T) {
	f, err := os.Open("testdata/expressions.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		if sc.Text() == "" || strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		expr, wantS, _ := strings.Cut(sc.Text(), "\t")
		want, _ := strconv.ParseFloat(wantS, 64)
		out, err := evaluate(t.Context(), EvaluateIn{Expression: expr})
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if !servertest.Near(out.Result, want, 1e-10) {
			t.Errorf("%s = %v, want %v", expr, out.Result, want)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("read only %d expressions", n)
	}
}

func TestErrors(t *testing.T) {
	cs := servertest.Connect(t, New())
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"evaluate", map[string]any{"expression": "1 +"}, []string{"syntax error at position 4", "incomplete"}},
		{"evaluate", map[string]any{"expression": "(1 + 2"}, []string{"expected )"}},
		{"evaluate", map[string]any{"expression": "1 / 0"}, []string{"division by zero"}},
		{"evaluate", map[string]any{"expression": "sqroot(4)"}, []string{`unknown function "sqroot"`, "did you mean sqrt"}},
		{"evaluate", map[string]any{"expression": "x + 1"}, []string{`unknown variable "x"`, "variables"}},
		{"evaluate", map[string]any{"expression": "sqrt(-1)"}, []string{"undefined"}},
		{"evaluate", map[string]any{"expression": "import os"}, []string{"syntax error"}},
		{"evaluate", map[string]any{"expression": "10^400"}, []string{"not a finite number"}},
		{"evaluate", map[string]any{"expression": "2 $ 3"}, []string{"unexpected"}},
		{"describe", map[string]any{"data": []float64{}}, []string{"data"}},
		{"correlation", map[string]any{"x": []float64{1, 2, 3}, "y": []float64{1, 2}}, []string{"y"}},
		{"correlation", map[string]any{"x": []float64{1, 2, 3, 4}, "y": []float64{1, 2, 3}}, []string{"same length"}},
		{"correlation", map[string]any{"x": []float64{1, 1, 1}, "y": []float64{1, 2, 3}}, []string{"constant"}},
		{"linear_regression", map[string]any{"x": []float64{2, 2, 2}, "y": []float64{1, 2, 3}}, []string{"slope is undefined"}},
		{"percentiles", map[string]any{"data": []float64{1}, "percentiles": []float64{150}}, []string{"maximum"}},
		{"percentiles", map[string]any{"data": []float64{1}, "percentiles": []float64{50}, "method": "cubic"}, []string{"enum"}},
		{"histogram", map[string]any{"data": []float64{1}, "bins": 0}, []string{"minimum"}},
		{"histogram", map[string]any{"data": []float64{1, 2}, "min": 5, "max": 1}, []string{"below min"}},
		{"z_scores", map[string]any{"data": []float64{3, 3, 3}}, []string{"all values are equal"}},
		{"moving_average", map[string]any{"data": []float64{1, 2}, "window": 5}, []string{"longer than the data"}},
		{"moving_average", map[string]any{"data": []float64{1, 2, 3, 4}, "window": 2, "kind": "centered"}, []string{"odd window"}},
		{"tabulate", map[string]any{"expression": "x", "from": 1, "to": 0}, []string{"less than"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1+2*3", "-(2^3)!", "sin(pi/2)", "max(1,2,3)", "2 ** -1", "((((1))))", "1e", ".5e-3", "a$b", "3!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		// The printed form must parse back to an expression with the same value.
		e2, err := Parse(e.String())
		if err != nil {
			t.Fatalf("reparse %q (from %q): %v", e.String(), s, err)
		}
		vars := map[string]float64{}
		v1, err1 := e.Eval(vars)
		v2, err2 := e2.Eval(vars)
		if (err1 == nil) != (err2 == nil) || err1 == nil && !(v1 == v2 || math.IsNaN(v1) && math.IsNaN(v2)) {
			t.Fatalf("%q = %v (%v), reparsed %q = %v (%v)", s, v1, err1, e.String(), v2, err2)
		}
	})
}
