// Package timezones is the bundled "time" MCP server: current time in a zone
// (deterministic with an explicit `at`), conversion between zones, zone
// listing, differences, duration arithmetic, business days with public
// holidays, a world clock over a shipped city table, and DST transitions.
//
// Zone rules come from Go's embedded time/tzdata, so results do not depend on
// the host's zoneinfo.
package timezones

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone rules independent of the host

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "time"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Time zones: current time, conversion, zone search, differences, durations, business days, world clock, DST transitions"

//go:embed zones.txt
var zonesTxt string

var zoneNames = func() []string {
	var z []string
	for _, l := range strings.Split(zonesTxt, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			z = append(z, l)
		}
	}
	return append(z, "UTC")
}()

var regions = []string{"", "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "UTC"}

// resolveZone accepts an IANA name (any case), a city from the shipped
// table, or UTC/GMT/Z.
func resolveZone(s string) (*time.Location, string, error) {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "UTC", "GMT", "Z", "ETC/UTC":
		return time.UTC, "UTC", nil
	}
	for _, z := range zoneNames {
		if strings.EqualFold(z, s) || strings.EqualFold(strings.ReplaceAll(z, "_", " "), s) {
			loc, err := time.LoadLocation(z)
			if err != nil {
				return nil, "", fmt.Errorf("load zone %s: %w", z, err)
			}
			return loc, z, nil
		}
	}
	for _, c := range cities {
		if strings.EqualFold(c.Name, s) {
			loc, err := time.LoadLocation(c.Zone)
			if err != nil {
				return nil, "", fmt.Errorf("load zone %s: %w", c.Zone, err)
			}
			return loc, c.Zone, nil
		}
	}
	cands := slices.Clone(zoneNames)
	for _, c := range cities {
		cands = append(cands, c.Name)
	}
	return nil, "", fmt.Errorf("unknown time zone %q%s; use an IANA name like Europe/Paris or America/New_York, a city like Tokyo, or UTC (list_timezones lists zones)", s, tooldef.DidYouMean(s, cands))
}

var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseTime reads an RFC 3339 instant or a wall-clock time in loc. The note
// explains DST gaps (a wall time that does not exist) and overlaps (one that
// exists twice; the earlier instant is used).
func parseTime(s string, loc *time.Location) (time.Time, string, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, "", nil
	}
	for _, layout := range localLayouts {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		wall, _ := time.Parse(layout, s)
		if t.Hour() != wall.Hour() || t.Minute() != wall.Minute() || t.Day() != wall.Day() {
			return t, fmt.Sprintf("%s does not exist in %s (skipped by a DST change); interpreted as %s", s, loc, t.Format("2006-01-02 15:04 MST")), nil
		}
		_, off := t.Zone()
		for _, probe := range []time.Duration{-3 * time.Hour, 3 * time.Hour} {
			_, off2 := t.Add(probe).Zone()
			if off2 == off {
				continue
			}
			alt := t.Add(time.Duration(off-off2) * time.Second)
			if alt != t && alt.In(loc).Format(layout) == t.Format(layout) {
				first := t
				if alt.Before(t) {
					first = alt
				}
				return first, fmt.Sprintf("%s occurs twice in %s (DST ends); the earlier instant (%s) is used", s, loc, first.Format("15:04 MST")), nil
			}
		}
		return t, "", nil
	}
	return time.Time{}, "", fmt.Errorf("cannot parse time %q; use RFC 3339 (2026-03-29T01:30:00Z, 2026-03-29T03:30:00+02:00) or a local wall time (2026-03-29 14:30, 2026-03-29T14:30:00, 2026-03-29)", s)
}

// TimeInfo describes one instant in one zone.
type TimeInfo struct {
	Zone          string `json:"zone" jsonschema:"IANA zone name"`
	Local         string `json:"local" jsonschema:"local time, RFC 3339 with offset"`
	Date          string `json:"date" jsonschema:"local date YYYY-MM-DD"`
	Time          string `json:"time" jsonschema:"local time HH:MM:SS"`
	Weekday       string `json:"weekday" jsonschema:"local day of the week"`
	UTCOffset     string `json:"utc_offset" jsonschema:"offset from UTC, ±HH:MM"`
	OffsetSeconds int    `json:"offset_seconds" jsonschema:"offset from UTC in seconds"`
	Abbreviation  string `json:"abbreviation" jsonschema:"zone abbreviation (CEST, EST, +0545)"`
	IsDST         bool   `json:"is_dst" jsonschema:"whether daylight saving time is in effect"`
	UTC           string `json:"utc" jsonschema:"the same instant in UTC"`
	Unix          int64  `json:"unix" jsonschema:"seconds since 1970-01-01 UTC"`
	ISOWeek       int    `json:"iso_week" jsonschema:"ISO 8601 week number"`
	DayOfYear     int    `json:"day_of_year" jsonschema:"1..366"`
}

func info(t time.Time, loc *time.Location, name string) TimeInfo {
	lt := t.In(loc)
	abbr, off := lt.Zone()
	_, wk := lt.ISOWeek()
	return TimeInfo{
		Zone: name, Local: lt.Format(time.RFC3339), Date: lt.Format("2006-01-02"), Time: lt.Format("15:04:05"),
		Weekday: lt.Weekday().String(), UTCOffset: lt.Format("-07:00"), OffsetSeconds: off, Abbreviation: abbr,
		IsDST: lt.IsDST(), UTC: t.UTC().Format(time.RFC3339), Unix: t.Unix(), ISOWeek: wk, DayOfYear: lt.YearDay(),
	}
}

type server struct {
	now func() time.Time
}

// at returns the instant named by s, or the clock's now when s is empty.
func (sv *server) at(s string) (time.Time, error) {
	if s == "" {
		return sv.now(), nil
	}
	t, _, err := parseTime(s, time.UTC)
	return t, err
}

// New returns the time server. Tools without an explicit `at` use the system
// clock; pass `at` (or use NewWithClock) for reproducible results.
func New() *mcp.Server { return NewWithClock(time.Now) }

// NewWithClock returns the time server with now as its clock.
func NewWithClock(now func() time.Time) *mcp.Server {
	sv := &server{now: now}
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Time zones", Version: "v1.0.0"}, nil)
	atDoc := " Optional `at` (RFC 3339, or a UTC wall time like 2026-06-15 12:00) fixes the instant for reproducible results; without it the server clock is used."

	tooldef.AddPure(s, "current_time", "Current time in a zone",
		"The current local time in a time zone (IANA name like Europe/Paris, a city like Tokyo, or UTC): date, time, weekday, UTC offset, abbreviation, DST flag, ISO week and Unix time."+atDoc,
		nil, sv.currentTime)
	tooldef.AddPure(s, "convert_time", "Convert between zones",
		"Convert a time from one zone to one or more others (up to 50). `time` is RFC 3339 (an instant) or a local wall time in from_zone (2026-03-29 14:30). Wall times skipped or repeated by DST changes are reported in `note`.",
		tooldef.Tweaks{"to_zones": {tooldef.Items(1, 50)}}, sv.convert)
	tooldef.AddPure(s, "list_timezones", "List time zones",
		"List IANA time zones, filtered by region (Europe, America, ...) and/or a case-insensitive query on the name (\"york\", \"kolkata\"), with each zone's UTC offset, abbreviation and DST flag at the given instant. Without filters all ~490 zones are listed."+atDoc,
		tooldef.Tweaks{"region": {tooldef.Enum(regions...)}}, sv.listZones)
	tooldef.AddPure(s, "time_difference", "Time between two times",
		"The elapsed time from start to end (negative if end is earlier), in seconds, minutes, hours and days, with a human-readable form and the number of calendar days between the local dates. Each time is RFC 3339 or a wall time in its zone (start_zone / end_zone, default UTC).",
		tooldef.Tweaks{"start_zone": {tooldef.Default("UTC")}, "end_zone": {tooldef.Default("UTC")}}, sv.difference)
	tooldef.AddPure(s, "add_duration", "Add a duration",
		"Add (or subtract, with a leading minus) a duration to a time in a zone. Durations are ISO 8601 (P1Y2M10DT2H30M, P2W, -PT90M) or Go-style (1h30m, -45m, 36h). Calendar parts (years, months, weeks, days) keep the local wall-clock time across DST changes; clock parts (hours, minutes, seconds) are exact elapsed time.",
		tooldef.Tweaks{"zone": {tooldef.Default("UTC")}}, sv.addDuration)
	tooldef.AddPure(s, "business_days", "Business days between dates",
		"Count business days (Monday to Friday, minus public holidays) from start_date to end_date inclusive (at most 3660 days). Public holidays are shipped for US (federal, observed), GB (England and Wales bank holidays), FR and DE (national); country none counts weekdays only. Lists the holidays that fall on weekdays in the range.",
		tooldef.Tweaks{"country": {tooldef.Enum(holidayCountries...), tooldef.Default("none")}, "start_date": {tooldef.Pattern(`^\d{4}-\d{2}-\d{2}$`)}, "end_date": {tooldef.Pattern(`^\d{4}-\d{2}-\d{2}$`)}}, businessDays)
	tooldef.AddPure(s, "world_clock", "World clock",
		"The local time in several cities at once (default: 12 major cities from Los Angeles to Auckland; up to 50 cities or zones), with offset, DST flag, the day relative to UTC (-1, 0, +1) and whether it is within business hours (Mon-Fri 09:00-17:00)."+atDoc,
		tooldef.Tweaks{"cities": {tooldef.Items(0, 50)}}, sv.worldClock)
	tooldef.AddPure(s, "dst_transitions", "DST transitions",
		"The daylight-saving (and other offset) transitions of a zone in a given year (1900..2100): the UTC instant, the local wall time just before and after, and the offsets and abbreviations on each side. Zones without DST return an empty list with their fixed offset.",
		tooldef.Tweaks{"year": {tooldef.Between(1900, 2100)}}, dstTransitions)
	return s
}

// CurrentIn is the input of current_time.
type CurrentIn struct {
	Zone string `json:"zone" jsonschema:"IANA zone, city or UTC"`
	At   string `json:"at,omitempty" jsonschema:"instant to use instead of now (RFC 3339)"`
}

func (sv *server) currentTime(_ context.Context, in CurrentIn) (TimeInfo, error) {
	loc, name, err := resolveZone(in.Zone)
	if err != nil {
		return TimeInfo{}, err
	}
	t, err := sv.at(in.At)
	if err != nil {
		return TimeInfo{}, err
	}
	return info(t, loc, name), nil
}

// ConvertIn is the input of convert_time.
type ConvertIn struct {
	Time     string   `json:"time" jsonschema:"RFC 3339 instant or local wall time in from_zone"`
	FromZone string   `json:"from_zone" jsonschema:"zone of a wall time (IANA, city or UTC)"`
	ToZones  []string `json:"to_zones" jsonschema:"zones to convert to"`
}

// ConvertOut is the output of convert_time.
type ConvertOut struct {
	Source  TimeInfo   `json:"source" jsonschema:"the time in from_zone"`
	Results []TimeInfo `json:"results" jsonschema:"the same instant in each target zone"`
	Note    string     `json:"note,omitempty" jsonschema:"DST gap or overlap remark"`
}

func (sv *server) convert(_ context.Context, in ConvertIn) (ConvertOut, error) {
	loc, name, err := resolveZone(in.FromZone)
	if err != nil {
		return ConvertOut{}, err
	}
	t, note, err := parseTime(in.Time, loc)
	if err != nil {
		return ConvertOut{}, err
	}
	out := ConvertOut{Source: info(t, loc, name), Note: note}
	for _, z := range in.ToZones {
		l, n, err := resolveZone(z)
		if err != nil {
			return ConvertOut{}, err
		}
		out.Results = append(out.Results, info(t, l, n))
	}
	return out, nil
}

// ListIn is the input of list_timezones.
type ListIn struct {
	Region string `json:"region,omitempty" jsonschema:"only zones of this region"`
	Query  string `json:"query,omitempty" jsonschema:"case-insensitive substring of the zone name"`
	At     string `json:"at,omitempty" jsonschema:"instant at which offsets are reported (RFC 3339)"`
}

// ZoneRow is one zone of list_timezones.
type ZoneRow struct {
	Zone         string `json:"zone" jsonschema:"IANA name"`
	UTCOffset    string `json:"utc_offset" jsonschema:"offset at the instant"`
	Abbreviation string `json:"abbreviation" jsonschema:"abbreviation at the instant"`
	IsDST        bool   `json:"is_dst" jsonschema:"DST in effect at the instant"`
}

// ListOut is the output of list_timezones.
type ListOut struct {
	At    string    `json:"at" jsonschema:"the instant used (UTC)"`
	Count int       `json:"count" jsonschema:"number of zones listed"`
	Zones []ZoneRow `json:"zones" jsonschema:"matching zones, sorted by name"`
}

func (sv *server) listZones(_ context.Context, in ListIn) (ListOut, error) {
	t, err := sv.at(in.At)
	if err != nil {
		return ListOut{}, err
	}
	q := strings.ToLower(strings.ReplaceAll(in.Query, " ", "_"))
	out := ListOut{At: t.UTC().Format(time.RFC3339), Zones: []ZoneRow{}}
	for _, z := range zoneNames {
		if in.Region != "" && !strings.HasPrefix(z, in.Region+"/") && z != in.Region {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(z), q) {
			continue
		}
		loc, err := time.LoadLocation(z)
		if err != nil {
			continue
		}
		lt := t.In(loc)
		abbr, _ := lt.Zone()
		out.Zones = append(out.Zones, ZoneRow{z, lt.Format("-07:00"), abbr, lt.IsDST()})
	}
	out.Count = len(out.Zones)
	if out.Count == 0 {
		return out, fmt.Errorf("no zone matches region %q and query %q%s", in.Region, in.Query, tooldef.DidYouMean(in.Query, zoneNames))
	}
	return out, nil
}

// DiffIn is the input of time_difference.
type DiffIn struct {
	Start     string `json:"start" jsonschema:"start time"`
	End       string `json:"end" jsonschema:"end time"`
	StartZone string `json:"start_zone,omitempty" jsonschema:"zone of a wall-clock start (default UTC)"`
	EndZone   string `json:"end_zone,omitempty" jsonschema:"zone of a wall-clock end (default UTC)"`
}

// DiffOut is the output of time_difference.
type DiffOut struct {
	Start        TimeInfo `json:"start" jsonschema:"the start"`
	End          TimeInfo `json:"end" jsonschema:"the end"`
	Seconds      int64    `json:"seconds" jsonschema:"elapsed seconds"`
	Minutes      float64  `json:"minutes" jsonschema:"elapsed minutes"`
	Hours        float64  `json:"hours" jsonschema:"elapsed hours"`
	Days         float64  `json:"days" jsonschema:"elapsed days (86400 s)"`
	Human        string   `json:"human" jsonschema:"e.g. 2 days 3 hours 15 minutes"`
	CalendarDays int      `json:"calendar_days" jsonschema:"difference between the local dates"`
}

func humanDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	secs := int64(d / time.Second)
	parts := []string{}
	for _, u := range []struct {
		n    int64
		name string
	}{{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}} {
		if v := secs / u.n; v > 0 {
			s := ""
			if v != 1 {
				s = "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s%s", v, u.name, s))
			secs -= v * u.n
		}
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	h := strings.Join(parts, " ")
	if neg {
		h = "minus " + h
	}
	return h
}

func (sv *server) difference(_ context.Context, in DiffIn) (DiffOut, error) {
	sl, sn, err := resolveZone(in.StartZone)
	if err != nil {
		return DiffOut{}, err
	}
	el, en, err := resolveZone(in.EndZone)
	if err != nil {
		return DiffOut{}, err
	}
	st, _, err := parseTime(in.Start, sl)
	if err != nil {
		return DiffOut{}, fmt.Errorf("start: %w", err)
	}
	et, _, err := parseTime(in.End, el)
	if err != nil {
		return DiffOut{}, fmt.Errorf("end: %w", err)
	}
	d := et.Sub(st)
	sd := st.In(sl)
	ed := et.In(el)
	cal := int(math.Round(date(ed.Year(), ed.Month(), ed.Day()).Sub(date(sd.Year(), sd.Month(), sd.Day())).Hours() / 24))
	return DiffOut{
		Start: info(st, sl, sn), End: info(et, el, en),
		Seconds: int64(d / time.Second), Minutes: d.Minutes(), Hours: d.Hours(), Days: math.Round(d.Hours()/24*1e6) / 1e6,
		Human: humanDuration(d), CalendarDays: cal,
	}, nil
}

// AddIn is the input of add_duration.
type AddIn struct {
	Time     string `json:"time" jsonschema:"RFC 3339 instant or wall time in zone"`
	Zone     string `json:"zone,omitempty" jsonschema:"zone of the time and the result (default UTC)"`
	Duration string `json:"duration" jsonschema:"ISO 8601 (P1DT2H) or Go-style (1h30m) duration; leading minus subtracts"`
}

// AddOut is the output of add_duration.
type AddOut struct {
	Start    TimeInfo `json:"start" jsonschema:"the starting time"`
	Result   TimeInfo `json:"result" jsonschema:"start plus duration"`
	Duration string   `json:"duration" jsonschema:"normalized duration: calendar part and clock part"`
	Elapsed  string   `json:"elapsed" jsonschema:"actual elapsed time between start and result"`
	Note     string   `json:"note,omitempty" jsonschema:"DST remark about the start time"`
}

var isoDur = regexp.MustCompile(`^([+-])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// parseDuration returns calendar parts (years, months, days) and a clock part.
func parseDuration(s string) (y, mo, d int, clock time.Duration, err error) {
	s = strings.TrimSpace(s)
	if m := isoDur.FindStringSubmatch(strings.ToUpper(s)); m != nil && s != "P" && !strings.HasSuffix(strings.ToUpper(s), "T") {
		atoi := func(x string) int { v, _ := strconv.Atoi(x); return v }
		y, mo, d = atoi(m[2]), atoi(m[3]), atoi(m[4])*7+atoi(m[5])
		secs, _ := strconv.ParseFloat(m[8], 64)
		clock = time.Duration(atoi(m[6]))*time.Hour + time.Duration(atoi(m[7]))*time.Minute + time.Duration(secs*float64(time.Second))
		if m[1] == "-" {
			y, mo, d, clock = -y, -mo, -d, -clock
		}
		if y > 10000 || mo > 120000 || d > 3660000 {
			return 0, 0, 0, 0, fmt.Errorf("duration %q is too large", s)
		}
		return y, mo, d, clock, nil
	}
	clock, err = time.ParseDuration(s)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("cannot parse duration %q; use ISO 8601 (P1DT2H30M, P2W, -PT90M) or Go-style (1h30m, -45m)", s)
	}
	return 0, 0, 0, clock, nil
}

func (sv *server) addDuration(_ context.Context, in AddIn) (AddOut, error) {
	loc, name, err := resolveZone(in.Zone)
	if err != nil {
		return AddOut{}, err
	}
	t, note, err := parseTime(in.Time, loc)
	if err != nil {
		return AddOut{}, err
	}
	y, mo, d, clock, err := parseDuration(in.Duration)
	if err != nil {
		return AddOut{}, err
	}
	r := t.In(loc).AddDate(y, mo, d).Add(clock)
	if r.Year() < 1 || r.Year() > 9999 {
		return AddOut{}, fmt.Errorf("the result is outside years 1..9999")
	}
	return AddOut{
		Start: info(t, loc, name), Result: info(r, loc, name),
		Duration: fmt.Sprintf("%d years %d months %d days + %s", y, mo, d, clock),
		Elapsed:  humanDuration(r.Sub(t)), Note: note,
	}, nil
}

// BusinessIn is the input of business_days.
type BusinessIn struct {
	StartDate string `json:"start_date" jsonschema:"first date, YYYY-MM-DD (inclusive)"`
	EndDate   string `json:"end_date" jsonschema:"last date, YYYY-MM-DD (inclusive)"`
	Country   string `json:"country,omitempty" jsonschema:"public-holiday calendar (default none)"`
}

// HolidayRow is one holiday in range.
type HolidayRow struct {
	Date    string `json:"date" jsonschema:"YYYY-MM-DD (observed date)"`
	Weekday string `json:"weekday" jsonschema:"day of the week"`
	Name    string `json:"name" jsonschema:"holiday name"`
}

// BusinessOut is the output of business_days.
type BusinessOut struct {
	StartDate    string       `json:"start_date" jsonschema:"first date"`
	EndDate      string       `json:"end_date" jsonschema:"last date"`
	Country      string       `json:"country" jsonschema:"holiday calendar used"`
	CalendarDays int          `json:"calendar_days" jsonschema:"days in the range, inclusive"`
	WeekendDays  int          `json:"weekend_days" jsonschema:"Saturdays and Sundays"`
	Holidays     []HolidayRow `json:"holidays" jsonschema:"public holidays on weekdays in the range"`
	BusinessDays int          `json:"business_days" jsonschema:"weekdays that are not holidays"`
}

func businessDays(_ context.Context, in BusinessIn) (BusinessOut, error) {
	s, err := time.Parse("2006-01-02", in.StartDate)
	if err != nil {
		return BusinessOut{}, fmt.Errorf("start_date %q is not a date YYYY-MM-DD", in.StartDate)
	}
	e, err := time.Parse("2006-01-02", in.EndDate)
	if err != nil {
		return BusinessOut{}, fmt.Errorf("end_date %q is not a date YYYY-MM-DD", in.EndDate)
	}
	if e.Before(s) {
		return BusinessOut{}, fmt.Errorf("end_date %s is before start_date %s", in.EndDate, in.StartDate)
	}
	days := int(e.Sub(s).Hours()/24) + 1
	if days > 3660 {
		return BusinessOut{}, fmt.Errorf("the range has %d days; the limit is 3660 (about 10 years)", days)
	}
	hol := map[time.Time]string{}
	for y := s.Year(); y <= e.Year(); y++ {
		for _, h := range holidaysIn(in.Country, y) {
			if _, dup := hol[h.Date]; !dup {
				hol[h.Date] = h.Name
			}
		}
	}
	out := BusinessOut{StartDate: in.StartDate, EndDate: in.EndDate, Country: in.Country, CalendarDays: days, Holidays: []HolidayRow{}}
	for d := s; !d.After(e); d = d.AddDate(0, 0, 1) {
		switch wd := d.Weekday(); {
		case wd == time.Saturday || wd == time.Sunday:
			out.WeekendDays++
		case hol[d] != "":
			out.Holidays = append(out.Holidays, HolidayRow{d.Format("2006-01-02"), wd.String(), hol[d]})
		default:
			out.BusinessDays++
		}
	}
	return out, nil
}

// WorldIn is the input of world_clock.
type WorldIn struct {
	Cities []string `json:"cities,omitempty" jsonschema:"cities or zones (default: 12 major cities)"`
	At     string   `json:"at,omitempty" jsonschema:"instant to show instead of now (RFC 3339)"`
}

// ClockRow is one city of world_clock.
type ClockRow struct {
	City          string `json:"city" jsonschema:"city (or zone) as requested"`
	Country       string `json:"country,omitempty" jsonschema:"ISO country code, for shipped cities"`
	Zone          string `json:"zone" jsonschema:"IANA zone"`
	Local         string `json:"local" jsonschema:"local time, YYYY-MM-DD HH:MM"`
	Weekday       string `json:"weekday" jsonschema:"local day of the week"`
	UTCOffset     string `json:"utc_offset" jsonschema:"offset from UTC"`
	Abbreviation  string `json:"abbreviation" jsonschema:"zone abbreviation"`
	IsDST         bool   `json:"is_dst" jsonschema:"DST in effect"`
	DayVsUTC      int    `json:"day_vs_utc" jsonschema:"local date minus UTC date: -1, 0 or +1"`
	BusinessHours bool   `json:"business_hours" jsonschema:"Mon-Fri 09:00-17:00 local"`
}

// WorldOut is the output of world_clock.
type WorldOut struct {
	UTC    string     `json:"utc" jsonschema:"the instant in UTC"`
	Clocks []ClockRow `json:"clocks" jsonschema:"one row per city, west to east by offset"`
}

func (sv *server) worldClock(_ context.Context, in WorldIn) (WorldOut, error) {
	t, err := sv.at(in.At)
	if err != nil {
		return WorldOut{}, err
	}
	names := in.Cities
	if len(names) == 0 {
		names = defaultWorldClock
	}
	out := WorldOut{UTC: t.UTC().Format(time.RFC3339)}
	u := t.UTC()
	for _, n := range names {
		loc, zone, err := resolveZone(n)
		if err != nil {
			return WorldOut{}, err
		}
		country := ""
		for _, c := range cities {
			if strings.EqualFold(c.Name, n) {
				country = c.Country
			}
		}
		lt := t.In(loc)
		abbr, _ := lt.Zone()
		dd := int(date(lt.Year(), lt.Month(), lt.Day()).Sub(date(u.Year(), u.Month(), u.Day())).Hours() / 24)
		bh := lt.Weekday() != time.Saturday && lt.Weekday() != time.Sunday && lt.Hour() >= 9 && lt.Hour() < 17
		out.Clocks = append(out.Clocks, ClockRow{n, country, zone, lt.Format("2006-01-02 15:04"), lt.Weekday().String(), lt.Format("-07:00"), abbr, lt.IsDST(), dd, bh})
	}
	slices.SortStableFunc(out.Clocks, func(a, b ClockRow) int { return strings.Compare(offsetKey(a.UTCOffset), offsetKey(b.UTCOffset)) })
	return out, nil
}

// offsetKey makes ±HH:MM offsets sort numerically as strings.
func offsetKey(off string) string {
	h, _ := strconv.Atoi(off[1:3])
	m, _ := strconv.Atoi(off[4:6])
	v := h*60 + m
	if off[0] == '-' {
		v = -v
	}
	return fmt.Sprintf("%05d", v+1000)
}

// DSTIn is the input of dst_transitions.
type DSTIn struct {
	Zone string `json:"zone" jsonschema:"IANA zone, city or UTC"`
	Year int    `json:"year" jsonschema:"calendar year"`
}

// Transition is one offset change.
type Transition struct {
	UTC          string `json:"utc" jsonschema:"instant of the change, RFC 3339 UTC"`
	LocalBefore  string `json:"local_before" jsonschema:"wall time just before the change"`
	LocalAfter   string `json:"local_after" jsonschema:"wall time at the change"`
	OffsetBefore string `json:"offset_before" jsonschema:"offset before"`
	OffsetAfter  string `json:"offset_after" jsonschema:"offset after"`
	AbbrBefore   string `json:"abbreviation_before" jsonschema:"abbreviation before"`
	AbbrAfter    string `json:"abbreviation_after" jsonschema:"abbreviation after"`
	Kind         string `json:"kind" jsonschema:"dst_start, dst_end or offset_change"`
}

// DSTOut is the output of dst_transitions.
type DSTOut struct {
	Zone          string       `json:"zone" jsonschema:"IANA zone"`
	Year          int          `json:"year" jsonschema:"the year"`
	Transitions   []Transition `json:"transitions" jsonschema:"changes in the year, in order"`
	OffsetJan1    string       `json:"offset_jan_1" jsonschema:"offset at the start of the year"`
	ObservesDST   bool         `json:"observes_dst" jsonschema:"whether DST is used in the year"`
	StandardAbbr  string       `json:"standard_abbreviation" jsonschema:"abbreviation of standard time"`
	DaylightAbbr  string       `json:"daylight_abbreviation,omitempty" jsonschema:"abbreviation of daylight time"`
	DaylightSaved string       `json:"daylight_saving,omitempty" jsonschema:"size of the DST shift"`
}

func dstTransitions(_ context.Context, in DSTIn) (DSTOut, error) {
	loc, name, err := resolveZone(in.Zone)
	if err != nil {
		return DSTOut{}, err
	}
	start := time.Date(in.Year, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(in.Year+1, 1, 1, 0, 0, 0, 0, loc)
	out := DSTOut{Zone: name, Year: in.Year, OffsetJan1: start.Format("-07:00"), Transitions: []Transition{}}
	out.StandardAbbr, _ = start.Zone()
	t := start
	for range 20 {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			break
		}
		before := next.Add(-time.Second).In(loc)
		after := next.In(loc)
		ab, ob := before.Zone()
		aa, oa := after.Zone()
		kind := "offset_change"
		switch {
		case after.IsDST() && !before.IsDST():
			kind = "dst_start"
			out.ObservesDST, out.DaylightAbbr = true, aa
			out.DaylightSaved = (time.Duration(oa-ob) * time.Second).String()
		case before.IsDST() && !after.IsDST():
			kind = "dst_end"
			out.ObservesDST = true
			out.StandardAbbr = aa
		}
		out.Transitions = append(out.Transitions, Transition{
			UTC: next.UTC().Format(time.RFC3339), LocalBefore: before.Format("2006-01-02 15:04:05"), LocalAfter: after.Format("2006-01-02 15:04:05"),
			OffsetBefore: before.Format("-07:00"), OffsetAfter: after.Format("-07:00"), AbbrBefore: ab, AbbrAfter: aa, Kind: kind,
		})
		t = next
	}
	if start.IsDST() {
		out.ObservesDST = true
	}
	return out, nil
}
