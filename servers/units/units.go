// Package units is the bundled "units" MCP server: unit conversion across
// length, mass, temperature, volume, area, speed, pressure, energy, data
// sizes, time and currencies (a fixed, dated reference rate table), and a
// parser for quantity strings such as "5 ft 3 in".
//
// Everything is computed from tables shipped in the package, so the same
// arguments always give the same bytes.
package units

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "units"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Unit conversion (length, mass, temperature, volume, area, speed, pressure, energy, data, time, currency) and quantity parsing"

var (
	bySymbol = map[string]*unit{} // exact symbol or alias
	byFold   = map[string]*unit{} // lower-cased, only where unambiguous
	allNames []string             // symbols and aliases, for suggestions
)

func init() {
	for _, c := range usdPer {
		table = append(table, unit{c.Code, c.Name, "currency", 1 / c.PerUSD, 0, []string{strings.ToLower(c.Code)}})
	}
	ambiguous := map[string]bool{}
	for i := range table {
		u := &table[i]
		for _, k := range append([]string{u.Symbol}, u.Aliases...) {
			if prev, ok := bySymbol[k]; ok && prev != u {
				panic("duplicate unit key " + k)
			}
			bySymbol[k] = u
			allNames = append(allNames, k)
			lk := strings.ToLower(k)
			if prev, ok := byFold[lk]; ok && prev != u {
				ambiguous[lk] = true
			}
			byFold[lk] = u
		}
	}
	for k := range ambiguous {
		delete(byFold, k)
	}
}

// lookup resolves a unit symbol, alias or name.
func lookup(s string) (*unit, error) {
	s = strings.TrimSpace(s)
	if u, ok := bySymbol[s]; ok {
		return u, nil
	}
	if u, ok := byFold[strings.ToLower(s)]; ok {
		return u, nil
	}
	if strings.HasPrefix(s, "deg ") || strings.HasPrefix(s, "degrees ") {
		_, rest, _ := strings.Cut(s, " ")
		return lookup(rest)
	}
	if s == "" {
		return nil, fmt.Errorf("empty unit; use list_units to see the %d supported units", len(table))
	}
	return nil, fmt.Errorf("unknown unit %q%s; use list_units to see supported units", s, tooldef.DidYouMean(s, allNames))
}

// toBase and fromBase convert through the dimension's base unit.
func toBase(u *unit, v float64) float64   { return v*u.Factor + u.Offset }
func fromBase(u *unit, b float64) float64 { return (b - u.Offset) / u.Factor }

// round12 rounds to 12 significant digits, hiding binary noise (0.30000000000000004).
func round12(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	return r
}

func convert(v float64, from, to string) (ConvertOut, error) {
	fu, err := lookup(from)
	if err != nil {
		return ConvertOut{}, err
	}
	tu, err := lookup(to)
	if err != nil {
		return ConvertOut{}, err
	}
	if fu.Dimension != tu.Dimension {
		return ConvertOut{}, fmt.Errorf("cannot convert %s (%s) to %s (%s): incompatible dimensions; convert within one dimension, e.g. %s to %s",
			fu.Symbol, fu.Dimension, tu.Symbol, tu.Dimension, fu.Symbol, baseUnit[fu.Dimension])
	}
	if fu.Dimension == "temperature" && toBase(fu, v) < -1e-9 {
		return ConvertOut{}, fmt.Errorf("%g %s is below absolute zero", v, fu.Symbol)
	}
	out := ConvertOut{
		Value: v, From: fu.Symbol, FromName: fu.Name, To: tu.Symbol, ToName: tu.Name,
		Dimension: fu.Dimension,
		Result:    round12(fromBase(tu, toBase(fu, v))),
	}
	if fu.Offset == 0 && tu.Offset == 0 {
		out.Factor = round12(fu.Factor / tu.Factor)
		out.Formula = fmt.Sprintf("%s = %s × %s", tu.Symbol, fu.Symbol, strconv.FormatFloat(out.Factor, 'g', -1, 64))
	} else {
		out.Formula = fmt.Sprintf("%s = (%s × %g + %g − %g) / %g", tu.Symbol, fu.Symbol, round12(fu.Factor), round12(fu.Offset), round12(tu.Offset), round12(tu.Factor))
	}
	if fu.Dimension == "currency" {
		out.RatesDate = RatesDate
	}
	return out, nil
}

// New returns the units server with all tools registered.
func New() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Unit conversion", Version: "v1.0.0"}, nil)
	dims := tooldef.Tweaks{"dimension": {tooldef.Enum(append([]string{""}, dimensions...)...)}}

	tooldef.AddPure(s, "list_units", "List units",
		"List supported units with symbol, name, dimension, accepted aliases and the factor to the dimension's base unit (SI, or bytes for data, USD for currency). Optionally filter by dimension. Currency rates are fixed reference rates dated "+RatesDate+".",
		dims, listUnits)

	tooldef.AddPure(s, "convert", "Convert a value",
		"Convert one value between two units of the same dimension (e.g. 1 mi to m = 1609.344). Units are symbols (\"km\", \"°F\", \"kWh\", \"GiB\", \"EUR\") or names (\"miles\", \"celsius\"). Temperatures are converted with offsets; currencies use the shipped rate table dated "+RatesDate+". Results are rounded to 12 significant digits.",
		nil, func(_ context.Context, in ConvertIn) (ConvertOut, error) { return convert(in.Value, in.From, in.To) })

	tooldef.AddPure(s, "convert_batch", "Convert many values",
		"Convert up to 200 values at once. Each item is {value, from, to}; items that fail (unknown unit, incompatible dimensions) carry an error message instead of a result, and the others still convert.",
		tooldef.Tweaks{"items": {tooldef.Items(1, 200)}}, convertBatch)

	tooldef.AddPure(s, "convert_to_all", "Express in every unit",
		"Express one value in every unit of its dimension (e.g. 1 mi in m, km, ft, yd, nmi, ...), useful to choose a readable unit. Currency values are listed in all "+strconv.Itoa(len(usdPer))+" currencies of the rate table.",
		nil, convertToAll)

	tooldef.AddPure(s, "parse_quantity", "Parse a quantity",
		"Parse a quantity written in free text such as \"5 ft 3 in\", \"5'3\\\"\", \"2 h 30 min\", \"3 lb 4 oz\", \"1.5e3 kg\" or \"72 °F\" into its components, and sum compound quantities in the base unit of their dimension. With `to`, also converts the total (\"5 ft 3 in\" to cm = 160.02). Temperatures cannot be compound.",
		nil, parseQuantityTool)

	tooldef.AddPure(s, "currency_rates", "Currency rate table",
		"Return the shipped reference exchange rates (dated "+RatesDate+") relative to a base currency: how many units of each currency one unit of the base buys. The rates are fixed, not live.",
		tooldef.Tweaks{"base": {tooldef.Default("USD")}}, currencyRates)

	tooldef.AddPure(s, "compare_quantities", "Compare quantities",
		"Compare two quantity strings of the same dimension (e.g. \"10 km\" vs \"6 mi\") and report which is larger, their difference and ratio, with both expressed in the base unit and in the first quantity's unit.",
		nil, compare)
	return s
}

// ListUnitsIn is the input of list_units.
type ListUnitsIn struct {
	Dimension string `json:"dimension,omitempty" jsonschema:"only units of this dimension; empty lists all"`
}

// UnitInfo describes one unit.
type UnitInfo struct {
	Symbol    string   `json:"symbol" jsonschema:"canonical symbol"`
	Name      string   `json:"name" jsonschema:"unit name"`
	Dimension string   `json:"dimension" jsonschema:"physical dimension"`
	Aliases   []string `json:"aliases" jsonschema:"other accepted spellings"`
	ToBase    float64  `json:"to_base" jsonschema:"base units per one of this unit"`
	Offset    float64  `json:"offset,omitempty" jsonschema:"added after the factor (temperatures only)"`
}

// ListUnitsOut is the output of list_units.
type ListUnitsOut struct {
	Count      int               `json:"count" jsonschema:"number of units listed"`
	BaseUnits  map[string]string `json:"base_units" jsonschema:"base unit of each listed dimension"`
	Units      []UnitInfo        `json:"units" jsonschema:"the units, grouped by dimension"`
	RatesDate  string            `json:"rates_date" jsonschema:"date of the currency rate table"`
	Dimensions []string          `json:"dimensions" jsonschema:"all supported dimensions"`
}

func listUnits(_ context.Context, in ListUnitsIn) (ListUnitsOut, error) {
	out := ListUnitsOut{BaseUnits: map[string]string{}, RatesDate: RatesDate, Dimensions: dimensions, Units: []UnitInfo{}}
	for _, u := range table {
		if in.Dimension != "" && u.Dimension != in.Dimension {
			continue
		}
		out.BaseUnits[u.Dimension] = baseUnit[u.Dimension]
		out.Units = append(out.Units, UnitInfo{u.Symbol, u.Name, u.Dimension, u.Aliases, round12(u.Factor), round12(u.Offset)})
	}
	out.Count = len(out.Units)
	return out, nil
}

// ConvertIn is the input of convert.
type ConvertIn struct {
	Value float64 `json:"value" jsonschema:"the number to convert"`
	From  string  `json:"from" jsonschema:"unit of value: symbol or name, e.g. mi, kg, °C, GiB, EUR"`
	To    string  `json:"to" jsonschema:"target unit of the same dimension"`
}

// ConvertOut is the output of convert.
type ConvertOut struct {
	Value     float64 `json:"value" jsonschema:"the input value"`
	From      string  `json:"from" jsonschema:"canonical source unit symbol"`
	FromName  string  `json:"from_name" jsonschema:"source unit name"`
	To        string  `json:"to" jsonschema:"canonical target unit symbol"`
	ToName    string  `json:"to_name" jsonschema:"target unit name"`
	Result    float64 `json:"result" jsonschema:"the converted value (12 significant digits)"`
	Dimension string  `json:"dimension" jsonschema:"shared dimension of both units"`
	Factor    float64 `json:"factor,omitempty" jsonschema:"multiplier from source to target (absent for temperatures)"`
	Formula   string  `json:"formula" jsonschema:"how the result is computed"`
	RatesDate string  `json:"rates_date,omitempty" jsonschema:"date of the rate table (currencies only)"`
}

// BatchItem is one conversion request of convert_batch.
type BatchItem struct {
	Value float64 `json:"value" jsonschema:"the number to convert"`
	From  string  `json:"from" jsonschema:"source unit"`
	To    string  `json:"to" jsonschema:"target unit"`
}

// BatchIn is the input of convert_batch.
type BatchIn struct {
	Items []BatchItem `json:"items" jsonschema:"conversions to perform (1 to 200)"`
}

// BatchResult is one answer of convert_batch.
type BatchResult struct {
	Value  float64  `json:"value" jsonschema:"the input value"`
	From   string   `json:"from" jsonschema:"source unit as given"`
	To     string   `json:"to" jsonschema:"target unit as given"`
	Result *float64 `json:"result,omitempty" jsonschema:"converted value; absent on error"`
	Error  string   `json:"error,omitempty" jsonschema:"why this item failed"`
}

// BatchOut is the output of convert_batch.
type BatchOut struct {
	Results   []BatchResult `json:"results" jsonschema:"one result per item, in order"`
	Converted int           `json:"converted" jsonschema:"items converted"`
	Failed    int           `json:"failed" jsonschema:"items that failed"`
}

func convertBatch(_ context.Context, in BatchIn) (BatchOut, error) {
	var out BatchOut
	for _, it := range in.Items {
		r := BatchResult{Value: it.Value, From: it.From, To: it.To}
		c, err := convert(it.Value, it.From, it.To)
		if err != nil {
			r.Error = err.Error()
			out.Failed++
		} else {
			r.Result = &c.Result
			out.Converted++
		}
		out.Results = append(out.Results, r)
	}
	return out, nil
}

// AllIn is the input of convert_to_all.
type AllIn struct {
	Value float64 `json:"value" jsonschema:"the number to express"`
	From  string  `json:"from" jsonschema:"its unit"`
}

// Expressed is a value in one unit.
type Expressed struct {
	Unit  string  `json:"unit" jsonschema:"unit symbol"`
	Name  string  `json:"name" jsonschema:"unit name"`
	Value float64 `json:"value" jsonschema:"the value in this unit"`
}

// AllOut is the output of convert_to_all.
type AllOut struct {
	Value     float64     `json:"value" jsonschema:"the input value"`
	From      string      `json:"from" jsonschema:"canonical input unit"`
	Dimension string      `json:"dimension" jsonschema:"its dimension"`
	In        []Expressed `json:"in" jsonschema:"the value in every unit of the dimension"`
}

func convertToAll(_ context.Context, in AllIn) (AllOut, error) {
	fu, err := lookup(in.From)
	if err != nil {
		return AllOut{}, err
	}
	out := AllOut{Value: in.Value, From: fu.Symbol, Dimension: fu.Dimension}
	for i := range table {
		u := &table[i]
		if u.Dimension != fu.Dimension {
			continue
		}
		c, err := convert(in.Value, fu.Symbol, u.Symbol)
		if err != nil {
			return AllOut{}, err
		}
		out.In = append(out.In, Expressed{u.Symbol, u.Name, c.Result})
	}
	return out, nil
}

// ParseIn is the input of parse_quantity.
type ParseIn struct {
	Text string `json:"text" jsonschema:"the quantity, e.g. \"5 ft 3 in\" or \"2.5 kg\""`
	To   string `json:"to,omitempty" jsonschema:"optional unit to express the total in"`
}

// Component is one number-unit pair of a parsed quantity.
type Component struct {
	Value float64 `json:"value" jsonschema:"the number"`
	Unit  string  `json:"unit" jsonschema:"canonical unit symbol"`
	Name  string  `json:"name" jsonschema:"unit name"`
}

// ParseOut is the output of parse_quantity.
type ParseOut struct {
	Text       string      `json:"text" jsonschema:"the input text"`
	Components []Component `json:"components" jsonschema:"number-unit pairs in order"`
	Dimension  string      `json:"dimension" jsonschema:"dimension of the quantity"`
	Base       float64     `json:"base_value" jsonschema:"total in the base unit"`
	BaseUnit   string      `json:"base_unit" jsonschema:"the base unit of the dimension"`
	To         string      `json:"to,omitempty" jsonschema:"the requested unit"`
	Converted  *float64    `json:"converted,omitempty" jsonschema:"total in the requested unit"`
}

func parseQuantityTool(_ context.Context, in ParseIn) (ParseOut, error) {
	q, err := ParseQuantity(in.Text)
	if err != nil {
		return ParseOut{}, err
	}
	out := ParseOut{Text: in.Text, Dimension: q.Dimension, Base: round12(q.Base), BaseUnit: baseUnit[q.Dimension]}
	for _, c := range q.Parts {
		out.Components = append(out.Components, Component{c.Value, c.Unit.Symbol, c.Unit.Name})
	}
	if in.To != "" {
		tu, err := lookup(in.To)
		if err != nil {
			return ParseOut{}, err
		}
		if tu.Dimension != q.Dimension {
			return ParseOut{}, fmt.Errorf("cannot express %q (%s) in %s (%s): incompatible dimensions", in.Text, q.Dimension, tu.Symbol, tu.Dimension)
		}
		v := round12(fromBase(tu, q.Base))
		out.To, out.Converted = tu.Symbol, &v
	}
	return out, nil
}

// RatesIn is the input of currency_rates.
type RatesIn struct {
	Base string `json:"base,omitempty" jsonschema:"ISO 4217 code of the base currency (default USD)"`
}

// Rate is one currency's rate.
type Rate struct {
	Code    string  `json:"code" jsonschema:"ISO 4217 code"`
	Name    string  `json:"name" jsonschema:"currency name"`
	PerBase float64 `json:"per_base" jsonschema:"units of this currency per one base unit"`
}

// RatesOut is the output of currency_rates.
type RatesOut struct {
	Base  string `json:"base" jsonschema:"base currency"`
	Date  string `json:"date" jsonschema:"date of the rate table"`
	Note  string `json:"note" jsonschema:"provenance of the rates"`
	Rates []Rate `json:"rates" jsonschema:"one row per currency"`
}

func currencyRates(_ context.Context, in RatesIn) (RatesOut, error) {
	b, err := lookup(in.Base)
	if err != nil || b.Dimension != "currency" {
		var codes []string
		for _, c := range usdPer {
			codes = append(codes, c.Code)
		}
		return RatesOut{}, fmt.Errorf("unknown currency %q%s; supported: %s", in.Base, tooldef.DidYouMean(in.Base, codes), strings.Join(codes, ", "))
	}
	out := RatesOut{Base: b.Symbol, Date: RatesDate, Note: "fixed reference mid-market rates shipped with the server; not live, not for settlement"}
	for _, c := range usdPer {
		out.Rates = append(out.Rates, Rate{c.Code, c.Name, round12(b.Factor * c.PerUSD)})
	}
	return out, nil
}

// CompareIn is the input of compare_quantities.
type CompareIn struct {
	A string `json:"a" jsonschema:"first quantity, e.g. \"10 km\""`
	B string `json:"b" jsonschema:"second quantity, e.g. \"6 mi\""`
}

// CompareOut is the output of compare_quantities.
type CompareOut struct {
	Dimension string  `json:"dimension" jsonschema:"shared dimension"`
	BaseUnit  string  `json:"base_unit" jsonschema:"base unit of the dimension"`
	ABase     float64 `json:"a_base" jsonschema:"a in the base unit"`
	BBase     float64 `json:"b_base" jsonschema:"b in the base unit"`
	Larger    string  `json:"larger" jsonschema:"a, b or equal"`
	Ratio     float64 `json:"ratio" jsonschema:"a divided by b (in base units)"`
	DiffBase  float64 `json:"difference_base" jsonschema:"a minus b in the base unit"`
	Unit      string  `json:"unit" jsonschema:"unit of a's first component, used for b_in_unit and difference"`
	BInUnit   float64 `json:"b_in_unit" jsonschema:"b expressed in unit"`
	Diff      float64 `json:"difference" jsonschema:"a minus b expressed in unit (not meaningful for temperatures)"`
}

func compare(_ context.Context, in CompareIn) (CompareOut, error) {
	a, err := ParseQuantity(in.A)
	if err != nil {
		return CompareOut{}, fmt.Errorf("a: %w", err)
	}
	b, err := ParseQuantity(in.B)
	if err != nil {
		return CompareOut{}, fmt.Errorf("b: %w", err)
	}
	if a.Dimension != b.Dimension {
		return CompareOut{}, fmt.Errorf("cannot compare %s with %s: incompatible dimensions", a.Dimension, b.Dimension)
	}
	u := a.Parts[0].Unit
	out := CompareOut{
		Dimension: a.Dimension, BaseUnit: baseUnit[a.Dimension],
		ABase: round12(a.Base), BBase: round12(b.Base), DiffBase: round12(a.Base - b.Base),
		Unit: u.Symbol, BInUnit: round12(fromBase(u, b.Base)), Diff: round12((a.Base - b.Base) / u.Factor),
	}
	switch {
	case math.Abs(a.Base-b.Base) <= 1e-12*math.Max(math.Abs(a.Base), math.Abs(b.Base)):
		out.Larger = "equal"
	case a.Base > b.Base:
		out.Larger = "a"
	default:
		out.Larger = "b"
	}
	if b.Base != 0 {
		out.Ratio = round12(a.Base / b.Base)
	}
	return out, nil
}
