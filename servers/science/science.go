// Package science is the bundled "science" MCP server: dense linear algebra
// (multiply, determinant, inverse, linear systems, symmetric eigenvalues),
// ODE integration with classical RK4 over named systems or a linear system,
// numeric integration (Simpson, adaptive Simpson), root finding and a table
// of physical constants (CODATA 2018).
package science

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
const Name = "science"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Matrices, eigenvalues, ODE solving (RK4), numeric integration, root finding and physical constants"

// round12 rounds to 12 significant digits, hiding floating-point noise.
func round12(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	if r == 0 {
		return 0 // no negative zero
	}
	return r
}

func roundVec(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = round12(x)
	}
	return out
}

func roundMat(m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, r := range m {
		out[i] = roundVec(r)
	}
	return out
}

// New returns the science server with all tools registered.
func New() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Scientific computing", Version: "v1.0.0"}, nil)
	sq := tooldef.Tweaks{"matrix": {tooldef.Items(1, maxDim)}}

	tooldef.AddPure(s, "matrix_multiply", "Multiply matrices",
		"Multiply two matrices A (m×n) and B (n×p), given as arrays of rows, up to 50×50; returns the m×p product. The columns of A must equal the rows of B.",
		tooldef.Tweaks{"a": {tooldef.Items(1, maxDim)}, "b": {tooldef.Items(1, maxDim)}}, matMul)
	tooldef.AddPure(s, "matrix_determinant", "Determinant",
		"Determinant of a square matrix (up to 50×50) by LU decomposition with partial pivoting; also reports the rank deficiency hint (singular or not).",
		sq, matDet)
	tooldef.AddPure(s, "matrix_inverse", "Inverse",
		"Inverse of a square, non-singular matrix (up to 50×50) by LU decomposition, with its determinant and the infinity-norm condition number; a singular matrix is an error.",
		sq, matInv)
	tooldef.AddPure(s, "solve_linear_system", "Solve A·x = b",
		"Solve the square linear system A·x = b (up to 50 unknowns) by LU decomposition with partial pivoting; returns x and the residual norm max|A·x - b|. A singular A is an error.",
		tooldef.Tweaks{"a": {tooldef.Items(1, maxDim)}, "b": {tooldef.Items(1, maxDim)}}, solveSystem)
	tooldef.AddPure(s, "eigen_symmetric", "Symmetric eigenvalues",
		"Eigenvalues (ascending) and unit eigenvectors of a real symmetric matrix (up to 50×50) by the cyclic Jacobi method. The matrix must be symmetric within 1e-9 relative tolerance.",
		sq, eigen)
	tooldef.AddPure(s, "solve_ode", "Solve an ODE",
		"Integrate an initial value problem with the classical 4th-order Runge-Kutta method using a fixed number of steps (1..100000) from t_start to t_end, and return the state sampled at output_points evenly spaced steps (2..1001, default 101). Systems: exponential_decay (k), logistic (r, K), lotka_volterra (alpha, beta, delta, gamma), damped_oscillator (omega, zeta), van_der_pol (mu), sir (beta, gamma), or linear (y' = A·y + b with `matrix` A and optional `forcing` b). Parameters not given take their defaults. Where an analytic solution exists, the final exact value and the error are reported.",
		tooldef.Tweaks{
			"system":        {tooldef.Enum(systemNames()...)},
			"steps":         {tooldef.Between(1, 100000), tooldef.Default(1000)},
			"output_points": {tooldef.Between(2, 1001), tooldef.Default(101)},
			"initial":       {tooldef.Items(1, maxDim)},
		}, solveODE)
	tooldef.AddPure(s, "integrate", "Integrate numerically",
		"Definite integral of a named function ("+strings.Join(funcNames(), ", ")+") or of a polynomial given by coefficients (highest degree first: [1, 0, -2] is x² - 2) from a to b. Methods: simpson (composite, `intervals` even subintervals, default 1000) or adaptive (adaptive Simpson to `tolerance`, default 1e-10). The exact value is reported when an antiderivative is known.",
		tooldef.Tweaks{
			"function":  {tooldef.Enum(append([]string{""}, funcNames()...)...)},
			"method":    {tooldef.Enum("simpson", "adaptive"), tooldef.Default("adaptive")},
			"intervals": {tooldef.Between(2, 1000000), tooldef.Default(1000)},
			"tolerance": {tooldef.Between(1e-15, 1), tooldef.Default(1e-10)},
		}, integrate)
	tooldef.AddPure(s, "find_root", "Find a root",
		"Find a root f(x) = 0 of a named function or a polynomial (coefficients highest degree first). Methods: bisection (needs lower and upper with a sign change), newton (from x0, uses the exact derivative) or secant (from lower and upper as the two starting points). Returns the root, f(root), iterations, and the iteration trace (at most 200 iterations).",
		tooldef.Tweaks{
			"function":  {tooldef.Enum(append([]string{""}, funcNames()...)...)},
			"method":    {tooldef.Enum("bisection", "newton", "secant"), tooldef.Default("bisection")},
			"tolerance": {tooldef.Between(1e-15, 1), tooldef.Default(1e-12)},
		}, findRoot)
	tooldef.AddPure(s, "get_constant", "Physical constant",
		"Look up a physical constant by key (speed_of_light), symbol (c, N_A) or name (Boltzmann constant): value in SI units, unit, standard uncertainty (0 = exact by the 2019 SI definition) and source (CODATA 2018, IAU).",
		nil, getConstant)
	tooldef.AddPure(s, "list_constants", "List constants",
		"List the shipped physical constants, optionally filtered by category (universal, electromagnetic, atomic, physico-chemical, conventional, astronomical) or by a text query matched against keys, names and symbols.",
		tooldef.Tweaks{"category": {tooldef.Enum("", "universal", "electromagnetic", "atomic", "physico-chemical", "conventional", "astronomical")}}, listConstants)
	return s
}

// MulIn is the input of matrix_multiply.
type MulIn struct {
	A [][]float64 `json:"a" jsonschema:"left matrix, array of rows"`
	B [][]float64 `json:"b" jsonschema:"right matrix, array of rows"`
}

// MatrixOut is a matrix result.
type MatrixOut struct {
	Rows   int         `json:"rows" jsonschema:"number of rows"`
	Cols   int         `json:"cols" jsonschema:"number of columns"`
	Matrix [][]float64 `json:"matrix" jsonschema:"the result, array of rows (12 significant digits)"`
}

func matMul(_ context.Context, in MulIn) (MatrixOut, error) {
	ar, ac, err := checkMatrix("a", in.A)
	if err != nil {
		return MatrixOut{}, err
	}
	br, bc, err := checkMatrix("b", in.B)
	if err != nil {
		return MatrixOut{}, err
	}
	if ac != br {
		return MatrixOut{}, fmt.Errorf("incompatible dimensions: a is %d×%d and b is %d×%d; a's columns (%d) must equal b's rows (%d)", ar, ac, br, bc, ac, br)
	}
	return MatrixOut{ar, bc, roundMat(multiply(in.A, in.B))}, nil
}

// SquareIn is the input of the single-matrix tools.
type SquareIn struct {
	Matrix [][]float64 `json:"matrix" jsonschema:"square matrix, array of rows"`
}

// DetOut is the output of matrix_determinant.
type DetOut struct {
	N           int     `json:"n" jsonschema:"matrix size"`
	Determinant float64 `json:"determinant" jsonschema:"the determinant"`
	Singular    bool    `json:"singular" jsonschema:"whether the matrix is (numerically) singular"`
}

func matDet(_ context.Context, in SquareIn) (DetOut, error) {
	n, err := checkSquare("matrix", in.Matrix)
	if err != nil {
		return DetOut{}, err
	}
	d := round12(determinant(in.Matrix))
	return DetOut{n, d, d == 0}, nil
}

// InvOut is the output of matrix_inverse.
type InvOut struct {
	N           int         `json:"n" jsonschema:"matrix size"`
	Inverse     [][]float64 `json:"inverse" jsonschema:"the inverse, array of rows"`
	Determinant float64     `json:"determinant" jsonschema:"determinant of the input"`
	Condition   float64     `json:"condition_number" jsonschema:"‖A‖∞·‖A⁻¹‖∞; large values mean an ill-conditioned matrix"`
}

func matInv(_ context.Context, in SquareIn) (InvOut, error) {
	n, err := checkSquare("matrix", in.Matrix)
	if err != nil {
		return InvOut{}, err
	}
	inv, err := inverse(in.Matrix)
	if err != nil {
		return InvOut{}, err
	}
	return InvOut{n, roundMat(inv), round12(determinant(in.Matrix)), round12(normInf(in.Matrix) * normInf(inv))}, nil
}

// SolveIn is the input of solve_linear_system.
type SolveIn struct {
	A [][]float64 `json:"a" jsonschema:"square coefficient matrix, array of rows"`
	B []float64   `json:"b" jsonschema:"right-hand side, one value per row of a"`
}

// SolveOut is the output of solve_linear_system.
type SolveOut struct {
	N        int       `json:"n" jsonschema:"number of unknowns"`
	X        []float64 `json:"x" jsonschema:"the solution"`
	Residual float64   `json:"residual" jsonschema:"max |A·x - b|"`
}

func solveSystem(_ context.Context, in SolveIn) (SolveOut, error) {
	n, err := checkSquare("a", in.A)
	if err != nil {
		return SolveOut{}, err
	}
	if len(in.B) != n {
		return SolveOut{}, fmt.Errorf("incompatible dimensions: a is %d×%d but b has %d values", n, n, len(in.B))
	}
	x, err := solve(in.A, in.B)
	if err != nil {
		return SolveOut{}, err
	}
	var res float64
	for i, row := range in.A {
		var s float64
		for j, v := range row {
			s += v * x[j]
		}
		res = math.Max(res, math.Abs(s-in.B[i]))
	}
	return SolveOut{n, roundVec(x), res}, nil
}

// EigenOut is the output of eigen_symmetric.
type EigenOut struct {
	N            int         `json:"n" jsonschema:"matrix size"`
	Eigenvalues  []float64   `json:"eigenvalues" jsonschema:"ascending eigenvalues"`
	Eigenvectors [][]float64 `json:"eigenvectors" jsonschema:"unit eigenvector per eigenvalue, same order"`
	Sweeps       int         `json:"sweeps" jsonschema:"Jacobi sweeps used"`
	Trace        float64     `json:"trace" jsonschema:"sum of eigenvalues (equals the trace)"`
}

func eigen(_ context.Context, in SquareIn) (EigenOut, error) {
	n, err := checkSquare("matrix", in.Matrix)
	if err != nil {
		return EigenOut{}, err
	}
	scale := normInf(in.Matrix)
	for i := range n {
		for j := i + 1; j < n; j++ {
			if math.Abs(in.Matrix[i][j]-in.Matrix[j][i]) > 1e-9*math.Max(scale, 1) {
				return EigenOut{}, fmt.Errorf("the matrix is not symmetric: [%d][%d] = %g but [%d][%d] = %g; eigen_symmetric needs A = Aᵀ", i, j, in.Matrix[i][j], j, i, in.Matrix[j][i])
			}
		}
	}
	vals, vecs, sweeps := jacobiEigen(in.Matrix)
	var tr float64
	for _, v := range vals {
		tr += v
	}
	return EigenOut{n, roundVec(vals), roundMat(vecs), sweeps, round12(tr)}, nil
}

// ODEIn is the input of solve_ode.
type ODEIn struct {
	System       string             `json:"system" jsonschema:"the named system, or linear"`
	Params       map[string]float64 `json:"params,omitempty" jsonschema:"system parameters; missing ones take defaults"`
	Initial      []float64          `json:"initial" jsonschema:"initial state y(t_start), one value per state variable"`
	TStart       float64            `json:"t_start,omitempty" jsonschema:"start time (default 0)"`
	TEnd         float64            `json:"t_end" jsonschema:"end time, greater than t_start"`
	Steps        int                `json:"steps,omitempty" jsonschema:"RK4 steps (default 1000)"`
	OutputPoints int                `json:"output_points,omitempty" jsonschema:"number of samples returned, including both ends (default 101)"`
	Matrix       [][]float64        `json:"matrix,omitempty" jsonschema:"coefficient matrix A (linear system only)"`
	Forcing      []float64          `json:"forcing,omitempty" jsonschema:"constant vector b (linear system only)"`
}

// ODEPoint is one sample of the solution.
type ODEPoint struct {
	T float64   `json:"t" jsonschema:"time"`
	Y []float64 `json:"y" jsonschema:"state, ordered as variables"`
}

// ODEOut is the output of solve_ode.
type ODEOut struct {
	System     string             `json:"system" jsonschema:"the system"`
	Equation   string             `json:"equation" jsonschema:"the equations solved"`
	Variables  []string           `json:"variables" jsonschema:"state variable names"`
	Params     map[string]float64 `json:"params" jsonschema:"parameters used"`
	Method     string             `json:"method" jsonschema:"integration method"`
	StepSize   float64            `json:"step_size" jsonschema:"h = (t_end - t_start) / steps"`
	Points     []ODEPoint         `json:"points" jsonschema:"the sampled solution"`
	Final      []float64          `json:"final" jsonschema:"state at t_end"`
	Exact      []float64          `json:"exact_final,omitempty" jsonschema:"analytic state at t_end, where known"`
	ErrorFinal *float64           `json:"max_error_final,omitempty" jsonschema:"max |final - exact_final|"`
}

func solveODE(_ context.Context, in ODEIn) (ODEOut, error) {
	sys, ok := odeSystems[in.System]
	if !ok {
		return ODEOut{}, fmt.Errorf("unknown system %q%s; systems: %s", in.System, tooldef.DidYouMean(in.System, systemNames()), strings.Join(systemNames(), ", "))
	}
	if !(in.TEnd > in.TStart) {
		return ODEOut{}, fmt.Errorf("t_end (%g) must be greater than t_start (%g)", in.TEnd, in.TStart)
	}
	p := map[string]float64{}
	for k, v := range sys.Params {
		p[k] = v
	}
	for k, v := range in.Params {
		if _, ok := sys.Params[k]; !ok {
			var names []string
			for n := range sys.Params {
				names = append(names, n)
			}
			return ODEOut{}, fmt.Errorf("system %s has no parameter %q; parameters: %v", in.System, k, strings.Join(sortStrings(names), ", "))
		}
		p[k] = v
	}
	f := func(t float64, y []float64) []float64 { return sys.F(p, t, y) }
	vars := sys.Vars
	if in.System == "linear" {
		n, err := checkSquare("matrix", in.Matrix)
		if err != nil {
			return ODEOut{}, fmt.Errorf("the linear system needs `matrix` A: %w", err)
		}
		if in.Forcing != nil && len(in.Forcing) != n {
			return ODEOut{}, fmt.Errorf("forcing has %d values; matrix is %d×%d", len(in.Forcing), n, n)
		}
		a, b := in.Matrix, in.Forcing
		f = func(_ float64, y []float64) []float64 {
			out := make([]float64, n)
			for i := range n {
				for j := range n {
					out[i] += a[i][j] * y[j]
				}
				if b != nil {
					out[i] += b[i]
				}
			}
			return out
		}
		vars = nil
		for i := range n {
			vars = append(vars, "y"+strconv.Itoa(i))
		}
	} else if in.Matrix != nil || in.Forcing != nil {
		return ODEOut{}, fmt.Errorf("matrix and forcing apply only to the linear system, not %s", in.System)
	}
	if len(in.Initial) != len(vars) {
		return ODEOut{}, fmt.Errorf("system %s has %d state variables (%s), but initial has %d values", in.System, len(vars), strings.Join(vars, ", "), len(in.Initial))
	}
	if in.System == "logistic" && in.Initial[0] == 0 || in.System == "sir" && in.Initial[0]+in.Initial[1]+in.Initial[2] == 0 {
		return ODEOut{}, fmt.Errorf("initial state of %s must be non-zero", in.System)
	}
	if in.OutputPoints > in.Steps+1 {
		in.OutputPoints = in.Steps + 1
	}
	h := (in.TEnd - in.TStart) / float64(in.Steps)
	out := ODEOut{System: in.System, Equation: sys.Description, Variables: vars, Params: p, Method: "rk4 (classical, fixed step)", StepSize: round12(h)}
	// Sample indexes: evenly spaced steps including 0 and Steps.
	next := 0
	sample := func(k int) int { return int(math.Round(float64(k) * float64(in.Steps) / float64(in.OutputPoints-1))) }
	y := append([]float64(nil), in.Initial...)
	for i := 0; i <= in.Steps; i++ {
		t := in.TStart + float64(i)*h
		if next < in.OutputPoints && i == sample(next) {
			out.Points = append(out.Points, ODEPoint{round12(t), roundVec(y)})
			next++
		}
		if i < in.Steps {
			y = rk4(f, t, h, y)
			for _, v := range y {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return ODEOut{}, fmt.Errorf("the solution diverged near t = %g; use more steps or a shorter interval", t)
				}
			}
		}
	}
	out.Final = roundVec(y)
	if sys.Exact != nil {
		ex := sys.Exact(p, in.Initial, in.TEnd)
		var e float64
		for i := range ex {
			e = math.Max(e, math.Abs(ex[i]-y[i]))
		}
		if !math.IsNaN(e) && !math.IsInf(e, 0) {
			out.Exact = roundVec(ex)
			out.ErrorFinal = &e
		}
	}
	return out, nil
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// IntegrateIn is the input of integrate.
type IntegrateIn struct {
	Function     string    `json:"function,omitempty" jsonschema:"a named function (or give coefficients)"`
	Coefficients []float64 `json:"coefficients,omitempty" jsonschema:"polynomial coefficients, highest degree first"`
	A            float64   `json:"a" jsonschema:"lower limit"`
	B            float64   `json:"b" jsonschema:"upper limit"`
	Method       string    `json:"method,omitempty" jsonschema:"simpson or adaptive (default adaptive)"`
	Intervals    int       `json:"intervals,omitempty" jsonschema:"subintervals for simpson (default 1000; odd values are rounded up)"`
	Tolerance    float64   `json:"tolerance,omitempty" jsonschema:"absolute tolerance for adaptive (default 1e-10)"`
}

// IntegrateOut is the output of integrate.
type IntegrateOut struct {
	Function      string   `json:"function" jsonschema:"the integrand"`
	A             float64  `json:"a" jsonschema:"lower limit"`
	B             float64  `json:"b" jsonschema:"upper limit"`
	Method        string   `json:"method" jsonschema:"method used"`
	Value         float64  `json:"value" jsonschema:"the integral"`
	ErrorEstimate float64  `json:"error_estimate" jsonschema:"estimated absolute error"`
	Evaluations   int      `json:"evaluations" jsonschema:"function evaluations"`
	Exact         *float64 `json:"exact,omitempty" jsonschema:"the analytic value, where an antiderivative is known"`
}

func checkDomain(fn namedFunc, name string, a, b float64) error {
	if fn.Domain == nil {
		return nil
	}
	// Domains here are intervals bounded at 0: test both ends and 0 inside.
	if !fn.Domain(a) || !fn.Domain(b) || (a < 0 && b > 0 && !fn.Domain(0)) {
		return fmt.Errorf("%s is not defined on all of [%g, %g]; choose an interval inside its domain", name, a, b)
	}
	return nil
}

func integrate(_ context.Context, in IntegrateIn) (IntegrateOut, error) {
	fn, name, err := pickFunc(in.Function, in.Coefficients)
	if err != nil {
		return IntegrateOut{}, err
	}
	if err := checkDomain(fn, name, min(in.A, in.B), max(in.A, in.B)); err != nil {
		return IntegrateOut{}, err
	}
	out := IntegrateOut{Function: fn.Formula, A: in.A, B: in.B, Method: in.Method}
	if in.Method == "simpson" {
		n := in.Intervals + in.Intervals%2
		v := simpson(fn.F, in.A, in.B, n)
		half := simpson(fn.F, in.A, in.B, max(2, n/2+(n/2)%2))
		out.Value, out.ErrorEstimate, out.Evaluations = round12(v), math.Abs(v-half)/15, 2*n+2
	} else {
		v, e, ev := adaptiveSimpson(fn.F, in.A, in.B, in.Tolerance, 50)
		out.Value, out.ErrorEstimate, out.Evaluations = round12(v), e, ev
	}
	if fn.Anti != nil {
		ex := round12(fn.Anti(in.B) - fn.Anti(in.A))
		out.Exact = &ex
	}
	return out, nil
}

// RootIn is the input of find_root.
type RootIn struct {
	Function     string    `json:"function,omitempty" jsonschema:"a named function (or give coefficients)"`
	Coefficients []float64 `json:"coefficients,omitempty" jsonschema:"polynomial coefficients, highest degree first"`
	Method       string    `json:"method,omitempty" jsonschema:"bisection, newton or secant (default bisection)"`
	Lower        *float64  `json:"lower,omitempty" jsonschema:"bracket start (bisection) or first point (secant)"`
	Upper        *float64  `json:"upper,omitempty" jsonschema:"bracket end (bisection) or second point (secant)"`
	X0           *float64  `json:"x0,omitempty" jsonschema:"starting point (newton)"`
	Tolerance    float64   `json:"tolerance,omitempty" jsonschema:"stop when the step or bracket is below this (default 1e-12)"`
}

// RootStep is one iteration of find_root.
type RootStep struct {
	I  int     `json:"i" jsonschema:"iteration number"`
	X  float64 `json:"x" jsonschema:"current estimate"`
	FX float64 `json:"fx" jsonschema:"f at the estimate"`
}

// RootOut is the output of find_root.
type RootOut struct {
	Function   string     `json:"function" jsonschema:"the function"`
	Method     string     `json:"method" jsonschema:"method used"`
	Root       float64    `json:"root" jsonschema:"the root found"`
	FRoot      float64    `json:"f_root" jsonschema:"f(root), ideally 0"`
	Iterations int        `json:"iterations" jsonschema:"iterations used"`
	Converged  bool       `json:"converged" jsonschema:"whether the tolerance was met"`
	Trace      []RootStep `json:"trace" jsonschema:"the estimate at each iteration"`
}

func findRoot(_ context.Context, in RootIn) (RootOut, error) {
	fn, _, err := pickFunc(in.Function, in.Coefficients)
	if err != nil {
		return RootOut{}, err
	}
	f := fn.F
	out := RootOut{Function: fn.Formula, Method: in.Method}
	tol := in.Tolerance
	const maxIter = 200
	record := func(i int, x float64) {
		out.Trace = append(out.Trace, RootStep{i, round12(x), round12(f(x))})
		out.Root, out.FRoot, out.Iterations = x, f(x), i
	}
	switch in.Method {
	case "newton":
		if in.X0 == nil {
			return RootOut{}, fmt.Errorf("newton needs a starting point x0")
		}
		x := *in.X0
		for i := 1; i <= maxIter; i++ {
			d := fn.DF(x)
			if d == 0 || math.IsNaN(d) {
				return RootOut{}, fmt.Errorf("newton: the derivative is zero or undefined at x = %g; try another x0 or bisection", x)
			}
			nx := x - f(x)/d
			if math.IsNaN(nx) || math.IsInf(nx, 0) {
				return RootOut{}, fmt.Errorf("newton diverged from x0 = %g; try bisection with a bracket", *in.X0)
			}
			record(i, nx)
			if math.Abs(nx-x) <= tol*math.Max(1, math.Abs(nx)) || f(nx) == 0 {
				out.Converged = true
				break
			}
			x = nx
		}
	case "secant":
		if in.Lower == nil || in.Upper == nil {
			return RootOut{}, fmt.Errorf("secant needs two starting points, lower and upper")
		}
		x0, x1 := *in.Lower, *in.Upper
		for i := 1; i <= maxIter; i++ {
			f0, f1 := f(x0), f(x1)
			if f1 == f0 {
				if f1 == 0 {
					out.Converged = true
					break
				}
				return RootOut{}, fmt.Errorf("secant stalled: f(%g) = f(%g); try other starting points", x0, x1)
			}
			x2 := x1 - f1*(x1-x0)/(f1-f0)
			if math.IsNaN(x2) || math.IsInf(x2, 0) {
				return RootOut{}, fmt.Errorf("secant diverged; try bisection with a bracket")
			}
			record(i, x2)
			if math.Abs(x2-x1) <= tol*math.Max(1, math.Abs(x2)) || f(x2) == 0 {
				out.Converged = true
				break
			}
			x0, x1 = x1, x2
		}
	default:
		if in.Lower == nil || in.Upper == nil {
			return RootOut{}, fmt.Errorf("bisection needs a bracket: lower and upper with f(lower) and f(upper) of opposite signs")
		}
		a, b := *in.Lower, *in.Upper
		if a > b {
			a, b = b, a
		}
		if err := checkDomain(fn, fn.Formula, a, b); err != nil {
			return RootOut{}, err
		}
		fa, fb := f(a), f(b)
		if fa*fb > 0 {
			return RootOut{}, fmt.Errorf("no sign change on [%g, %g]: f(%g) = %g and f(%g) = %g; choose a bracket where f changes sign", a, b, a, round12(fa), b, round12(fb))
		}
		for i := 1; i <= maxIter; i++ {
			m := (a + b) / 2
			fm := f(m)
			record(i, m)
			if fm == 0 || (b-a)/2 <= tol*math.Max(1, math.Abs(m)) {
				out.Converged = true
				break
			}
			if fa*fm < 0 {
				b = m
			} else {
				a, fa = m, fm
			}
		}
	}
	out.Root, out.FRoot = round12(out.Root), round12(out.FRoot)
	if out.Trace == nil {
		out.Trace = []RootStep{}
	}
	return out, nil
}

// ConstantIn is the input of get_constant.
type ConstantIn struct {
	Name string `json:"name" jsonschema:"key, symbol or name, e.g. speed_of_light, N_A, Boltzmann constant"`
}

// Constant is a physical constant.
type Constant struct {
	Key         string  `json:"key" jsonschema:"stable key"`
	Name        string  `json:"name" jsonschema:"full name"`
	Symbol      string  `json:"symbol" jsonschema:"usual symbol"`
	Value       float64 `json:"value" jsonschema:"value in SI units"`
	Unit        string  `json:"unit" jsonschema:"SI unit (empty for dimensionless)"`
	Uncertainty float64 `json:"uncertainty" jsonschema:"standard uncertainty; 0 means exact"`
	Exact       bool    `json:"exact" jsonschema:"whether the value is exact by definition"`
	Category    string  `json:"category" jsonschema:"category"`
	Source      string  `json:"source" jsonschema:"where the value comes from"`
}

func toConstant(c constant) Constant {
	src := "CODATA 2018"
	switch c.Category {
	case "astronomical":
		src = "IAU 2012/2015 nominal values"
	case "conventional":
		src = "CGPM conventional value"
	}
	return Constant{c.Key, c.Name, c.Symbol, c.Value, c.Unit, c.Uncertainty, c.Uncertainty == 0, c.Category, src}
}

func getConstant(_ context.Context, in ConstantIn) (Constant, error) {
	c, err := findConstant(in.Name)
	if err != nil {
		return Constant{}, err
	}
	return toConstant(c), nil
}

// ListConstantsIn is the input of list_constants.
type ListConstantsIn struct {
	Category string `json:"category,omitempty" jsonschema:"only this category"`
	Query    string `json:"query,omitempty" jsonschema:"case-insensitive text to match in key, name or symbol"`
}

// ListConstantsOut is the output of list_constants.
type ListConstantsOut struct {
	Count     int        `json:"count" jsonschema:"number listed"`
	Constants []Constant `json:"constants" jsonschema:"the constants"`
}

func listConstants(_ context.Context, in ListConstantsIn) (ListConstantsOut, error) {
	out := ListConstantsOut{Constants: []Constant{}}
	q := strings.ToLower(in.Query)
	for _, c := range constants {
		if in.Category != "" && c.Category != in.Category {
			continue
		}
		if q != "" && !strings.Contains(c.Key, strings.ReplaceAll(q, " ", "_")) && !strings.Contains(strings.ToLower(c.Name), q) && strings.ToLower(c.Symbol) != q {
			continue
		}
		out.Constants = append(out.Constants, toConstant(c))
	}
	out.Count = len(out.Constants)
	return out, nil
}
