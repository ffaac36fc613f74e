package encyclopedia

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

//go:embed data/articles.json
var articlesJSON []byte

// Section is one titled part of an article.
type Section struct {
	Title string `json:"title" jsonschema:"section title"`
	Text  string `json:"text" jsonschema:"section text"`
}

// article is one encyclopedia entry built from shipped facts.
type article struct {
	Title    string
	Category string // country, city, scientist, invention, element
	Summary  string
	Sections []Section
	Infobox  map[string]any
	Related  []string // explicit links (other article titles), before scoring
	Lat, Lon *float64
}

func (a *article) text() string {
	var b strings.Builder
	for _, s := range a.Sections {
		b.WriteString(s.Title + "\n" + s.Text + "\n")
	}
	return b.String()
}

type facts struct {
	Countries []struct {
		Name, Capital, Continent, Language, Currency, Founded, Government, Note string
		Population                                                              int64
		AreaKm2                                                                 int64 `json:"area_km2"`
		Lat, Lon                                                                float64
		GdpBn                                                                   float64 `json:"gdp_bn"`
	}
	Cities []struct {
		Name, Country, Founded, Landmark, River, Note string
		Population                                    int64
		Lat, Lon                                      float64
		ElevationM                                    int `json:"elevation_m"`
	}
	Scientists []struct {
		Name, Birthplace, Nationality, Field, Awards, Institution, Note string
		KnownFor                                                        string `json:"known_for"`
		Born                                                            int
		Died                                                            *int
		Surname                                                         string // when the family name is not the last word
	}
	Inventions []struct {
		Name, Inventor, Country, Field, How, Impact, Note string
		Year                                              int
	}
	Elements []struct {
		Name, Symbol, Category, Uses, Note string
		DiscoveredBy                       string `json:"discovered_by"`
		Number                             int
		Mass                               float64
		MeltingC                           float64 `json:"melting_c"`
		Year                               *int
	}
}

// group formats n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func millions(n int64) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%.1f million", float64(n)/1e6)
	}
	return group(n)
}

func coord(lat, lon float64) string {
	ns, ew := "N", "E"
	if lat < 0 {
		ns, lat = "S", -lat
	}
	if lon < 0 {
		ew, lon = "W", -lon
	}
	return fmt.Sprintf("%.3f°%s %.3f°%s", lat, ns, lon, ew)
}

func ptr(f float64) *float64 { return &f }

// loadArticles builds every article from the embedded facts.
func loadArticles() ([]*article, error) {
	var f facts
	if err := json.Unmarshal(articlesJSON, &f); err != nil {
		return nil, fmt.Errorf("decode articles.json: %w", err)
	}
	var as []*article
	cityOf := map[string][]string{}
	for _, c := range f.Cities {
		cityOf[c.Country] = append(cityOf[c.Country], c.Name)
	}
	for _, c := range f.Countries {
		density := float64(c.Population) / float64(c.AreaKm2)
		cities := cityOf[c.Name]
		a := &article{Title: c.Name, Category: "country", Lat: ptr(c.Lat), Lon: ptr(c.Lon), Related: slices.Clone(cities),
			Summary: fmt.Sprintf("%s is a country in %s with a population of about %s. Its capital is %s and its official language is %s.",
				c.Name, c.Continent, millions(c.Population), c.Capital, c.Language),
			Infobox: map[string]any{"capital": c.Capital, "continent": c.Continent, "population": c.Population, "area_km2": c.AreaKm2,
				"official_language": c.Language, "currency": c.Currency, "founded": c.Founded, "government": c.Government,
				"gdp_usd_billion": c.GdpBn, "coordinates": coord(c.Lat, c.Lon), "latitude": c.Lat, "longitude": c.Lon}}
		a.Sections = []Section{
			{"Overview", a.Summary + fmt.Sprintf(" It is a %s.", strings.ToLower(c.Government))},
			{"Geography", fmt.Sprintf("%s covers %s square kilometres, giving a population density of about %.0f people per square kilometre. Its geographic centre lies near %s.",
				c.Name, group(c.AreaKm2), density, coord(c.Lat, c.Lon))},
			{"History", fmt.Sprintf("The origins of the modern state are usually dated to %s. %s", c.Founded, c.Note)},
			{"Economy", fmt.Sprintf("The economy of %s had a nominal gross domestic product of about %s billion US dollars in 2023, or roughly %s dollars per person. The currency is the %s.",
				c.Name, group(int64(c.GdpBn)), group(int64(c.GdpBn*1e9/float64(c.Population))), c.Currency)},
		}
		if len(cities) > 0 {
			a.Sections = append(a.Sections, Section{"Major cities", fmt.Sprintf("Major cities described in this encyclopedia include %s.", strings.Join(cities, ", "))})
		}
		as = append(as, a)
	}
	for _, c := range f.Cities {
		a := &article{Title: c.Name, Category: "city", Lat: ptr(c.Lat), Lon: ptr(c.Lon), Related: []string{c.Country},
			Summary: fmt.Sprintf("%s is a city in %s with about %s inhabitants. It lies on the %s river and is known for %s.",
				c.Name, c.Country, millions(c.Population), c.River, c.Landmark),
			Infobox: map[string]any{"country": c.Country, "population": c.Population, "founded": c.Founded, "elevation_m": c.ElevationM,
				"river": c.River, "coordinates": coord(c.Lat, c.Lon), "latitude": c.Lat, "longitude": c.Lon}}
		a.Sections = []Section{
			{"Overview", a.Summary},
			{"History", fmt.Sprintf("%s was founded in %s. %s", c.Name, c.Founded, c.Note)},
			{"Geography", fmt.Sprintf("The city stands at %s, about %d metres above sea level, on the banks of the %s river.", coord(c.Lat, c.Lon), c.ElevationM, c.River)},
			{"Landmarks", fmt.Sprintf("Its best-known landmark is %s, which draws visitors from around the world.", c.Landmark)},
		}
		as = append(as, a)
	}
	for _, s := range f.Scientists {
		short := lastName(s.Name)
		if s.Surname != "" {
			short = s.Surname
		}
		life := fmt.Sprintf("%d–%d", s.Born, deref(s.Died))
		if s.Died == nil {
			life = fmt.Sprintf("born %d", s.Born)
		}
		a := &article{Title: s.Name, Category: "scientist",
			Summary: fmt.Sprintf("%s (%s) was a %s scientist in %s, known for %s.", s.Name, life, s.Nationality, strings.ToLower(s.Field), s.KnownFor),
			Infobox: map[string]any{"born": s.Born, "birthplace": s.Birthplace, "nationality": s.Nationality, "field": s.Field,
				"known_for": s.KnownFor, "awards": s.Awards, "institution": s.Institution}}
		if s.Died != nil {
			a.Infobox["died"] = *s.Died
		} else {
			a.Summary = strings.Replace(a.Summary, " was a ", " is a ", 1)
		}
		a.Sections = []Section{
			{"Overview", a.Summary},
			{"Early life", fmt.Sprintf("%s was born in %s in %d.", s.Name, s.Birthplace, s.Born)},
			{"Career and work", fmt.Sprintf("Working in %s, %s became known for %s. %s", strings.ToLower(s.Field), short, s.KnownFor, s.Note)},
			{"Honours and legacy", fmt.Sprintf("Honours: %s. %s is associated with %s.", s.Awards, short, orNone(s.Institution))},
		}
		if s.Birthplace != "" {
			a.Related = append(a.Related, s.Birthplace)
		}
		as = append(as, a)
	}
	for _, v := range f.Inventions {
		a := &article{Title: v.Name, Category: "invention", Related: []string{v.Country},
			Summary: fmt.Sprintf("The %s is an invention in %s, usually credited to %s in %d.", strings.ToLower(v.Name), strings.ToLower(v.Field), v.Inventor, v.Year),
			Infobox: map[string]any{"year": v.Year, "inventor": v.Inventor, "country": v.Country, "field": v.Field}}
		if v.Name == "World Wide Web" || v.Name == "Penicillin" {
			a.Summary = fmt.Sprintf("%s is an invention in %s, credited to %s in %d.", v.Name, strings.ToLower(v.Field), v.Inventor, v.Year)
		}
		a.Sections = []Section{
			{"Overview", a.Summary},
			{"History", fmt.Sprintf("%s developed it in %s in %d. %s", v.Inventor, the(v.Country), v.Year, v.Note)},
			{"How it works", v.How},
			{"Impact", v.Impact},
		}
		as = append(as, a)
	}
	for _, e := range f.Elements {
		disc := fmt.Sprintf("It was discovered by %s", e.DiscoveredBy)
		if e.Year != nil {
			disc += fmt.Sprintf(" in %d", *e.Year)
		} else {
			disc = "It has been " + e.DiscoveredBy
		}
		a := &article{Title: e.Name, Category: "element",
			Summary: fmt.Sprintf("%s is a chemical element with symbol %s and atomic number %d. It is classed as a %s.", e.Name, e.Symbol, e.Number, strings.ToLower(e.Category)),
			Infobox: map[string]any{"symbol": e.Symbol, "atomic_number": e.Number, "atomic_mass": e.Mass, "category": e.Category,
				"discovered_by": e.DiscoveredBy, "melting_point_c": e.MeltingC}}
		if e.Year != nil {
			a.Infobox["discovered"] = *e.Year
		}
		a.Sections = []Section{
			{"Overview", a.Summary},
			{"Properties", fmt.Sprintf("%s has a standard atomic weight of %g and melts at %g °C. %s", e.Name, e.Mass, e.MeltingC, e.Note)},
			{"Discovery", disc + "."},
			{"Uses", fmt.Sprintf("Major uses include %s.", e.Uses)},
		}
		as = append(as, a)
	}
	return as, nil
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func lastName(n string) string {
	f := strings.Fields(n)
	return f[len(f)-1]
}

func orNone(s string) string {
	if s == "none" {
		return "no single institution"
	}
	return s
}

// the prefixes country names that take an article in English.
func the(country string) string {
	if strings.HasPrefix(country, "United ") {
		return "the " + country
	}
	return country
}
