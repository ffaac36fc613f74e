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
	sqlCanadaStores = `SELECT s.city, COALESCE(SUM(o.total), 0) AS revenue_usd
FROM stores s JOIN regions g ON g.region_id = s.region_id
LEFT JOIN orders o ON o.store_id = s.store_id AND o.status = 'delivered' AND o.ordered_on BETWEEN '2024-01-01' AND '2024-12-31'
WHERE g.name = 'Canada' GROUP BY s.store_id ORDER BY s.city`
	sqlMonthlyRevenue = `SELECT substr(ordered_on, 1, 7) AS month, SUM(total) AS revenue
FROM orders WHERE status = 'delivered' AND ordered_on BETWEEN '2024-01-01' AND '2024-12-31'
GROUP BY month ORDER BY month`
	sqlStoreCities = `SELECT DISTINCT city FROM stores ORDER BY city`
)

// forumTopics pairs forum tags with paper research areas.
var forumTopics = [][2]string{{"databases", "databases"}, {"networking", "networking"}, {"security", "security"}, {"ml", "machine learning"}}

// monthlyTotals sums a date,value series by month (YYYY-MM), in month order.
func monthlyTotals(dates []string, vals []float64) []float64 {
	m := map[string]float64{}
	for i, d := range dates {
		if len(d) >= 7 {
			m[d[:7]] += vals[i]
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]float64, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func csvSeries(raw json.RawMessage, dateCol, valCol string) ([]string, []float64) {
	var ds []string
	var vs []float64
	for _, r := range dec[struct{ Rows []map[string]any }](raw).Rows {
		ds = append(ds, fmt.Sprint(r[dateCol]))
		v, _ := r[valCol].(float64)
		vs = append(vs, v)
	}
	return ds, vs
}

func init() {
	add(Task{
		ID: "db-weather-units-canada-stores", Category: Three, Servers: []string{"database", "weather", "units"},
		Request: "For our Canadian stores in cities the weather service covers: what was each store's 2024 revenue from delivered orders in Canadian dollars (the database is in USD), and what highs in °F are forecast there for this weekend (2026-06-20 and 21)?",
		Plan: []Round{
			calls(call("database.run_query", args{"sql": sqlCanadaStores}), call("weather.search_cities", args{"country": "CA", "limit": 50})),
			next(func(prev [][]json.RawMessage) []Call {
				rows := coveredStores(prev)
				items := []any{}
				cs := []Call{}
				for _, r := range rows {
					items = append(items, args{"value": r["revenue_usd"], "from": "USD", "to": "CAD"})
					cs = append(cs, call("weather.get_daily_forecast", args{"city": r["city"], "days": 7}))
				}
				return append([]Call{call("units.convert_batch", args{"items": items})}, cs...)
			}),
			next(func(prev [][]json.RawMessage) []Call {
				items := []any{}
				for _, raw := range prev[1][1:] {
					for _, d := range weekend(dec[struct{ Days []dayRow }](raw).Days) {
						items = append(items, args{"value": d["high"], "from": "°C", "to": "°F"})
					}
				}
				return []Call{call("units.convert_batch", args{"items": items})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := coveredStores(r)
			cad := dec[struct{ Results []struct{ Result float64 } }](r[1][0]).Results
			f := dec[struct{ Results []struct{ Result float64 } }](r[2][0]).Results
			stores := []obj{}
			for i, s := range rows {
				stores = append(stores, obj{"city": s["city"], "revenue_cad": cad[i].Result, "weekend_highs_f": []float64{f[2*i].Result, f[2*i+1].Result}})
			}
			return out(obj{"stores": stores})
		},
		Program: `const [q, c] = await Promise.all([
  tools.database.run_query({ sql: ` + sqlJS(sqlCanadaStores) + ` }),
  tools.weather.search_cities({ country: "CA", limit: 50 }),
]);
const covered = new Set(c.cities.map(x => x.city));
const rows = q.rows.filter(r => covered.has(r.city));
const [cad, ...fs] = await Promise.all([
  tools.units.convert_batch({ items: rows.map(r => ({ value: r.revenue_usd, from: "USD", to: "CAD" })) }),
  ...rows.map(r => tools.weather.get_daily_forecast({ city: r.city, days: 7 })),
]);
const highs = fs.map(f => f.days.filter(d => d.date === "2026-06-20" || d.date === "2026-06-21").map(d => d.high));
const conv = await tools.units.convert_batch({ items: highs.flat().map(v => ({ value: v, from: "°C", to: "°F" })) });
return { stores: rows.map((r, i) => ({ city: r.city, revenue_cad: cad.results[i].result,
  weekend_highs_f: [conv.results[2 * i].result, conv.results[2 * i + 1].result] })) };`,
		Check: expect(func() (map[string]any, error) {
			stores, err := sqlRows(`SELECT store_id, city FROM stores WHERE region_id = (SELECT region_id FROM regions WHERE name = 'Canada') ORDER BY city`)
			if err != nil {
				return nil, err
			}
			covered, err := weatherCities()
			if err != nil {
				return nil, err
			}
			rate, err := perUSD("CAD")
			if err != nil {
				return nil, err
			}
			out := []obj{}
			for _, s := range stores {
				city := s["city"].(string)
				if _, ok := covered[city]; !ok {
					continue
				}
				orders, err := sqlRows(`SELECT total FROM orders WHERE store_id = ? AND status = 'delivered' AND ordered_on LIKE '2024-%'`, s["store_id"])
				if err != nil {
					return nil, err
				}
				usd := 0.0
				for _, o := range orders {
					usd += o["total"].(float64)
				}
				ds, err := daily(city, 7)
				if err != nil {
					return nil, err
				}
				var hf []float64
				for _, d := range weekend(ds) {
					hf = append(hf, d["high"].(float64)*9/5+32)
				}
				out = append(out, obj{"city": city, "revenue_cad": usd * rate["CAD"], "weekend_highs_f": hf})
			}
			return obj{"stores": out}, nil
		}),
	}, Task{
		ID: "papers-weather-time-deadline-local", Category: Three, Servers: []string{"papers", "weather", "time"},
		Request: "For the next three paper deadlines (as of 2025-01-15), deadlines are 23:59 Anywhere on Earth (UTC-12). What is that moment in the local time of each conference city, and what's the normal mean daily high there in the month the conference starts?",
		Plan: []Round{
			calls(call("papers.calls_for_papers", args{"from": "2025-01-15"}), call("weather.search_cities", args{"limit": 50})),
			next(func(prev [][]json.RawMessage) []Call {
				zones := map[string]string{}
				for _, c := range dec[struct{ Cities []cityInfo }](prev[0][1]).Cities {
					zones[c.City] = c.Timezone
				}
				var cs []Call
				for _, c := range firstCFPs(prev[0][0], 3) {
					cs = append(cs, call("time.convert_time", args{"time": c.PaperDeadline + "T23:59:00-12:00", "from_zone": "UTC", "to_zones": []string{zones[c.Location]}}),
						call("weather.get_climate_normals", args{"city": c.Location, "month": monthOf(c.ConferenceStart)}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := []obj{}
			for i, c := range firstCFPs(r[0][0], 3) {
				t := dec[struct{ Results []struct{ Date, Time string } }](r[1][2*i]).Results[0]
				n := dec[struct{ Months []monthNormal }](r[1][2*i+1]).Months[0]
				rows = append(rows, obj{"venue": c.Venue, "city": c.Location, "local_deadline": t.Date + " " + t.Time[:5], "normal_high": n.MeanHigh})
			}
			return out(obj{"deadlines": rows})
		},
		Program: `const [cfps, cities] = await Promise.all([
  tools.papers.calls_for_papers({ from: "2025-01-15" }),
  tools.weather.search_cities({ limit: 50 }),
]);
const zone: Record<string, string> = {};
for (const c of cities.cities) zone[c.city] = c.timezone;
const next3 = cfps.calls.slice(0, 3);
const rows = await Promise.all(next3.map(async c => {
  const month = Number(c.conference_start.slice(5, 7));
  const [t, n] = await Promise.all([
    tools.time.convert_time({ time: c.paper_deadline + "T23:59:00-12:00", from_zone: "UTC", to_zones: [zone[c.location]] }),
    tools.weather.get_climate_normals({ city: c.location, month }),
  ]);
  const r = t.results[0];
  return { venue: c.venue, city: c.location, local_deadline: r.date + " " + r.time.slice(0, 5), normal_high: n.months[0].mean_high };
}));
return { deadlines: rows };`,
		Check: expect(func() (map[string]any, error) {
			cs, err := ask[struct{ Calls []cfp }]("papers", "calls_for_papers", args{"from": "2025-01-15", "to": "2026-12-31"})
			if err != nil {
				return nil, err
			}
			sort.SliceStable(cs.Calls, func(i, j int) bool { return cs.Calls[i].PaperDeadline < cs.Calls[j].PaperDeadline })
			covered, err := weatherCities()
			if err != nil {
				return nil, err
			}
			aoe := time.FixedZone("AoE", -12*3600)
			rows := []obj{}
			for _, c := range cs.Calls[:3] {
				ci, ok := covered[c.Location]
				if !ok {
					return nil, fmt.Errorf("conference city %s not covered by the weather service", c.Location)
				}
				loc, err := time.LoadLocation(ci.Timezone)
				if err != nil {
					return nil, err
				}
				d, _ := time.ParseInLocation(time.DateOnly, c.PaperDeadline, aoe)
				n, err := normalFor(c.Location, monthOf(c.ConferenceStart))
				if err != nil {
					return nil, err
				}
				rows = append(rows, obj{"venue": c.Venue, "city": c.Location, "local_deadline": d.Add(23*time.Hour + 59*time.Minute).In(loc).Format("2006-01-02 15:04"), "normal_high": n.MeanHigh})
			}
			return obj{"deadlines": rows}, nil
		}),
	}, Task{
		ID: "ency-weather-units-river-city-rain", Category: Three, Servers: []string{"encyclopedia", "weather", "units"},
		Request: "For the cities in the encyclopedia that lie on a river and that the weather service covers, how much rain is forecast over the next 7 days, in inches? Which one is wettest?",
		Plan: []Round{
			calls(call("encyclopedia.list_articles", args{"category": "city"}), call("weather.search_cities", args{"limit": 50})),
			infoboxRound(0),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, c := range riverCities(prev) {
					cs = append(cs, call("weather.get_daily_forecast", args{"city": c, "days": 7}))
				}
				return cs
			}),
			next(func(prev [][]json.RawMessage) []Call {
				items := []any{}
				for _, raw := range prev[2] {
					mm := 0.0
					for _, d := range dec[struct{ Days []dayRow }](raw).Days {
						mm += d.Precipitation
					}
					items = append(items, args{"value": mm, "from": "mm", "to": "in"})
				}
				return []Call{call("units.convert_batch", args{"items": items})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			cities := riverCities(r)
			res := dec[struct{ Results []struct{ Result float64 } }](r[3][0]).Results
			in, wettest := obj{}, ""
			for i, c := range cities {
				in[c] = res[i].Result
				if wettest == "" || res[i].Result > in[wettest].(float64) {
					wettest = c
				}
			}
			return out(obj{"rain_in": in, "wettest": wettest})
		},
		Program: `const [list, cities] = await Promise.all([
  tools.encyclopedia.list_articles({ category: "city" }),
  tools.weather.search_cities({ limit: 50 }),
]);
const covered = new Set(cities.cities.map(c => c.city));
const boxes = await Promise.all(list.articles.map(a => tools.encyclopedia.get_infobox({ title: a.title })));
const picked = boxes.filter(b => b.facts.river && covered.has(b.title)).map(b => b.title);
const fs = await Promise.all(picked.map(city => tools.weather.get_daily_forecast({ city, days: 7 })));
const mm = fs.map(f => f.days.reduce((s, d) => s + d.precipitation, 0));
const c = await tools.units.convert_batch({ items: mm.map(v => ({ value: v, from: "mm", to: "in" })) });
const rain_in: Record<string, number> = {};
picked.forEach((p, i) => { rain_in[p] = c.results[i].result; });
const wettest = picked.reduce((a, b) => (rain_in[b] > rain_in[a] ? b : a));
return { rain_in, wettest };`,
		Check: expect(func() (map[string]any, error) {
			ibs, err := infoboxes("city")
			if err != nil {
				return nil, err
			}
			covered, err := weatherCities()
			if err != nil {
				return nil, err
			}
			in, wettest := obj{}, ""
			for _, ib := range ibs {
				if r, _ := ib.Facts["river"].(string); r == "" {
					continue
				}
				if _, ok := covered[ib.Title]; !ok {
					continue
				}
				ds, err := daily(ib.Title, 7)
				if err != nil {
					return nil, err
				}
				mm := 0.0
				for _, d := range ds {
					mm += d.Precipitation
				}
				in[ib.Title] = mm / 25.4
				if wettest == "" || mm/25.4 > in[wettest].(float64) {
					wettest = ib.Title
				}
			}
			return obj{"rain_in": in, "wettest": wettest}, nil
		}),
	}, Task{
		ID: "docs-math-units-sales-trend-eur", Category: Three, Servers: []string{"documents", "math", "units"},
		Request: "From the 2024 sales file, total the revenue for each month, smooth it with a trailing 3-month average, and tell me the December value of that average in USD and in EUR.",
		Plan: []Round{
			calls(call("documents.csv_query", args{"path": "data/sales-2024.csv", "columns": []string{"date", "revenue"}, "limit": 1000})),
			next(func(prev [][]json.RawMessage) []Call {
				return []Call{call("math.moving_average", args{"data": monthlyTotals(csvSeries(prev[0][0], "date", "revenue")), "window": 3})}
			}),
			next(func(prev [][]json.RawMessage) []Call {
				vs := dec[struct{ Values []float64 }](prev[1][0]).Values
				return []Call{call("units.convert", args{"value": vs[len(vs)-1], "from": "USD", "to": "EUR"})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			monthly := monthlyTotals(csvSeries(r[0][0], "date", "revenue"))
			vs := dec[struct{ Values []float64 }](r[1][0]).Values
			return out(obj{"monthly_usd": monthly, "december_avg_usd": vs[len(vs)-1], "december_avg_eur": dec[struct{ Result float64 }](r[2][0]).Result})
		},
		Program: `const q = await tools.documents.csv_query({ path: "data/sales-2024.csv", columns: ["date", "revenue"], limit: 1000 });
const monthly = new Array(12).fill(0);
for (const r of q.rows) monthly[Number(String(r.date).slice(5, 7)) - 1] += r.revenue;
const ma = await tools.math.moving_average({ data: monthly, window: 3 });
const dec = ma.values[11];
const eur = await tools.units.convert({ value: dec, from: "USD", to: "EUR" });
return { monthly_usd: monthly, december_avg_usd: dec, december_avg_eur: eur.result };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := readCSV("data/sales-2024.csv")
			if err != nil {
				return nil, err
			}
			monthly := make([]float64, 12)
			for _, r := range rows {
				t, err := time.Parse(time.DateOnly, r["date"])
				if err != nil {
					return nil, err
				}
				monthly[t.Month()-1] += num(r["revenue"])
			}
			rate, err := perUSD("EUR")
			if err != nil {
				return nil, err
			}
			d := mean(monthly[9:])
			return obj{"monthly_usd": monthly, "december_avg_usd": d, "december_avg_eur": d * rate["EUR"]}, nil
		}),
	}, Task{
		ID: "db-docs-math-monthly-revenue", Category: Three, Servers: []string{"database", "documents", "math"},
		Request: "Do our store sales and our website's sales move together? Correlate the 2024 monthly revenue of delivered orders in the store database with the 2024 monthly revenue in the web traffic file, and give both yearly totals.",
		Plan: []Round{
			calls(call("database.run_query", args{"sql": sqlMonthlyRevenue}), call("documents.csv_query", args{"path": "data/web-traffic-2024.csv", "columns": []string{"date", "revenue"}, "limit": 1000})),
			next(func(prev [][]json.RawMessage) []Call {
				_, db := csvSeries(prev[0][0], "month", "revenue")
				return []Call{call("math.correlation", args{"x": db, "y": monthlyTotals(csvSeries(prev[0][1], "date", "revenue"))})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			_, db := csvSeries(r[0][0], "month", "revenue")
			web := monthlyTotals(csvSeries(r[0][1], "date", "revenue"))
			return out(obj{"r": dec[struct{ R float64 }](r[1][0]).R, "store_total": sum(db), "web_total": sum(web)})
		},
		Program: `const [db, web] = await Promise.all([
  tools.database.run_query({ sql: ` + sqlJS(sqlMonthlyRevenue) + ` }),
  tools.documents.csv_query({ path: "data/web-traffic-2024.csv", columns: ["date", "revenue"], limit: 1000 }),
]);
const store = db.rows.map(r => r.revenue);
const online = new Array(12).fill(0);
for (const r of web.rows) online[Number(String(r.date).slice(5, 7)) - 1] += r.revenue;
const c = await tools.math.correlation({ x: store, y: online });
return { r: c.r, store_total: store.reduce((a, b) => a + b, 0), web_total: online.reduce((a, b) => a + b, 0) };`,
		Check: expect(func() (map[string]any, error) {
			orders, err := sqlRows(`SELECT ordered_on, total FROM orders WHERE status = 'delivered' AND ordered_on LIKE '2024-%'`)
			if err != nil {
				return nil, err
			}
			store := make([]float64, 12)
			for _, o := range orders {
				t, _ := time.Parse(time.DateOnly, o["ordered_on"].(string))
				store[t.Month()-1] += o["total"].(float64)
			}
			rows, err := readCSV("data/web-traffic-2024.csv")
			if err != nil {
				return nil, err
			}
			web := make([]float64, 12)
			for _, r := range rows {
				t, _ := time.Parse(time.DateOnly, r["date"])
				web[t.Month()-1] += num(r["revenue"])
			}
			return obj{"r": pearson(store, web), "store_total": sum(store), "web_total": sum(web)}, nil
		}),
	}, Task{
		ID: "forum-papers-math-topic-interest", Category: Three, Servers: []string{"forum", "papers", "math"},
		Request: "Is forum interest in a topic related to how much research is published on it? For databases, networking, security and machine learning (the ml tag), compare the number of forum posts with the number of papers, and give the correlation.",
		Plan: []Round{
			calls(
				call("forum.top_tags", args{"limit": 50}),
				call("papers.search_papers", args{"topic": "databases", "limit": 1}),
				call("papers.search_papers", args{"topic": "networking", "limit": 1}),
				call("papers.search_papers", args{"topic": "security", "limit": 1}),
				call("papers.search_papers", args{"topic": "machine learning", "limit": 1}),
			),
			next(func(prev [][]json.RawMessage) []Call {
				f, p := topicCounts(prev[0])
				return []Call{call("math.correlation", args{"x": f, "y": p})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			f, p := topicCounts(r[0])
			pairs := []obj{}
			for i, tp := range forumTopics {
				pairs = append(pairs, obj{"topic": tp[1], "forum_posts": f[i], "papers": p[i]})
			}
			return out(obj{"r": dec[struct{ R float64 }](r[1][0]).R, "pairs": pairs})
		},
		Program: `const pairs = [["databases", "databases"], ["networking", "networking"], ["security", "security"], ["ml", "machine learning"]];
const [tags, ...papers] = await Promise.all([
  tools.forum.top_tags({ limit: 50 }),
  ...pairs.map(([, topic]) => tools.papers.search_papers({ topic, limit: 1 })),
]);
const posts = pairs.map(([tag]) => (tags.tags.find(t => t.tag === tag) || { posts: 0 }).posts);
const counts = papers.map(p => p.total);
const c = await tools.math.correlation({ x: posts, y: counts });
return { r: c.r, pairs: pairs.map(([, topic], i) => ({ topic, forum_posts: posts[i], papers: counts[i] })) };`,
		Check: expect(func() (map[string]any, error) {
			ps, err := allPosts()
			if err != nil {
				return nil, err
			}
			var f, p []float64
			pairs := []obj{}
			for _, tp := range forumTopics {
				n := 0
				for _, post := range ps {
					if hasTag(post, tp[0]) {
						n++
					}
				}
				res, err := ask[struct{ Results []paperRef }]("papers", "search_papers", args{"topic": tp[1], "limit": 100})
				if err != nil {
					return nil, err
				}
				// Count the topic's papers through its venues' listings too
				// when one page is not enough.
				count := len(res.Results)
				if count == 100 {
					vs, err := ask[struct {
						Venues []struct {
							Papers int
						}
					}]("papers", "list_venues", args{"topic": tp[1]})
					if err != nil {
						return nil, err
					}
					count = 0
					for _, v := range vs.Venues {
						count += v.Papers
					}
				}
				f, p = append(f, float64(n)), append(p, float64(count))
				pairs = append(pairs, obj{"topic": tp[1], "forum_posts": n, "papers": count})
			}
			return obj{"r": pearson(f, p), "pairs": pairs}, nil
		}),
	}, Task{
		ID: "ency-weather-time-sunrise-cities", Category: Three, Servers: []string{"encyclopedia", "weather", "time"},
		Request: "For Tokyo, Paris and Cairo: how many people live there, when does the sun rise on 2026-06-16 in local time, and what time is that in UTC?",
		Plan: []Round{
			calls(
				call("encyclopedia.get_infobox", args{"title": "Tokyo"}), call("encyclopedia.get_infobox", args{"title": "Paris"}), call("encyclopedia.get_infobox", args{"title": "Cairo"}),
				call("weather.get_daily_forecast", args{"city": "Tokyo", "days": 2}), call("weather.get_daily_forecast", args{"city": "Paris", "days": 2}), call("weather.get_daily_forecast", args{"city": "Cairo", "days": 2}),
			),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, raw := range prev[0][3:] {
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
			rows := []obj{}
			for i := 0; i < 3; i++ {
				ib := dec[infobox](r[0][i])
				f := dec[struct{ Days []dayRow }](r[0][3+i])
				u := dec[struct{ Results []struct{ Time string } }](r[1][i]).Results[0]
				rows = append(rows, obj{"city": ib.Title, "population": ib.Facts["population"], "sunrise_local": f.Days[1].Sunrise, "sunrise_utc": u.Time[:5]})
			}
			return out(obj{"cities": rows})
		},
		Program: `const names = ["Tokyo", "Paris", "Cairo"];
const rows = await Promise.all(names.map(async city => {
  const [ib, f] = await Promise.all([
    tools.encyclopedia.get_infobox({ title: city }),
    tools.weather.get_daily_forecast({ city, days: 2 }),
  ]);
  const sunrise = f.days[1].sunrise;
  const u = await tools.time.convert_time({ time: "2026-06-16 " + sunrise, from_zone: f.location.timezone, to_zones: ["UTC"] });
  return { city, population: ib.facts.population, sunrise_local: sunrise, sunrise_utc: u.results[0].time.slice(0, 5) };
}));
return { cities: rows };`,
		Check: expect(func() (map[string]any, error) {
			rows := []obj{}
			for _, c := range []string{"Tokyo", "Paris", "Cairo"} {
				ib, err := ask[infobox]("encyclopedia", "get_infobox", args{"title": c})
				if err != nil {
					return nil, err
				}
				f, err := ask[struct {
					Location struct{ Timezone string }
					Days     []dayRow
				}]("weather", "get_daily_forecast", args{"city": c, "days": 2})
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
				rows = append(rows, obj{"city": c, "population": ib.Facts["population"], "sunrise_local": f.Days[1].Sunrise, "sunrise_utc": t.UTC().Format("15:04")})
			}
			return obj{"cities": rows}, nil
		}),
	}, Task{
		ID: "science-math-units-free-fall", Category: Three, Servers: []string{"science", "math", "units"},
		Request: "If I drop a stone from 100 m with no air resistance, using standard gravity: how long until it hits the ground, how fast is it going then in m/s, and what's that in miles per hour?",
		Plan: []Round{
			calls(call("science.get_constant", args{"name": "standard_gravity"})),
			next(func(prev [][]json.RawMessage) []Call {
				g := dec[struct{ Value float64 }](prev[0][0]).Value
				return []Call{
					call("science.find_root", args{"coefficients": []float64{-g / 2, 0, 100}, "method": "bisection", "lower": 0, "upper": 10}),
					call("math.evaluate", args{"expression": "sqrt(2*g*h)", "variables": args{"g": g, "h": 100}}),
				}
			}),
			next(func(prev [][]json.RawMessage) []Call {
				return []Call{call("units.convert", args{"value": dec[struct{ Result float64 }](prev[1][1]).Result, "from": "m/s", "to": "mph"})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			return out(obj{"fall_time_s": dec[struct{ Root float64 }](r[1][0]).Root, "impact_speed_ms": dec[struct{ Result float64 }](r[1][1]).Result,
				"impact_speed_mph": dec[struct{ Result float64 }](r[2][0]).Result})
		},
		Program: `const g = (await tools.science.get_constant({ name: "standard_gravity" })).value;
const [root, v] = await Promise.all([
  tools.science.find_root({ coefficients: [-g / 2, 0, 100], method: "bisection", lower: 0, upper: 10 }),
  tools.math.evaluate({ expression: "sqrt(2*g*h)", variables: { g, h: 100 } }),
]);
const mph = await tools.units.convert({ value: v.result, from: "m/s", to: "mph" });
return { fall_time_s: root.root, impact_speed_ms: v.result, impact_speed_mph: mph.result };`,
		Check: expect(func() (map[string]any, error) {
			v := math.Sqrt(2 * standardGravit * 100)
			return obj{"fall_time_s": math.Sqrt(200 / standardGravit), "impact_speed_ms": v, "impact_speed_mph": v / mpsPerMph}, nil
		}),
	}, Task{
		ID: "papers-ency-weather-conference-cities", Category: Three, Servers: []string{"papers", "encyclopedia", "weather"},
		Request: "Which upcoming conferences (calls for papers from 2025-01-15 through 2026) take place in cities the encyclopedia has an article on? For each, give the city's population and the normal mean daily high in the month the conference starts.",
		Plan: []Round{
			calls(call("papers.calls_for_papers", args{"from": "2025-01-15", "to": "2026-12-31"}), call("encyclopedia.list_articles", args{"category": "city"})),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, c := range cfpInEncyclopedia(prev) {
					cs = append(cs, call("encyclopedia.get_infobox", args{"title": c.Location}), call("weather.get_climate_normals", args{"city": c.Location, "month": monthOf(c.ConferenceStart)}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := []obj{}
			for i, c := range cfpInEncyclopedia(r) {
				ib := dec[infobox](r[1][2*i])
				n := dec[struct{ Months []monthNormal }](r[1][2*i+1]).Months[0]
				rows = append(rows, obj{"venue": c.Venue, "city": c.Location, "population": ib.Facts["population"], "normal_high": n.MeanHigh})
			}
			return out(obj{"conferences": rows})
		},
		Program: `const [cfps, list] = await Promise.all([
  tools.papers.calls_for_papers({ from: "2025-01-15", to: "2026-12-31" }),
  tools.encyclopedia.list_articles({ category: "city" }),
]);
const known = new Set(list.articles.map(a => a.title));
const picked = cfps.calls.filter(c => known.has(c.location));
const rows = await Promise.all(picked.map(async c => {
  const [ib, n] = await Promise.all([
    tools.encyclopedia.get_infobox({ title: c.location }),
    tools.weather.get_climate_normals({ city: c.location, month: Number(c.conference_start.slice(5, 7)) }),
  ]);
  return { venue: c.venue, city: c.location, population: ib.facts.population, normal_high: n.months[0].mean_high };
}));
return { conferences: rows };`,
		Check: expect(func() (map[string]any, error) {
			cs, err := ask[struct{ Calls []cfp }]("papers", "calls_for_papers", args{"from": "2025-01-01", "to": "2026-12-31"})
			if err != nil {
				return nil, err
			}
			ibs, err := infoboxes("city")
			if err != nil {
				return nil, err
			}
			pop := map[string]any{}
			for _, ib := range ibs {
				pop[ib.Title] = ib.Facts["population"]
			}
			rows := []obj{}
			for _, c := range cs.Calls {
				p, ok := pop[c.Location]
				if !ok || c.PaperDeadline < "2025-01-15" {
					continue
				}
				n, err := normalFor(c.Location, monthOf(c.ConferenceStart))
				if err != nil {
					return nil, err
				}
				rows = append(rows, obj{"venue": c.Venue, "city": c.Location, "population": p, "normal_high": n.MeanHigh})
			}
			return obj{"conferences": rows}, nil
		}),
	}, Task{
		ID: "db-weather-time-store-hours", Category: Three, Servers: []string{"database", "weather", "time"},
		Request: "At 2026-06-15 15:00 UTC, which of our store cities that the weather service covers are within local business hours, what's the local time in each, and what high is forecast there that day?",
		Plan: []Round{
			calls(call("database.run_query", args{"sql": sqlStoreCities}), call("weather.search_cities", args{"limit": 50})),
			next(func(prev [][]json.RawMessage) []Call {
				cities := coveredStoreCities(prev)
				cs := []Call{call("time.world_clock", args{"cities": zonesOf(prev, cities), "at": "2026-06-15T15:00:00Z"})}
				for _, c := range cities {
					cs = append(cs, call("weather.get_daily_forecast", args{"city": c, "days": 1}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			cities := coveredStoreCities(r)
			clocks := dec[struct {
				Clocks []struct {
					City, Local   string
					BusinessHours bool `json:"business_hours"`
				}
			}](r[1][0]).Clocks
			zones := zonesOf(r, cities)
			byZone := map[string]int{}
			for i, c := range clocks {
				byZone[c.City] = i
			}
			rows := []obj{}
			for i, c := range cities {
				k := clocks[byZone[zones[i]]]
				high := dec[struct{ Days []dayRow }](r[1][1+i]).Days[0].High
				rows = append(rows, obj{"city": c, "local": k.Local, "business_hours": k.BusinessHours, "high": high})
			}
			return out(obj{"stores": rows})
		},
		Program: `const [q, w] = await Promise.all([
  tools.database.run_query({ sql: ` + sqlJS(sqlStoreCities) + ` }),
  tools.weather.search_cities({ limit: 50 }),
]);
const zone: Record<string, string> = {};
for (const c of w.cities) zone[c.city] = c.timezone;
const cities = q.rows.map(r => r.city).filter(c => zone[c]);
const [clock, ...fs] = await Promise.all([
  tools.time.world_clock({ cities: cities.map(c => zone[c]), at: "2026-06-15T15:00:00Z" }),
  ...cities.map(city => tools.weather.get_daily_forecast({ city, days: 1 })),
]);
return { stores: cities.map((c, i) => {
  const k = clock.clocks.find(x => x.city === zone[c]);
  return { city: c, local: k.local, business_hours: k.business_hours, high: fs[i].days[0].high };
}) };`,
		Check: expect(func() (map[string]any, error) {
			st, err := sqlRows(`SELECT city FROM stores`)
			if err != nil {
				return nil, err
			}
			covered, err := weatherCities()
			if err != nil {
				return nil, err
			}
			seen := map[string]bool{}
			var cities []string
			for _, s := range st {
				c := s["city"].(string)
				if _, ok := covered[c]; ok && !seen[c] {
					seen[c] = true
					cities = append(cities, c)
				}
			}
			sort.Strings(cities)
			at := time.Date(2026, 6, 15, 15, 0, 0, 0, time.UTC)
			rows := []obj{}
			for _, c := range cities {
				loc, err := time.LoadLocation(covered[c].Timezone)
				if err != nil {
					return nil, err
				}
				l := at.In(loc)
				ds, err := daily(c, 1)
				if err != nil {
					return nil, err
				}
				bh := l.Weekday() != time.Saturday && l.Weekday() != time.Sunday && l.Hour() >= 9 && l.Hour() < 17
				rows = append(rows, obj{"city": c, "local": l.Format("2006-01-02 15:04"), "business_hours": bh, "high": ds[0].High})
			}
			return obj{"stores": rows}, nil
		}),
	})
}

// coveredStores returns the Canada store rows (r[0][0]) in cities that the
// weather search (r[0][1]) lists.
func coveredStores(r [][]json.RawMessage) []map[string]any {
	covered := map[string]bool{}
	for _, c := range dec[struct{ Cities []cityInfo }](r[0][1]).Cities {
		covered[c.City] = true
	}
	var out []map[string]any
	for _, row := range dec[struct{ Rows []map[string]any }](r[0][0]).Rows {
		if covered[fmt.Sprint(row["city"])] {
			out = append(out, row)
		}
	}
	return out
}

func coveredStoreCities(r [][]json.RawMessage) []string {
	var out []string
	for _, row := range coveredStores(r) {
		out = append(out, fmt.Sprint(row["city"]))
	}
	return out
}

func zonesOf(r [][]json.RawMessage, cities []string) []string {
	zone := map[string]string{}
	for _, c := range dec[struct{ Cities []cityInfo }](r[0][1]).Cities {
		zone[c.City] = c.Timezone
	}
	out := make([]string, len(cities))
	for i, c := range cities {
		out[i] = zone[c]
	}
	return out
}

func firstCFPs(raw json.RawMessage, n int) []cfp {
	cs := dec[struct{ Calls []cfp }](raw).Calls
	return cs[:min(n, len(cs))]
}

func cfpInEncyclopedia(r [][]json.RawMessage) []cfp {
	known := map[string]bool{}
	for _, a := range dec[struct{ Articles []struct{ Title string } }](r[0][1]).Articles {
		known[a.Title] = true
	}
	var out []cfp
	for _, c := range dec[struct{ Calls []cfp }](r[0][0]).Calls {
		if known[c.Location] {
			out = append(out, c)
		}
	}
	return out
}

// riverCities lists the cities (infoboxes in r[1]) with a river that the
// weather search (r[0][1]) covers.
func riverCities(r [][]json.RawMessage) []string {
	covered := map[string]bool{}
	for _, c := range dec[struct{ Cities []cityInfo }](r[0][1]).Cities {
		covered[c.City] = true
	}
	var out []string
	for _, raw := range r[1] {
		ib := dec[infobox](raw)
		if rv, _ := ib.Facts["river"].(string); strings.TrimSpace(rv) != "" && covered[ib.Title] {
			out = append(out, ib.Title)
		}
	}
	return out
}

// topicCounts reads forum posts per tag (r[0]) and paper totals (r[1..4]).
func topicCounts(r []json.RawMessage) (forum, papers []float64) {
	tags := dec[struct {
		Tags []struct {
			Tag   string
			Posts int
		}
	}](r[0]).Tags
	for i, tp := range forumTopics {
		n := 0
		for _, t := range tags {
			if t.Tag == tp[0] {
				n = t.Posts
			}
		}
		forum = append(forum, float64(n))
		papers = append(papers, float64(dec[struct{ Total int }](r[1+i]).Total))
	}
	return
}
