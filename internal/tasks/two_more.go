package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"
)

// Logistic growth parameters of the logistic task.
const (
	logisticR  = 0.5
	logisticK  = 1000.0
	logisticY0 = 10.0
)

func logistic(t float64) float64 {
	return logisticK / (1 + (logisticK-logisticY0)/logisticY0*math.Exp(-logisticR*t))
}

// asiaZones maps encyclopedia cities to their IANA zones (public facts).
var asiaZones = map[string]string{"Tokyo": "Asia/Tokyo", "Beijing": "Asia/Shanghai", "Mumbai": "Asia/Kolkata"}

func init() {
	add(Task{
		ID: "papers-weather-cfp-climate", Category: Two, Servers: []string{"papers", "weather"},
		Request: "Which conferences have paper deadlines in the next 60 days (from 2025-01-15 to 2025-03-16)? For those held in cities the weather service covers, what's the normal mean daily high in the month the conference starts?",
		Plan: []Round{
			calls(call("papers.calls_for_papers", args{"from": "2025-01-15", "to": "2025-03-16"}), call("weather.search_cities", args{"limit": 50})),
			next(func(prev [][]json.RawMessage) []Call {
				covered := map[string]bool{}
				for _, c := range dec[struct{ Cities []cityInfo }](prev[0][1]).Cities {
					covered[c.City] = true
				}
				var cs []Call
				for _, c := range dec[struct{ Calls []cfp }](prev[0][0]).Calls {
					if covered[c.Location] {
						cs = append(cs, call("weather.get_climate_normals", args{"city": c.Location, "month": monthOf(c.ConferenceStart)}))
					}
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			covered := map[string]bool{}
			for _, c := range dec[struct{ Cities []cityInfo }](r[0][1]).Cities {
				covered[c.City] = true
			}
			rows, i := []obj{}, 0
			for _, c := range dec[struct{ Calls []cfp }](r[0][0]).Calls {
				if !covered[c.Location] {
					continue
				}
				n := dec[struct{ Months []monthNormal }](r[1][i]).Months
				i++
				rows = append(rows, obj{"venue": c.Venue, "city": c.Location, "month": monthOf(c.ConferenceStart), "normal_high": n[0].MeanHigh})
			}
			return out(obj{"conferences": rows})
		},
		Program: `const [cfps, cities] = await Promise.all([
  tools.papers.calls_for_papers({ from: "2025-01-15", to: "2025-03-16" }),
  tools.weather.search_cities({ limit: 50 }),
]);
const covered = new Set(cities.cities.map(c => c.city));
const picked = cfps.calls.filter(c => covered.has(c.location));
const normals = await Promise.all(picked.map(c => tools.weather.get_climate_normals({ city: c.location, month: Number(c.conference_start.slice(5, 7)) })));
return { conferences: picked.map((c, i) => ({ venue: c.venue, city: c.location, month: Number(c.conference_start.slice(5, 7)), normal_high: normals[i].months[0].mean_high })) };`,
		Check: expect(func() (map[string]any, error) {
			cs, err := ask[struct{ Calls []cfp }]("papers", "calls_for_papers", args{"from": "2025-01-01", "to": "2026-12-31"})
			if err != nil {
				return nil, err
			}
			covered, err := weatherCities()
			if err != nil {
				return nil, err
			}
			rows := []obj{}
			for _, c := range cs.Calls {
				if c.PaperDeadline < "2025-01-15" || c.PaperDeadline > "2025-03-16" {
					continue
				}
				if _, ok := covered[c.Location]; !ok {
					continue
				}
				n, err := normalFor(c.Location, monthOf(c.ConferenceStart))
				if err != nil {
					return nil, err
				}
				rows = append(rows, obj{"venue": c.Venue, "city": c.Location, "month": monthOf(c.ConferenceStart), "normal_high": n.MeanHigh})
			}
			return obj{"conferences": rows}, nil
		}),
	}, Task{
		ID: "papers-time-deadline-workdays", Category: Two, Servers: []string{"papers", "time"},
		Request: "It's 2025-01-15. For every call for papers with a paper deadline on or before 2025-05-31, how many US working days (counting today and the deadline day, skipping federal holidays) are left?",
		Plan: []Round{
			calls(call("papers.calls_for_papers", args{"from": "2025-01-15", "to": "2025-05-31"})),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, c := range dec[struct{ Calls []cfp }](prev[0][0]).Calls {
					cs = append(cs, call("time.business_days", args{"start_date": "2025-01-15", "end_date": c.PaperDeadline, "country": "US"}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := []obj{}
			for i, c := range dec[struct{ Calls []cfp }](r[0][0]).Calls {
				b := dec[struct {
					BusinessDays int `json:"business_days"`
				}](r[1][i])
				rows = append(rows, obj{"venue": c.Venue, "paper_deadline": c.PaperDeadline, "working_days": b.BusinessDays})
			}
			return out(obj{"deadlines": rows})
		},
		Program: `const { calls } = await tools.papers.calls_for_papers({ from: "2025-01-15", to: "2025-05-31" });
const days = await Promise.all(calls.map(c => tools.time.business_days({ start_date: "2025-01-15", end_date: c.paper_deadline, country: "US" })));
return { deadlines: calls.map((c, i) => ({ venue: c.venue, paper_deadline: c.paper_deadline, working_days: days[i].business_days })) };`,
		Check: expect(func() (map[string]any, error) {
			cs, err := ask[struct{ Calls []cfp }]("papers", "calls_for_papers", args{"from": "2025-01-01", "to": "2026-12-31"})
			if err != nil {
				return nil, err
			}
			var sel []cfp
			for _, c := range cs.Calls {
				if c.PaperDeadline >= "2025-01-15" && c.PaperDeadline <= "2025-05-31" {
					sel = append(sel, c)
				}
			}
			sort.SliceStable(sel, func(i, j int) bool { return sel[i].PaperDeadline < sel[j].PaperDeadline })
			rows := []obj{}
			for _, c := range sel {
				rows = append(rows, obj{"venue": c.Venue, "paper_deadline": c.PaperDeadline, "working_days": weekdaysExcept("2025-01-15", c.PaperDeadline, usFederal2025)})
			}
			return obj{"deadlines": rows}, nil
		}),
	}, Task{
		ID: "papers-math-security-trend", Category: Two, Servers: []string{"papers", "math"},
		Request: "For security papers, fit a straight line to the total citations received by each publication year (one point per year that has papers). What are the slope and R², and which year's papers collected the most citations?",
		Plan: []Round{
			calls(call("papers.citation_stats", args{"topic": "security"})),
			next(func(prev [][]json.RawMessage) []Call {
				var x, y []float64
				for _, b := range dec[struct {
					ByYear []struct{ Year, Citations int } `json:"by_year"`
				}](prev[0][0]).ByYear {
					x, y = append(x, float64(b.Year)), append(y, float64(b.Citations))
				}
				return []Call{call("math.linear_regression", args{"x": x, "y": y})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			by := dec[struct {
				ByYear []struct{ Year, Citations int } `json:"by_year"`
			}](r[0][0]).ByYear
			best := by[0]
			for _, b := range by {
				if b.Citations > best.Citations {
					best = b
				}
			}
			l := dec[struct {
				Slope    float64
				RSquared float64 `json:"r_squared"`
			}](r[1][0])
			return out(obj{"slope": l.Slope, "r_squared": l.RSquared, "best_year": best.Year})
		},
		Program: `const s = await tools.papers.citation_stats({ topic: "security" });
const l = await tools.math.linear_regression({ x: s.by_year.map(b => b.year), y: s.by_year.map(b => b.citations) });
const best = s.by_year.reduce((a, b) => (b.citations > a.citations ? b : a));
return { slope: l.slope, r_squared: l.r_squared, best_year: best.year };`,
		Check: expect(func() (map[string]any, error) {
			ps, err := ask[struct {
				Results []paperRef
				Total   int
			}]("papers", "search_papers", args{"topic": "security", "limit": 100})
			if err != nil {
				return nil, err
			}
			if ps.Total > len(ps.Results) {
				return nil, fmt.Errorf("%d security papers, more than one page", ps.Total)
			}
			per := map[int]float64{}
			for _, p := range ps.Results {
				per[p.Year] += float64(p.Citations)
			}
			var years []int
			for y := range per {
				years = append(years, y)
			}
			sort.Ints(years)
			var x, y []float64
			var bestYears []any
			best := -1.0
			for _, yr := range years {
				x, y = append(x, float64(yr)), append(y, per[yr])
				if per[yr] > best {
					best, bestYears = per[yr], []any{yr}
				} else if per[yr] == best {
					bestYears = append(bestYears, yr)
				}
			}
			slope, _, r2 := ols(x, y)
			return obj{"slope": slope, "r_squared": r2, "best_year": anyOf(bestYears)}, nil
		}),
	}, Task{
		ID: "ency-weather-warmest-european-capital", Category: Two, Servers: []string{"encyclopedia", "weather"},
		Request: "Take the capitals of the European countries in the encyclopedia. Of those the weather service covers, which will be warmest over the next 7 days by average daily high?",
		Plan: []Round{
			calls(call("encyclopedia.list_articles", args{"category": "country"}), call("weather.search_cities", args{"limit": 50})),
			infoboxRound(0),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, c := range europeanCapitals(prev) {
					cs = append(cs, call("weather.get_daily_forecast", args{"city": c, "days": 7}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			caps := europeanCapitals(r)
			best, bestAvg := "", math.Inf(-1)
			for i, raw := range r[2] {
				var hs []float64
				for _, d := range dec[struct{ Days []dayRow }](raw).Days {
					hs = append(hs, d.High)
				}
				if a := mean(hs); a > bestAvg {
					best, bestAvg = caps[i], a
				}
			}
			return out(obj{"capitals_checked": caps, "warmest": best, "avg_high": bestAvg})
		},
		Program: `const [list, cities] = await Promise.all([
  tools.encyclopedia.list_articles({ category: "country" }),
  tools.weather.search_cities({ limit: 50 }),
]);
const covered = new Set(cities.cities.map(c => c.city));
const boxes = await Promise.all(list.articles.map(a => tools.encyclopedia.get_infobox({ title: a.title })));
const caps = boxes.filter(b => b.facts.continent === "Europe" && covered.has(b.facts.capital)).map(b => b.facts.capital);
const fs = await Promise.all(caps.map(city => tools.weather.get_daily_forecast({ city, days: 7 })));
const avgs = fs.map(f => f.days.reduce((s, d) => s + d.high, 0) / f.days.length);
let bi = 0;
avgs.forEach((a, i) => { if (a > avgs[bi]) bi = i; });
return { capitals_checked: caps, warmest: caps[bi], avg_high: avgs[bi] };`,
		Check: expect(func() (map[string]any, error) {
			ibs, err := infoboxes("country")
			if err != nil {
				return nil, err
			}
			covered, err := weatherCities()
			if err != nil {
				return nil, err
			}
			var caps []any
			best, bestAvg := "", math.Inf(-1)
			for _, ib := range ibs {
				c, _ := ib.Facts["capital"].(string)
				if _, ok := covered[c]; !ok || ib.Facts["continent"] != "Europe" {
					continue
				}
				caps = append(caps, c)
				ds, err := daily(c, 7)
				if err != nil {
					return nil, err
				}
				var hs []float64
				for _, d := range ds {
					hs = append(hs, d.High)
				}
				if a := mean(hs); a > bestAvg {
					best, bestAvg = c, a
				}
			}
			return obj{"capitals_checked": setOf(caps), "warmest": best, "avg_high": bestAvg}, nil
		}),
	}, Task{
		ID: "ency-units-area-square-miles", Category: Two, Servers: []string{"encyclopedia", "units"},
		Request: "What are the areas of Japan, Brazil and Canada in square miles, and how many people per square mile live in each?",
		Plan: []Round{
			calls(
				call("encyclopedia.get_infobox", args{"title": "Japan"}),
				call("encyclopedia.get_infobox", args{"title": "Brazil"}),
				call("encyclopedia.get_infobox", args{"title": "Canada"}),
			),
			next(func(prev [][]json.RawMessage) []Call {
				var items []any
				for _, raw := range prev[0] {
					items = append(items, args{"value": dec[infobox](raw).Facts["area_km2"], "from": "km2", "to": "mi2"})
				}
				return []Call{call("units.convert_batch", args{"items": items})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			res := dec[struct{ Results []struct{ Result float64 } }](r[1][0]).Results
			rows := []obj{}
			for i, raw := range r[0] {
				ib := dec[infobox](raw)
				p, _ := fnum(ib.Facts, "population")
				rows = append(rows, obj{"country": ib.Title, "area_sq_mi": res[i].Result, "people_per_sq_mi": p / res[i].Result})
			}
			return out(obj{"countries": rows})
		},
		Program: `const names = ["Japan", "Brazil", "Canada"];
const boxes = await Promise.all(names.map(title => tools.encyclopedia.get_infobox({ title })));
const c = await tools.units.convert_batch({ items: boxes.map(b => ({ value: b.facts.area_km2, from: "km2", to: "mi2" })) });
return { countries: boxes.map((b, i) => ({ country: b.title, area_sq_mi: c.results[i].result, people_per_sq_mi: b.facts.population / c.results[i].result })) };`,
		Check: expect(func() (map[string]any, error) {
			rows := []obj{}
			for _, n := range []string{"Japan", "Brazil", "Canada"} {
				ib, err := ask[infobox]("encyclopedia", "get_infobox", args{"title": n})
				if err != nil {
					return nil, err
				}
				a, _ := fnum(ib.Facts, "area_km2")
				p, _ := fnum(ib.Facts, "population")
				rows = append(rows, obj{"country": n, "area_sq_mi": a / km2PerSqMile, "people_per_sq_mi": p / (a / km2PerSqMile)})
			}
			return obj{"countries": rows}, nil
		}),
	}, Task{
		ID: "ency-time-asian-city-clocks", Category: Two, Servers: []string{"encyclopedia", "time"},
		Request: "For every Asian city the encyclopedia has an article on, what's the local date and time when it is 12:00 UTC on 2026-06-15, and is it business hours there?",
		Plan: []Round{
			calls(call("encyclopedia.list_articles", args{"category": "city"}), call("encyclopedia.list_articles", args{"category": "country"})),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, i := range []int{0, 1} {
					for _, a := range dec[struct{ Articles []struct{ Title string } }](prev[0][i]).Articles {
						cs = append(cs, call("encyclopedia.get_infobox", args{"title": a.Title}))
					}
				}
				return cs
			}),
			next(func(prev [][]json.RawMessage) []Call {
				return []Call{call("time.world_clock", args{"cities": asianCities(prev[1]), "at": "2026-06-15T12:00:00Z"})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := []obj{}
			for _, c := range dec[struct {
				Clocks []struct {
					City, Local   string
					BusinessHours bool `json:"business_hours"`
				}
			}](r[2][0]).Clocks {
				rows = append(rows, obj{"city": c.City, "local": c.Local, "business_hours": c.BusinessHours})
			}
			return out(obj{"cities": rows})
		},
		Program: `const [cities, countries] = await Promise.all([
  tools.encyclopedia.list_articles({ category: "city" }),
  tools.encyclopedia.list_articles({ category: "country" }),
]);
const [cb, kb] = await Promise.all([cities, countries].map(l => Promise.all(l.articles.map(a => tools.encyclopedia.get_infobox({ title: a.title })))));
const continent: Record<string, string> = {};
for (const b of kb) continent[b.title] = b.facts.continent;
const asian = cb.filter(b => continent[b.facts.country] === "Asia").map(b => b.title);
const w = await tools.time.world_clock({ cities: asian, at: "2026-06-15T12:00:00Z" });
return { cities: w.clocks.map(c => ({ city: c.city, local: c.local, business_hours: c.business_hours })) };`,
		Check: expect(func() (map[string]any, error) {
			cities, err := infoboxes("city")
			if err != nil {
				return nil, err
			}
			countries, err := infoboxes("country")
			if err != nil {
				return nil, err
			}
			cont := map[string]any{}
			for _, c := range countries {
				cont[c.Title] = c.Facts["continent"]
			}
			at := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
			var rows setOf
			for _, c := range cities {
				if cont[fmt.Sprint(c.Facts["country"])] != "Asia" {
					continue
				}
				z, ok := asiaZones[c.Title]
				if !ok {
					return nil, fmt.Errorf("no known zone for Asian city %s", c.Title)
				}
				loc, err := time.LoadLocation(z)
				if err != nil {
					return nil, err
				}
				l := at.In(loc)
				bh := l.Weekday() != time.Saturday && l.Weekday() != time.Sunday && l.Hour() >= 9 && l.Hour() < 17
				rows = append(rows, obj{"city": c.Title, "local": l.Format("2006-01-02 15:04"), "business_hours": bh})
			}
			return obj{"cities": rows}, nil
		}),
	}, Task{
		ID: "forum-math-rust-scores", Category: Two, Servers: []string{"forum", "math"},
		Request: "How are post scores distributed in the rust tag? Give the mean, median and standard deviation, and the counts in 5 equal-width bins from the lowest to the highest score.",
		Plan: []Round{
			calls(call("forum.list_posts", args{"tag": "rust", "page_size": 50})),
			next(func(prev [][]json.RawMessage) []Call {
				var s []float64
				for _, p := range dec[struct{ Posts []forumPost }](prev[0][0]).Posts {
					s = append(s, float64(p.Score))
				}
				return []Call{call("math.describe", args{"data": s}), call("math.histogram", args{"data": s, "bins": 5})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			d := dec[struct{ Mean, Median, Stdev float64 }](r[1][0])
			counts := []int{}
			for _, b := range dec[struct{ Bins []struct{ Count int } }](r[1][1]).Bins {
				counts = append(counts, b.Count)
			}
			return out(obj{"mean": d.Mean, "median": d.Median, "stdev": d.Stdev, "bin_counts": counts})
		},
		Program: `const { posts } = await tools.forum.list_posts({ tag: "rust", page_size: 50 });
const s = posts.map(p => p.score);
const [d, h] = await Promise.all([tools.math.describe({ data: s }), tools.math.histogram({ data: s, bins: 5 })]);
return { mean: d.mean, median: d.median, stdev: d.stdev, bin_counts: h.bins.map(b => b.count) };`,
		Check: expect(func() (map[string]any, error) {
			ps, err := allPosts()
			if err != nil {
				return nil, err
			}
			var s []float64
			for _, p := range ps {
				if hasTag(p, "rust") {
					s = append(s, float64(p.Score))
				}
			}
			lo, hi := s[0], s[0]
			for _, v := range s {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			counts := make([]int, 5)
			w := (hi - lo) / 5
			for _, v := range s {
				i := int((v - lo) / w)
				if i >= 5 {
					i = 4
				}
				counts[i]++
			}
			return obj{"mean": mean(s), "median": median(s), "stdev": stdev(s), "bin_counts": counts}, nil
		}),
	}, Task{
		ID: "forum-papers-topic-reading-list", Category: Two, Servers: []string{"forum", "papers"},
		Request: "Of the databases, networking and security tags, which has the most forum posts? For that research area, list the three most cited papers so I can point people to them.",
		Plan: []Round{
			calls(call("forum.top_tags", args{"limit": 50})),
			next(func(prev [][]json.RawMessage) []Call {
				return []Call{call("papers.search_papers", args{"topic": busiestTag(prev[0][0]), "sort": "citations", "limit": 3})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := []obj{}
			for _, p := range dec[struct{ Results []paperRef }](r[1][0]).Results {
				rows = append(rows, obj{"id": p.ID, "title": p.Title, "citations": p.Citations})
			}
			return out(obj{"topic": busiestTag(r[0][0]), "papers": rows})
		},
		Program: `const { tags } = await tools.forum.top_tags({ limit: 50 });
const cands = tags.filter(t => ["databases", "networking", "security"].includes(t.tag));
const top = cands.reduce((a, b) => (b.posts > a.posts ? b : a));
const { results } = await tools.papers.search_papers({ topic: top.tag, sort: "citations", limit: 3 });
return { topic: top.tag, papers: results.map(p => ({ id: p.id, title: p.title, citations: p.citations })) };`,
		Check: expect(func() (map[string]any, error) {
			ps, err := allPosts()
			if err != nil {
				return nil, err
			}
			n := map[string]int{}
			for _, p := range ps {
				for _, t := range p.Tags {
					n[t]++
				}
			}
			topic := ""
			for _, t := range []string{"databases", "networking", "security"} {
				if topic == "" || n[t] > n[topic] {
					topic = t
				}
			}
			res, err := ask[struct{ Results []paperRef }]("papers", "search_papers", args{"topic": topic, "limit": 100})
			if err != nil {
				return nil, err
			}
			cs := []int{}
			for _, p := range res.Results {
				cs = append(cs, p.Citations)
			}
			sort.Sort(sort.Reverse(sort.IntSlice(cs)))
			rows := []obj{}
			for _, c := range cs[:3] {
				rows = append(rows, obj{"citations": c})
			}
			return obj{"topic": topic, "papers": rows}, nil
		}),
	}, Task{
		ID: "science-units-light-speed", Category: Two, Servers: []string{"science", "units"},
		Request: "How fast is light in miles per hour, kilometers per hour and knots?",
		Plan: []Round{
			calls(call("science.get_constant", args{"name": "speed_of_light"})),
			next(func(prev [][]json.RawMessage) []Call {
				c := dec[struct{ Value float64 }](prev[0][0]).Value
				return []Call{call("units.convert_batch", args{"items": []any{
					args{"value": c, "from": "m/s", "to": "mph"}, args{"value": c, "from": "m/s", "to": "km/h"}, args{"value": c, "from": "m/s", "to": "kn"}}})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			res := dec[struct{ Results []struct{ Result float64 } }](r[1][0]).Results
			return out(obj{"mph": res[0].Result, "kmh": res[1].Result, "knots": res[2].Result})
		},
		Program: `const c = await tools.science.get_constant({ name: "speed_of_light" });
const r = await tools.units.convert_batch({ items: ["mph", "km/h", "kn"].map(to => ({ value: c.value, from: "m/s", to })) });
return { mph: r.results[0].result, kmh: r.results[1].result, knots: r.results[2].result };`,
		Check: expect(func() (map[string]any, error) {
			return obj{"mph": lightSpeed / mpsPerMph, "kmh": lightSpeed * 3.6, "knots": lightSpeed * 3600 / 1852}, nil
		}),
	}, Task{
		ID: "science-math-logistic-growth", Category: Two, Servers: []string{"science", "math"},
		Request: "A population starts at 10 and grows logistically with rate 0.5 and carrying capacity 1000. Simulating 0 to 20 with samples every 0.1, when does it first reach half the capacity, and what are the mean and median of the sampled population?",
		Plan: []Round{
			calls(call("science.solve_ode", args{"system": "logistic", "initial": []float64{logisticY0}, "params": args{"r": logisticR, "K": logisticK}, "t_end": 20, "output_points": 201})),
			next(func(prev [][]json.RawMessage) []Call {
				var ys []float64
				for _, p := range dec[struct{ Points []struct{ Y []float64 } }](prev[0][0]).Points {
					ys = append(ys, p.Y[0])
				}
				return []Call{call("math.describe", args{"data": ys})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			first := -1.0
			for _, p := range dec[struct {
				Points []struct {
					T float64
					Y []float64
				}
			}](r[0][0]).Points {
				if p.Y[0] >= logisticK/2 {
					first = p.T
					break
				}
			}
			d := dec[struct{ Mean, Median float64 }](r[1][0])
			return out(obj{"first_time_at_half": first, "mean": d.Mean, "median": d.Median})
		},
		Program: `const o = await tools.science.solve_ode({ system: "logistic", initial: [10], params: { r: 0.5, K: 1000 }, t_end: 20, output_points: 201 });
const d = await tools.math.describe({ data: o.points.map(p => p.y[0]) });
const hit = o.points.find(p => p.y[0] >= 500);
return { first_time_at_half: hit ? hit.t : -1, mean: d.mean, median: d.median };`,
		Check: expect(func() (map[string]any, error) {
			var ys []float64
			first := -1.0
			for i := 0; i <= 200; i++ {
				t := float64(i) * 0.1
				y := logistic(t)
				ys = append(ys, y)
				if first < 0 && y >= logisticK/2 {
					first = t
				}
			}
			return obj{"first_time_at_half": first, "mean": approx{mean(ys), 1e-3}, "median": approx{median(ys), 1e-3}}, nil
		}),
	}, Task{
		ID: "docs-weather-biggest-office", Category: Two, Servers: []string{"documents", "weather"},
		Request: "Which of our offices (not counting remote staff) has the most employees according to the staff list, and what's the forecast high, low and rain chance there for the next 3 days?",
		Plan: []Round{
			calls(call("documents.csv_query", args{"path": "data/employees.csv", "where": []any{args{"column": "office", "op": "ne", "value": "Remote"}}, "group_by": []string{"office"}, "aggregates": []any{args{"fn": "count", "as": "staff"}}, "order_by": "staff", "descending": true})),
			next(func(prev [][]json.RawMessage) []Call {
				return []Call{call("weather.get_daily_forecast", args{"city": dec[struct{ Rows []map[string]any }](prev[0][0]).Rows[0]["office"], "days": 3})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			top := dec[struct{ Rows []map[string]any }](r[0][0]).Rows[0]
			return out(obj{"office": top["office"], "staff": top["staff"], "forecast": forecastRows(dec[struct{ Days []dayRow }](r[1][0]).Days)})
		},
		Program: `const q = await tools.documents.csv_query({ path: "data/employees.csv", where: [{ column: "office", op: "ne", value: "Remote" }],
  group_by: ["office"], aggregates: [{ fn: "count", as: "staff" }], order_by: "staff", descending: true });
const top = q.rows[0];
const f = await tools.weather.get_daily_forecast({ city: top.office, days: 3 });
return { office: top.office, staff: top.staff, forecast: f.days.map(d => ({ date: d.date, high: d.high, low: d.low, precipitation_probability: d.precipitation_probability })) };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := readCSV("data/employees.csv")
			if err != nil {
				return nil, err
			}
			n := map[string]int{}
			for _, r := range rows {
				if r["office"] != "Remote" {
					n[r["office"]]++
				}
			}
			best := ""
			for o, c := range n {
				if best == "" || c > n[best] {
					best = o
				}
			}
			ds, err := daily(best, 3)
			if err != nil {
				return nil, err
			}
			return obj{"office": best, "staff": n[best], "forecast": forecastRows(ds)}, nil
		}),
	})
}

func forecastRows(ds []dayRow) []obj {
	rows := []obj{}
	for _, d := range ds {
		rows = append(rows, obj{"date": d.Date, "high": d.High, "low": d.Low, "precipitation_probability": d.PrecipitationProbability})
	}
	return rows
}

// europeanCapitals lists, in country order, the capitals of European
// countries (infoboxes in r[1]) that the weather service covers (r[0][1]).
func europeanCapitals(r [][]json.RawMessage) []string {
	covered := map[string]bool{}
	for _, c := range dec[struct{ Cities []cityInfo }](r[0][1]).Cities {
		covered[c.City] = true
	}
	var caps []string
	for _, raw := range r[1] {
		ib := dec[infobox](raw)
		c, _ := ib.Facts["capital"].(string)
		if ib.Facts["continent"] == "Europe" && covered[c] {
			caps = append(caps, c)
		}
	}
	return caps
}

// asianCities picks the city infoboxes whose country's infobox says Asia.
func asianCities(boxes []json.RawMessage) []string {
	cont := map[string]any{}
	var cities []infobox
	for _, raw := range boxes {
		ib := dec[infobox](raw)
		if ib.Category == "country" {
			cont[ib.Title] = ib.Facts["continent"]
		} else {
			cities = append(cities, ib)
		}
	}
	var out []string
	for _, c := range cities {
		if cont[fmt.Sprint(c.Facts["country"])] == "Asia" {
			out = append(out, c.Title)
		}
	}
	return out
}

func busiestTag(raw json.RawMessage) string {
	best, n := "", -1
	for _, t := range dec[struct {
		Tags []struct {
			Tag   string
			Posts int
		}
	}](raw).Tags {
		if (t.Tag == "databases" || t.Tag == "networking" || t.Tag == "security") && t.Posts > n {
			best, n = t.Tag, t.Posts
		}
	}
	return best
}
