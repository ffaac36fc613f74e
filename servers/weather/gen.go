package weather

import (
	"hash/fnv"
	"math"
	"time"
)

// The generator: every value is a pure function of (city, date, hour), drawn
// from a PRNG seeded by a hash of them, shaped by seasonal and diurnal
// curves from the city's climate parameters. No state, no clock.

// rng is splitmix64.
type rng struct{ s uint64 }

func seed(parts ...string) *rng {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return &rng{h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// norm returns a standard normal value (Box-Muller).
func (r *rng) norm() float64 {
	u1 := math.Max(r.float(), 1e-12)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*r.float())
}

const dayLayout = "2006-01-02"

// knot returns the smooth-noise value at knot k for a city and stream.
func knot(c *city, stream string, k int64) float64 {
	return seed(c.Name, stream, time.Unix(k*86400, 0).UTC().Format(dayLayout)).norm()
}

// smooth is value noise with knots every 4 days, cosine-interpolated, so
// that consecutive days are correlated like real weather spells.
func smooth(c *city, stream string, d time.Time) float64 {
	day := d.Unix() / 86400
	k0 := day - ((day%4)+4)%4
	f := float64(day-k0) / 4
	w := (1 - math.Cos(math.Pi*f)) / 2
	return knot(c, stream, k0)*(1-w) + knot(c, stream, k0+4)*w
}

// seasonal returns cos of the phase from the warmest day of the year.
func seasonal(c *city, doy int) float64 {
	peak := 200.0 // ~19 July in the north
	if c.Lat < 0 {
		peak = 17
	}
	return math.Cos(2 * math.Pi * (float64(doy) - peak) / 365.25)
}

// wetFactor is the relative precipitation of a day of the year.
func wetFactor(c *city, doy int) float64 {
	peak := float64((c.WetMonth-1)*30 + 15)
	return 1 + c.WetAmp*math.Cos(2*math.Pi*(float64(doy)-peak)/365.25)
}

// day holds the generated values of one city-day (metric units).
type day struct {
	Date          time.Time
	TMax, TMin    float64 // °C
	Precip        float64 // mm
	RainStart     int     // local hour the precipitation starts
	RainHours     int
	PrecipProb    float64 // %
	WindMean      float64 // km/h
	WindDir       float64 // degrees
	Gust          float64 // km/h
	Humidity      float64 // %
	Cloud         float64 // %
	Pressure      float64 // hPa, sea level
	Snow          bool
	Thunder       bool
	Sunrise       string
	Sunset        string
	DaylightHours float64
	Sunshine      float64
	UV            float64
}

func genDay(c *city, d time.Time) day {
	doy := d.YearDay()
	r := seed(c.Name, "day", d.Format(dayLayout))
	s := seasonal(c, doy)
	anomaly := smooth(c, "temp", d) * (1.2 + 0.18*c.TAmp)
	mean := c.TMean + c.TAmp*s + anomaly
	wet := wetFactor(c, doy)
	rainyDays := math.Min(200, math.Max(3, c.Precip/6))
	pRain := math.Min(0.9, rainyDays/365*wet*(1+0.35*smooth(c, "wet", d)))
	out := day{Date: d}
	rainy := r.float() < pRain
	dr := c.Diurnal * (0.85 + 0.3*r.float())
	cloud := 100 * math.Min(1, math.Max(0, 0.2+0.5*pRain+0.25*r.norm()))
	if rainy {
		mm := c.Precip / rainyDays * math.Sqrt(wet)
		out.Precip = math.Round(-math.Log(math.Max(r.float(), 1e-9))*mm*10) / 10
		if out.Precip < 0.2 {
			out.Precip = 0.2
		}
		out.RainHours = 1 + int(r.float()*math.Min(12, 2+out.Precip))
		out.RainStart = int(r.float() * float64(24-out.RainHours))
		dr *= 0.6
		mean -= 1
		cloud = 70 + 30*r.float()
		out.PrecipProb = math.Round(55 + 40*r.float())
	} else {
		out.RainStart = -1
		out.PrecipProb = math.Round(100 * math.Min(0.45, pRain*(0.3+0.7*r.float())))
	}
	out.TMax = round1(mean + dr/2)
	out.TMin = round1(mean - dr/2)
	out.Snow = rainy && mean < 1
	out.Thunder = rainy && mean > 20 && out.Precip > 8
	out.Cloud = math.Round(cloud)
	windK := 0.55 + 0.9*r.float() + 0.25*smooth(c, "wind", d)
	out.WindMean = round1(math.Max(2, c.Wind*windK))
	out.Gust = round1(out.WindMean * (1.4 + 0.5*r.float()))
	out.WindDir = math.Mod(math.Round(225+90*smooth(c, "dir", d)+40*r.norm())+720, 360)
	hum := c.Humidity + 6*(wet-1) - 0.4*anomaly + 6*r.norm()
	if rainy {
		hum += 12
	}
	out.Humidity = math.Round(math.Min(100, math.Max(8, hum)))
	out.Pressure = round1(1015 - 6*smooth(c, "wet", d) - 5*b2f(rainy) + 3*r.norm())
	out.Sunrise, out.Sunset, out.DaylightHours = sun(c, d)
	out.Sunshine = round1(out.DaylightHours * (1 - out.Cloud/100) * 0.9)
	out.UV = uvIndex(c, doy, out.Cloud)
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func round1(x float64) float64 {
	r := math.Round(x*10) / 10
	if r == 0 {
		return 0
	}
	return r
}

// declination of the sun in radians.
func declination(doy int) float64 {
	return 23.44 * math.Pi / 180 * math.Sin(2*math.Pi*float64(284+doy)/365)
}

// sun returns local sunrise and sunset (HH:MM, or "none") and day length.
func sun(c *city, d time.Time) (string, string, float64) {
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		loc = time.UTC
	}
	doy := d.YearDay()
	phi := c.Lat * math.Pi / 180
	dec := declination(doy)
	// Sun center at -0.833° (refraction and disc radius).
	cosw := (math.Sin(-0.833*math.Pi/180) - math.Sin(phi)*math.Sin(dec)) / (math.Cos(phi) * math.Cos(dec))
	noonLocal := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc)
	_, off := noonLocal.Zone()
	b := 2 * math.Pi * float64(doy-81) / 364
	eot := 9.87*math.Sin(2*b) - 7.53*math.Cos(b) - 1.5*math.Sin(b) // minutes
	noon := 12*60 - 4*c.Lon - eot + float64(off)/60                // minutes after local midnight
	switch {
	case cosw <= -1:
		return "none (midnight sun)", "none (midnight sun)", 24
	case cosw >= 1:
		return "none (polar night)", "none (polar night)", 0
	}
	half := math.Acos(cosw) * 180 / math.Pi * 4 // minutes
	hm := func(m float64) string {
		m = math.Mod(math.Round(m)+1440, 1440)
		return time.Date(2000, 1, 1, int(m)/60, int(m)%60, 0, 0, time.UTC).Format("15:04")
	}
	return hm(noon - half), hm(noon + half), round1(2 * half / 60)
}

// uvIndex from the noon solar elevation and cloud cover.
func uvIndex(c *city, doy int, cloud float64) float64 {
	elev := 90 - math.Abs(c.Lat-declination(doy)*180/math.Pi)
	if elev <= 0 {
		return 0
	}
	uv := 12.5 * math.Pow(math.Sin(elev*math.Pi/180), 2.5) * (1 - 0.6*cloud/100) * (1 + float64(c.Elev)/10000)
	return round1(uv)
}

// hour holds the generated values of one local hour.
type hour struct {
	Temp, Feels, Humidity, Precip, PrecipProb, Wind, Gust, WindDir, Cloud, Pressure, DewPoint float64
	Condition                                                                                 string
}

// diurnalShape is 0 at the daily minimum (~05:00) and 1 at the maximum (~15:00).
func diurnalShape(h float64) float64 {
	switch {
	case h >= 5 && h <= 15:
		return 0.5 - 0.5*math.Cos(math.Pi*(h-5)/10)
	case h > 15:
		return 0.5 + 0.5*math.Cos(math.Pi*(h-15)/14)
	default:
		return 0.5 + 0.5*math.Cos(math.Pi*(h+9)/14)
	}
}

func genHour(c *city, dy day, h int) hour {
	r := seed(c.Name, "hour", dy.Date.Format(dayLayout), string(rune('A'+h)))
	shape := diurnalShape(float64(h))
	t := dy.TMin + (dy.TMax-dy.TMin)*shape + 0.4*r.norm()
	out := hour{Temp: round1(t)}
	raining := dy.RainStart >= 0 && h >= dy.RainStart && h < dy.RainStart+dy.RainHours
	if raining {
		out.Precip = round1(dy.Precip / float64(dy.RainHours) * (0.5 + r.float()))
		out.PrecipProb = math.Min(100, dy.PrecipProb+10)
		out.Cloud = math.Min(100, dy.Cloud+10*r.float())
	} else {
		out.PrecipProb = math.Round(dy.PrecipProb * 0.5 * r.float())
		out.Cloud = math.Max(0, math.Min(100, dy.Cloud+15*r.norm()))
	}
	out.Cloud = math.Round(out.Cloud)
	out.Humidity = math.Round(math.Min(100, math.Max(5, dy.Humidity+18*(0.5-shape)+3*r.norm()+10*b2f(raining))))
	windShape := 0.75 + 0.5*math.Sin(math.Pi*(float64(h)-9)/12)
	out.Wind = round1(math.Max(0, dy.WindMean*windShape*(0.85+0.3*r.float())))
	out.Gust = round1(math.Max(out.Wind, dy.Gust*windShape*(0.8+0.2*r.float())))
	out.WindDir = math.Mod(dy.WindDir+math.Round(15*r.norm())+360, 360)
	out.Pressure = round1(dy.Pressure + 0.8*math.Sin(2*math.Pi*float64(h)/12))
	out.DewPoint = round1(dewPoint(out.Temp, out.Humidity))
	out.Feels = round1(feelsLike(out.Temp, out.Humidity, out.Wind))
	out.Condition = condition(out.Cloud, out.Precip, out.Temp, out.Humidity, out.Wind, dy.Thunder && raining)
	return out
}

func dewPoint(t, rh float64) float64 {
	a, b := 17.62, 243.12
	g := math.Log(math.Max(rh, 1)/100) + a*t/(b+t)
	return b * g / (a - g)
}

// feelsLike is the wind chill below 10 °C, the heat index above 27 °C, else t.
func feelsLike(t, rh, wind float64) float64 {
	switch {
	case t <= 10 && wind > 4.8:
		v := math.Pow(wind, 0.16)
		return 13.12 + 0.6215*t - 11.37*v + 0.3965*t*v
	case t >= 27:
		f := t*9/5 + 32
		hi := -42.379 + 2.04901523*f + 10.14333127*rh - 0.22475541*f*rh - 6.83783e-3*f*f - 5.481717e-2*rh*rh +
			1.22874e-3*f*f*rh + 8.5282e-4*f*rh*rh - 1.99e-6*f*f*rh*rh
		return (hi - 32) * 5 / 9
	}
	return t
}

func condition(cloud, precip, t, rh, wind float64, thunder bool) string {
	switch {
	case thunder:
		return "Thunderstorm"
	case precip > 0 && t < 0.5:
		return "Snow"
	case precip > 0 && t < 2:
		return "Sleet"
	case precip >= 4:
		return "Heavy rain"
	case precip >= 1:
		return "Rain"
	case precip > 0:
		return "Light rain"
	case rh >= 97 && wind < 8:
		return "Fog"
	case cloud < 15:
		return "Clear"
	case cloud < 40:
		return "Mostly sunny"
	case cloud < 70:
		return "Partly cloudy"
	case cloud < 90:
		return "Mostly cloudy"
	}
	return "Overcast"
}

// dayCondition summarizes a day.
func dayCondition(dy day) string {
	switch {
	case dy.Thunder:
		return "Thunderstorms"
	case dy.Snow:
		return "Snow"
	case dy.Precip >= 10:
		return "Heavy rain"
	case dy.Precip >= 2:
		return "Rain"
	case dy.Precip > 0:
		return "Showers"
	}
	return condition(dy.Cloud, 0, dy.TMax, 50, 10, false)
}
