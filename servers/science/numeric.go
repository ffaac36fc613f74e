package science

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
)

// A namedFunc is a function of one variable offered by integrate and find_root.
type namedFunc struct {
	Formula string
	F       func(float64) float64
	DF      func(float64) float64 // derivative
	Anti    func(float64) float64 // antiderivative, nil if not elementary
	Domain  func(float64) bool    // nil: all reals
}

var namedFuncs = map[string]namedFunc{
	"sin":        {"sin(x)", math.Sin, math.Cos, func(x float64) float64 { return -math.Cos(x) }, nil},
	"cos":        {"cos(x)", math.Cos, func(x float64) float64 { return -math.Sin(x) }, math.Sin, nil},
	"exp":        {"e^x", math.Exp, math.Exp, math.Exp, nil},
	"exp_neg":    {"e^(-x)", func(x float64) float64 { return math.Exp(-x) }, func(x float64) float64 { return -math.Exp(-x) }, func(x float64) float64 { return -math.Exp(-x) }, nil},
	"gaussian":   {"e^(-x²)", func(x float64) float64 { return math.Exp(-x * x) }, func(x float64) float64 { return -2 * x * math.Exp(-x*x) }, func(x float64) float64 { return math.Sqrt(math.Pi) / 2 * math.Erf(x) }, nil},
	"reciprocal": {"1/x", func(x float64) float64 { return 1 / x }, func(x float64) float64 { return -1 / (x * x) }, func(x float64) float64 { return math.Log(math.Abs(x)) }, func(x float64) bool { return x != 0 }},
	"ln":         {"ln(x)", math.Log, func(x float64) float64 { return 1 / x }, func(x float64) float64 { return x*math.Log(x) - x }, func(x float64) bool { return x > 0 }},
	"sqrt":       {"√x", math.Sqrt, func(x float64) float64 { return 0.5 / math.Sqrt(x) }, func(x float64) float64 { return 2.0 / 3 * math.Pow(x, 1.5) }, func(x float64) bool { return x >= 0 }},
	"sinc": {"sin(x)/x (1 at 0)", func(x float64) float64 {
		if x == 0 {
			return 1
		}
		return math.Sin(x) / x
	}, func(x float64) float64 {
		if x == 0 {
			return 0
		}
		return (x*math.Cos(x) - math.Sin(x)) / (x * x)
	}, nil, nil},
	"logistic": {"1/(1+e^(-x))", func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, func(x float64) float64 {
		s := 1 / (1 + math.Exp(-x))
		return s * (1 - s)
	}, func(x float64) float64 { return math.Log1p(math.Exp(x)) }, nil},
	"cos_minus_x": {"cos(x) - x", func(x float64) float64 { return math.Cos(x) - x }, func(x float64) float64 { return -math.Sin(x) - 1 }, func(x float64) float64 { return math.Sin(x) - x*x/2 }, nil},
	"x_sin_x":     {"x·sin(x)", func(x float64) float64 { return x * math.Sin(x) }, func(x float64) float64 { return math.Sin(x) + x*math.Cos(x) }, func(x float64) float64 { return math.Sin(x) - x*math.Cos(x) }, nil},
	"tanh":        {"tanh(x)", math.Tanh, func(x float64) float64 { t := math.Tanh(x); return 1 - t*t }, func(x float64) float64 { return math.Log(math.Cosh(x)) }, nil},
	"bessel_j0":   {"J0(x), Bessel function of the first kind", math.J0, func(x float64) float64 { return -math.J1(x) }, nil, nil},
}

func funcNames() []string {
	var n []string
	for k := range namedFuncs {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// polynomial returns a namedFunc for coefficients, highest degree first.
func polynomial(c []float64) namedFunc {
	f := func(x float64) float64 {
		var y float64
		for _, a := range c {
			y = y*x + a
		}
		return y
	}
	df := func(x float64) float64 {
		var y float64
		n := len(c) - 1
		for i, a := range c[:n] {
			y = y*x + a*float64(n-i)
		}
		return y
	}
	anti := func(x float64) float64 {
		var y float64
		n := len(c)
		for i, a := range c {
			y = y*x + a/float64(n-i)
		}
		return y * x
	}
	return namedFunc{polyString(c), f, df, anti, nil}
}

func polyString(c []float64) string {
	var b strings.Builder
	n := len(c) - 1
	for i, a := range c {
		if a == 0 && n > 0 {
			continue
		}
		p := n - i
		if b.Len() > 0 {
			if a < 0 {
				b.WriteString(" - ")
			} else {
				b.WriteString(" + ")
			}
			a = math.Abs(a)
		}
		coef := strconv.FormatFloat(a, 'g', -1, 64)
		switch {
		case p == 0:
			b.WriteString(coef)
		case a == 1:
			b.WriteString("x")
		case a == -1:
			b.WriteString("-x")
		default:
			b.WriteString(coef + "x")
		}
		if p > 1 {
			b.WriteString("^" + strconv.Itoa(p))
		}
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// pickFunc resolves a function name or polynomial coefficients.
func pickFunc(name string, coeffs []float64) (namedFunc, string, error) {
	switch {
	case name != "" && len(coeffs) > 0:
		return namedFunc{}, "", fmt.Errorf("give either function or coefficients, not both")
	case len(coeffs) > 0:
		if len(coeffs) > 21 {
			return namedFunc{}, "", fmt.Errorf("polynomial degree %d is above the limit of 20", len(coeffs)-1)
		}
		return polynomial(coeffs), "polynomial", nil
	case name == "":
		return namedFunc{}, "", fmt.Errorf("give a function name (%s) or polynomial coefficients", strings.Join(funcNames(), ", "))
	}
	f, ok := namedFuncs[name]
	if !ok {
		return namedFunc{}, "", fmt.Errorf("unknown function %q%s; available: %s, or pass polynomial coefficients", name, tooldef.DidYouMean(name, funcNames()), strings.Join(funcNames(), ", "))
	}
	return f, name, nil
}

// simpson integrates f over [a,b] with n (even) subintervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	if n%2 == 1 {
		n++
	}
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

// adaptiveSimpson integrates to tolerance tol; it returns the value, an error
// estimate and the number of function evaluations.
func adaptiveSimpson(f func(float64) float64, a, b, tol float64, maxDepth int) (float64, float64, int) {
	evals := 3
	fa, fm, fb := f(a), f((a+b)/2), f(b)
	whole := (b - a) / 6 * (fa + 4*fm + fb)
	var rec func(a, b, fa, fm, fb, whole, tol float64, depth int) (float64, float64)
	rec = func(a, b, fa, fm, fb, whole, tol float64, depth int) (float64, float64) {
		m := (a + b) / 2
		lm, rm := (a+m)/2, (m+b)/2
		flm, frm := f(lm), f(rm)
		evals += 2
		left := (m - a) / 6 * (fa + 4*flm + fm)
		right := (b - m) / 6 * (fm + 4*frm + fb)
		delta := left + right - whole
		if depth <= 0 || math.Abs(delta) <= 15*tol {
			return left + right + delta/15, math.Abs(delta) / 15
		}
		l, le := rec(a, m, fa, flm, fm, left, tol/2, depth-1)
		r, re := rec(m, b, fm, frm, fb, right, tol/2, depth-1)
		return l + r, le + re
	}
	v, e := rec(a, b, fa, fm, fb, whole, tol, maxDepth)
	return v, e, evals
}

// An odeSystem is a named system of first-order ODEs y' = f(t, y).
type odeSystem struct {
	Description string
	Vars        []string
	Params      map[string]float64 // defaults
	F           func(p map[string]float64, t float64, y []float64) []float64
	Exact       func(p map[string]float64, y0 []float64, t float64) []float64 // nil if none
}

var odeSystems = map[string]odeSystem{
	"exponential_decay": {
		"y' = -k·y (radioactive decay, cooling, first-order kinetics); exact y0·e^(-k·t)",
		[]string{"y"}, map[string]float64{"k": 1},
		func(p map[string]float64, _ float64, y []float64) []float64 { return []float64{-p["k"] * y[0]} },
		func(p map[string]float64, y0 []float64, t float64) []float64 {
			return []float64{y0[0] * math.Exp(-p["k"]*t)}
		},
	},
	"logistic": {
		"y' = r·y·(1 - y/K) (population growth with carrying capacity K); exact K/(1 + (K/y0 - 1)e^(-r·t))",
		[]string{"y"}, map[string]float64{"r": 1, "K": 1},
		func(p map[string]float64, _ float64, y []float64) []float64 {
			return []float64{p["r"] * y[0] * (1 - y[0]/p["K"])}
		},
		func(p map[string]float64, y0 []float64, t float64) []float64 {
			return []float64{p["K"] / (1 + (p["K"]/y0[0]-1)*math.Exp(-p["r"]*t))}
		},
	},
	"lotka_volterra": {
		"predator-prey: x' = alpha·x - beta·x·y, y' = delta·x·y - gamma·y (x prey, y predators)",
		[]string{"prey", "predator"}, map[string]float64{"alpha": 1.1, "beta": 0.4, "delta": 0.1, "gamma": 0.4},
		func(p map[string]float64, _ float64, y []float64) []float64 {
			return []float64{p["alpha"]*y[0] - p["beta"]*y[0]*y[1], p["delta"]*y[0]*y[1] - p["gamma"]*y[1]}
		}, nil,
	},
	"damped_oscillator": {
		"x'' + 2·zeta·omega·x' + omega²·x = 0 as x' = v, v' = -2·zeta·omega·v - omega²·x",
		[]string{"x", "v"}, map[string]float64{"omega": 1, "zeta": 0.1},
		func(p map[string]float64, _ float64, y []float64) []float64 {
			w, z := p["omega"], p["zeta"]
			return []float64{y[1], -2*z*w*y[1] - w*w*y[0]}
		}, nil,
	},
	"van_der_pol": {
		"x'' - mu·(1 - x²)·x' + x = 0 as x' = v, v' = mu·(1 - x²)·v - x (relaxation oscillator)",
		[]string{"x", "v"}, map[string]float64{"mu": 1},
		func(p map[string]float64, _ float64, y []float64) []float64 {
			return []float64{y[1], p["mu"]*(1-y[0]*y[0])*y[1] - y[0]}
		}, nil,
	},
	"sir": {
		"epidemic: S' = -beta·S·I/N, I' = beta·S·I/N - gamma·I, R' = gamma·I with N = S+I+R",
		[]string{"S", "I", "R"}, map[string]float64{"beta": 0.3, "gamma": 0.1},
		func(p map[string]float64, _ float64, y []float64) []float64 {
			n := y[0] + y[1] + y[2]
			inf := p["beta"] * y[0] * y[1] / n
			return []float64{-inf, inf - p["gamma"]*y[1], p["gamma"] * y[1]}
		}, nil,
	},
	"linear": {
		"y' = A·y + b for a constant coefficient matrix A (give `matrix`) and optional vector b (give `forcing`)",
		nil, map[string]float64{}, nil, nil,
	},
}

func systemNames() []string {
	var n []string
	for k := range odeSystems {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// rk4 advances y by one classical Runge-Kutta step.
func rk4(f func(t float64, y []float64) []float64, t, h float64, y []float64) []float64 {
	n := len(y)
	tmp := make([]float64, n)
	k1 := f(t, y)
	for i := range y {
		tmp[i] = y[i] + h/2*k1[i]
	}
	k2 := f(t+h/2, tmp)
	for i := range y {
		tmp[i] = y[i] + h/2*k2[i]
	}
	k3 := f(t+h/2, tmp)
	for i := range y {
		tmp[i] = y[i] + h*k3[i]
	}
	k4 := f(t+h, tmp)
	out := make([]float64, n)
	for i := range y {
		out[i] = y[i] + h/6*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
	}
	return out
}

// A constant is a physical constant.
type constant struct {
	Key, Name, Symbol string
	Value             float64
	Unit              string
	Uncertainty       float64 // standard uncertainty; 0 = exact
	Category          string
}

// constants are CODATA 2018 values (exact ones per the 2019 SI), plus IAU
// and conventional astronomical values.
var constants = []constant{
	{"speed_of_light", "speed of light in vacuum", "c", 299792458, "m s^-1", 0, "universal"},
	{"planck", "Planck constant", "h", 6.62607015e-34, "J Hz^-1", 0, "universal"},
	{"reduced_planck", "reduced Planck constant", "ħ", 1.054571817e-34, "J s", 0, "universal"},
	{"gravitational", "Newtonian constant of gravitation", "G", 6.67430e-11, "m^3 kg^-1 s^-2", 0.00015e-11, "universal"},
	{"vacuum_permittivity", "vacuum electric permittivity", "ε0", 8.8541878128e-12, "F m^-1", 0.0000000013e-12, "electromagnetic"},
	{"vacuum_permeability", "vacuum magnetic permeability", "μ0", 1.25663706212e-6, "N A^-2", 0.00000000019e-6, "electromagnetic"},
	{"elementary_charge", "elementary charge", "e", 1.602176634e-19, "C", 0, "electromagnetic"},
	{"fine_structure", "fine-structure constant", "α", 7.2973525693e-3, "", 0.0000000011e-3, "atomic"},
	{"inverse_fine_structure", "inverse fine-structure constant", "α^-1", 137.035999084, "", 0.000000021, "atomic"},
	{"rydberg", "Rydberg constant", "R∞", 10973731.568160, "m^-1", 0.000021, "atomic"},
	{"bohr_radius", "Bohr radius", "a0", 5.29177210903e-11, "m", 0.00000000080e-11, "atomic"},
	{"electron_mass", "electron mass", "m_e", 9.1093837015e-31, "kg", 0.0000000028e-31, "atomic"},
	{"proton_mass", "proton mass", "m_p", 1.67262192369e-27, "kg", 0.00000000051e-27, "atomic"},
	{"neutron_mass", "neutron mass", "m_n", 1.67492749804e-27, "kg", 0.00000000095e-27, "atomic"},
	{"atomic_mass_unit", "atomic mass constant", "m_u", 1.66053906660e-27, "kg", 0.00000000050e-27, "atomic"},
	{"avogadro", "Avogadro constant", "N_A", 6.02214076e23, "mol^-1", 0, "physico-chemical"},
	{"boltzmann", "Boltzmann constant", "k", 1.380649e-23, "J K^-1", 0, "physico-chemical"},
	{"gas_constant", "molar gas constant", "R", 8.314462618, "J mol^-1 K^-1", 0, "physico-chemical"},
	{"faraday", "Faraday constant", "F", 96485.33212, "C mol^-1", 0, "physico-chemical"},
	{"stefan_boltzmann", "Stefan-Boltzmann constant", "σ", 5.670374419e-8, "W m^-2 K^-4", 0, "physico-chemical"},
	{"wien_displacement", "Wien wavelength displacement law constant", "b", 2.897771955e-3, "m K", 0, "physico-chemical"},
	{"electron_volt", "electron volt", "eV", 1.602176634e-19, "J", 0, "physico-chemical"},
	{"molar_volume_stp", "molar volume of ideal gas (273.15 K, 101.325 kPa)", "V_m", 22.41396954e-3, "m^3 mol^-1", 0, "physico-chemical"},
	{"standard_gravity", "standard acceleration of gravity", "g_n", 9.80665, "m s^-2", 0, "conventional"},
	{"standard_atmosphere", "standard atmosphere", "atm", 101325, "Pa", 0, "conventional"},
	{"planck_length", "Planck length", "l_P", 1.616255e-35, "m", 0.000018e-35, "universal"},
	{"planck_mass", "Planck mass", "m_P", 2.176434e-8, "kg", 0.000024e-8, "universal"},
	{"planck_time", "Planck time", "t_P", 5.391247e-44, "s", 0.000060e-44, "universal"},
	{"astronomical_unit", "astronomical unit", "au", 149597870700, "m", 0, "astronomical"},
	{"light_year", "light-year (Julian)", "ly", 9460730472580800, "m", 0, "astronomical"},
	{"parsec", "parsec", "pc", 3.0856775814913673e16, "m", 0, "astronomical"},
	{"solar_mass", "nominal solar mass (from GM☉/G)", "M☉", 1.98847e30, "kg", 0.00007e30, "astronomical"},
	{"earth_mass", "Earth mass (from GM⊕/G)", "M⊕", 5.9722e24, "kg", 0.0006e24, "astronomical"},
	{"earth_radius", "nominal Earth equatorial radius", "R⊕", 6378137, "m", 0, "astronomical"},
	{"solar_luminosity", "nominal solar luminosity", "L☉", 3.828e26, "W", 0, "astronomical"},
}

func constantKeys() []string {
	var k []string
	for _, c := range constants {
		k = append(k, c.Key)
	}
	return k
}

// findConstant matches a key, symbol or name (case-insensitive for names).
func findConstant(q string) (constant, error) {
	lq := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(q, " ", "_")))
	for _, c := range constants {
		if c.Key == lq || c.Symbol == q || strings.EqualFold(c.Name, q) {
			return c, nil
		}
	}
	return constant{}, fmt.Errorf("unknown constant %q%s; use list_constants to see all %d (keys like speed_of_light, planck, boltzmann)", q, tooldef.DidYouMean(lq, constantKeys()), len(constants))
}
