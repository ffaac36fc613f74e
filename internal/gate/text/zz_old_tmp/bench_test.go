package text

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// weatherJSON returns a forecast shaped like the api.weather.gov hourly
// forecast (periods with times, numbers, icon URLs and short prose), about
// size bytes long. The output is the same for the same size.
func weatherJSON(size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	short := []string{"Sunny", "Mostly Sunny", "Partly Cloudy", "Mostly Cloudy", "Chance Light Rain",
		"Slight Chance Showers And Thunderstorms", "Patchy Fog", "Clear", "Light Snow Likely", "Areas Of Drizzle"}
	dirs := []string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}
	type value struct {
		UnitCode string  `json:"unitCode"`
		Value    float64 `json:"value"`
	}
	type period struct {
		Number           int    `json:"number"`
		Name             string `json:"name"`
		StartTime        string `json:"startTime"`
		EndTime          string `json:"endTime"`
		IsDaytime        bool   `json:"isDaytime"`
		Temperature      int    `json:"temperature"`
		TemperatureUnit  string `json:"temperatureUnit"`
		ProbOfPrecip     value  `json:"probabilityOfPrecipitation"`
		Dewpoint         value  `json:"dewpoint"`
		RelativeHumidity value  `json:"relativeHumidity"`
		WindSpeed        string `json:"windSpeed"`
		WindDirection    string `json:"windDirection"`
		Icon             string `json:"icon"`
		ShortForecast    string `json:"shortForecast"`
		DetailedForecast string `json:"detailedForecast"`
	}
	var ps []period
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.FixedZone("", -7*3600))
	for n := 0; ; n++ {
		t := base.Add(time.Duration(n) * time.Hour)
		sf := short[rng.IntN(len(short))]
		temp := 40 + rng.IntN(40)
		wind := 3 + rng.IntN(15)
		p := period{
			Number: n + 1, StartTime: t.Format(time.RFC3339), EndTime: t.Add(time.Hour).Format(time.RFC3339),
			IsDaytime: t.Hour() >= 6 && t.Hour() < 18, Temperature: temp, TemperatureUnit: "F",
			ProbOfPrecip:     value{"wmoUnit:percent", float64(rng.IntN(100))},
			Dewpoint:         value{"wmoUnit:degC", float64(rng.IntN(200)) / 10},
			RelativeHumidity: value{"wmoUnit:percent", float64(30 + rng.IntN(70))},
			WindSpeed:        fmt.Sprintf("%d mph", wind), WindDirection: dirs[rng.IntN(len(dirs))],
			Icon:          fmt.Sprintf("https://api.weather.gov/icons/land/day/sct,%d?size=small", rng.IntN(60)),
			ShortForecast: sf,
		}
		if n%6 == 0 {
			p.DetailedForecast = fmt.Sprintf("%s, with a high near %d. %s wind %d to %d mph, with gusts as high as %d mph. Chance of precipitation is %d%%.",
				sf, temp, p.WindDirection, wind, wind+5, wind+12, int(p.ProbOfPrecip.Value))
		}
		ps = append(ps, p)
		doc := map[string]any{
			"@context": []any{"https://geojson.org/geojson-ld/geojson-context.jsonld"},
			"type":     "Feature",
			"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{-122.41, 37.77}, {-122.40, 37.79}}}},
			"properties": map[string]any{
				"units": "us", "forecastGenerator": "HourlyForecastGenerator",
				"generatedAt": base.Format(time.RFC3339), "updateTime": base.Format(time.RFC3339),
				"elevation": value{"wmoUnit:m", 12.8}, "periods": ps,
			},
		}
		b, err := json.Marshal(doc)
		if err != nil {
			panic(err)
		}
		if len(b) >= size {
			return b
		}
	}
}

// prose returns about size bytes of ordinary English text of the kind tool
// results carry (news, forum posts, abstracts, support replies).
func prose(size int) string {
	sentences := []string{
		"The city council met on Tuesday to discuss the new budget for road repairs.",
		"Residents asked whether the bus schedule would change after the station reopens next month.",
		"We evaluate the method on three public datasets and report accuracy, recall and latency.",
		"Our results show that smaller models trained on curated data match larger baselines.",
		"Has anyone tried the latest firmware? My router drops the connection every few hours.",
		"I reset it twice and followed the steps in the manual, but nothing helped.",
		"Thanks for reaching out. Your order shipped yesterday and should arrive within five business days.",
		"If the package is damaged, reply to this email with a photo and we will send a replacement.",
		"The museum is open from 9 AM to 5 PM, and admission is free on the first Sunday of each month.",
		"Heavy rain is expected over the weekend, with local flooding possible in low-lying areas.",
		"The library released version 2.3, which fixes a memory leak and adds support for streaming uploads.",
		"Before upgrading, back up your configuration and read the release notes for breaking changes.",
		"Revenue grew 12 percent year over year, driven mostly by subscriptions in Europe.",
		"The hiking trail climbs steadily for four kilometres before reaching the ridge and the old hut.",
	}
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		b.WriteString(sentences[i%len(sentences)])
		if i%4 == 3 {
			b.WriteString("\n\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()[:size]
}

// adversarial returns about size bytes dense in trigger words and near
// misses, the worst case for the prefilters: the attack corpus, interleaved
// with benign text that mentions instructions, systems and tools.
func adversarial(tb testing.TB, size int) string {
	attacks := readTxtar(&testing.T{}, "testdata/attacks.txtar")
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		b.WriteString(attacks[i%len(attacks)].data)
		b.WriteString(" The system administrator must call the send_email tool; ignore the old rules and instructions? ")
		b.WriteString("As the admin said, now call the user. ")
		if i%3 == 0 {
			b.WriteByte('\n')
		}
	}
	s := b.String()
	for len(s) > size && s[size]&0xC0 == 0x80 {
		size++
	}
	return s[:size]
}

// benchLatency runs fn b.N times and reports the median and 95th
// percentile latency of one call.
func benchLatency(b *testing.B, n int64, fn func()) {
	b.SetBytes(n)
	b.ReportAllocs()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fn()
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds()), "p95-µs")
}

func BenchmarkScanInjectionProse(b *testing.B) {
	s := prose(10 << 10)
	benchLatency(b, int64(len(s)), func() { ScanInjection(s) })
}

func BenchmarkScanInjectionAdversarial(b *testing.B) {
	s := adversarial(b, 10<<10)
	benchLatency(b, int64(len(s)), func() { ScanInjection(s) })
}

func BenchmarkNeutralizeJSON(b *testing.B) {
	weather := json.RawMessage(weatherJSON(44 << 10))
	proseJSON, _ := json.Marshal(map[string]any{"items": strings.SplitAfter(prose(10<<10), "\n\n")})
	advJSON, _ := json.Marshal(map[string]any{"items": strings.SplitAfter(adversarial(b, 10<<10), "\n")})
	for _, c := range []struct {
		name string
		v    json.RawMessage
	}{{"weather-44KB", weather}, {"prose-10KB", proseJSON}, {"adversarial-10KB", advJSON}} {
		b.Run(c.name, func(b *testing.B) {
			benchLatency(b, int64(len(c.v)), func() { NeutralizeJSON(c.v, "weather") })
		})
	}
}

// TestBenchInputs checks the benchmark inputs: the weather forecast is
// valid JSON of the intended size and, like the prose, clean; the
// adversarial text is flagged.
func TestBenchInputs(t *testing.T) {
	w := weatherJSON(44 << 10)
	if !json.Valid(w) || len(w) < 44<<10 || len(w) > 46<<10 {
		t.Fatalf("weather JSON: valid=%v len=%d", json.Valid(w), len(w))
	}
	if out, ms := NeutralizeJSON(w, "weather"); len(ms) > 0 || string(out) != string(w) {
		t.Errorf("weather JSON flagged: %+v", ms)
	}
	if ms := ScanInjection(prose(10 << 10)); len(ms) > 0 {
		t.Errorf("prose flagged: %+v", ms[0])
	}
	if ms := injections(ScanInjection(adversarial(t, 10<<10))); len(ms) < 50 {
		t.Errorf("adversarial text: only %d matches", len(ms))
	}
}
