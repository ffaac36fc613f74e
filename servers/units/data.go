package units

// RatesDate is the date of the shipped reference currency rates. The rates
// are fixed so that results never depend on the network or the clock.
const RatesDate = "2026-06-01"

// A unit converts to its dimension's base unit as base = value*factor + offset.
type unit struct {
	Symbol    string
	Name      string
	Dimension string
	Factor    float64
	Offset    float64
	Aliases   []string
}

// Base units per dimension.
var baseUnit = map[string]string{
	"length": "m", "mass": "kg", "temperature": "K", "volume": "m3", "area": "m2",
	"speed": "m/s", "pressure": "Pa", "energy": "J", "data": "B", "time": "s",
	"currency": "USD",
}

// dimensions in display order.
var dimensions = []string{"length", "mass", "temperature", "volume", "area", "speed", "pressure", "energy", "data", "time", "currency"}

// usdPer is the number of currency units per one US dollar on RatesDate
// (reference mid-market rates; illustrative, not for settlement).
var usdPer = []struct {
	Code, Name string
	PerUSD     float64
}{
	{"USD", "US dollar", 1},
	{"EUR", "euro", 0.9215},
	{"GBP", "pound sterling", 0.7874},
	{"JPY", "Japanese yen", 156.42},
	{"CHF", "Swiss franc", 0.8987},
	{"CAD", "Canadian dollar", 1.3702},
	{"AUD", "Australian dollar", 1.5087},
	{"NZD", "New Zealand dollar", 1.6391},
	{"CNY", "Chinese yuan renminbi", 7.2431},
	{"HKD", "Hong Kong dollar", 7.8125},
	{"SGD", "Singapore dollar", 1.3514},
	{"INR", "Indian rupee", 83.47},
	{"KRW", "South Korean won", 1378.6},
	{"BRL", "Brazilian real", 5.1820},
	{"MXN", "Mexican peso", 17.085},
	{"ZAR", "South African rand", 18.392},
	{"SEK", "Swedish krona", 10.587},
	{"NOK", "Norwegian krone", 10.694},
	{"DKK", "Danish krone", 6.8741},
	{"PLN", "Polish zloty", 3.9812},
	{"CZK", "Czech koruna", 22.874},
	{"HUF", "Hungarian forint", 358.21},
	{"TRY", "Turkish lira", 32.518},
	{"AED", "UAE dirham", 3.6725},
	{"SAR", "Saudi riyal", 3.7502},
	{"THB", "Thai baht", 36.612},
	{"IDR", "Indonesian rupiah", 16231},
	{"ILS", "Israeli new shekel", 3.7189},
	{"EGP", "Egyptian pound", 47.85},
	{"NGN", "Nigerian naira", 1482.5},
}

const (
	inch   = 0.0254
	foot   = 0.3048
	yard   = 0.9144
	mile   = 1609.344
	pound  = 0.45359237
	usGal  = 3.785411784e-3
	impGal = 4.54609e-3
)

// table lists every unit except currencies (added in init from usdPer).
var table = []unit{
	// length (m)
	{"m", "meter", "length", 1, 0, []string{"meter", "meters", "metre", "metres"}},
	{"km", "kilometer", "length", 1000, 0, []string{"kilometer", "kilometers", "kilometre", "kilometres"}},
	{"cm", "centimeter", "length", 0.01, 0, []string{"centimeter", "centimeters", "centimetre", "centimetres"}},
	{"mm", "millimeter", "length", 0.001, 0, []string{"millimeter", "millimeters", "millimetre", "millimetres"}},
	{"um", "micrometer", "length", 1e-6, 0, []string{"µm", "micrometer", "micrometers", "micron", "microns"}},
	{"nm", "nanometer", "length", 1e-9, 0, []string{"nanometer", "nanometers"}},
	{"in", "inch", "length", inch, 0, []string{"inch", "inches", "\""}},
	{"ft", "foot", "length", foot, 0, []string{"foot", "feet", "'"}},
	{"yd", "yard", "length", yard, 0, []string{"yard", "yards"}},
	{"mi", "mile", "length", mile, 0, []string{"mile", "miles"}},
	{"nmi", "nautical mile", "length", 1852, 0, []string{"nautical mile", "nautical miles", "NM"}},
	{"au", "astronomical unit", "length", 149597870700, 0, []string{"AU", "astronomical unit"}},
	{"ly", "light-year", "length", 9460730472580800, 0, []string{"light-year", "light-years", "lightyear"}},
	// mass (kg)
	{"kg", "kilogram", "mass", 1, 0, []string{"kilogram", "kilograms", "kilo", "kilos"}},
	{"g", "gram", "mass", 1e-3, 0, []string{"gram", "grams"}},
	{"mg", "milligram", "mass", 1e-6, 0, []string{"milligram", "milligrams"}},
	{"ug", "microgram", "mass", 1e-9, 0, []string{"µg", "microgram", "micrograms"}},
	{"t", "tonne", "mass", 1000, 0, []string{"tonne", "tonnes", "metric ton", "metric tons"}},
	{"lb", "pound", "mass", pound, 0, []string{"lbs", "pound", "pounds"}},
	{"oz", "ounce", "mass", pound / 16, 0, []string{"ounce", "ounces"}},
	{"st", "stone", "mass", pound * 14, 0, []string{"stone", "stones"}},
	{"ton", "short ton (US)", "mass", pound * 2000, 0, []string{"short ton", "short tons", "tons"}},
	{"LT", "long ton (UK)", "mass", pound * 2240, 0, []string{"long ton", "long tons"}},
	{"ct", "carat", "mass", 2e-4, 0, []string{"carat", "carats"}},
	// temperature (K); base = value*factor + offset
	{"K", "kelvin", "temperature", 1, 0, []string{"kelvin", "kelvins"}},
	{"C", "degree Celsius", "temperature", 1, 273.15, []string{"°C", "celsius", "degC", "centigrade"}},
	{"F", "degree Fahrenheit", "temperature", 5.0 / 9, 459.67 * 5 / 9, []string{"°F", "fahrenheit", "degF"}},
	{"R", "degree Rankine", "temperature", 5.0 / 9, 0, []string{"°R", "rankine", "degR"}},
	// volume (m3)
	{"m3", "cubic meter", "volume", 1, 0, []string{"m^3", "m³", "cubic meter", "cubic meters", "cubic metre"}},
	{"L", "liter", "volume", 1e-3, 0, []string{"l", "liter", "liters", "litre", "litres"}},
	{"mL", "milliliter", "volume", 1e-6, 0, []string{"ml", "milliliter", "milliliters", "millilitre", "cc"}},
	{"cL", "centiliter", "volume", 1e-5, 0, []string{"cl", "centiliter", "centilitre"}},
	{"cm3", "cubic centimeter", "volume", 1e-6, 0, []string{"cm^3", "cm³", "cubic centimeter"}},
	{"gal", "US gallon", "volume", usGal, 0, []string{"gallon", "gallons", "US gal"}},
	{"qt", "US quart", "volume", usGal / 4, 0, []string{"quart", "quarts"}},
	{"pt", "US pint", "volume", usGal / 8, 0, []string{"pint", "pints"}},
	{"cup", "US cup", "volume", usGal / 16, 0, []string{"cups"}},
	{"floz", "US fluid ounce", "volume", usGal / 128, 0, []string{"fl oz", "fl. oz", "fluid ounce", "fluid ounces"}},
	{"tbsp", "US tablespoon", "volume", usGal / 256, 0, []string{"tablespoon", "tablespoons"}},
	{"tsp", "US teaspoon", "volume", usGal / 768, 0, []string{"teaspoon", "teaspoons"}},
	{"impgal", "imperial gallon", "volume", impGal, 0, []string{"imperial gallon", "imperial gallons", "UK gal"}},
	{"imppt", "imperial pint", "volume", impGal / 8, 0, []string{"imperial pint", "imperial pints"}},
	{"ft3", "cubic foot", "volume", foot * foot * foot, 0, []string{"ft^3", "ft³", "cu ft", "cubic foot", "cubic feet"}},
	{"in3", "cubic inch", "volume", inch * inch * inch, 0, []string{"in^3", "in³", "cu in", "cubic inch", "cubic inches"}},
	{"bbl", "oil barrel", "volume", 42 * usGal, 0, []string{"barrel", "barrels"}},
	// area (m2)
	{"m2", "square meter", "area", 1, 0, []string{"m^2", "m²", "sq m", "square meter", "square meters", "square metre"}},
	{"km2", "square kilometer", "area", 1e6, 0, []string{"km^2", "km²", "sq km", "square kilometer", "square kilometers"}},
	{"cm2", "square centimeter", "area", 1e-4, 0, []string{"cm^2", "cm²", "sq cm", "square centimeter"}},
	{"ha", "hectare", "area", 1e4, 0, []string{"hectare", "hectares"}},
	{"a", "are", "area", 100, 0, []string{"are", "ares"}},
	{"ft2", "square foot", "area", foot * foot, 0, []string{"ft^2", "ft²", "sq ft", "square foot", "square feet"}},
	{"in2", "square inch", "area", inch * inch, 0, []string{"in^2", "in²", "sq in", "square inch", "square inches"}},
	{"yd2", "square yard", "area", yard * yard, 0, []string{"yd^2", "yd²", "sq yd", "square yard", "square yards"}},
	{"ac", "acre", "area", 4046.8564224, 0, []string{"acre", "acres"}},
	{"mi2", "square mile", "area", mile * mile, 0, []string{"mi^2", "mi²", "sq mi", "square mile", "square miles"}},
	// speed (m/s)
	{"m/s", "meter per second", "speed", 1, 0, []string{"mps", "meters per second", "metres per second"}},
	{"km/h", "kilometer per hour", "speed", 1000.0 / 3600, 0, []string{"kph", "kmh", "km/hr", "kilometers per hour", "kilometres per hour"}},
	{"mph", "mile per hour", "speed", mile / 3600, 0, []string{"mi/h", "miles per hour"}},
	{"kn", "knot", "speed", 1852.0 / 3600, 0, []string{"kt", "knot", "knots"}},
	{"ft/s", "foot per second", "speed", foot, 0, []string{"fps", "feet per second"}},
	{"mach", "Mach (sea level, 15 °C)", "speed", 340.29, 0, []string{"Mach"}},
	// pressure (Pa)
	{"Pa", "pascal", "pressure", 1, 0, []string{"pascal", "pascals"}},
	{"hPa", "hectopascal", "pressure", 100, 0, []string{"hectopascal", "hectopascals", "mbar", "millibar", "millibars"}},
	{"kPa", "kilopascal", "pressure", 1000, 0, []string{"kilopascal", "kilopascals"}},
	{"MPa", "megapascal", "pressure", 1e6, 0, []string{"megapascal", "megapascals"}},
	{"bar", "bar", "pressure", 1e5, 0, []string{"bars"}},
	{"atm", "standard atmosphere", "pressure", 101325, 0, []string{"atmosphere", "atmospheres"}},
	{"psi", "pound per square inch", "pressure", 6894.757293168361, 0, []string{"lbf/in2", "pounds per square inch"}},
	{"mmHg", "millimeter of mercury", "pressure", 133.322387415, 0, []string{"millimeters of mercury"}},
	{"Torr", "torr (1/760 atm)", "pressure", 101325.0 / 760, 0, []string{"torr"}},
	{"inHg", "inch of mercury", "pressure", 3386.389, 0, []string{"inches of mercury"}},
	// energy (J)
	{"J", "joule", "energy", 1, 0, []string{"joule", "joules"}},
	{"kJ", "kilojoule", "energy", 1e3, 0, []string{"kilojoule", "kilojoules"}},
	{"MJ", "megajoule", "energy", 1e6, 0, []string{"megajoule", "megajoules"}},
	{"cal", "calorie (thermochemical)", "energy", 4.184, 0, []string{"calorie", "calories"}},
	{"kcal", "kilocalorie (food Calorie)", "energy", 4184, 0, []string{"kilocalorie", "kilocalories", "Cal"}},
	{"Wh", "watt-hour", "energy", 3600, 0, []string{"watt-hour", "watt-hours", "watt hour"}},
	{"kWh", "kilowatt-hour", "energy", 3.6e6, 0, []string{"kilowatt-hour", "kilowatt-hours", "kilowatt hour"}},
	{"MWh", "megawatt-hour", "energy", 3.6e9, 0, []string{"megawatt-hour", "megawatt-hours"}},
	{"BTU", "British thermal unit (IT)", "energy", 1055.05585262, 0, []string{"btu", "Btu"}},
	{"eV", "electronvolt", "energy", 1.602176634e-19, 0, []string{"electronvolt", "electronvolts"}},
	{"ftlb", "foot-pound", "energy", 1.3558179483314004, 0, []string{"ft-lb", "ft·lbf", "foot-pound", "foot-pounds"}},
	{"therm", "therm (US)", "energy", 105480400, 0, []string{"therms"}},
	// data (bytes)
	{"bit", "bit", "data", 0.125, 0, []string{"bits"}},
	{"B", "byte", "data", 1, 0, []string{"byte", "bytes"}},
	{"kB", "kilobyte (1000 B)", "data", 1e3, 0, []string{"KB", "kilobyte", "kilobytes"}},
	{"MB", "megabyte (10^6 B)", "data", 1e6, 0, []string{"megabyte", "megabytes"}},
	{"GB", "gigabyte (10^9 B)", "data", 1e9, 0, []string{"gigabyte", "gigabytes"}},
	{"TB", "terabyte (10^12 B)", "data", 1e12, 0, []string{"terabyte", "terabytes"}},
	{"PB", "petabyte (10^15 B)", "data", 1e15, 0, []string{"petabyte", "petabytes"}},
	{"KiB", "kibibyte (1024 B)", "data", 1024, 0, []string{"kibibyte", "kibibytes"}},
	{"MiB", "mebibyte (2^20 B)", "data", 1 << 20, 0, []string{"mebibyte", "mebibytes"}},
	{"GiB", "gibibyte (2^30 B)", "data", 1 << 30, 0, []string{"gibibyte", "gibibytes"}},
	{"TiB", "tebibyte (2^40 B)", "data", 1 << 40, 0, []string{"tebibyte", "tebibytes"}},
	{"kbit", "kilobit", "data", 125, 0, []string{"kilobit", "kilobits", "kb"}},
	{"Mbit", "megabit", "data", 125e3, 0, []string{"megabit", "megabits", "Mb"}},
	{"Gbit", "gigabit", "data", 125e6, 0, []string{"gigabit", "gigabits", "Gb"}},
	// time (s)
	{"s", "second", "time", 1, 0, []string{"sec", "secs", "second", "seconds"}},
	{"ms", "millisecond", "time", 1e-3, 0, []string{"millisecond", "milliseconds"}},
	{"us", "microsecond", "time", 1e-6, 0, []string{"µs", "microsecond", "microseconds"}},
	{"min", "minute", "time", 60, 0, []string{"mins", "minute", "minutes"}},
	{"h", "hour", "time", 3600, 0, []string{"hr", "hrs", "hour", "hours"}},
	{"d", "day", "time", 86400, 0, []string{"day", "days"}},
	{"wk", "week", "time", 604800, 0, []string{"week", "weeks"}},
	{"yr", "Julian year (365.25 d)", "time", 31557600, 0, []string{"year", "years"}},
}
