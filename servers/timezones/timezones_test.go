package timezones

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/servers/internal/servertest"
)

func TestTools(t *testing.T) {
	cs := servertest.Connect(t, New())
	tools := servertest.CheckTools(t, cs)
	servertest.ToolsGolden(t, tools)
	const at = "2026-06-15T12:00:00Z"

	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "current_time", Args: map[string]any{"zone": "Asia/Kathmandu", "at": at}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[TimeInfo](t, raw)
			if out.Local != "2026-06-15T17:45:00+05:45" || out.OffsetSeconds != 20700 || out.Weekday != "Monday" || out.IsDST {
				t.Errorf("Kathmandu = %+v", out)
			}
		}},
		{Tool: "convert_time", Args: map[string]any{"time": "2026-03-29T01:30:00Z", "from_zone": "UTC", "to_zones": []string{"Europe/Paris", "new york", "Tokyo"}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ConvertOut](t, raw)
			p, ny, tk := out.Results[0], out.Results[1], out.Results[2]
			if p.Local != "2026-03-29T03:30:00+02:00" || p.Abbreviation != "CEST" || !p.IsDST {
				t.Errorf("Paris after the 2026-03-29 DST change = %+v", p)
			}
			if ny.Zone != "America/New_York" || ny.UTCOffset != "-04:00" || tk.Local != "2026-03-29T10:30:00+09:00" {
				t.Errorf("NY/Tokyo = %+v %+v", ny, tk)
			}
		}},
		{Name: "convert_time_gap", Tool: "convert_time", Args: map[string]any{"time": "2026-03-29 02:30", "from_zone": "Europe/Paris", "to_zones": []string{"UTC"}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ConvertOut](t, raw)
			if !strings.Contains(out.Note, "does not exist") {
				t.Errorf("gap note = %q", out.Note)
			}
		}},
		{Name: "convert_time_overlap", Tool: "convert_time", Args: map[string]any{"time": "2026-10-25 02:30", "from_zone": "Europe/Paris", "to_zones": []string{"UTC"}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ConvertOut](t, raw)
			if !strings.Contains(out.Note, "occurs twice") || out.Results[0].Local != "2026-10-25T00:30:00Z" {
				t.Errorf("overlap = %+v", out)
			}
		}},
		{Tool: "list_timezones", Args: map[string]any{"region": "Europe", "at": at}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ListOut](t, raw)
			found := false
			for _, z := range out.Zones {
				if !strings.HasPrefix(z.Zone, "Europe/") {
					t.Errorf("zone %s outside Europe", z.Zone)
				}
				if z.Zone == "Europe/Paris" {
					found = z.UTCOffset == "+02:00" && z.Abbreviation == "CEST"
				}
			}
			if !found || out.Count < 50 {
				t.Errorf("Europe: %d zones, Paris ok=%v", out.Count, found)
			}
		}},
		{Tool: "time_difference", Args: map[string]any{"start": "2026-01-01 00:00", "start_zone": "America/New_York", "end": "2026-01-01 00:00", "end_zone": "Europe/London"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[DiffOut](t, raw)
			if out.Seconds != -5*3600 || out.Human != "minus 5 hours" || out.CalendarDays != 0 {
				t.Errorf("diff = %+v", out)
			}
		}},
		{Tool: "add_duration", Args: map[string]any{"time": "2026-03-28 12:00", "zone": "Europe/Paris", "duration": "P1D"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[AddOut](t, raw)
			if out.Result.Local != "2026-03-29T12:00:00+02:00" || out.Elapsed != "23 hours" {
				t.Errorf("P1D across DST = %+v", out)
			}
		}},
		{Name: "add_duration_clock", Tool: "add_duration", Args: map[string]any{"time": "2026-03-28 12:00", "zone": "Europe/Paris", "duration": "24h"}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[AddOut](t, raw); out.Result.Local != "2026-03-29T13:00:00+02:00" {
				t.Errorf("24h across DST = %+v", out.Result)
			}
		}},
		{Tool: "business_days", Args: map[string]any{"start_date": "2026-12-21", "end_date": "2026-12-31", "country": "US"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[BusinessOut](t, raw)
			if out.BusinessDays != 8 || out.WeekendDays != 2 || out.CalendarDays != 11 || len(out.Holidays) != 1 || out.Holidays[0].Name != "Christmas Day" {
				t.Errorf("business days = %+v", out)
			}
		}},
		{Tool: "world_clock", Args: map[string]any{"cities": []string{"Tokyo", "New York", "Kathmandu"}, "at": at}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[WorldOut](t, raw)
			if len(out.Clocks) != 3 || out.Clocks[0].City != "New York" || out.Clocks[0].Local != "2026-06-15 08:00" ||
				out.Clocks[0].BusinessHours || out.Clocks[2].Local != "2026-06-15 21:00" || out.Clocks[2].Country != "JP" {
				t.Errorf("world clock = %+v", out.Clocks)
			}
		}},
		{Name: "world_clock_default", Tool: "world_clock", Args: map[string]any{"at": at}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[WorldOut](t, raw)
			last := out.Clocks[len(out.Clocks)-1]
			if len(out.Clocks) != len(defaultWorldClock) || last.City != "Auckland" || last.DayVsUTC != 1 {
				t.Errorf("default world clock = %+v", out.Clocks)
			}
		}},
		{Tool: "dst_transitions", Args: map[string]any{"zone": "Europe/Paris", "year": 2026}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[DSTOut](t, raw)
			if len(out.Transitions) != 2 || out.Transitions[0].UTC != "2026-03-29T01:00:00Z" || out.Transitions[0].Kind != "dst_start" ||
				out.Transitions[0].LocalBefore != "2026-03-29 01:59:59" || out.Transitions[0].LocalAfter != "2026-03-29 03:00:00" ||
				out.Transitions[1].UTC != "2026-10-25T01:00:00Z" || out.DaylightSaved != "1h0m0s" {
				t.Errorf("Paris 2026 = %+v", out)
			}
		}},
	})
}

func TestHolidays(t *testing.T) {
	f, err := os.Open("testdata/holidays_2026.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() == "" || strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fs := strings.SplitN(sc.Text(), " ", 3)
		d, _ := time.Parse("2006-01-02", fs[1])
		found := false
		for _, h := range holidaysIn(fs[0], 2026) {
			if h.Date.Equal(d) && h.Name == fs[2] {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %s", sc.Text())
		}
	}
	if got := easter(2027); !got.Equal(date(2027, 3, 28)) {
		t.Errorf("easter(2027) = %v", got)
	}
}

func TestClock(t *testing.T) {
	fixed := time.Date(2026, 6, 15, 9, 30, 0, 0, time.UTC)
	cs := servertest.Connect(t, NewWithClock(func() time.Time { return fixed }))
	out, _ := servertest.CallOK[TimeInfo](t, cs, "current_time", map[string]any{"zone": "Europe/Berlin"})
	if out.Local != "2026-06-15T11:30:00+02:00" {
		t.Errorf("clocked current_time = %+v", out)
	}
}

func TestErrors(t *testing.T) {
	cs := servertest.Connect(t, New())
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"current_time", map[string]any{"zone": "Europe/Pariss"}, []string{`unknown time zone "Europe/Pariss"`, "did you mean Europe/Paris", "list_timezones"}},
		{"current_time", map[string]any{"zone": "UTC", "at": "yesterday"}, []string{"cannot parse time", "RFC 3339"}},
		{"convert_time", map[string]any{"time": "2026-13-01 10:00", "from_zone": "UTC", "to_zones": []string{"Tokyo"}}, []string{"cannot parse time"}},
		{"convert_time", map[string]any{"time": "2026-01-01 10:00", "from_zone": "UTC", "to_zones": []string{"Atlantis"}}, []string{`unknown time zone "Atlantis"`}},
		{"list_timezones", map[string]any{"region": "Mars"}, []string{"region"}},
		{"list_timezones", map[string]any{"query": "zzzz", "at": "2026-01-01T00:00:00Z"}, []string{"no zone matches"}},
		{"add_duration", map[string]any{"time": "2026-01-01", "duration": "three days"}, []string{"cannot parse duration", "ISO 8601"}},
		{"business_days", map[string]any{"start_date": "2026-02-01", "end_date": "2026-01-01"}, []string{"before start_date"}},
		{"business_days", map[string]any{"start_date": "2000-01-01", "end_date": "2026-01-01"}, []string{"limit is 3660"}},
		{"business_days", map[string]any{"start_date": "2026-01-01", "end_date": "2026-02-01", "country": "XX"}, []string{"country"}},
		{"world_clock", map[string]any{"cities": []string{"Gotham"}, "at": "2026-01-01T00:00:00Z"}, []string{`unknown time zone "Gotham"`}},
		{"dst_transitions", map[string]any{"zone": "UTC", "year": 1800}, []string{"minimum"}},
		{"time_difference", map[string]any{"start": "2026-01-01", "end": "soon"}, []string{"end: cannot parse"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"P1Y2M10DT2H30M", "-PT90M", "P2W", "1h30m", "PT", "P", "PT1.5S", "-45m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, mo, d, c, err := parseDuration(s)
		if err != nil {
			return
		}
		_ = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(y, mo, d).Add(c)
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-29 02:30", "2026-03-29T01:30:00Z", "2026-10-25T02:30", "2026-01-01"} {
		f.Add(s)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	f.Fuzz(func(t *testing.T, s string) {
		tm, _, err := parseTime(s, paris)
		if err == nil && tm.IsZero() && !strings.HasPrefix(s, "0001") {
			t.Fatalf("parseTime(%q) gave the zero time without error", s)
		}
	})
}
