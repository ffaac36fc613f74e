// Package weather is the bundled "weather" MCP server: current conditions,
// hourly and daily forecasts, historical daily series, monthly climate
// normals and alerts for 50 world cities.
//
// The data are synthetic but plausible: a pure function of city, date and
// hour, drawn from a seeded PRNG shaped by each city's shipped climate
// parameters (seasonal cycle, diurnal cycle, wet season, spells of warm and
// cold days). "Today" is 2026-06-15 unless a tool is given `today`, so the
// same arguments always give the same bytes.
package weather

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "weather"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Weather for 50 world cities: current conditions, hourly and daily forecasts, history, climate normals, alerts (deterministic data)"

// DefaultToday is the fixed "today" of the server.
const DefaultToday = "2026-06-15"

func cityNames() []string {
	n := make([]string, len(cities))
	for i, c := range cities {
		n[i] = c.Name
	}
	return n
}

func findCity(name string) (*city, error) {
	n := strings.TrimSpace(name)
	if i := strings.IndexByte(n, ','); i >= 0 {
		n = strings.TrimSpace(n[:i]) // "Paris, FR"
	}
	for i := range cities {
		if strings.EqualFold(cities[i].Name, n) {
			return &cities[i], nil
		}
	}
	return nil, fmt.Errorf("unknown city %q%s; use search_cities to list the %d supported cities", name, tooldef.DidYouMean(n, cityNames()), len(cities))
}

func parseDate(field, s string) (time.Time, error) {
	t, err := time.Parse(dayLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a date YYYY-MM-DD", field, s)
	}
	if t.Year() < 1950 || t.Year() > 2100 {
		return time.Time{}, fmt.Errorf("%s %s is outside the supported years 1950..2100", field, s)
	}
	return t, nil
}

// units converts metric values for output.
type units bool // true = imperial

func (u units) temp(c float64) float64 {
	if u {
		return round1(c*9/5 + 32)
	}
	return c
}

func (u units) precip(mm float64) float64 {
	if u {
		return math.Round(mm/25.4*100) / 100
	}
	return mm
}

func (u units) speed(kmh float64) float64 {
	if u {
		return round1(kmh / 1.609344)
	}
	return kmh
}

func (u units) pressure(hpa float64) float64 {
	if u {
		return math.Round(hpa*0.02953*100) / 100
	}
	return hpa
}

// UnitsInfo names the units of a result.
type UnitsInfo struct {
	Temperature   string `json:"temperature" jsonschema:"°C or °F"`
	Precipitation string `json:"precipitation" jsonschema:"mm or in"`
	Wind          string `json:"wind" jsonschema:"km/h or mph"`
	Pressure      string `json:"pressure" jsonschema:"hPa or inHg"`
}

func (u units) info() UnitsInfo {
	if u {
		return UnitsInfo{"°F", "in", "mph", "inHg"}
	}
	return UnitsInfo{"°C", "mm", "km/h", "hPa"}
}

// Location identifies the city of a result.
type Location struct {
	City      string  `json:"city" jsonschema:"city name"`
	Country   string  `json:"country" jsonschema:"ISO 3166 country code"`
	Latitude  float64 `json:"latitude" jsonschema:"degrees north"`
	Longitude float64 `json:"longitude" jsonschema:"degrees east"`
	Elevation int     `json:"elevation_m" jsonschema:"meters above sea level"`
	Timezone  string  `json:"timezone" jsonschema:"IANA zone; times are local"`
}

func loc(c *city) Location {
	return Location{c.Name, c.Country, c.Lat, c.Lon, c.Elev, c.Zone}
}

// Common argument tweaks.
var (
	unitsTweak = []tooldef.Tweak{tooldef.Enum("metric", "imperial"), tooldef.Default("metric")}
	todayTweak = []tooldef.Tweak{tooldef.Pattern(`^\d{4}-\d{2}-\d{2}$`), tooldef.Default(DefaultToday)}
)

// New returns the weather server with all tools registered.
func New() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Weather", Version: "v1.0.0"}, nil)
	note := " Data are deterministic model output; \"today\" is " + DefaultToday + " unless `today` is given."

	tooldef.AddPure(s, "search_cities", "Search cities",
		"Search the 50 supported cities by case-insensitive substring of the name and/or ISO country code; an empty query lists all. Returns coordinates, elevation, time zone and annual climate summary (mean temperature, precipitation).",
		tooldef.Tweaks{"limit": {tooldef.Between(1, 50), tooldef.Default(10)}}, searchCities)
	tooldef.AddPure(s, "get_current_conditions", "Current conditions",
		"Current weather in a city at `hour` local time of `today` (default 12:00): temperature, feels-like, humidity, dew point, wind speed, gusts and direction, pressure, cloud cover, precipitation in the last hour, UV index, visibility and a condition such as \"Partly cloudy\"."+note,
		tooldef.Tweaks{"units": unitsTweak, "today": todayTweak, "hour": {tooldef.Between(0, 23), tooldef.Default(12)}}, current)
	tooldef.AddPure(s, "get_hourly_forecast", "Hourly forecast",
		"Hourly forecast for a city from 00:00 local of `today` for 1 to 7 days (days×24 rows): temperature, feels-like, humidity, dew point, precipitation and its probability, wind speed, gusts and direction, cloud cover, pressure and condition."+note,
		tooldef.Tweaks{"units": unitsTweak, "today": todayTweak, "days": {tooldef.Between(1, 7), tooldef.Default(2)}}, hourly)
	tooldef.AddPure(s, "get_daily_forecast", "Daily forecast",
		"Daily forecast for a city for 1 to 16 days starting `today`: high and low, precipitation total, probability and hours, max wind and gusts, humidity, sunrise, sunset, daylight and sunshine hours, UV index and a summary condition."+note,
		tooldef.Tweaks{"units": unitsTweak, "today": todayTweak, "days": {tooldef.Between(1, 16), tooldef.Default(7)}}, daily)
	tooldef.AddPure(s, "get_historical_weather", "Historical weather",
		"Observed daily weather for a city over a date range (inclusive, at most 366 days, ending before `today`, from 1950 on): one row per day with high, low, mean, precipitation, wind, humidity, sunshine and condition, plus totals and extremes over the range."+note,
		tooldef.Tweaks{"units": unitsTweak, "today": todayTweak, "start_date": {tooldef.Pattern(`^\d{4}-\d{2}-\d{2}$`)}, "end_date": {tooldef.Pattern(`^\d{4}-\d{2}-\d{2}$`)}}, history)
	tooldef.AddPure(s, "get_climate_normals", "Climate normals",
		"Monthly climate normals (1991-2020 averages) for a city: mean daily high, low and mean temperature, precipitation total, days with precipitation ≥ 1 mm, sunshine hours, humidity and wind; month 1..12 for one month, or omit (0) for all twelve.",
		tooldef.Tweaks{"units": unitsTweak, "month": {tooldef.Between(0, 12), tooldef.Default(0)}}, normals)
	tooldef.AddPure(s, "get_weather_alerts", "Weather alerts",
		"Active and upcoming weather alerts for a city over the next 7 days from `today`: extreme heat, frost, heavy rain, high wind, snow and thunderstorms, each with severity (advisory, watch, warning), the affected dates, a description and advice. An empty list means no alerts."+note,
		tooldef.Tweaks{"units": unitsTweak, "today": todayTweak}, alerts)
	return s
}

// SearchIn is the input of search_cities.
type SearchIn struct {
	Query   string `json:"query,omitempty" jsonschema:"substring of the city name; empty matches all"`
	Country string `json:"country,omitempty" jsonschema:"ISO 3166 alpha-2 country code, e.g. US"`
	Limit   int    `json:"limit,omitempty" jsonschema:"maximum results, 1..50 (default 10)"`
}

// CityInfo is one search result.
type CityInfo struct {
	Location
	AnnualMeanTemp   float64 `json:"annual_mean_temp_c" jsonschema:"annual mean temperature, °C"`
	AnnualPrecip     float64 `json:"annual_precip_mm" jsonschema:"annual precipitation, mm"`
	WarmestMonthMean float64 `json:"warmest_month_mean_c" jsonschema:"mean temperature of the warmest month, °C"`
	ColdestMonthMean float64 `json:"coldest_month_mean_c" jsonschema:"mean temperature of the coldest month, °C"`
}

// SearchOut is the output of search_cities.
type SearchOut struct {
	Total  int        `json:"total" jsonschema:"matches before the limit"`
	Cities []CityInfo `json:"cities" jsonschema:"matching cities"`
}

func searchCities(_ context.Context, in SearchIn) (SearchOut, error) {
	q := strings.ToLower(strings.TrimSpace(in.Query))
	out := SearchOut{Cities: []CityInfo{}}
	for i := range cities {
		c := &cities[i]
		if q != "" && !strings.Contains(strings.ToLower(c.Name), q) {
			continue
		}
		if in.Country != "" && !strings.EqualFold(in.Country, c.Country) {
			continue
		}
		out.Total++
		if len(out.Cities) < in.Limit {
			out.Cities = append(out.Cities, CityInfo{loc(c), c.TMean, c.Precip, c.TMean + c.TAmp, c.TMean - c.TAmp})
		}
	}
	if out.Total == 0 {
		return out, fmt.Errorf("no city matches query %q country %q%s; call search_cities with an empty query to list all", in.Query, in.Country, tooldef.DidYouMean(q, cityNames()))
	}
	return out, nil
}

// CurrentIn is the input of get_current_conditions.
type CurrentIn struct {
	City  string `json:"city" jsonschema:"city name, e.g. Paris"`
	Today string `json:"today,omitempty" jsonschema:"the current date, YYYY-MM-DD (default 2026-06-15)"`
	Hour  int    `json:"hour,omitempty" jsonschema:"current local hour, 0..23 (default 12)"`
	Units string `json:"units,omitempty" jsonschema:"metric (°C, mm, km/h, hPa) or imperial (°F, in, mph, inHg)"`
}

// CurrentOut is the output of get_current_conditions.
type CurrentOut struct {
	Location      Location  `json:"location" jsonschema:"the city"`
	ObservedAt    string    `json:"observed_at" jsonschema:"local date and time"`
	Units         UnitsInfo `json:"units" jsonschema:"units of the values"`
	Condition     string    `json:"condition" jsonschema:"e.g. Clear, Partly cloudy, Rain"`
	Temperature   float64   `json:"temperature" jsonschema:"air temperature"`
	FeelsLike     float64   `json:"feels_like" jsonschema:"apparent temperature (wind chill or heat index)"`
	Humidity      float64   `json:"humidity" jsonschema:"relative humidity, %"`
	DewPoint      float64   `json:"dew_point" jsonschema:"dew point temperature"`
	WindSpeed     float64   `json:"wind_speed" jsonschema:"mean wind speed"`
	WindGust      float64   `json:"wind_gust" jsonschema:"gust speed"`
	WindDirection float64   `json:"wind_direction" jsonschema:"direction the wind comes from, degrees"`
	WindCompass   string    `json:"wind_compass" jsonschema:"direction as a compass point, e.g. SW"`
	Pressure      float64   `json:"pressure" jsonschema:"sea-level pressure"`
	CloudCover    float64   `json:"cloud_cover" jsonschema:"cloud cover, %"`
	Precipitation float64   `json:"precipitation_last_hour" jsonschema:"precipitation in the last hour"`
	UVIndex       float64   `json:"uv_index" jsonschema:"UV index (scaled by the hour)"`
	VisibilityKM  float64   `json:"visibility_km" jsonschema:"visibility, km"`
	TodayHigh     float64   `json:"today_high" jsonschema:"forecast high of the day"`
	TodayLow      float64   `json:"today_low" jsonschema:"forecast low of the day"`
	Sunrise       string    `json:"sunrise" jsonschema:"local sunrise HH:MM"`
	Sunset        string    `json:"sunset" jsonschema:"local sunset HH:MM"`
}

func compass(deg float64) string {
	pts := []string{"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"}
	return pts[int(math.Round(deg/22.5))%16]
}

func current(_ context.Context, in CurrentIn) (CurrentOut, error) {
	c, err := findCity(in.City)
	if err != nil {
		return CurrentOut{}, err
	}
	d, err := parseDate("today", in.Today)
	if err != nil {
		return CurrentOut{}, err
	}
	u := units(in.Units == "imperial")
	dy := genDay(c, d)
	h := genHour(c, dy, in.Hour)
	vis := 20 - 15*h.Precip/(h.Precip+2) - b2f(h.Condition == "Fog")*19
	uv := dy.UV * math.Max(0, math.Sin(math.Pi*(float64(in.Hour)-6)/12))
	return CurrentOut{
		Location: loc(c), ObservedAt: fmt.Sprintf("%sT%02d:00", d.Format(dayLayout), in.Hour), Units: u.info(),
		Condition: h.Condition, Temperature: u.temp(h.Temp), FeelsLike: u.temp(h.Feels), Humidity: h.Humidity,
		DewPoint: u.temp(h.DewPoint), WindSpeed: u.speed(h.Wind), WindGust: u.speed(h.Gust), WindDirection: h.WindDir,
		WindCompass: compass(h.WindDir), Pressure: u.pressure(h.Pressure), CloudCover: h.Cloud, Precipitation: u.precip(h.Precip),
		UVIndex: round1(uv), VisibilityKM: round1(vis), TodayHigh: u.temp(dy.TMax), TodayLow: u.temp(dy.TMin),
		Sunrise: dy.Sunrise, Sunset: dy.Sunset,
	}, nil
}

// ForecastIn is the input of the forecast tools and alerts.
type ForecastIn struct {
	City  string `json:"city" jsonschema:"city name, e.g. Tokyo"`
	Days  int    `json:"days,omitempty" jsonschema:"number of days"`
	Today string `json:"today,omitempty" jsonschema:"first forecast date, YYYY-MM-DD (default 2026-06-15)"`
	Units string `json:"units,omitempty" jsonschema:"metric or imperial"`
}

// HourRow is one hour of the hourly forecast.
type HourRow struct {
	Time          string  `json:"time" jsonschema:"local time YYYY-MM-DDTHH:00"`
	Temperature   float64 `json:"temperature" jsonschema:"air temperature"`
	FeelsLike     float64 `json:"feels_like" jsonschema:"apparent temperature"`
	Humidity      float64 `json:"humidity" jsonschema:"relative humidity, %"`
	DewPoint      float64 `json:"dew_point" jsonschema:"dew point"`
	Precipitation float64 `json:"precipitation" jsonschema:"precipitation in the hour"`
	PrecipProb    float64 `json:"precipitation_probability" jsonschema:"chance of precipitation, %"`
	WindSpeed     float64 `json:"wind_speed" jsonschema:"mean wind speed"`
	WindGust      float64 `json:"wind_gust" jsonschema:"gust speed"`
	WindDirection float64 `json:"wind_direction" jsonschema:"degrees, direction the wind comes from"`
	CloudCover    float64 `json:"cloud_cover" jsonschema:"%"`
	Pressure      float64 `json:"pressure" jsonschema:"sea-level pressure"`
	Condition     string  `json:"condition" jsonschema:"condition text"`
}

// HourlyOut is the output of get_hourly_forecast.
type HourlyOut struct {
	Location Location  `json:"location" jsonschema:"the city"`
	Units    UnitsInfo `json:"units" jsonschema:"units of the values"`
	Issued   string    `json:"issued" jsonschema:"forecast date"`
	Hours    []HourRow `json:"hours" jsonschema:"days×24 rows in time order"`
}

func hourly(_ context.Context, in ForecastIn) (HourlyOut, error) {
	c, err := findCity(in.City)
	if err != nil {
		return HourlyOut{}, err
	}
	d0, err := parseDate("today", in.Today)
	if err != nil {
		return HourlyOut{}, err
	}
	u := units(in.Units == "imperial")
	out := HourlyOut{Location: loc(c), Units: u.info(), Issued: d0.Format(dayLayout)}
	for i := range in.Days {
		d := d0.AddDate(0, 0, i)
		dy := genDay(c, d)
		for h := range 24 {
			x := genHour(c, dy, h)
			out.Hours = append(out.Hours, HourRow{
				Time: fmt.Sprintf("%sT%02d:00", d.Format(dayLayout), h), Temperature: u.temp(x.Temp), FeelsLike: u.temp(x.Feels),
				Humidity: x.Humidity, DewPoint: u.temp(x.DewPoint), Precipitation: u.precip(x.Precip), PrecipProb: x.PrecipProb,
				WindSpeed: u.speed(x.Wind), WindGust: u.speed(x.Gust), WindDirection: x.WindDir, CloudCover: x.Cloud,
				Pressure: u.pressure(x.Pressure), Condition: x.Condition,
			})
		}
	}
	return out, nil
}

// DayRow is one day of the daily forecast.
type DayRow struct {
	Date          string  `json:"date" jsonschema:"YYYY-MM-DD"`
	Condition     string  `json:"condition" jsonschema:"summary condition"`
	High          float64 `json:"high" jsonschema:"maximum temperature"`
	Low           float64 `json:"low" jsonschema:"minimum temperature"`
	Precipitation float64 `json:"precipitation" jsonschema:"precipitation total"`
	PrecipProb    float64 `json:"precipitation_probability" jsonschema:"chance of precipitation, %"`
	PrecipHours   int     `json:"precipitation_hours" jsonschema:"hours with precipitation"`
	WindMax       float64 `json:"wind_max" jsonschema:"maximum mean wind speed"`
	GustMax       float64 `json:"gust_max" jsonschema:"maximum gust"`
	WindDirection float64 `json:"wind_direction" jsonschema:"dominant direction, degrees"`
	Humidity      float64 `json:"humidity" jsonschema:"mean relative humidity, %"`
	Sunrise       string  `json:"sunrise" jsonschema:"local sunrise"`
	Sunset        string  `json:"sunset" jsonschema:"local sunset"`
	Daylight      float64 `json:"daylight_hours" jsonschema:"hours between sunrise and sunset"`
	Sunshine      float64 `json:"sunshine_hours" jsonschema:"hours of sunshine"`
	UVIndex       float64 `json:"uv_index" jsonschema:"maximum UV index"`
}

func dayRow(u units, dy day) DayRow {
	return DayRow{
		Date: dy.Date.Format(dayLayout), Condition: dayCondition(dy), High: u.temp(dy.TMax), Low: u.temp(dy.TMin),
		Precipitation: u.precip(dy.Precip), PrecipProb: dy.PrecipProb, PrecipHours: dy.RainHours,
		WindMax: u.speed(round1(dy.WindMean * 1.25)), GustMax: u.speed(dy.Gust), WindDirection: dy.WindDir, Humidity: dy.Humidity,
		Sunrise: dy.Sunrise, Sunset: dy.Sunset, Daylight: dy.DaylightHours, Sunshine: dy.Sunshine, UVIndex: dy.UV,
	}
}

// DailyOut is the output of get_daily_forecast.
type DailyOut struct {
	Location Location  `json:"location" jsonschema:"the city"`
	Units    UnitsInfo `json:"units" jsonschema:"units of the values"`
	Issued   string    `json:"issued" jsonschema:"forecast date"`
	Days     []DayRow  `json:"days" jsonschema:"one row per day"`
}

func daily(_ context.Context, in ForecastIn) (DailyOut, error) {
	c, err := findCity(in.City)
	if err != nil {
		return DailyOut{}, err
	}
	d0, err := parseDate("today", in.Today)
	if err != nil {
		return DailyOut{}, err
	}
	u := units(in.Units == "imperial")
	out := DailyOut{Location: loc(c), Units: u.info(), Issued: d0.Format(dayLayout)}
	for i := range in.Days {
		out.Days = append(out.Days, dayRow(u, genDay(c, d0.AddDate(0, 0, i))))
	}
	return out, nil
}

// HistoryIn is the input of get_historical_weather.
type HistoryIn struct {
	City      string `json:"city" jsonschema:"city name"`
	StartDate string `json:"start_date" jsonschema:"first day, YYYY-MM-DD"`
	EndDate   string `json:"end_date" jsonschema:"last day, YYYY-MM-DD, before today"`
	Today     string `json:"today,omitempty" jsonschema:"the current date (default 2026-06-15)"`
	Units     string `json:"units,omitempty" jsonschema:"metric or imperial"`
}

// HistoryRow is one observed day.
type HistoryRow struct {
	Date          string  `json:"date" jsonschema:"YYYY-MM-DD"`
	High          float64 `json:"high" jsonschema:"maximum temperature"`
	Low           float64 `json:"low" jsonschema:"minimum temperature"`
	Mean          float64 `json:"mean" jsonschema:"mean temperature"`
	Precipitation float64 `json:"precipitation" jsonschema:"precipitation total"`
	WindMean      float64 `json:"wind_mean" jsonschema:"mean wind speed"`
	GustMax       float64 `json:"gust_max" jsonschema:"maximum gust"`
	Humidity      float64 `json:"humidity" jsonschema:"mean relative humidity, %"`
	Sunshine      float64 `json:"sunshine_hours" jsonschema:"hours of sunshine"`
	Condition     string  `json:"condition" jsonschema:"summary condition"`
}

// HistorySummary aggregates a history range.
type HistorySummary struct {
	Days            int     `json:"days" jsonschema:"days in the range"`
	MeanTemperature float64 `json:"mean_temperature" jsonschema:"average of daily means"`
	HighestTemp     float64 `json:"highest_temperature" jsonschema:"highest daily maximum"`
	HighestDate     string  `json:"highest_date" jsonschema:"date of the highest maximum"`
	LowestTemp      float64 `json:"lowest_temperature" jsonschema:"lowest daily minimum"`
	LowestDate      string  `json:"lowest_date" jsonschema:"date of the lowest minimum"`
	TotalPrecip     float64 `json:"total_precipitation" jsonschema:"precipitation total"`
	WetDays         int     `json:"wet_days" jsonschema:"days with at least 1 mm"`
	WettestDate     string  `json:"wettest_date" jsonschema:"date with the most precipitation"`
}

// HistoryOut is the output of get_historical_weather.
type HistoryOut struct {
	Location Location       `json:"location" jsonschema:"the city"`
	Units    UnitsInfo      `json:"units" jsonschema:"units of the values"`
	Summary  HistorySummary `json:"summary" jsonschema:"aggregates over the range"`
	Days     []HistoryRow   `json:"days" jsonschema:"one row per day, in order"`
}

func history(_ context.Context, in HistoryIn) (HistoryOut, error) {
	c, err := findCity(in.City)
	if err != nil {
		return HistoryOut{}, err
	}
	today, err := parseDate("today", in.Today)
	if err != nil {
		return HistoryOut{}, err
	}
	s, err := parseDate("start_date", in.StartDate)
	if err != nil {
		return HistoryOut{}, err
	}
	e, err := parseDate("end_date", in.EndDate)
	if err != nil {
		return HistoryOut{}, err
	}
	switch n := int(e.Sub(s).Hours()/24) + 1; {
	case e.Before(s):
		return HistoryOut{}, fmt.Errorf("end_date %s is before start_date %s", in.EndDate, in.StartDate)
	case !e.Before(today):
		return HistoryOut{}, fmt.Errorf("end_date %s is not in the past (today is %s); use get_daily_forecast for today and later", in.EndDate, today.Format(dayLayout))
	case n > 366:
		return HistoryOut{}, fmt.Errorf("the range has %d days; the limit is 366 — split it into yearly requests", n)
	}
	u := units(in.Units == "imperial")
	out := HistoryOut{Location: loc(c), Units: u.info()}
	sm := &out.Summary
	var tsum, psum float64
	wettest := -1.0
	for d := s; !d.After(e); d = d.AddDate(0, 0, 1) {
		dy := genDay(c, d)
		mean := round1((dy.TMax + dy.TMin) / 2)
		ds := d.Format(dayLayout)
		out.Days = append(out.Days, HistoryRow{ds, u.temp(dy.TMax), u.temp(dy.TMin), u.temp(mean), u.precip(dy.Precip),
			u.speed(dy.WindMean), u.speed(dy.Gust), dy.Humidity, dy.Sunshine, dayCondition(dy)})
		tsum += mean
		psum += dy.Precip
		if sm.Days == 0 || dy.TMax > sm.HighestTemp {
			sm.HighestTemp, sm.HighestDate = dy.TMax, ds
		}
		if sm.Days == 0 || dy.TMin < sm.LowestTemp {
			sm.LowestTemp, sm.LowestDate = dy.TMin, ds
		}
		if dy.Precip >= 1 {
			sm.WetDays++
		}
		if dy.Precip > wettest {
			wettest, sm.WettestDate = dy.Precip, ds
		}
		sm.Days++
	}
	sm.MeanTemperature = u.temp(round1(tsum / float64(sm.Days)))
	sm.HighestTemp, sm.LowestTemp = u.temp(sm.HighestTemp), u.temp(sm.LowestTemp)
	sm.TotalPrecip = u.precip(round1(psum))
	return out, nil
}

// NormalsIn is the input of get_climate_normals.
type NormalsIn struct {
	City  string `json:"city" jsonschema:"city name"`
	Month int    `json:"month,omitempty" jsonschema:"1..12 for one month; 0 or omitted for all"`
	Units string `json:"units,omitempty" jsonschema:"metric or imperial"`
}

// MonthNormal is the normal of one month.
type MonthNormal struct {
	Month     int     `json:"month" jsonschema:"1..12"`
	Name      string  `json:"name" jsonschema:"month name"`
	MeanHigh  float64 `json:"mean_high" jsonschema:"average daily maximum"`
	MeanLow   float64 `json:"mean_low" jsonschema:"average daily minimum"`
	Mean      float64 `json:"mean" jsonschema:"average temperature"`
	Precip    float64 `json:"precipitation" jsonschema:"average monthly total"`
	WetDays   float64 `json:"wet_days" jsonschema:"average days with at least 1 mm"`
	Sunshine  float64 `json:"sunshine_hours" jsonschema:"average monthly sunshine"`
	Humidity  float64 `json:"humidity" jsonschema:"average relative humidity, %"`
	WindMean  float64 `json:"wind_mean" jsonschema:"average wind speed"`
	RecordMax float64 `json:"highest_max" jsonschema:"highest daily maximum in the period"`
	RecordMin float64 `json:"lowest_min" jsonschema:"lowest daily minimum in the period"`
}

// NormalsOut is the output of get_climate_normals.
type NormalsOut struct {
	Location Location      `json:"location" jsonschema:"the city"`
	Units    UnitsInfo     `json:"units" jsonschema:"units of the values"`
	Period   string        `json:"period" jsonschema:"averaging period"`
	Months   []MonthNormal `json:"months" jsonschema:"one row per month"`
	Annual   MonthNormal   `json:"annual" jsonschema:"annual values (month 0): means, and totals for precipitation, wet days and sunshine"`
}

var normalsCache sync.Map // city name -> [13]MonthNormal (metric; index 0 = annual)

func metricNormals(c *city) [13]MonthNormal {
	if v, ok := normalsCache.Load(c.Name); ok {
		return v.([13]MonthNormal)
	}
	var acc [13]struct {
		n                                         int
		hi, lo, pr, wet, sun, hum, wind, max, min float64
	}
	for d := time.Date(1991, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2020; d = d.AddDate(0, 0, 1) {
		dy := genDay(c, d)
		for _, m := range []int{int(d.Month()), 0} {
			a := &acc[m]
			if a.n == 0 || dy.TMax > a.max {
				a.max = dy.TMax
			}
			if a.n == 0 || dy.TMin < a.min {
				a.min = dy.TMin
			}
			a.n++
			a.hi += dy.TMax
			a.lo += dy.TMin
			a.pr += dy.Precip
			a.wet += b2f(dy.Precip >= 1)
			a.sun += dy.Sunshine
			a.hum += dy.Humidity
			a.wind += dy.WindMean
		}
	}
	var out [13]MonthNormal
	for m := range 13 {
		a := acc[m]
		n := float64(a.n)
		perPeriod := 30.0 // totals are per month (or per year for index 0)
		out[m] = MonthNormal{
			Month: m, MeanHigh: round1(a.hi / n), MeanLow: round1(a.lo / n), Mean: round1((a.hi + a.lo) / 2 / n),
			Precip: round1(a.pr / perPeriod), WetDays: round1(a.wet / perPeriod), Sunshine: math.Round(a.sun / perPeriod),
			Humidity: math.Round(a.hum / n), WindMean: round1(a.wind / n), RecordMax: a.max, RecordMin: a.min,
		}
		if m > 0 {
			out[m].Name = time.Month(m).String()
		} else {
			out[m].Name = "Year"
		}
	}
	normalsCache.Store(c.Name, out)
	return out
}

func normals(_ context.Context, in NormalsIn) (NormalsOut, error) {
	c, err := findCity(in.City)
	if err != nil {
		return NormalsOut{}, err
	}
	u := units(in.Units == "imperial")
	conv := func(m MonthNormal) MonthNormal {
		m.MeanHigh, m.MeanLow, m.Mean = u.temp(m.MeanHigh), u.temp(m.MeanLow), u.temp(m.Mean)
		m.RecordMax, m.RecordMin = u.temp(m.RecordMax), u.temp(m.RecordMin)
		m.Precip, m.WindMean = u.precip(m.Precip), u.speed(m.WindMean)
		return m
	}
	all := metricNormals(c)
	out := NormalsOut{Location: loc(c), Units: u.info(), Period: "1991-2020", Annual: conv(all[0])}
	for m := 1; m <= 12; m++ {
		if in.Month == 0 || in.Month == m {
			out.Months = append(out.Months, conv(all[m]))
		}
	}
	return out, nil
}

// Alert is one weather alert.
type Alert struct {
	Event       string `json:"event" jsonschema:"e.g. Extreme heat, Heavy rain"`
	Severity    string `json:"severity" jsonschema:"advisory, watch or warning"`
	Start       string `json:"start" jsonschema:"first affected date"`
	End         string `json:"end" jsonschema:"last affected date"`
	Description string `json:"description" jsonschema:"what is expected"`
	Advice      string `json:"advice" jsonschema:"what to do"`
}

// AlertsOut is the output of get_weather_alerts.
type AlertsOut struct {
	Location Location  `json:"location" jsonschema:"the city"`
	Units    UnitsInfo `json:"units" jsonschema:"units of the values in descriptions"`
	Issued   string    `json:"issued" jsonschema:"date of issue"`
	Alerts   []Alert   `json:"alerts" jsonschema:"alerts in date order; empty if none"`
}

func alerts(_ context.Context, in ForecastIn) (AlertsOut, error) {
	c, err := findCity(in.City)
	if err != nil {
		return AlertsOut{}, err
	}
	d0, err := parseDate("today", in.Today)
	if err != nil {
		return AlertsOut{}, err
	}
	u := units(in.Units == "imperial")
	out := AlertsOut{Location: loc(c), Units: u.info(), Issued: d0.Format(dayLayout), Alerts: []Alert{}}
	ui := u.info()
	type rule struct {
		event  string
		value  func(day) (float64, bool) // value and whether it triggers
		sev    func(float64) string
		what   func(float64) string
		advice string
	}
	rules := []rule{
		{"Extreme heat", func(d day) (float64, bool) { return d.TMax, d.TMax >= 33 },
			func(v float64) string { return pick(v >= 38, "warning", v >= 35, "watch", "advisory") },
			func(v float64) string { return fmt.Sprintf("highs up to %g %s", u.temp(v), ui.Temperature) },
			"Avoid strenuous activity at midday, drink water, check on vulnerable people."},
		{"Frost", func(d day) (float64, bool) { return d.TMin, d.TMin <= 0 && c.TMean-c.TAmp > -2 },
			func(v float64) string { return pick(v <= -5, "warning", v <= -2, "watch", "advisory") },
			func(v float64) string { return fmt.Sprintf("lows down to %g %s", u.temp(v), ui.Temperature) },
			"Protect sensitive plants and exposed pipes; watch for icy roads."},
		{"Heavy rain", func(d day) (float64, bool) { return d.Precip, d.Precip >= 25 },
			func(v float64) string { return pick(v >= 60, "warning", v >= 40, "watch", "advisory") },
			func(v float64) string {
				return fmt.Sprintf("up to %g %s of rain in a day", u.precip(v), ui.Precipitation)
			},
			"Expect local flooding; avoid driving through flooded roads."},
		{"High wind", func(d day) (float64, bool) { return d.Gust, d.Gust >= 60 },
			func(v float64) string { return pick(v >= 90, "warning", v >= 75, "watch", "advisory") },
			func(v float64) string { return fmt.Sprintf("gusts up to %g %s", u.speed(v), ui.Wind) },
			"Secure loose objects; take care near trees and on exposed roads."},
		{"Snow", func(d day) (float64, bool) { return d.Precip, d.Snow && d.Precip >= 2 },
			func(v float64) string { return pick(v >= 15, "warning", v >= 8, "watch", "advisory") },
			func(v float64) string { return fmt.Sprintf("about %g cm of snow", math.Round(v)) },
			"Allow extra travel time; roads and paths may be slippery."},
		{"Thunderstorms", func(d day) (float64, bool) { return d.Precip, d.Thunder },
			func(v float64) string { return pick(v >= 30, "warning", v >= 15, "watch", "advisory") },
			func(v float64) string {
				return fmt.Sprintf("thunderstorms with up to %g %s of rain", u.precip(v), ui.Precipitation)
			},
			"Seek shelter indoors during lightning; unplug sensitive electronics."},
	}
	days := make([]day, 7)
	for i := range days {
		days[i] = genDay(c, d0.AddDate(0, 0, i))
	}
	for _, r := range rules {
		for i := 0; i < len(days); i++ {
			v, ok := r.value(days[i])
			if !ok {
				continue
			}
			j := i
			worst := v
			for j+1 < len(days) {
				v2, ok2 := r.value(days[j+1])
				if !ok2 {
					break
				}
				j++
				if r.event == "Frost" {
					worst = math.Min(worst, v2)
				} else {
					worst = math.Max(worst, v2)
				}
			}
			out.Alerts = append(out.Alerts, Alert{
				Event: r.event, Severity: r.sev(worst), Start: days[i].Date.Format(dayLayout), End: days[j].Date.Format(dayLayout),
				Description: fmt.Sprintf("%s expected in %s: %s.", r.event, c.Name, r.what(worst)), Advice: r.advice,
			})
			i = j
		}
	}
	// Date order, then event name, for stable output.
	for i := 1; i < len(out.Alerts); i++ {
		for j := i; j > 0 && (out.Alerts[j].Start < out.Alerts[j-1].Start ||
			out.Alerts[j].Start == out.Alerts[j-1].Start && out.Alerts[j].Event < out.Alerts[j-1].Event); j-- {
			out.Alerts[j], out.Alerts[j-1] = out.Alerts[j-1], out.Alerts[j]
		}
	}
	return out, nil
}

func pick(c1 bool, v1 string, c2 bool, v2, v3 string) string {
	switch {
	case c1:
		return v1
	case c2:
		return v2
	}
	return v3
}
