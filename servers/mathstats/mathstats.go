// Package mathstats is the bundled "math" MCP server: arithmetic expression
// evaluation with a real parser (no eval of code), tabulation of a function,
// and descriptive statistics: describe, percentiles, correlation, linear
// regression, histogram, z-scores and moving averages.
package mathstats

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "math"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Expression evaluation and statistics: describe, percentiles, correlation, regression, histogram, z-scores, moving average"

// New returns the math server with all tools registered.
func New() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Math and statistics", Version: "v1.0.0"}, nil)
	data := tooldef.Tweaks{"data": {tooldef.Items(1, maxData)}}

	tooldef.AddPure(s, "evaluate", "Evaluate an expression",
		"Evaluate an arithmetic expression with a safe parser (no code execution). Supports + - * / % ^ (or **), unary minus, factorial (!), parentheses, constants pi, e, tau, phi, named variables, and functions sin cos tan asin acos atan atan2 sinh cosh tanh exp ln log (base 10) log2 sqrt cbrt abs floor ceil round sign deg rad hypot pow mod min max factorial nCr. Angles are in radians. Limit 2000 characters.",
		nil, evaluate)
	tooldef.AddPure(s, "tabulate", "Tabulate a function",
		"Evaluate an expression of one variable at evenly spaced points from `from` to `to` (inclusive), e.g. expression \"x^2 - 2\" with variable x; returns one row per point (at most 1001 points). Points where the expression is undefined carry an error instead of a value.",
		tooldef.Tweaks{"points": {tooldef.Between(2, 1001), tooldef.Default(11)}, "variable": {tooldef.Default("x")}}, tabulate)
	tooldef.AddPure(s, "describe", "Describe a data set",
		"Descriptive statistics of a numeric data set (1 to 100000 values): count, sum, mean, median, mode, min, max, range, sample and population variance and standard deviation, standard error, quartiles (linear interpolation, type 7), IQR, skewness and excess kurtosis.",
		data, describe)
	tooldef.AddPure(s, "percentiles", "Percentiles",
		"Compute the requested percentiles (0..100) of a data set with a chosen method: linear interpolation (type 7, as R and NumPy default), lower, higher, nearest or midpoint.",
		tooldef.Tweaks{"data": {tooldef.Items(1, maxData)}, "percentiles": {tooldef.Items(1, 101), tooldef.Between(0, 100)},
			"method": {tooldef.Enum("linear", "lower", "higher", "nearest", "midpoint"), tooldef.Default("linear")}}, percentiles)
	tooldef.AddPure(s, "correlation", "Correlation",
		"Correlation between two equally long series (3 to 100000 pairs): Pearson (linear) or Spearman (rank) coefficient r, r², covariance, the t statistic with n-2 degrees of freedom and its two-sided p-value, and a plain-language strength.",
		tooldef.Tweaks{"x": {tooldef.Items(3, maxData)}, "y": {tooldef.Items(3, maxData)}, "method": {tooldef.Enum("pearson", "spearman"), tooldef.Default("pearson")}}, correlation)
	tooldef.AddPure(s, "linear_regression", "Linear regression",
		"Ordinary least-squares fit y = slope·x + intercept over paired data (3 to 100000 points): coefficients with standard errors, r², residual standard error, fitted values and residuals per point, and predictions at the optional x values in `predict`.",
		tooldef.Tweaks{"x": {tooldef.Items(3, maxData)}, "y": {tooldef.Items(3, maxData)}, "predict": {tooldef.Items(0, 1000)}}, regression)
	tooldef.AddPure(s, "histogram", "Histogram",
		"Bin a data set into equal-width bins (1 to 200, default 10) between min and max (default: the data's range); returns each bin's bounds, count, relative and cumulative frequency. Bins are [lower, upper) except the last, which includes its upper bound; values outside the range are counted separately.",
		tooldef.Tweaks{"data": {tooldef.Items(1, maxData)}, "bins": {tooldef.Between(1, 200), tooldef.Default(10)}}, histogram)
	tooldef.AddPure(s, "z_scores", "Z-scores",
		"Standardize a data set (2 to 100000 values): z = (x - mean) / stdev, with the sample (default) or population standard deviation, and list the indexes of outliers whose |z| exceeds the threshold (default 3).",
		tooldef.Tweaks{"data": {tooldef.Items(2, maxData)}, "threshold": {tooldef.Between(0, 100), tooldef.Default(3)}}, zScores)
	tooldef.AddPure(s, "moving_average", "Moving average",
		"Smooth a series: trailing simple moving average over `window` points, centered moving average (odd window), or exponential moving average with smoothing factor alpha (default 2/(window+1)). The output has one value per input point; points without a full window are null.",
		tooldef.Tweaks{"data": {tooldef.Items(1, maxData)}, "window": {tooldef.Between(1, 10000), tooldef.Default(3)},
			"kind": {tooldef.Enum("simple", "centered", "exponential"), tooldef.Default("simple")}, "alpha": {tooldef.Between(0, 1)}}, movingAverage)
	return s
}

// EvaluateIn is the input of evaluate.
type EvaluateIn struct {
	Expression string             `json:"expression" jsonschema:"the expression, e.g. \"2*(3+4)^2 - sqrt(16)\""`
	Variables  map[string]float64 `json:"variables,omitempty" jsonschema:"values of named variables used in the expression"`
}

// EvaluateOut is the output of evaluate.
type EvaluateOut struct {
	Expression string  `json:"expression" jsonschema:"the input expression"`
	Parsed     string  `json:"parsed" jsonschema:"the expression fully parenthesized, showing precedence"`
	Result     float64 `json:"result" jsonschema:"the value"`
}

func evaluate(_ context.Context, in EvaluateIn) (EvaluateOut, error) {
	e, err := Parse(in.Expression)
	if err != nil {
		return EvaluateOut{}, err
	}
	v, err := e.Eval(in.Variables)
	if err != nil {
		return EvaluateOut{}, err
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return EvaluateOut{}, fmt.Errorf("the result of %q is not a finite number", in.Expression)
	}
	return EvaluateOut{in.Expression, e.String(), round15(v)}, nil
}

// TabulateIn is the input of tabulate.
type TabulateIn struct {
	Expression string             `json:"expression" jsonschema:"expression in the variable, e.g. \"sin(x)/x\""`
	Variable   string             `json:"variable,omitempty" jsonschema:"the variable name (default x)"`
	From       float64            `json:"from" jsonschema:"first value of the variable"`
	To         float64            `json:"to" jsonschema:"last value of the variable"`
	Points     int                `json:"points,omitempty" jsonschema:"number of points, 2..1001 (default 11)"`
	Variables  map[string]float64 `json:"variables,omitempty" jsonschema:"other fixed variables"`
}

// TabRow is one point of tabulate.
type TabRow struct {
	X     float64  `json:"x" jsonschema:"the variable's value"`
	Y     *float64 `json:"y,omitempty" jsonschema:"the expression's value; absent where undefined"`
	Error string   `json:"error,omitempty" jsonschema:"why the value is undefined"`
}

// TabulateOut is the output of tabulate.
type TabulateOut struct {
	Expression string   `json:"expression" jsonschema:"the input expression"`
	Rows       []TabRow `json:"rows" jsonschema:"one row per point"`
	Min        *float64 `json:"min,omitempty" jsonschema:"smallest defined value"`
	Max        *float64 `json:"max,omitempty" jsonschema:"largest defined value"`
}

func tabulate(_ context.Context, in TabulateIn) (TabulateOut, error) {
	e, err := Parse(in.Expression)
	if err != nil {
		return TabulateOut{}, err
	}
	if in.From >= in.To {
		return TabulateOut{}, fmt.Errorf("from (%g) must be less than to (%g)", in.From, in.To)
	}
	vars := map[string]float64{}
	for k, v := range in.Variables {
		vars[k] = v
	}
	out := TabulateOut{Expression: in.Expression}
	for i := range in.Points {
		x := in.From + (in.To-in.From)*float64(i)/float64(in.Points-1)
		vars[in.Variable] = x
		row := TabRow{X: round10(x)}
		y, err := e.Eval(vars)
		switch {
		case err != nil:
			row.Error = err.Error()
		case math.IsNaN(y) || math.IsInf(y, 0):
			row.Error = "not a finite number"
		default:
			y = round15(y)
			row.Y = &y
			if out.Min == nil || y < *out.Min {
				out.Min = &y
			}
			if out.Max == nil || y > *out.Max {
				out.Max = &y
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// DataIn is the input of describe.
type DataIn struct {
	Data []float64 `json:"data" jsonschema:"the numeric values"`
}

// DescribeOut is the output of describe.
type DescribeOut struct {
	Count      int       `json:"count" jsonschema:"number of values"`
	Sum        float64   `json:"sum" jsonschema:"sum of values"`
	Mean       float64   `json:"mean" jsonschema:"arithmetic mean"`
	Median     float64   `json:"median" jsonschema:"50th percentile"`
	Mode       []float64 `json:"mode" jsonschema:"most frequent value(s); empty if all values are distinct"`
	Min        float64   `json:"min" jsonschema:"smallest value"`
	Max        float64   `json:"max" jsonschema:"largest value"`
	Range      float64   `json:"range" jsonschema:"max - min"`
	Variance   float64   `json:"variance" jsonschema:"sample variance (n-1)"`
	Stdev      float64   `json:"stdev" jsonschema:"sample standard deviation (n-1)"`
	PopVar     float64   `json:"population_variance" jsonschema:"population variance (n)"`
	PopStdev   float64   `json:"population_stdev" jsonschema:"population standard deviation (n)"`
	StdErr     float64   `json:"standard_error" jsonschema:"standard error of the mean"`
	Q1         float64   `json:"q1" jsonschema:"25th percentile"`
	Q3         float64   `json:"q3" jsonschema:"75th percentile"`
	IQR        float64   `json:"iqr" jsonschema:"q3 - q1"`
	Skewness   float64   `json:"skewness" jsonschema:"sample skewness (adjusted Fisher-Pearson)"`
	Kurtosis   float64   `json:"excess_kurtosis" jsonschema:"sample excess kurtosis"`
	CoeffOfVar *float64  `json:"coefficient_of_variation,omitempty" jsonschema:"stdev / mean (absent when the mean is 0)"`
}

func describe(_ context.Context, in DataIn) (DescribeOut, error) {
	x := in.Data
	if err := checkData("data", x, 1); err != nil {
		return DescribeOut{}, err
	}
	s := sorted(x)
	n := float64(len(x))
	m := mean(x)
	out := DescribeOut{
		Count: len(x), Sum: round10(sum(x)), Mean: round10(m),
		Median: round10(quantile(s, 0.5, "linear")),
		Min:    s[0], Max: s[len(s)-1], Range: round10(s[len(s)-1] - s[0]),
		Variance: round10(variance(x, false)), Stdev: round10(math.Sqrt(variance(x, false))),
		PopVar: round10(variance(x, true)), PopStdev: round10(math.Sqrt(variance(x, true))),
		Q1: round10(quantile(s, 0.25, "linear")), Q3: round10(quantile(s, 0.75, "linear")),
		Mode: []float64{},
	}
	out.IQR = round10(out.Q3 - out.Q1)
	out.StdErr = round10(math.Sqrt(variance(x, false) / n))
	if sd := math.Sqrt(variance(x, false)); m != 0 && len(x) > 1 {
		cv := round10(sd / m)
		out.CoeffOfVar = &cv
	}
	// Mode.
	best, run := 1, 1
	for i := 1; i <= len(s); i++ {
		if i < len(s) && s[i] == s[i-1] {
			run++
			continue
		}
		switch {
		case run > best:
			best, out.Mode = run, []float64{s[i-1]}
		case run == best && best > 1:
			out.Mode = append(out.Mode, s[i-1])
		}
		run = 1
	}
	// Shape, from central moments.
	if len(x) > 3 {
		var m2, m3, m4 float64
		for _, v := range x {
			d := v - m
			m2 += d * d
			m3 += d * d * d
			m4 += d * d * d * d
		}
		m2, m3, m4 = m2/n, m3/n, m4/n
		if m2 > 0 {
			g1 := m3 / math.Pow(m2, 1.5)
			out.Skewness = round10(g1 * math.Sqrt(n*(n-1)) / (n - 2))
			g2 := m4/(m2*m2) - 3
			out.Kurtosis = round10((n - 1) / ((n - 2) * (n - 3)) * ((n+1)*g2 + 6))
		}
	}
	return out, nil
}

// PercentilesIn is the input of percentiles.
type PercentilesIn struct {
	Data        []float64 `json:"data" jsonschema:"the numeric values"`
	Percentiles []float64 `json:"percentiles" jsonschema:"percentiles to compute, each 0..100"`
	Method      string    `json:"method,omitempty" jsonschema:"interpolation method (default linear)"`
}

// Percentile is one computed percentile.
type Percentile struct {
	P     float64 `json:"p" jsonschema:"the percentile (0..100)"`
	Value float64 `json:"value" jsonschema:"its value"`
}

// PercentilesOut is the output of percentiles.
type PercentilesOut struct {
	Count   int          `json:"count" jsonschema:"number of values"`
	Method  string       `json:"method" jsonschema:"method used"`
	Results []Percentile `json:"results" jsonschema:"one row per requested percentile, in order"`
}

func percentiles(_ context.Context, in PercentilesIn) (PercentilesOut, error) {
	if err := checkData("data", in.Data, 1); err != nil {
		return PercentilesOut{}, err
	}
	s := sorted(in.Data)
	out := PercentilesOut{Count: len(s), Method: in.Method}
	for _, p := range in.Percentiles {
		out.Results = append(out.Results, Percentile{p, round10(quantile(s, p/100, in.Method))})
	}
	return out, nil
}

// PairIn is the input of correlation.
type PairIn struct {
	X      []float64 `json:"x" jsonschema:"first series"`
	Y      []float64 `json:"y" jsonschema:"second series, same length as x"`
	Method string    `json:"method,omitempty" jsonschema:"pearson (linear, default) or spearman (rank)"`
}

// CorrelationOut is the output of correlation.
type CorrelationOut struct {
	Method     string  `json:"method" jsonschema:"method used"`
	N          int     `json:"n" jsonschema:"number of pairs"`
	R          float64 `json:"r" jsonschema:"correlation coefficient, -1..1"`
	R2         float64 `json:"r_squared" jsonschema:"r squared"`
	Covariance float64 `json:"covariance" jsonschema:"sample covariance of x and y"`
	T          float64 `json:"t_statistic" jsonschema:"t = r·sqrt((n-2)/(1-r²))"`
	DF         int     `json:"df" jsonschema:"degrees of freedom, n-2"`
	P          float64 `json:"p_value" jsonschema:"two-sided p-value of H0: no correlation"`
	Strength   string  `json:"strength" jsonschema:"plain-language strength and direction"`
}

func checkPair(x, y []float64, minLen int) error {
	if len(x) != len(y) {
		return fmt.Errorf("x and y must have the same length; got %d and %d", len(x), len(y))
	}
	return checkData("x", x, minLen)
}

func correlation(_ context.Context, in PairIn) (CorrelationOut, error) {
	if err := checkPair(in.X, in.Y, 3); err != nil {
		return CorrelationOut{}, err
	}
	x, y := in.X, in.Y
	if in.Method == "spearman" {
		x, y = ranks(x), ranks(y)
	}
	r, err := pearson(x, y)
	if err != nil {
		return CorrelationOut{}, err
	}
	r = math.Max(-1, math.Min(1, r))
	n := len(x)
	mx, my := mean(in.X), mean(in.Y)
	var cov float64
	for i := range in.X {
		cov += (in.X[i] - mx) * (in.Y[i] - my)
	}
	cov /= float64(n - 1)
	out := CorrelationOut{Method: in.Method, N: n, R: round10(r), R2: round10(r * r), Covariance: round10(cov), DF: n - 2}
	if 1-r*r > 1e-15 {
		t := r * math.Sqrt(float64(n-2)/(1-r*r))
		out.T = round10(t)
		out.P = round10(studentTTwoSided(t, float64(n-2)))
	} else {
		out.T = round10(math.Copysign(1e15, r)) // a perfect fit
		out.P = 0
	}
	a := math.Abs(r)
	word := "no"
	switch {
	case a >= 0.9:
		word = "very strong"
	case a >= 0.7:
		word = "strong"
	case a >= 0.4:
		word = "moderate"
	case a >= 0.2:
		word = "weak"
	case a >= 0.05:
		word = "very weak"
	}
	dir := " positive"
	if r < 0 {
		dir = " negative"
	}
	if word == "no" {
		dir = ""
	}
	out.Strength = word + dir + " correlation"
	return out, nil
}

// RegressionIn is the input of linear_regression.
type RegressionIn struct {
	X       []float64 `json:"x" jsonschema:"independent variable"`
	Y       []float64 `json:"y" jsonschema:"dependent variable, same length as x"`
	Predict []float64 `json:"predict,omitempty" jsonschema:"x values at which to predict y"`
}

// Prediction is y predicted at x.
type Prediction struct {
	X float64 `json:"x" jsonschema:"the x value"`
	Y float64 `json:"y" jsonschema:"predicted y"`
}

// RegressionOut is the output of linear_regression.
type RegressionOut struct {
	N                 int          `json:"n" jsonschema:"number of points"`
	Slope             float64      `json:"slope" jsonschema:"fitted slope"`
	Intercept         float64      `json:"intercept" jsonschema:"fitted intercept"`
	SlopeStdErr       float64      `json:"slope_std_error" jsonschema:"standard error of the slope"`
	InterceptStdErr   float64      `json:"intercept_std_error" jsonschema:"standard error of the intercept"`
	R2                float64      `json:"r_squared" jsonschema:"coefficient of determination"`
	AdjR2             float64      `json:"adjusted_r_squared" jsonschema:"r² adjusted for one predictor"`
	ResidualStdErr    float64      `json:"residual_std_error" jsonschema:"sqrt(SSE/(n-2))"`
	SlopeP            float64      `json:"slope_p_value" jsonschema:"two-sided p-value of H0: slope = 0"`
	Equation          string       `json:"equation" jsonschema:"the fitted line as text"`
	Fitted            []float64    `json:"fitted" jsonschema:"fitted y per input point"`
	Residuals         []float64    `json:"residuals" jsonschema:"y - fitted per input point"`
	Predictions       []Prediction `json:"predictions" jsonschema:"predictions at the requested x values"`
	LargestResidualAt int          `json:"largest_residual_index" jsonschema:"index of the point with the largest |residual|"`
}

func regression(_ context.Context, in RegressionIn) (RegressionOut, error) {
	if err := checkPair(in.X, in.Y, 3); err != nil {
		return RegressionOut{}, err
	}
	n := float64(len(in.X))
	mx, my := mean(in.X), mean(in.Y)
	var sxx, sxy, syy float64
	for i := range in.X {
		dx, dy := in.X[i]-mx, in.Y[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return RegressionOut{}, fmt.Errorf("all x values are equal (%g): the slope is undefined", in.X[0])
	}
	b := sxy / sxx
	a := my - b*mx
	out := RegressionOut{N: len(in.X), Slope: round10(b), Intercept: round10(a), Predictions: []Prediction{}}
	var sse, worst float64
	for i, x := range in.X {
		f := a + b*x
		r := in.Y[i] - f
		sse += r * r
		out.Fitted = append(out.Fitted, round10(f))
		out.Residuals = append(out.Residuals, round10(r))
		if math.Abs(r) > worst {
			worst, out.LargestResidualAt = math.Abs(r), i
		}
	}
	s2 := sse / (n - 2)
	out.ResidualStdErr = round10(math.Sqrt(s2))
	se := math.Sqrt(s2 / sxx)
	out.SlopeStdErr = round10(se)
	out.InterceptStdErr = round10(math.Sqrt(s2 * (1/n + mx*mx/sxx)))
	if syy > 0 {
		out.R2 = round10(1 - sse/syy)
		out.AdjR2 = round10(1 - (1-(1-sse/syy))*(n-1)/(n-2))
	} else {
		out.R2, out.AdjR2 = 1, 1
	}
	if se > 0 {
		out.SlopeP = round10(studentTTwoSided(b/se, n-2))
	}
	out.Equation = fmt.Sprintf("y = %g·x %+g", out.Slope, out.Intercept)
	for _, x := range in.Predict {
		out.Predictions = append(out.Predictions, Prediction{x, round10(a + b*x)})
	}
	return out, nil
}

// HistogramIn is the input of histogram.
type HistogramIn struct {
	Data []float64 `json:"data" jsonschema:"the numeric values"`
	Bins int       `json:"bins,omitempty" jsonschema:"number of equal-width bins, 1..200 (default 10)"`
	Min  *float64  `json:"min,omitempty" jsonschema:"lower edge of the first bin (default: data minimum)"`
	Max  *float64  `json:"max,omitempty" jsonschema:"upper edge of the last bin (default: data maximum)"`
}

// Bin is one histogram bin.
type Bin struct {
	Lower      float64 `json:"lower" jsonschema:"inclusive lower edge"`
	Upper      float64 `json:"upper" jsonschema:"upper edge (exclusive except for the last bin)"`
	Count      int     `json:"count" jsonschema:"values in the bin"`
	Frequency  float64 `json:"frequency" jsonschema:"count / total values"`
	Cumulative float64 `json:"cumulative" jsonschema:"cumulative frequency up to this bin"`
}

// HistogramOut is the output of histogram.
type HistogramOut struct {
	Count     int     `json:"count" jsonschema:"number of values"`
	BinWidth  float64 `json:"bin_width" jsonschema:"width of each bin"`
	Bins      []Bin   `json:"bins" jsonschema:"the bins in order"`
	BelowMin  int     `json:"below_range" jsonschema:"values below min"`
	AboveMax  int     `json:"above_range" jsonschema:"values above max"`
	ModalBinI int     `json:"modal_bin" jsonschema:"index of the fullest bin"`
}

func histogram(_ context.Context, in HistogramIn) (HistogramOut, error) {
	if err := checkData("data", in.Data, 1); err != nil {
		return HistogramOut{}, err
	}
	lo, hi := slices.Min(in.Data), slices.Max(in.Data)
	if in.Min != nil {
		lo = *in.Min
	}
	if in.Max != nil {
		hi = *in.Max
	}
	if hi < lo {
		return HistogramOut{}, fmt.Errorf("max (%g) is below min (%g)", hi, lo)
	}
	if hi == lo {
		hi = lo + 1
	}
	w := (hi - lo) / float64(in.Bins)
	out := HistogramOut{Count: len(in.Data), BinWidth: round10(w)}
	counts := make([]int, in.Bins)
	for _, v := range in.Data {
		switch {
		case v < lo:
			out.BelowMin++
		case v > hi:
			out.AboveMax++
		default:
			i := min(int((v-lo)/w), in.Bins-1)
			counts[i]++
		}
	}
	cum := 0
	for i, c := range counts {
		cum += c
		out.Bins = append(out.Bins, Bin{
			Lower: round10(lo + float64(i)*w), Upper: round10(lo + float64(i+1)*w), Count: c,
			Frequency: round10(float64(c) / float64(len(in.Data))), Cumulative: round10(float64(cum) / float64(len(in.Data))),
		})
		if c > counts[out.ModalBinI] {
			out.ModalBinI = i
		}
	}
	return out, nil
}

// ZIn is the input of z_scores.
type ZIn struct {
	Data       []float64 `json:"data" jsonschema:"the numeric values"`
	Population bool      `json:"population,omitempty" jsonschema:"use the population standard deviation instead of the sample one"`
	Threshold  float64   `json:"threshold,omitempty" jsonschema:"|z| above which a value is an outlier (default 3)"`
}

// Outlier is one value whose |z| exceeds the threshold.
type Outlier struct {
	Index int     `json:"index" jsonschema:"position in data"`
	Value float64 `json:"value" jsonschema:"the value"`
	Z     float64 `json:"z" jsonschema:"its z-score"`
}

// ZOut is the output of z_scores.
type ZOut struct {
	Mean     float64   `json:"mean" jsonschema:"mean of the data"`
	Stdev    float64   `json:"stdev" jsonschema:"standard deviation used"`
	Scores   []float64 `json:"scores" jsonschema:"z-score per value, in order"`
	Outliers []Outlier `json:"outliers" jsonschema:"values with |z| above threshold"`
}

func zScores(_ context.Context, in ZIn) (ZOut, error) {
	if err := checkData("data", in.Data, 2); err != nil {
		return ZOut{}, err
	}
	m := mean(in.Data)
	sd := math.Sqrt(variance(in.Data, in.Population))
	if sd == 0 {
		return ZOut{}, fmt.Errorf("all values are equal (%g): z-scores are undefined", in.Data[0])
	}
	out := ZOut{Mean: round10(m), Stdev: round10(sd), Outliers: []Outlier{}}
	for i, v := range in.Data {
		z := (v - m) / sd
		out.Scores = append(out.Scores, round10(z))
		if math.Abs(z) > in.Threshold {
			out.Outliers = append(out.Outliers, Outlier{i, v, round10(z)})
		}
	}
	return out, nil
}

// MovingIn is the input of moving_average.
type MovingIn struct {
	Data   []float64 `json:"data" jsonschema:"the series, in time order"`
	Window int       `json:"window,omitempty" jsonschema:"window length in points (default 3; odd for centered)"`
	Kind   string    `json:"kind,omitempty" jsonschema:"simple (trailing), centered or exponential (default simple)"`
	Alpha  float64   `json:"alpha,omitempty" jsonschema:"smoothing factor for exponential, 0..1 (default 2/(window+1))"`
}

// MovingOut is the output of moving_average.
type MovingOut struct {
	Kind   string     `json:"kind" jsonschema:"kind used"`
	Window int        `json:"window" jsonschema:"window used"`
	Alpha  float64    `json:"alpha,omitempty" jsonschema:"alpha used (exponential only)"`
	Values []*float64 `json:"values" jsonschema:"smoothed value per input point; null without a full window"`
}

func movingAverage(_ context.Context, in MovingIn) (MovingOut, error) {
	x := in.Data
	if err := checkData("data", x, 1); err != nil {
		return MovingOut{}, err
	}
	if in.Kind != "exponential" && in.Window > len(x) {
		return MovingOut{}, fmt.Errorf("window (%d) is longer than the data (%d values)", in.Window, len(x))
	}
	out := MovingOut{Kind: in.Kind, Window: in.Window, Values: make([]*float64, len(x))}
	set := func(i int, v float64) { v = round10(v); out.Values[i] = &v }
	switch in.Kind {
	case "exponential":
		a := in.Alpha
		if a == 0 {
			a = 2 / float64(in.Window+1)
		}
		out.Alpha = round10(a)
		e := x[0]
		for i, v := range x {
			if i > 0 {
				e = a*v + (1-a)*e
			}
			set(i, e)
		}
	case "centered":
		if in.Window%2 == 0 {
			return MovingOut{}, fmt.Errorf("a centered moving average needs an odd window, got %d", in.Window)
		}
		h := in.Window / 2
		for i := h; i+h < len(x); i++ {
			set(i, mean(x[i-h:i+h+1]))
		}
	default:
		var s float64
		for i, v := range x {
			s += v
			if i >= in.Window {
				s -= x[i-in.Window]
			}
			if i >= in.Window-1 {
				set(i, s/float64(in.Window))
			}
		}
	}
	return out, nil
}
