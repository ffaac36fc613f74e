package tasks

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
	_ "time/tzdata" // checkers use IANA rules independent of the host
)

// weekdaysExcept counts Monday–Friday dates in [from, to] not in holidays.
func weekdaysExcept(from, to string, holidays []string) int {
	skip := map[string]bool{}
	for _, h := range holidays {
		skip[h] = true
	}
	a, _ := time.Parse(time.DateOnly, from)
	b, _ := time.Parse(time.DateOnly, to)
	n := 0
	for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && !skip[d.Format(time.DateOnly)] {
			n++
		}
	}
	return n
}

// transitions returns the UTC instants at which zone changes its offset in year.
func transitions(zone string, year int) ([]string, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	var outs []string
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	_, prev := start.In(loc).Zone()
	for t := start; t.Before(end); t = t.Add(15 * time.Minute) {
		if _, off := t.In(loc).Zone(); off != prev {
			// Refine to the second.
			lo, hi := t.Add(-15*time.Minute), t
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, o := mid.In(loc).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			outs = append(outs, hi.UTC().Format(time.RFC3339))
			prev = off
		}
	}
	return outs, nil
}

type hourRow struct {
	Time                     string
	Temperature              float64
	Precipitation            float64
	PrecipitationProbability float64 `json:"precipitation_probability"`
	WindSpeed                float64 `json:"wind_speed"`
	WindGust                 float64 `json:"wind_gust"`
}

type dayRow struct {
	Date                     string
	High, Low                float64
	Precipitation            float64
	PrecipitationProbability float64 `json:"precipitation_probability"`
	GustMax                  float64 `json:"gust_max"`
	Sunrise, Sunset          string
	Condition                string
}

func hourly(city string, days int) ([]hourRow, error) {
	r, err := ask[struct{ Hours []hourRow }]("weather", "get_hourly_forecast", args{"city": city, "days": days})
	return r.Hours, err
}

func daily(city string, days int) ([]dayRow, error) {
	r, err := ask[struct{ Days []dayRow }]("weather", "get_daily_forecast", args{"city": city, "days": days})
	return r.Days, err
}

type infobox struct {
	Title    string
	Category string
	Facts    map[string]any
}

func infoboxes(category string) ([]infobox, error) {
	l, err := ask[struct{ Articles []struct{ Title string } }]("encyclopedia", "list_articles", args{"category": category})
	if err != nil {
		return nil, err
	}
	var out []infobox
	for _, a := range l.Articles {
		ib, err := ask[infobox]("encyclopedia", "get_infobox", args{"title": a.Title})
		if err != nil {
			return nil, err
		}
		out = append(out, ib)
	}
	return out, nil
}

func fnum(m map[string]any, k string) (float64, bool) {
	f, ok := m[k].(float64)
	return f, ok
}

// infoboxRound is the round that fetches the infobox of every article a
// list_articles result (prev[i][0]) names.
func infoboxRound(i int) Round {
	return next(func(prev [][]json.RawMessage) []Call {
		var cs []Call
		for _, a := range dec[struct{ Articles []struct{ Title string } }](prev[i][0]).Articles {
			cs = append(cs, call("encyclopedia.get_infobox", args{"title": a.Title}))
		}
		return cs
	})
}

func init() {
	add(Task{
		ID: "time-call-across-zones", Category: Single, Servers: []string{"time"},
		Request: "I'm setting up a one-hour call for Monday 2026-03-30 at 13:00 London time. What date, local time and weekday is that for my colleagues in New York, Tokyo and Sydney?",
		Plan:    []Round{calls(call("time.convert_time", args{"time": "2026-03-30 13:00", "from_zone": "Europe/London", "to_zones": []string{"America/New_York", "Asia/Tokyo", "Australia/Sydney"}}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			c := dec[struct {
				Results []struct{ Zone, Date, Time, Weekday string }
			}](r[0][0])
			var rows []obj
			for _, x := range c.Results {
				rows = append(rows, obj{"zone": x.Zone, "date": x.Date, "time": x.Time[:min(5, len(x.Time))], "weekday": x.Weekday})
			}
			return out(obj{"times": rows})
		},
		Program: `const c = await tools.time.convert_time({ time: "2026-03-30 13:00", from_zone: "Europe/London", to_zones: ["America/New_York", "Asia/Tokyo", "Australia/Sydney"] });
return { times: c.results.map(x => ({ zone: x.zone, date: x.date, time: x.time.slice(0, 5), weekday: x.weekday })) };`,
		Check: expect(func() (map[string]any, error) {
			lon, err := time.LoadLocation("Europe/London")
			if err != nil {
				return nil, err
			}
			at := time.Date(2026, 3, 30, 13, 0, 0, 0, lon)
			var rows []obj
			for _, z := range []string{"America/New_York", "Asia/Tokyo", "Australia/Sydney"} {
				loc, err := time.LoadLocation(z)
				if err != nil {
					return nil, err
				}
				l := at.In(loc)
				rows = append(rows, obj{"zone": z, "date": l.Format(time.DateOnly), "time": l.Format("15:04"), "weekday": l.Weekday().String()})
			}
			return obj{"times": rows}, nil
		}),
	}, Task{
		ID: "time-year-end-working-days", Category: Single, Servers: []string{"time"},
		Request: "How many working days do our US and UK teams each have from 2026-11-01 to 2026-12-31, counting public holidays, and on which dates do those holidays fall?",
		Plan: []Round{calls(
			call("time.business_days", args{"start_date": "2026-11-01", "end_date": "2026-12-31", "country": "US"}),
			call("time.business_days", args{"start_date": "2026-11-01", "end_date": "2026-12-31", "country": "GB"}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			get := func(raw json.RawMessage) (int, []string) {
				b := dec[struct {
					BusinessDays int `json:"business_days"`
					Holidays     []struct{ Date string }
				}](raw)
				ds := []string{}
				for _, h := range b.Holidays {
					ds = append(ds, h.Date)
				}
				return b.BusinessDays, ds
			}
			us, usH := get(r[0][0])
			gb, gbH := get(r[0][1])
			return out(obj{"us_working_days": us, "us_holidays": usH, "uk_working_days": gb, "uk_holidays": gbH})
		},
		Program: `const [us, gb] = await Promise.all(["US", "GB"].map(country =>
  tools.time.business_days({ start_date: "2026-11-01", end_date: "2026-12-31", country })));
return { us_working_days: us.business_days, us_holidays: us.holidays.map(h => h.date),
         uk_working_days: gb.business_days, uk_holidays: gb.holidays.map(h => h.date) };`,
		Check: expect(func() (map[string]any, error) {
			// US federal: Veterans Day (Wed 11 Nov), Thanksgiving (4th
			// Thursday), Christmas (Fri 25 Dec). England and Wales: Christmas,
			// and Boxing Day (Sat 26 Dec) substituted on Mon 28 Dec.
			us := []string{"2026-11-11", "2026-11-26", "2026-12-25"}
			gb := []string{"2026-12-25", "2026-12-28"}
			return obj{
				"us_working_days": weekdaysExcept("2026-11-01", "2026-12-31", us), "us_holidays": setOf{us[0], us[1], us[2]},
				"uk_working_days": weekdaysExcept("2026-11-01", "2026-12-31", gb), "uk_holidays": setOf{gb[0], gb[1]},
			}, nil
		}),
	}, Task{
		ID: "time-dst-changes-2026", Category: Single, Servers: []string{"time"},
		Request: "When do the clocks change in 2026 in New York, London and Sydney? Give me the exact UTC instants for each city.",
		Plan: []Round{calls(
			call("time.dst_transitions", args{"zone": "America/New_York", "year": 2026}),
			call("time.dst_transitions", args{"zone": "Europe/London", "year": 2026}),
			call("time.dst_transitions", args{"zone": "Australia/Sydney", "year": 2026}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			zones := obj{}
			for _, raw := range r[0] {
				d := dec[struct {
					Zone        string
					Transitions []struct{ UTC string }
				}](raw)
				ts := []string{}
				for _, x := range d.Transitions {
					ts = append(ts, x.UTC)
				}
				zones[d.Zone] = ts
			}
			return out(obj{"changes_utc": zones})
		},
		Program: `const zones = ["America/New_York", "Europe/London", "Australia/Sydney"];
const res = await Promise.all(zones.map(zone => tools.time.dst_transitions({ zone, year: 2026 })));
const changes_utc: Record<string, string[]> = {};
for (const d of res) changes_utc[d.zone] = d.transitions.map(t => t.utc);
return { changes_utc };`,
		Check: expect(func() (map[string]any, error) {
			zones := obj{}
			for _, z := range []string{"America/New_York", "Europe/London", "Australia/Sydney"} {
				ts, err := transitions(z, 2026)
				if err != nil {
					return nil, err
				}
				zones[z] = ts
			}
			return obj{"changes_utc": zones}, nil
		}),
	}, Task{
		ID: "weather-seattle-rain-hours", Category: Single, Servers: []string{"weather"},
		Request: "I'm in Seattle and planning outdoor work over the next three days. How many hours have at least a 50% chance of rain, when is the first of them, and what's the longest stretch of consecutive hours with under 20% chance?",
		Plan:    []Round{calls(call("weather.get_hourly_forecast", args{"city": "Seattle", "days": 3}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			return out(rainSummary(dec[struct{ Hours []hourRow }](r[0][0]).Hours))
		},
		Program: `const f = await tools.weather.get_hourly_forecast({ city: "Seattle", days: 3 });
let rainy = 0, first: string | null = null, run = 0, best = 0;
for (const h of f.hours) {
  if (h.precipitation_probability >= 50) { rainy++; if (first === null) first = h.time; }
  run = h.precipitation_probability < 20 ? run + 1 : 0;
  best = Math.max(best, run);
}
return { rainy_hours: rainy, first_rainy_hour: first, longest_dry_hours: best };`,
		Check: expect(func() (map[string]any, error) {
			hs, err := hourly("Seattle", 3)
			if err != nil {
				return nil, err
			}
			if len(hs) != 72 {
				return nil, fmt.Errorf("%d hourly rows, want 72", len(hs))
			}
			return rainSummary(hs), nil
		}),
	}, Task{
		ID: "weather-warmest-capital-week", Category: Single, Servers: []string{"weather"},
		Request: "Which of Paris, Madrid, Rome, Berlin and Amsterdam will have the highest average daily high over the next 7 days? Rank all five with their averages.",
		Plan: []Round{calls(
			call("weather.get_daily_forecast", args{"city": "Paris", "days": 7}),
			call("weather.get_daily_forecast", args{"city": "Madrid", "days": 7}),
			call("weather.get_daily_forecast", args{"city": "Rome", "days": 7}),
			call("weather.get_daily_forecast", args{"city": "Berlin", "days": 7}),
			call("weather.get_daily_forecast", args{"city": "Amsterdam", "days": 7}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var rank []obj
			for _, raw := range r[0] {
				f := dec[struct {
					Location struct{ City string }
					Days     []dayRow
				}](raw)
				var hs []float64
				for _, d := range f.Days {
					hs = append(hs, d.High)
				}
				rank = append(rank, obj{"city": f.Location.City, "avg_high": mean(hs)})
			}
			sort.SliceStable(rank, func(i, j int) bool { return rank[i]["avg_high"].(float64) > rank[j]["avg_high"].(float64) })
			return out(obj{"warmest": rank[0]["city"], "ranking": rank})
		},
		Program: `const cities = ["Paris", "Madrid", "Rome", "Berlin", "Amsterdam"];
const fs = await Promise.all(cities.map(city => tools.weather.get_daily_forecast({ city, days: 7 })));
const ranking = fs.map((f, i) => ({ city: cities[i], avg_high: f.days.reduce((s, d) => s + d.high, 0) / f.days.length }))
  .sort((a, b) => b.avg_high - a.avg_high);
return { warmest: ranking[0].city, ranking };`,
		Check: expect(func() (map[string]any, error) {
			var rank []obj
			for _, c := range []string{"Paris", "Madrid", "Rome", "Berlin", "Amsterdam"} {
				ds, err := daily(c, 7)
				if err != nil {
					return nil, err
				}
				var hs []float64
				for _, d := range ds {
					hs = append(hs, d.High)
				}
				rank = append(rank, obj{"city": c, "avg_high": mean(hs)})
			}
			sort.SliceStable(rank, func(i, j int) bool { return rank[i]["avg_high"].(float64) > rank[j]["avg_high"].(float64) })
			return obj{"warmest": rank[0]["city"], "ranking": rank}, nil
		}),
	}, Task{
		ID: "weather-tokyo-may-vs-normal", Category: Single, Servers: []string{"weather"},
		Request: "How did May 2026 in Tokyo compare with a normal May? Give the observed mean temperature and total rainfall, the climate normals for May, and the differences.",
		Plan: []Round{calls(
			call("weather.get_historical_weather", args{"city": "Tokyo", "start_date": "2026-05-01", "end_date": "2026-05-31"}),
			call("weather.get_climate_normals", args{"city": "Tokyo", "month": 5}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			h := dec[struct {
				Days []struct{ Mean, Precipitation float64 }
			}](r[0][0])
			n := dec[struct {
				Months []struct{ Mean, Precipitation float64 }
			}](r[0][1])
			var ms, ps []float64
			for _, d := range h.Days {
				ms = append(ms, d.Mean)
				ps = append(ps, d.Precipitation)
			}
			if len(n.Months) == 0 {
				return out(obj{})
			}
			nm := n.Months[0]
			return out(obj{"observed_mean": mean(ms), "observed_precip": sum(ps), "normal_mean": nm.Mean, "normal_precip": nm.Precipitation,
				"mean_anomaly": mean(ms) - nm.Mean, "precip_anomaly": sum(ps) - nm.Precipitation})
		},
		Program: `const [h, n] = await Promise.all([
  tools.weather.get_historical_weather({ city: "Tokyo", start_date: "2026-05-01", end_date: "2026-05-31" }),
  tools.weather.get_climate_normals({ city: "Tokyo", month: 5 }),
]);
const observed_mean = h.days.reduce((s, d) => s + d.mean, 0) / h.days.length;
const observed_precip = h.days.reduce((s, d) => s + d.precipitation, 0);
const m = n.months[0];
return { observed_mean, observed_precip, normal_mean: m.mean, normal_precip: m.precipitation,
         mean_anomaly: observed_mean - m.mean, precip_anomaly: observed_precip - m.precipitation };`,
		Check: expect(func() (map[string]any, error) {
			h, err := ask[struct {
				Days []struct {
					Date                string
					Mean, Precipitation float64
				}
			}]("weather", "get_historical_weather", args{"city": "Tokyo", "start_date": "2026-05-01", "end_date": "2026-05-31"})
			if err != nil {
				return nil, err
			}
			n, err := ask[struct {
				Months []struct {
					Month               int
					Mean, Precipitation float64
				}
			}]("weather", "get_climate_normals", args{"city": "Tokyo"})
			if err != nil {
				return nil, err
			}
			var ms, ps []float64
			for _, d := range h.Days {
				ms = append(ms, d.Mean)
				ps = append(ps, d.Precipitation)
			}
			if len(ms) != 31 {
				return nil, fmt.Errorf("%d days of May history, want 31", len(ms))
			}
			for _, m := range n.Months {
				if m.Month == 5 {
					return obj{"observed_mean": mean(ms), "observed_precip": sum(ps), "normal_mean": m.Mean, "normal_precip": m.Precipitation,
						"mean_anomaly": mean(ms) - m.Mean, "precip_anomaly": sum(ps) - m.Precipitation}, nil
				}
			}
			return nil, fmt.Errorf("no May normal for Tokyo")
		}),
	}, Task{
		ID: "ency-densest-european-country", Category: Single, Servers: []string{"encyclopedia"},
		Request: "Among the European countries the encyclopedia covers, which is the most densely populated? Rank them all by people per km².",
		Plan:    []Round{calls(call("encyclopedia.list_articles", args{"category": "country"})), infoboxRound(0)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var rank []obj
			for _, raw := range r[1] {
				ib := dec[infobox](raw)
				if ib.Facts["continent"] != "Europe" {
					continue
				}
				p, _ := fnum(ib.Facts, "population")
				a, _ := fnum(ib.Facts, "area_km2")
				rank = append(rank, obj{"country": ib.Title, "density": p / a})
			}
			sort.SliceStable(rank, func(i, j int) bool { return rank[i]["density"].(float64) > rank[j]["density"].(float64) })
			if len(rank) == 0 {
				return out(obj{})
			}
			return out(obj{"densest": rank[0]["country"], "ranking": rank})
		},
		Program: `const list = await tools.encyclopedia.list_articles({ category: "country" });
const boxes = await Promise.all(list.articles.map(a => tools.encyclopedia.get_infobox({ title: a.title })));
const ranking = boxes.filter(b => b.facts.continent === "Europe")
  .map(b => ({ country: b.title, density: b.facts.population / b.facts.area_km2 }))
  .sort((a, b) => b.density - a.density);
return { densest: ranking[0].country, ranking };`,
		Check: expect(func() (map[string]any, error) {
			ibs, err := infoboxes("country")
			if err != nil {
				return nil, err
			}
			var rank []obj
			for _, ib := range ibs {
				if ib.Facts["continent"] != "Europe" {
					continue
				}
				p, ok1 := fnum(ib.Facts, "population")
				a, ok2 := fnum(ib.Facts, "area_km2")
				if !ok1 || !ok2 {
					return nil, fmt.Errorf("%s lacks population or area", ib.Title)
				}
				rank = append(rank, obj{"country": ib.Title, "density": p / a})
			}
			sort.SliceStable(rank, func(i, j int) bool { return rank[i]["density"].(float64) > rank[j]["density"].(float64) })
			return obj{"densest": rank[0]["country"], "ranking": rank}, nil
		}),
	}, Task{
		ID: "ency-element-melting-points", Category: Single, Servers: []string{"encyclopedia"},
		Request: "List the chemical elements the encyclopedia covers from lowest to highest melting point, and tell me which of them are not solid at 0 °C.",
		Plan:    []Round{calls(call("encyclopedia.list_articles", args{"category": "element"})), infoboxRound(0)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var ibs []infobox
			for _, raw := range r[1] {
				ibs = append(ibs, dec[infobox](raw))
			}
			return out(meltingOrder(ibs))
		},
		Program: `const list = await tools.encyclopedia.list_articles({ category: "element" });
const boxes = await Promise.all(list.articles.map(a => tools.encyclopedia.get_infobox({ title: a.title })));
const known = boxes.filter(b => typeof b.facts.melting_point_c === "number")
  .sort((a, b) => a.facts.melting_point_c - b.facts.melting_point_c);
return { by_melting_point: known.map(b => b.title), not_solid_at_0c: known.filter(b => b.facts.melting_point_c < 0).map(b => b.title) };`,
		Check: expect(func() (map[string]any, error) {
			ibs, err := infoboxes("element")
			if err != nil {
				return nil, err
			}
			return meltingOrder(ibs), nil
		}),
	}, Task{
		ID: "ency-scientist-lifespans", Category: Single, Servers: []string{"encyclopedia"},
		Request: "Of the scientists in the encyclopedia who have died, who lived the longest (by birth and death year), and what's their average lifespan?",
		Plan:    []Round{calls(call("encyclopedia.list_articles", args{"category": "scientist"})), infoboxRound(0)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var ibs []infobox
			for _, raw := range r[1] {
				ibs = append(ibs, dec[infobox](raw))
			}
			return out(lifespans(ibs, false))
		},
		Program: `const list = await tools.encyclopedia.list_articles({ category: "scientist" });
const boxes = await Promise.all(list.articles.map(a => tools.encyclopedia.get_infobox({ title: a.title })));
const lives = boxes.filter(b => typeof b.facts.born === "number" && typeof b.facts.died === "number")
  .map(b => ({ name: b.title, years: b.facts.died - b.facts.born }));
const top = lives.reduce((a, b) => (b.years > a.years ? b : a));
return { longest_lived: top.name, years: top.years, average_lifespan: lives.reduce((s, l) => s + l.years, 0) / lives.length };`,
		Check: expect(func() (map[string]any, error) {
			ibs, err := infoboxes("scientist")
			if err != nil {
				return nil, err
			}
			return lifespans(ibs, true), nil
		}),
	})
}

func rainSummary(hs []hourRow) map[string]any {
	rainy, run, best := 0, 0, 0
	var first any
	for _, h := range hs {
		if h.PrecipitationProbability >= 50 {
			rainy++
			if first == nil {
				first = h.Time
			}
		}
		if h.PrecipitationProbability < 20 {
			run++
		} else {
			run = 0
		}
		best = max(best, run)
	}
	return obj{"rainy_hours": rainy, "first_rainy_hour": first, "longest_dry_hours": best}
}

func meltingOrder(ibs []infobox) map[string]any {
	type el struct {
		name string
		mp   float64
	}
	var els []el
	for _, ib := range ibs {
		if mp, ok := fnum(ib.Facts, "melting_point_c"); ok {
			els = append(els, el{ib.Title, mp})
		}
	}
	sort.SliceStable(els, func(i, j int) bool { return els[i].mp < els[j].mp })
	order, cold := []string{}, []string{}
	for _, e := range els {
		order = append(order, e.name)
		if e.mp < 0 {
			cold = append(cold, e.name)
		}
	}
	return obj{"by_melting_point": order, "not_solid_at_0c": cold}
}

// lifespans finds the longest-lived scientist; with ties, the checker
// (ties=true) accepts any of them.
func lifespans(ibs []infobox, ties bool) map[string]any {
	best := -1.0
	var names []string
	var years []float64
	for _, ib := range ibs {
		b, ok1 := fnum(ib.Facts, "born")
		d, ok2 := fnum(ib.Facts, "died")
		if !ok1 || !ok2 {
			continue
		}
		y := d - b
		years = append(years, y)
		switch {
		case y > best:
			best, names = y, []string{ib.Title}
		case y == best:
			names = append(names, ib.Title)
		}
	}
	if len(names) == 0 {
		return obj{"longest_lived": nil}
	}
	var who any = names[0]
	if ties {
		who = anyOfStrings(names)
	}
	return obj{"longest_lived": who, "years": best, "average_lifespan": mean(years)}
}
