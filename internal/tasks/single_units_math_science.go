package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Public unit definitions the checkers use.
const (
	metersPerMile  = 1609.344
	cmPerInch      = 2.54
	km2PerSqMile   = 2.589988110336
	mpsPerMph      = 0.44704
	boltzmann      = 1.380649e-23  // J/K, exact since 2019
	avogadro       = 6.02214076e23 // 1/mol, exact since 2019
	lightSpeed     = 299792458.0   // m/s, exact
	standardGravit = 9.80665       // m/s², exact by convention
)

var signups = []float64{112, 98, 105, 120, 101, 97, 240, 110, 104, 99, 115, 108, 102, 96, 118, 111, 103, 107, 20, 109, 114, 100, 106, 117, 113, 95, 119, 121, 104, 108}

var adSpend = []float64{20, 25, 30, 35, 40, 42, 45, 50, 52, 55}
var adRevenue = []float64{210, 236, 270, 301, 322, 340, 356, 392, 405, 431}

func numbersJS(xs []float64) string {
	b, _ := json.Marshal(xs)
	return string(b)
}

func numbersText(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

func cubic(x float64) float64 { return x*x*x - 6*x*x + 4*x + 12 }

func init() {
	add(Task{
		ID: "units-marathon-pace", Category: Single, Servers: []string{"units"},
		Request: "I just ran a marathon: 26.2 miles in 3 h 45 min. How far is that in kilometers, what was my average pace in minutes per kilometer, and my average speed in km/h?",
		Plan: []Round{calls(
			call("units.convert", args{"value": 26.2, "from": "mi", "to": "km"}),
			call("units.parse_quantity", args{"text": "3 h 45 min", "to": "min"}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			km := dec[struct{ Result float64 }](r[0][0]).Result
			min := dec[struct{ Converted float64 }](r[0][1]).Converted
			return out(obj{"km": km, "pace_min_per_km": min / km, "speed_kmh": km / (min / 60)})
		},
		Program: `const [d, t] = await Promise.all([
  tools.units.convert({ value: 26.2, from: "mi", to: "km" }),
  tools.units.parse_quantity({ text: "3 h 45 min", to: "min" }),
]);
const km = d.result, min = t.converted;
return { km, pace_min_per_km: min / km, speed_kmh: km / (min / 60) };`,
		Check: expect(func() (map[string]any, error) {
			km := 26.2 * metersPerMile / 1000
			return obj{"km": km, "pace_min_per_km": 225 / km, "speed_kmh": km / 3.75}, nil
		}),
	}, Task{
		ID: "units-currency-basket", Category: Single, Servers: []string{"units"},
		Request: "I'm paying for gear abroad: 120 EUR, 95 GBP, 18,000 JPY and 450 CHF. What is each of those in US dollars, and what's the total in USD?",
		Plan: []Round{calls(call("units.convert_batch", args{"items": []any{
			args{"value": 120, "from": "EUR", "to": "USD"}, args{"value": 95, "from": "GBP", "to": "USD"},
			args{"value": 18000, "from": "JPY", "to": "USD"}, args{"value": 450, "from": "CHF", "to": "USD"},
		}}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			res := dec[struct {
				Results []struct {
					From   string
					Result float64
				}
			}](r[0][0])
			usd, total := obj{}, 0.0
			for _, x := range res.Results {
				usd[x.From] = x.Result
				total += x.Result
			}
			return out(obj{"usd": usd, "total_usd": total})
		},
		Program: `const items = [[120, "EUR"], [95, "GBP"], [18000, "JPY"], [450, "CHF"]].map(([value, from]) => ({ value, from, to: "USD" }));
const r = await tools.units.convert_batch({ items });
const usd: Record<string, number> = {};
let total = 0;
for (const x of r.results) { usd[x.from] = x.result; total += x.result; }
return { usd, total_usd: total };`,
		Check: expect(func() (map[string]any, error) {
			rates, err := ask[struct {
				Rates []struct {
					Code    string
					PerBase float64 `json:"per_base"`
				}
			}]("units", "currency_rates", args{"base": "USD"})
			if err != nil {
				return nil, err
			}
			amounts := map[string]float64{"EUR": 120, "GBP": 95, "JPY": 18000, "CHF": 450}
			usd, total := obj{}, 0.0
			for _, r := range rates.Rates {
				if a, ok := amounts[r.Code]; ok {
					usd[r.Code] = a / r.PerBase
					total += a / r.PerBase
				}
			}
			if len(usd) != 4 {
				return nil, fmt.Errorf("rate table lacks some of %v", amounts)
			}
			return obj{"usd": usd, "total_usd": total}, nil
		}),
	}, Task{
		ID: "units-rank-heights", Category: Single, Servers: []string{"units"},
		Request: `Rank these heights from tallest to shortest and give each in centimeters: 6 ft 1 in, 1.84 m, 5'11", 187 cm and 73.5 in.`,
		Plan: []Round{calls(
			call("units.parse_quantity", args{"text": "6 ft 1 in", "to": "cm"}),
			call("units.parse_quantity", args{"text": "1.84 m", "to": "cm"}),
			call("units.parse_quantity", args{"text": `5'11"`, "to": "cm"}),
			call("units.parse_quantity", args{"text": "187 cm", "to": "cm"}),
			call("units.parse_quantity", args{"text": "73.5 in", "to": "cm"}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var rank []obj
			for _, raw := range r[0] {
				p := dec[struct {
					Text      string
					Converted float64
				}](raw)
				rank = append(rank, obj{"height": p.Text, "cm": p.Converted})
			}
			sort.SliceStable(rank, func(i, j int) bool { return rank[i]["cm"].(float64) > rank[j]["cm"].(float64) })
			return out(obj{"ranking": rank})
		},
		Program: `const texts = ["6 ft 1 in", "1.84 m", "5'11\"", "187 cm", "73.5 in"];
const parsed = await Promise.all(texts.map(text => tools.units.parse_quantity({ text, to: "cm" })));
const ranking = parsed.map((p, i) => ({ height: texts[i], cm: p.converted })).sort((a, b) => b.cm - a.cm);
return { ranking };`,
		Check: expect(func() (map[string]any, error) {
			hs := []obj{
				{"height": "6 ft 1 in", "cm": 73 * cmPerInch}, {"height": "1.84 m", "cm": 184.0},
				{"height": `5'11"`, "cm": 71 * cmPerInch}, {"height": "187 cm", "cm": 187.0},
				{"height": "73.5 in", "cm": 73.5 * cmPerInch},
			}
			sort.SliceStable(hs, func(i, j int) bool { return hs[i]["cm"].(float64) > hs[j]["cm"].(float64) })
			return obj{"ranking": hs}, nil
		}),
	}, Task{
		ID: "math-signup-outliers", Category: Single, Servers: []string{"math"},
		Request: "Here are our daily sign-ups for the last 30 days: " + numbersText(signups) + ". What are the mean, median and standard deviation, and which days (1-based) were unusual, more than 2 standard deviations from the mean?",
		Plan: []Round{calls(
			call("math.describe", args{"data": signups}),
			call("math.z_scores", args{"data": signups, "threshold": 2}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			d := dec[struct{ Mean, Median, Stdev float64 }](r[0][0])
			z := dec[struct{ Outliers []struct{ Index int } }](r[0][1])
			days := []int{}
			for _, o := range z.Outliers {
				days = append(days, o.Index+1)
			}
			return out(obj{"mean": d.Mean, "median": d.Median, "stdev": d.Stdev, "unusual_days": days})
		},
		Program: `const data = ` + numbersJS(signups) + `;
const [d, z] = await Promise.all([
  tools.math.describe({ data }),
  tools.math.z_scores({ data, threshold: 2 }),
]);
return { mean: d.mean, median: d.median, stdev: d.stdev, unusual_days: z.outliers.map(o => o.index + 1) };`,
		Check: expect(func() (map[string]any, error) {
			m, s := mean(signups), stdev(signups)
			days := []int{}
			for i, x := range signups {
				if math.Abs(x-m)/s > 2 {
					days = append(days, i+1)
				}
			}
			return obj{"mean": m, "median": median(signups), "stdev": s, "unusual_days": days}, nil
		}),
	}, Task{
		ID: "math-ad-spend-regression", Category: Single, Servers: []string{"math"},
		Request: "Monthly ad spend (k$): " + numbersText(adSpend) + "; revenue (k$) in the same months: " + numbersText(adRevenue) + ". Fit a straight line of revenue against ad spend: what are the slope, intercept and R², and what revenue does it predict for spends of 60 and 75?",
		Plan:    []Round{calls(call("math.linear_regression", args{"x": adSpend, "y": adRevenue, "predict": []float64{60, 75}}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			f := dec[struct {
				Slope, Intercept float64
				RSquared         float64 `json:"r_squared"`
				Predictions      []struct{ X, Y float64 }
			}](r[0][0])
			p := []float64{}
			for _, x := range f.Predictions {
				p = append(p, x.Y)
			}
			return out(obj{"slope": f.Slope, "intercept": f.Intercept, "r_squared": f.RSquared, "predicted": p})
		},
		Program: `const f = await tools.math.linear_regression({ x: ` + numbersJS(adSpend) + `, y: ` + numbersJS(adRevenue) + `, predict: [60, 75] });
return { slope: f.slope, intercept: f.intercept, r_squared: f.r_squared, predicted: f.predictions.map(p => p.y) };`,
		Check: expect(func() (map[string]any, error) {
			s, i, r2 := ols(adSpend, adRevenue)
			return obj{"slope": s, "intercept": i, "r_squared": r2, "predicted": []float64{s*60 + i, s*75 + i}}, nil
		}),
	}, Task{
		ID: "math-cubic-scan", Category: Single, Servers: []string{"math"},
		Request: "Evaluate f(x) = x^3 - 6x^2 + 4x + 12 on 81 evenly spaced points from -2 to 6. At which of those points is it smallest and largest (with the values), and between which consecutive points does it change sign?",
		Plan:    []Round{calls(call("math.tabulate", args{"expression": "x^3 - 6*x^2 + 4*x + 12", "from": -2, "to": 6, "points": 81}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			t := dec[struct{ Rows []struct{ X, Y float64 } }](r[0][0])
			if len(t.Rows) == 0 {
				return out(obj{})
			}
			lo, hi := t.Rows[0], t.Rows[0]
			changes := [][]float64{}
			for i, row := range t.Rows {
				if row.Y < lo.Y {
					lo = row
				}
				if row.Y > hi.Y {
					hi = row
				}
				if i > 0 && (t.Rows[i-1].Y < 0) != (row.Y < 0) {
					changes = append(changes, []float64{t.Rows[i-1].X, row.X})
				}
			}
			return out(obj{"min_x": lo.X, "min_y": lo.Y, "max_x": hi.X, "max_y": hi.Y, "sign_changes": changes})
		},
		Program: `const t = await tools.math.tabulate({ expression: "x^3 - 6*x^2 + 4*x + 12", from: -2, to: 6, points: 81 });
let lo = t.rows[0], hi = t.rows[0];
const sign_changes: number[][] = [];
t.rows.forEach((row, i) => {
  if (row.y < lo.y) lo = row;
  if (row.y > hi.y) hi = row;
  if (i > 0 && (t.rows[i - 1].y < 0) !== (row.y < 0)) sign_changes.push([t.rows[i - 1].x, row.x]);
});
return { min_x: lo.x, min_y: lo.y, max_x: hi.x, max_y: hi.y, sign_changes };`,
		Check: expect(func() (map[string]any, error) {
			var xs []float64
			for i := 0; i <= 80; i++ {
				xs = append(xs, -2+float64(i)*0.1)
			}
			lo, hi := xs[0], xs[0]
			changes := [][]float64{}
			for i, x := range xs {
				if cubic(x) < cubic(lo) {
					lo = x
				}
				if cubic(x) > cubic(hi) {
					hi = x
				}
				if i > 0 && (cubic(xs[i-1]) < 0) != (cubic(x) < 0) {
					changes = append(changes, []float64{xs[i-1], x})
				}
			}
			return obj{"min_x": lo, "min_y": cubic(lo), "max_x": hi, "max_y": cubic(hi), "sign_changes": changes}, nil
		}),
	}, Task{
		ID: "science-linear-system", Category: Single, Servers: []string{"science"},
		Request: "Solve the system 3x + 2y - z = 1, 2x - 2y + 4z = -2, -x + 0.5y - z = 0, and give me the determinant of its coefficient matrix too.",
		Plan: []Round{calls(
			call("science.solve_linear_system", args{"a": [][]float64{{3, 2, -1}, {2, -2, 4}, {-1, 0.5, -1}}, "b": []float64{1, -2, 0}}),
			call("science.matrix_determinant", args{"matrix": [][]float64{{3, 2, -1}, {2, -2, 4}, {-1, 0.5, -1}}}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			s := dec[struct{ X []float64 }](r[0][0])
			d := dec[struct{ Determinant float64 }](r[0][1])
			if len(s.X) != 3 {
				return out(obj{})
			}
			return out(obj{"x": s.X[0], "y": s.X[1], "z": s.X[2], "determinant": d.Determinant})
		},
		Program: `const a = [[3, 2, -1], [2, -2, 4], [-1, 0.5, -1]];
const [s, d] = await Promise.all([
  tools.science.solve_linear_system({ a, b: [1, -2, 0] }),
  tools.science.matrix_determinant({ matrix: a }),
]);
return { x: s.x[0], y: s.x[1], z: s.x[2], determinant: d.determinant };`,
		Check: expect(func() (map[string]any, error) {
			a := [3][3]float64{{3, 2, -1}, {2, -2, 4}, {-1, 0.5, -1}}
			b := [3]float64{1, -2, 0}
			det := func(m [3][3]float64) float64 {
				return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
			}
			d := det(a)
			var x [3]float64
			for c := 0; c < 3; c++ { // Cramer's rule
				m := a
				for r := 0; r < 3; r++ {
					m[r][c] = b[r]
				}
				x[c] = det(m) / d
			}
			return obj{"x": x[0], "y": x[1], "z": x[2], "determinant": d}, nil
		}),
	}, Task{
		ID: "science-decay-threshold", Category: Single, Servers: []string{"science"},
		Request: "A sample of 100 units decays exponentially with rate 0.3 per hour. Simulate the first 10 hours sampled every 0.1 h: at which sampled time does it first drop below 25 units, and how much is left at 10 h?",
		Plan:    []Round{calls(call("science.solve_ode", args{"system": "exponential_decay", "initial": []float64{100}, "params": args{"k": 0.3}, "t_end": 10, "output_points": 101}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			o := dec[struct {
				Points []struct {
					T float64
					Y []float64
				}
				Final []float64
			}](r[0][0])
			first := -1.0
			for _, p := range o.Points {
				if len(p.Y) > 0 && p.Y[0] < 25 {
					first = p.T
					break
				}
			}
			left := 0.0
			if len(o.Final) > 0 {
				left = o.Final[0]
			}
			return out(obj{"first_time_below_25": first, "amount_at_10h": left})
		},
		Program: `const o = await tools.science.solve_ode({ system: "exponential_decay", initial: [100], params: { k: 0.3 }, t_end: 10, output_points: 101 });
const hit = o.points.find(p => p.y[0] < 25);
return { first_time_below_25: hit ? hit.t : -1, amount_at_10h: o.final[0] };`,
		Check: expect(func() (map[string]any, error) {
			first := 0.0
			for i := 0; i <= 100; i++ {
				t := float64(i) * 0.1
				if 100*math.Exp(-0.3*t) < 25 {
					first = t
					break
				}
			}
			return obj{"first_time_below_25": first, "amount_at_10h": approx{100 * math.Exp(-3), 1e-4}}, nil
		}),
	}, Task{
		ID: "science-gas-constant", Category: Single, Servers: []string{"science"},
		Request: "Multiply the Boltzmann constant by Avogadro's number. What do you get, what value is listed for the molar gas constant, and how big is the difference?",
		Plan: []Round{calls(
			call("science.get_constant", args{"name": "Boltzmann constant"}),
			call("science.get_constant", args{"name": "N_A"}),
			call("science.get_constant", args{"name": "molar gas constant"}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			v := func(i int) float64 { return dec[struct{ Value float64 }](r[0][i]).Value }
			return out(obj{"computed": v(0) * v(1), "listed": v(2), "difference": v(0)*v(1) - v(2)})
		},
		Program: `const [k, na, r] = await Promise.all([
  tools.science.get_constant({ name: "Boltzmann constant" }),
  tools.science.get_constant({ name: "N_A" }),
  tools.science.get_constant({ name: "molar gas constant" }),
]);
const computed = k.value * na.value;
return { computed, listed: r.value, difference: computed - r.value };`,
		Check: expect(func() (map[string]any, error) {
			// R = k·N_A exactly in the 2019 SI.
			r := boltzmann * avogadro
			return obj{"computed": r, "listed": r, "difference": approx{0, 1e-9}}, nil
		}),
	})
}
