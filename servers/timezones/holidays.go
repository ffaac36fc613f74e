package timezones

import (
	"time"
)

// A holiday is a public holiday on a date.
type holiday struct {
	Date time.Time // midnight UTC of the (observed) day
	Name string
}

// countries with shipped public-holiday rules (national holidays only).
var holidayCountries = []string{"none", "US", "GB", "FR", "DE"}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// easter returns Western Easter Sunday (anonymous Gregorian algorithm).
func easter(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return date(y, time.Month(month), day)
}

// nthWeekday returns the n-th (1-based; -1 = last) weekday wd of a month.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) time.Time {
	if n < 0 {
		t := date(y, m+1, 1).AddDate(0, 0, -1)
		for t.Weekday() != wd {
			t = t.AddDate(0, 0, -1)
		}
		return t
	}
	t := date(y, m, 1)
	for t.Weekday() != wd {
		t = t.AddDate(0, 0, 1)
	}
	return t.AddDate(0, 0, 7*(n-1))
}

// usObserved moves a Saturday holiday to Friday and a Sunday one to Monday.
func usObserved(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, -1)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}

// holidaysIn returns a country's public holidays of year y.
func holidaysIn(country string, y int) []holiday {
	e := easter(y)
	switch country {
	case "US":
		return []holiday{
			{usObserved(date(y, 1, 1)), "New Year's Day"},
			{nthWeekday(y, 1, time.Monday, 3), "Martin Luther King Jr. Day"},
			{nthWeekday(y, 2, time.Monday, 3), "Washington's Birthday"},
			{nthWeekday(y, 5, time.Monday, -1), "Memorial Day"},
			{usObserved(date(y, 6, 19)), "Juneteenth"},
			{usObserved(date(y, 7, 4)), "Independence Day"},
			{nthWeekday(y, 9, time.Monday, 1), "Labor Day"},
			{nthWeekday(y, 10, time.Monday, 2), "Columbus Day"},
			{usObserved(date(y, 11, 11)), "Veterans Day"},
			{nthWeekday(y, 11, time.Thursday, 4), "Thanksgiving Day"},
			{usObserved(date(y, 12, 25)), "Christmas Day"},
		}
	case "GB": // England and Wales bank holidays
		ny := date(y, 1, 1)
		switch ny.Weekday() {
		case time.Saturday:
			ny = ny.AddDate(0, 0, 2)
		case time.Sunday:
			ny = ny.AddDate(0, 0, 1)
		}
		xmas, boxing := date(y, 12, 25), date(y, 12, 26)
		switch xmas.Weekday() {
		case time.Saturday:
			xmas, boxing = xmas.AddDate(0, 0, 2), boxing.AddDate(0, 0, 2)
		case time.Sunday:
			xmas = xmas.AddDate(0, 0, 2)
		case time.Friday:
			boxing = boxing.AddDate(0, 0, 2)
		}
		return []holiday{
			{ny, "New Year's Day"},
			{e.AddDate(0, 0, -2), "Good Friday"},
			{e.AddDate(0, 0, 1), "Easter Monday"},
			{nthWeekday(y, 5, time.Monday, 1), "Early May bank holiday"},
			{nthWeekday(y, 5, time.Monday, -1), "Spring bank holiday"},
			{nthWeekday(y, 8, time.Monday, -1), "Summer bank holiday"},
			{xmas, "Christmas Day"},
			{boxing, "Boxing Day"},
		}
	case "FR":
		return []holiday{
			{date(y, 1, 1), "Jour de l'an"},
			{e.AddDate(0, 0, 1), "Lundi de Pâques"},
			{date(y, 5, 1), "Fête du Travail"},
			{date(y, 5, 8), "Victoire 1945"},
			{e.AddDate(0, 0, 39), "Ascension"},
			{e.AddDate(0, 0, 50), "Lundi de Pentecôte"},
			{date(y, 7, 14), "Fête nationale"},
			{date(y, 8, 15), "Assomption"},
			{date(y, 11, 1), "Toussaint"},
			{date(y, 11, 11), "Armistice 1918"},
			{date(y, 12, 25), "Noël"},
		}
	case "DE": // nationwide holidays
		return []holiday{
			{date(y, 1, 1), "Neujahr"},
			{e.AddDate(0, 0, -2), "Karfreitag"},
			{e.AddDate(0, 0, 1), "Ostermontag"},
			{date(y, 5, 1), "Tag der Arbeit"},
			{e.AddDate(0, 0, 39), "Christi Himmelfahrt"},
			{e.AddDate(0, 0, 50), "Pfingstmontag"},
			{date(y, 10, 3), "Tag der Deutschen Einheit"},
			{date(y, 12, 25), "1. Weihnachtstag"},
			{date(y, 12, 26), "2. Weihnachtstag"},
		}
	}
	return nil
}
