package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

const (
	sqlRegionReturnRates = `SELECT s.store_id, s.city, COUNT(oi.order_item_id) AS order_lines, COUNT(r.return_id) AS returned_lines,
  1.0 * COUNT(r.return_id) / COUNT(oi.order_item_id) AS return_rate
FROM stores s JOIN regions g ON g.region_id = s.region_id
JOIN orders o ON o.store_id = s.store_id JOIN order_items oi ON oi.order_id = o.order_id
LEFT JOIN returns r ON r.order_item_id = oi.order_item_id
WHERE g.name = ? AND o.ordered_on BETWEEN ? AND ?
GROUP BY s.store_id ORDER BY return_rate DESC`
	sqlCanadaRevenue = `SELECT SUM(o.total) AS revenue_usd FROM orders o JOIN stores s ON s.store_id = o.store_id
JOIN regions g ON g.region_id = s.region_id
WHERE g.name = 'Canada' AND o.status = 'delivered' AND o.ordered_on BETWEEN '2024-01-01' AND '2024-12-31'`
	sqlStoreSizeRevenue = `SELECT s.store_id, s.square_feet, COALESCE(SUM(o.total), 0) AS revenue
FROM stores s LEFT JOIN orders o ON o.store_id = s.store_id AND o.status = 'delivered' AND o.ordered_on BETWEEN '2024-01-01' AND '2024-12-31'
GROUP BY s.store_id ORDER BY s.store_id`
)

// US federal holidays (observed) used by checkers.
var (
	usFederal2024 = []string{"2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25"}
	usFederal2025 = []string{"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"}
)

// percentile7 is the type-7 (linear interpolation) percentile.
func percentile7(xs []float64, p float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	h := (float64(len(s)) - 1) * p / 100
	lo := math.Floor(h)
	if int(lo)+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[int(lo)] + (h-lo)*(s[int(lo)+1]-s[int(lo)])
}

type cfp struct {
	Venue           string
	Location        string
	PaperDeadline   string `json:"paper_deadline"`
	ConferenceStart string `json:"conference_start"`
}

type cityInfo struct {
	City     string
	Country  string
	Timezone string
}

func weatherCities() (map[string]cityInfo, error) {
	r, err := ask[struct{ Cities []cityInfo }]("weather", "search_cities", args{"limit": 50})
	m := map[string]cityInfo{}
	for _, c := range r.Cities {
		m[c.City] = c
	}
	return m, err
}

func monthOf(date string) int {
	t, _ := time.Parse(time.DateOnly, date)
	return int(t.Month())
}

type monthNormal struct {
	Month         int
	MeanHigh      float64 `json:"mean_high"`
	Mean          float64
	Precipitation float64
}

func normalFor(city string, month int) (monthNormal, error) {
	r, err := ask[struct{ Months []monthNormal }]("weather", "get_climate_normals", args{"city": city})
	if err != nil {
		return monthNormal{}, err
	}
	for _, m := range r.Months {
		if m.Month == month {
			return m, nil
		}
	}
	return monthNormal{}, fmt.Errorf("no normal for %s month %d", city, month)
}

func init() {
	add(Task{
		ID: "db-weather-returns-weekend", Category: Two, Servers: []string{"database", "weather"},
		Request: "Which of our stores in the Southeast region had the highest return rate (share of order lines returned) on orders from the second half of 2024, and what's the weather forecast for its city this weekend (2026-06-20 and 21)?",
		Plan: []Round{
			calls(call("database.run_query", args{"sql": sqlRegionReturnRates, "params": []any{"Southeast", "2024-07-01", "2024-12-31"}})),
			next(func(prev [][]json.RawMessage) []Call {
				rows := dec[struct{ Rows []map[string]any }](prev[0][0]).Rows
				if len(rows) == 0 {
					return nil
				}
				return []Call{call("weather.get_daily_forecast", args{"city": rows[0]["city"], "days": 7})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			top := dec[struct{ Rows []map[string]any }](r[0][0]).Rows[0]
			return out(obj{"city": top["city"], "return_rate": top["return_rate"], "weekend": weekend(dec[struct{ Days []dayRow }](r[1][0]).Days)})
		},
		Program: `const rates = await tools.database.run_query({ sql: ` + sqlJS(sqlRegionReturnRates) + `, params: ["Southeast", "2024-07-01", "2024-12-31"] });
const top = rates.rows[0];
const f = await tools.weather.get_daily_forecast({ city: top.city, days: 7 });
const weekend = f.days.filter(d => d.date === "2026-06-20" || d.date === "2026-06-21")
  .map(d => ({ date: d.date, high: d.high, low: d.low, precipitation_probability: d.precipitation_probability, condition: d.condition }));
return { city: top.city, return_rate: top.return_rate, weekend };`,
		Check: expect(func() (map[string]any, error) {
			lines, err := sqlRows(`SELECT o.store_id, COUNT(*) AS n FROM order_items oi, orders o, stores s, regions g
WHERE oi.order_id = o.order_id AND o.store_id = s.store_id AND s.region_id = g.region_id AND g.name = 'Southeast'
AND o.ordered_on >= '2024-07-01' AND o.ordered_on <= '2024-12-31' GROUP BY o.store_id`)
			if err != nil {
				return nil, err
			}
			rets, err := sqlRows(`SELECT o.store_id, COUNT(*) AS n FROM returns r, order_items oi, orders o
WHERE r.order_item_id = oi.order_item_id AND oi.order_id = o.order_id AND o.ordered_on >= '2024-07-01' AND o.ordered_on <= '2024-12-31' GROUP BY o.store_id`)
			if err != nil {
				return nil, err
			}
			returned := map[float64]float64{}
			for _, r := range rets {
				returned[r["store_id"].(float64)] = r["n"].(float64)
			}
			bestID, best := 0.0, -1.0
			for _, l := range lines {
				id := l["store_id"].(float64)
				if rate := returned[id] / l["n"].(float64); rate > best {
					bestID, best = id, rate
				}
			}
			st, err := sqlRows(`SELECT city FROM stores WHERE store_id = ?`, bestID)
			if err != nil || len(st) != 1 {
				return nil, fmt.Errorf("store %v: %v", bestID, err)
			}
			city := st[0]["city"].(string)
			ds, err := daily(city, 7)
			if err != nil {
				return nil, err
			}
			return obj{"city": city, "return_rate": best, "weekend": weekend(ds)}, nil
		}),
	}, Task{
		ID: "db-units-canada-revenue", Category: Two, Servers: []string{"database", "units"},
		Request: "What was the total 2024 revenue from delivered orders at our Canadian stores? The database records amounts in US dollars; give the total in USD, CAD and EUR.",
		Plan: []Round{
			calls(call("database.run_query", args{"sql": sqlCanadaRevenue})),
			next(func(prev [][]json.RawMessage) []Call {
				rows := dec[struct{ Rows []map[string]any }](prev[0][0]).Rows
				v := rows[0]["revenue_usd"]
				return []Call{call("units.convert_batch", args{"items": []any{args{"value": v, "from": "USD", "to": "CAD"}, args{"value": v, "from": "USD", "to": "EUR"}}})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			usd := dec[struct{ Rows []map[string]any }](r[0][0]).Rows[0]["revenue_usd"]
			c := dec[struct{ Results []struct{ Result float64 } }](r[1][0]).Results
			return out(obj{"usd": usd, "cad": c[0].Result, "eur": c[1].Result})
		},
		Program: `const r = await tools.database.run_query({ sql: ` + sqlJS(sqlCanadaRevenue) + ` });
const usd = r.rows[0].revenue_usd;
const c = await tools.units.convert_batch({ items: [{ value: usd, from: "USD", to: "CAD" }, { value: usd, from: "USD", to: "EUR" }] });
return { usd, cad: c.results[0].result, eur: c.results[1].result };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := sqlRows(`SELECT total FROM orders WHERE status = 'delivered' AND ordered_on LIKE '2024-%'
AND store_id IN (SELECT store_id FROM stores WHERE region_id = (SELECT region_id FROM regions WHERE name = 'Canada'))`)
			if err != nil {
				return nil, err
			}
			usd := 0.0
			for _, r := range rows {
				usd += r["total"].(float64)
			}
			rate, err := perUSD("CAD", "EUR")
			if err != nil {
				return nil, err
			}
			return obj{"usd": usd, "cad": usd * rate["CAD"], "eur": usd * rate["EUR"]}, nil
		}),
	}, Task{
		ID: "db-math-store-size-revenue", Category: Two, Servers: []string{"database", "math"},
		Request: "Do bigger stores sell more? Across all stores, how strongly does floor area (square feet) correlate with 2024 revenue from delivered orders, and how much extra revenue per extra square foot does a straight-line fit suggest?",
		Plan: []Round{
			calls(call("database.run_query", args{"sql": sqlStoreSizeRevenue})),
			next(func(prev [][]json.RawMessage) []Call {
				x, y := sizeRevenue(prev[0][0])
				return []Call{call("math.correlation", args{"x": x, "y": y}), call("math.linear_regression", args{"x": x, "y": y})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			c := dec[struct{ R float64 }](r[1][0])
			l := dec[struct{ Slope float64 }](r[1][1])
			return out(obj{"correlation": c.R, "revenue_per_sqft": l.Slope})
		},
		Program: `const r = await tools.database.run_query({ sql: ` + sqlJS(sqlStoreSizeRevenue) + ` });
const x = r.rows.map(s => s.square_feet), y = r.rows.map(s => s.revenue);
const [c, l] = await Promise.all([tools.math.correlation({ x, y }), tools.math.linear_regression({ x, y })]);
return { correlation: c.r, revenue_per_sqft: l.slope };`,
		Check: expect(func() (map[string]any, error) {
			stores, err := sqlRows(`SELECT store_id, square_feet FROM stores`)
			if err != nil {
				return nil, err
			}
			orders, err := sqlRows(`SELECT store_id, total FROM orders WHERE status = 'delivered' AND ordered_on LIKE '2024-%'`)
			if err != nil {
				return nil, err
			}
			rev := map[float64]float64{}
			for _, o := range orders {
				rev[o["store_id"].(float64)] += o["total"].(float64)
			}
			var x, y []float64
			for _, s := range stores {
				x = append(x, s["square_feet"].(float64))
				y = append(y, rev[s["store_id"].(float64)])
			}
			slope, _, _ := ols(x, y)
			return obj{"correlation": pearson(x, y), "revenue_per_sqft": slope}, nil
		}),
	}, Task{
		ID: "docs-math-traffic-correlation", Category: Two, Servers: []string{"documents", "math"},
		Request: "Using our 2024 daily web traffic file, how strongly are sessions correlated with orders, and on which dates was revenue an outlier (more than 3 standard deviations from the mean)?",
		Plan: []Round{
			calls(call("documents.csv_query", args{"path": "data/web-traffic-2024.csv", "columns": []string{"date", "sessions", "orders", "revenue"}, "limit": 1000})),
			next(func(prev [][]json.RawMessage) []Call {
				rows := dec[struct{ Rows []map[string]any }](prev[0][0]).Rows
				var s, o, rev []any
				for _, x := range rows {
					s, o, rev = append(s, x["sessions"]), append(o, x["orders"]), append(rev, x["revenue"])
				}
				return []Call{call("math.correlation", args{"x": s, "y": o}), call("math.z_scores", args{"data": rev, "threshold": 3})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := dec[struct{ Rows []map[string]any }](r[0][0]).Rows
			c := dec[struct{ R float64 }](r[1][0])
			dates := []any{}
			for _, o := range dec[struct{ Outliers []struct{ Index int } }](r[1][1]).Outliers {
				dates = append(dates, rows[o.Index]["date"])
			}
			return out(obj{"sessions_orders_r": c.R, "revenue_outlier_dates": dates})
		},
		Program: `const t = await tools.documents.csv_query({ path: "data/web-traffic-2024.csv", columns: ["date", "sessions", "orders", "revenue"], limit: 1000 });
const rows = t.rows;
const [c, z] = await Promise.all([
  tools.math.correlation({ x: rows.map(r => r.sessions), y: rows.map(r => r.orders) }),
  tools.math.z_scores({ data: rows.map(r => r.revenue), threshold: 3 }),
]);
return { sessions_orders_r: c.r, revenue_outlier_dates: z.outliers.map(o => rows[o.index].date) };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := readCSV("data/web-traffic-2024.csv")
			if err != nil {
				return nil, err
			}
			var s, o, rev []float64
			for _, r := range rows {
				s, o, rev = append(s, num(r["sessions"])), append(o, num(r["orders"])), append(rev, num(r["revenue"]))
			}
			m, sd := mean(rev), stdev(rev)
			dates := []string{}
			for i, v := range rev {
				if math.Abs(v-m)/sd > 3 {
					dates = append(dates, rows[i]["date"])
				}
			}
			return obj{"sessions_orders_r": pearson(s, o), "revenue_outlier_dates": dates}, nil
		}),
	}, Task{
		ID: "docs-units-active-prices-eur", Category: Two, Servers: []string{"documents", "units"},
		Request: "Our product list on the drive has prices in USD. What do our active products cost in euros, and what's the average euro price of the active Camping products?",
		Plan: []Round{
			calls(call("documents.csv_query", args{"path": "data/products.csv", "where": []any{args{"column": "status", "op": "eq", "value": "active"}}, "columns": []string{"name", "category", "list_price"}})),
			next(func(prev [][]json.RawMessage) []Call {
				var items []any
				for _, p := range dec[struct{ Rows []map[string]any }](prev[0][0]).Rows {
					items = append(items, args{"value": p["list_price"], "from": "USD", "to": "EUR"})
				}
				return []Call{call("units.convert_batch", args{"items": items})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := dec[struct{ Rows []map[string]any }](r[0][0]).Rows
			res := dec[struct{ Results []struct{ Result float64 } }](r[1][0]).Results
			eur := obj{}
			var camping []float64
			for i, p := range rows {
				eur[fmt.Sprint(p["name"])] = res[i].Result
				if p["category"] == "Camping" {
					camping = append(camping, res[i].Result)
				}
			}
			return out(obj{"prices_eur": eur, "avg_camping_eur": mean(camping)})
		},
		Program: `const p = await tools.documents.csv_query({ path: "data/products.csv", where: [{ column: "status", op: "eq", value: "active" }], columns: ["name", "category", "list_price"] });
const c = await tools.units.convert_batch({ items: p.rows.map(r => ({ value: r.list_price, from: "USD", to: "EUR" })) });
const prices_eur: Record<string, number> = {};
const camping: number[] = [];
p.rows.forEach((r, i) => { prices_eur[r.name] = c.results[i].result; if (r.category === "Camping") camping.push(c.results[i].result); });
return { prices_eur, avg_camping_eur: camping.reduce((a, b) => a + b, 0) / camping.length };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := readCSV("data/products.csv")
			if err != nil {
				return nil, err
			}
			rate, err := perUSD("EUR")
			if err != nil {
				return nil, err
			}
			eur := obj{}
			var camping []float64
			for _, p := range rows {
				if p["status"] != "active" {
					continue
				}
				v := num(p["list_price"]) * rate["EUR"]
				eur[p["name"]] = v
				if p["category"] == "Camping" {
					camping = append(camping, v)
				}
			}
			return obj{"prices_eur": eur, "avg_camping_eur": mean(camping)}, nil
		}),
	}, Task{
		ID: "docs-time-holiday-calendar", Category: Two, Servers: []string{"documents", "time"},
		Request: "Compare our 2024 company holiday calendar (on the shared drive) with the US federal holidays: how many working days did each give in 2024, and which dates are only in one of them?",
		Plan: []Round{calls(
			call("documents.csv_query", args{"path": "data/holidays-2024.csv", "columns": []string{"date", "holiday"}}),
			call("time.business_days", args{"start_date": "2024-01-01", "end_date": "2024-12-31", "country": "US"}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var file []string
			for _, h := range dec[struct{ Rows []map[string]any }](r[0][0]).Rows {
				file = append(file, fmt.Sprint(h["date"]))
			}
			b := dec[struct {
				BusinessDays int `json:"business_days"`
				CalendarDays int `json:"calendar_days"`
				WeekendDays  int `json:"weekend_days"`
				Holidays     []struct{ Date string }
			}](r[0][1])
			var fed []string
			for _, h := range b.Holidays {
				fed = append(fed, h.Date)
			}
			weekdays := b.CalendarDays - b.WeekendDays
			fileOff := 0
			for _, d := range file {
				if t, _ := time.Parse(time.DateOnly, d); t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
					fileOff++
				}
			}
			return out(obj{"company_working_days": weekdays - fileOff, "federal_working_days": b.BusinessDays,
				"only_company": minus(file, fed), "only_federal": minus(fed, file)})
		},
		Program: `const [h, b] = await Promise.all([
  tools.documents.csv_query({ path: "data/holidays-2024.csv", columns: ["date", "holiday"] }),
  tools.time.business_days({ start_date: "2024-01-01", end_date: "2024-12-31", country: "US" }),
]);
const file = h.rows.map(r => r.date);
const fed = b.holidays.map(x => x.date);
const weekdays = b.calendar_days - b.weekend_days;
const fileOff = file.filter(d => { const w = new Date(d + "T00:00:00Z").getUTCDay(); return w !== 0 && w !== 6; }).length;
return { company_working_days: weekdays - fileOff, federal_working_days: b.business_days,
         only_company: file.filter(d => !fed.includes(d)), only_federal: fed.filter(d => !file.includes(d)) };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := readCSV("data/holidays-2024.csv")
			if err != nil {
				return nil, err
			}
			var file []string
			for _, r := range rows {
				file = append(file, r["date"])
			}
			return obj{"company_working_days": weekdaysExcept("2024-01-01", "2024-12-31", file),
				"federal_working_days": weekdaysExcept("2024-01-01", "2024-12-31", usFederal2024),
				"only_company":         minus(file, usFederal2024), "only_federal": minus(usFederal2024, file)}, nil
		}),
	}, Task{
		ID: "weather-math-chicago-temperatures", Category: Two, Servers: []string{"weather", "math"},
		Request: "For the hourly temperatures in Chicago over the next 7 days, what are the 10th, 50th and 90th percentiles, and at what hour does the warmest 6-hour stretch (trailing 6-hour average) end?",
		Plan: []Round{
			calls(call("weather.get_hourly_forecast", args{"city": "Chicago", "days": 7})),
			next(func(prev [][]json.RawMessage) []Call {
				var temps []float64
				for _, h := range dec[struct{ Hours []hourRow }](prev[0][0]).Hours {
					temps = append(temps, h.Temperature)
				}
				return []Call{call("math.percentiles", args{"data": temps, "percentiles": []float64{10, 50, 90}}), call("math.moving_average", args{"data": temps, "window": 6})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			hs := dec[struct{ Hours []hourRow }](r[0][0]).Hours
			p := dec[struct{ Results []struct{ Value float64 } }](r[1][0]).Results
			ma := dec[struct{ Values []*float64 }](r[1][1]).Values
			bi := -1
			for i, v := range ma {
				if v != nil && (bi < 0 || *v > *ma[bi]) {
					bi = i
				}
			}
			return out(obj{"p10": p[0].Value, "p50": p[1].Value, "p90": p[2].Value, "warmest_6h_ends": hs[bi].Time})
		},
		Program: `const f = await tools.weather.get_hourly_forecast({ city: "Chicago", days: 7 });
const temps = f.hours.map(h => h.temperature);
const [p, ma] = await Promise.all([
  tools.math.percentiles({ data: temps, percentiles: [10, 50, 90] }),
  tools.math.moving_average({ data: temps, window: 6 }),
]);
let bi = -1;
ma.values.forEach((v, i) => { if (v !== null && (bi < 0 || v > ma.values[bi])) bi = i; });
return { p10: p.results[0].value, p50: p.results[1].value, p90: p.results[2].value, warmest_6h_ends: f.hours[bi].time };`,
		Check: expect(func() (map[string]any, error) {
			hs, err := hourly("Chicago", 7)
			if err != nil {
				return nil, err
			}
			var temps []float64
			for _, h := range hs {
				temps = append(temps, h.Temperature)
			}
			best, bi := math.Inf(-1), -1
			for i := 5; i < len(temps); i++ {
				if a := mean(temps[i-5 : i+1]); a > best+1e-9 {
					best, bi = a, i
				}
			}
			return obj{"p10": percentile7(temps, 10), "p50": percentile7(temps, 50), "p90": percentile7(temps, 90), "warmest_6h_ends": hs[bi].Time}, nil
		}),
	}, Task{
		ID: "weather-units-honolulu-imperial", Category: Two, Servers: []string{"weather", "units"},
		Request: "My relatives in Honolulu think in Fahrenheit and inches. Give them the daily highs for the next 7 days in °F and the week's total rainfall in inches.",
		Plan: []Round{
			calls(call("weather.get_daily_forecast", args{"city": "Honolulu", "days": 7})),
			next(func(prev [][]json.RawMessage) []Call {
				ds := dec[struct{ Days []dayRow }](prev[0][0]).Days
				var items []any
				rain := 0.0
				for _, d := range ds {
					items = append(items, args{"value": d.High, "from": "°C", "to": "°F"})
					rain += d.Precipitation
				}
				items = append(items, args{"value": rain, "from": "mm", "to": "in"})
				return []Call{call("units.convert_batch", args{"items": items})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			res := dec[struct{ Results []struct{ Result float64 } }](r[1][0]).Results
			var highs []float64
			for _, x := range res[:len(res)-1] {
				highs = append(highs, x.Result)
			}
			return out(obj{"highs_f": highs, "total_rain_in": res[len(res)-1].Result})
		},
		Program: `const f = await tools.weather.get_daily_forecast({ city: "Honolulu", days: 7 });
const rain = f.days.reduce((s, d) => s + d.precipitation, 0);
const c = await tools.units.convert_batch({ items: [...f.days.map(d => ({ value: d.high, from: "°C", to: "°F" })), { value: rain, from: "mm", to: "in" }] });
const r = c.results.map(x => x.result);
return { highs_f: r.slice(0, -1), total_rain_in: r[r.length - 1] };`,
		Check: expect(func() (map[string]any, error) {
			ds, err := daily("Honolulu", 7)
			if err != nil {
				return nil, err
			}
			var highs []float64
			rain := 0.0
			for _, d := range ds {
				highs = append(highs, d.High*9/5+32)
				rain += d.Precipitation
			}
			return obj{"highs_f": highs, "total_rain_in": rain / 25.4}, nil
		}),
	}, Task{
		ID: "weather-time-sunrise-utc", Category: Two, Servers: []string{"weather", "time"},
		Request: "On 2026-06-16, at what time UTC does the sun rise in Tokyo, Sydney and London, and which of them sees it first?",
		Plan: []Round{
			calls(
				call("weather.get_daily_forecast", args{"city": "Tokyo", "days": 2}),
				call("weather.get_daily_forecast", args{"city": "Sydney", "days": 2}),
				call("weather.get_daily_forecast", args{"city": "London", "days": 2}),
			),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, raw := range prev[0] {
					f := dec[struct {
						Location struct{ Timezone string }
						Days     []dayRow
					}](raw)
					cs = append(cs, call("time.convert_time", args{"time": "2026-06-16 " + f.Days[1].Sunrise, "from_zone": f.Location.Timezone, "to_zones": []string{"UTC"}}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			cities := []string{"Tokyo", "Sydney", "London"}
			utc := obj{}
			first, firstAt := "", ""
			for i, raw := range r[1] {
				c := dec[struct{ Results []struct{ Date, Time string } }](raw)
				at := c.Results[0].Date + "T" + c.Results[0].Time[:5]
				utc[cities[i]] = at
				if first == "" || at < firstAt {
					first, firstAt = cities[i], at
				}
			}
			return out(obj{"sunrise_utc": utc, "first": first})
		},
		Program: `const cities = ["Tokyo", "Sydney", "London"];
const fs = await Promise.all(cities.map(city => tools.weather.get_daily_forecast({ city, days: 2 })));
const cs = await Promise.all(fs.map(f => tools.time.convert_time({ time: "2026-06-16 " + f.days[1].sunrise, from_zone: f.location.timezone, to_zones: ["UTC"] })));
const sunrise_utc: Record<string, string> = {};
cs.forEach((c, i) => { sunrise_utc[cities[i]] = c.results[0].date + "T" + c.results[0].time.slice(0, 5); });
const first = cities.reduce((a, b) => (sunrise_utc[b] < sunrise_utc[a] ? b : a));
return { sunrise_utc, first };`,
		Check: expect(func() (map[string]any, error) {
			utc := obj{}
			first, firstAt := "", ""
			for _, city := range []string{"Tokyo", "Sydney", "London"} {
				f, err := ask[struct {
					Location struct{ Timezone string }
					Days     []dayRow
				}]("weather", "get_daily_forecast", args{"city": city, "days": 2})
				if err != nil {
					return nil, err
				}
				loc, err := time.LoadLocation(f.Location.Timezone)
				if err != nil {
					return nil, err
				}
				t, err := time.ParseInLocation("2006-01-02 15:04", "2026-06-16 "+f.Days[1].Sunrise, loc)
				if err != nil {
					return nil, err
				}
				at := t.UTC().Format("2006-01-02T15:04")
				utc[city] = at
				if first == "" || at < firstAt {
					first, firstAt = city, at
				}
			}
			return obj{"sunrise_utc": utc, "first": first}, nil
		}),
	})
}

// weekend picks the forecast rows of 2026-06-20 and 2026-06-21.
func weekend(ds []dayRow) []obj {
	out := []obj{}
	for _, d := range ds {
		if d.Date == "2026-06-20" || d.Date == "2026-06-21" {
			out = append(out, obj{"date": d.Date, "high": d.High, "low": d.Low, "precipitation_probability": d.PrecipitationProbability, "condition": d.Condition})
		}
	}
	return out
}

// perUSD returns how many units of each currency one US dollar buys.
func perUSD(codes ...string) (map[string]float64, error) {
	r, err := ask[struct {
		Rates []struct {
			Code    string
			PerBase float64 `json:"per_base"`
		}
	}]("units", "currency_rates", args{"base": "USD"})
	if err != nil {
		return nil, err
	}
	m := map[string]float64{}
	for _, x := range r.Rates {
		m[x.Code] = x.PerBase
	}
	for _, c := range codes {
		if m[c] == 0 {
			return nil, fmt.Errorf("no rate for %s", c)
		}
	}
	return m, nil
}

func sizeRevenue(raw json.RawMessage) (x, y []float64) {
	for _, s := range dec[struct{ Rows []map[string]any }](raw).Rows {
		a, _ := s["square_feet"].(float64)
		b, _ := s["revenue"].(float64)
		x, y = append(x, a), append(y, b)
	}
	return
}

// minus returns the elements of a not in b, in a's order.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	out := []string{}
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

var _ = strings.TrimSpace
