package weather

import (
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/servers/internal/servertest"
)

func TestCities(t *testing.T) {
	if len(cities) < 40 {
		t.Fatalf("only %d cities", len(cities))
	}
	seen := map[string]bool{}
	for _, c := range cities {
		if seen[c.Name] {
			t.Errorf("duplicate city %s", c.Name)
		}
		seen[c.Name] = true
		if _, _, dl := sun(&c, parseMust("2026-03-20")); dl < 11.5 || dl > 12.8 {
			t.Errorf("%s: equinox daylight %v h, want about 12", c.Name, dl)
		}
	}
}

func parseMust(s string) time.Time { t, _ := parseDate("d", s); return t }

func TestTools(t *testing.T) {
	cs := servertest.Connect(t, New())
	tools := servertest.CheckTools(t, cs)
	servertest.ToolsGolden(t, tools)

	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "search_cities", Args: map[string]any{"country": "US", "limit": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[SearchOut](t, raw)
			if out.Total < 8 || len(out.Cities) != 3 || out.Cities[0].Country != "US" {
				t.Errorf("search US = %+v", out)
			}
		}},
		{Tool: "get_current_conditions", Args: map[string]any{"city": "Paris"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[CurrentOut](t, raw)
			if out.ObservedAt != "2026-06-15T12:00" || out.Sunrise != "05:46" || out.Temperature < out.TodayLow-2 || out.Temperature > out.TodayHigh+2 ||
				out.Units.Temperature != "°C" {
				t.Errorf("Paris now = %+v", out)
			}
		}},
		{Tool: "get_hourly_forecast", Args: map[string]any{"city": "Tokyo", "days": 3}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[HourlyOut](t, raw)
			if len(out.Hours) != 3*24 || out.Hours[0].Time != "2026-06-15T00:00" || out.Hours[71].Time != "2026-06-17T23:00" {
				t.Errorf("hourly: %d rows, first %q", len(out.Hours), out.Hours[0].Time)
			}
			// Afternoon is warmer than the early morning on average.
			var am, pm float64
			for d := range 3 {
				am += out.Hours[d*24+5].Temperature
				pm += out.Hours[d*24+15].Temperature
			}
			if pm <= am {
				t.Errorf("no diurnal cycle: 05:00 sum %v, 15:00 sum %v", am, pm)
			}
		}},
		{Name: "get_hourly_forecast_imperial", Tool: "get_hourly_forecast", Args: map[string]any{"city": "Tokyo", "days": 1, "units": "imperial"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[HourlyOut](t, raw)
			if len(out.Hours) != 24 || out.Units.Temperature != "°F" || out.Hours[12].Temperature < 50 {
				t.Errorf("imperial: %+v", out.Hours[12])
			}
		}},
		{Tool: "get_daily_forecast", Args: map[string]any{"city": "Sydney", "days": 16}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[DailyOut](t, raw)
			if len(out.Days) != 16 || out.Days[15].Date != "2026-06-30" {
				t.Errorf("daily: %d days", len(out.Days))
			}
			for _, d := range out.Days {
				if d.High < d.Low || d.High > 30 || d.Daylight > 11 { // June is winter in Sydney
					t.Errorf("Sydney %s: %+v", d.Date, d)
				}
			}
		}},
		{Tool: "get_historical_weather", Args: map[string]any{"city": "Moscow", "start_date": "2025-06-15", "end_date": "2026-06-14"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[HistoryOut](t, raw)
			if len(out.Days) != 365 || out.Summary.Days != 365 || out.Days[0].Date != "2025-06-15" {
				t.Errorf("history: %d rows", len(out.Days))
			}
			if !strings.HasPrefix(out.Summary.LowestDate, "2025-12") && !strings.HasPrefix(out.Summary.LowestDate, "2026-0") {
				t.Errorf("Moscow's coldest day %s is not in winter", out.Summary.LowestDate)
			}
		}},
		{Tool: "get_climate_normals", Args: map[string]any{"city": "Cairo"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[NormalsOut](t, raw)
			if len(out.Months) != 12 || out.Months[6].MeanHigh <= out.Months[0].MeanHigh || out.Annual.Precip > 60 {
				t.Errorf("Cairo normals = %+v", out)
			}
		}},
		{Tool: "get_weather_alerts", Args: map[string]any{"city": "Delhi"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[AlertsOut](t, raw)
			if len(out.Alerts) == 0 || out.Alerts[0].Event != "Extreme heat" {
				t.Errorf("Delhi in June has no heat alert: %+v", out.Alerts)
			}
		}},
	})
}

// TestToday checks that `today` moves the forecast window and that a date's
// weather does not depend on when it is asked for.
func TestToday(t *testing.T) {
	cs := servertest.Connect(t, New())
	a, _ := servertest.CallOK[DailyOut](t, cs, "get_daily_forecast", map[string]any{"city": "Oslo", "days": 3})
	b, _ := servertest.CallOK[DailyOut](t, cs, "get_daily_forecast", map[string]any{"city": "Oslo", "days": 2, "today": "2026-06-16"})
	if b.Days[0] != a.Days[1] || b.Days[1] != a.Days[2] {
		t.Errorf("the same date differs by issue date:\n%+v\n%+v", a.Days[1:], b.Days)
	}
	h, _ := servertest.CallOK[HistoryOut](t, cs, "get_historical_weather", map[string]any{"city": "Oslo", "start_date": "2026-06-15", "end_date": "2026-06-15", "today": "2026-06-20"})
	if h.Days[0].High != a.Days[0].High || h.Days[0].Precipitation != a.Days[0].Precipitation {
		t.Errorf("history and forecast disagree: %+v vs %+v", h.Days[0], a.Days[0])
	}
}

func TestErrors(t *testing.T) {
	cs := servertest.Connect(t, New())
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"get_current_conditions", map[string]any{"city": "Pariss"}, []string{`unknown city "Pariss"`, "did you mean Paris", "search_cities"}},
		{"get_hourly_forecast", map[string]any{"city": "Paris", "days": 8}, []string{"maximum"}},
		{"get_hourly_forecast", map[string]any{"city": "Paris", "units": "kelvin"}, []string{"units"}},
		{"get_daily_forecast", map[string]any{"city": "Paris", "today": "2026-02-30"}, []string{"not a date"}},
		{"get_historical_weather", map[string]any{"city": "Paris", "start_date": "2024-01-01", "end_date": "2026-01-01"}, []string{"limit is 366"}},
		{"get_historical_weather", map[string]any{"city": "Paris", "start_date": "2026-06-01", "end_date": "2026-06-20"}, []string{"not in the past", "get_daily_forecast"}},
		{"get_historical_weather", map[string]any{"city": "Paris", "start_date": "2026-06-10", "end_date": "2026-06-01"}, []string{"before start_date"}},
		{"get_climate_normals", map[string]any{"city": "Paris", "month": 13}, []string{"maximum"}},
		{"search_cities", map[string]any{"query": "Atlantis"}, []string{"no city matches"}},
		{"get_weather_alerts", map[string]any{"city": ""}, []string{"unknown city"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func BenchmarkHourly7Days(b *testing.B) {
	for b.Loop() {
		if _, err := hourly(b.Context(), ForecastIn{City: "Paris", Days: 7, Today: DefaultToday}); err != nil {
			b.Fatal(err)
		}
	}
}
