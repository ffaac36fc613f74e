package science

import (
	"math"
	"testing"

	"github.com/cemcp/cemcp/servers/internal/servertest"
)

func TestTools(t *testing.T) {
	cs := servertest.Connect(t, New())
	tools := servertest.CheckTools(t, cs)
	servertest.ToolsGolden(t, tools)
	// A classic 3×3 with determinant -306.
	m3 := [][]float64{{6, 1, 1}, {4, -2, 5}, {2, 8, 7}}

	servertest.CallAll(t, cs, tools, []servertest.Case{
		{Tool: "matrix_multiply", Args: map[string]any{"a": [][]float64{{1, 2, 3}, {4, 5, 6}}, "b": [][]float64{{7, 8}, {9, 10}, {11, 12}}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[MatrixOut](t, raw)
			if out.Rows != 2 || out.Cols != 2 || out.Matrix[0][0] != 58 || out.Matrix[0][1] != 64 || out.Matrix[1][0] != 139 || out.Matrix[1][1] != 154 {
				t.Errorf("product = %+v", out)
			}
		}},
		{Tool: "matrix_determinant", Args: map[string]any{"matrix": m3}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[DetOut](t, raw); out.Determinant != -306 || out.Singular {
				t.Errorf("det = %+v", out)
			}
		}},
		{Tool: "matrix_inverse", Args: map[string]any{"matrix": [][]float64{{4, 7}, {2, 6}}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[InvOut](t, raw)
			want := [][]float64{{0.6, -0.7}, {-0.2, 0.4}}
			for i := range want {
				for j := range want[i] {
					if out.Inverse[i][j] != want[i][j] {
						t.Errorf("inverse = %v, want %v", out.Inverse, want)
					}
				}
			}
			if out.Determinant != 10 {
				t.Errorf("det = %v", out.Determinant)
			}
		}},
		{Tool: "solve_linear_system", Args: map[string]any{"a": [][]float64{{2, 1, -1}, {-3, -1, 2}, {-2, 1, 2}}, "b": []float64{8, -11, -3}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[SolveOut](t, raw)
			if out.X[0] != 2 || out.X[1] != 3 || out.X[2] != -1 || out.Residual > 1e-12 {
				t.Errorf("solve = %+v", out)
			}
		}},
		{Tool: "eigen_symmetric", Args: map[string]any{"matrix": [][]float64{{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}}}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[EigenOut](t, raw)
			want := []float64{2 - math.Sqrt2, 2, 2 + math.Sqrt2}
			for i, w := range want {
				if !servertest.Near(out.Eigenvalues[i], w, 1e-11) {
					t.Errorf("eigenvalues = %v, want %v", out.Eigenvalues, want)
				}
			}
			if out.Trace != 6 || len(out.Eigenvectors) != 3 {
				t.Errorf("eigen = %+v", out)
			}
		}},
		{Tool: "solve_ode", Args: map[string]any{"system": "exponential_decay", "params": map[string]float64{"k": 0.5}, "initial": []float64{10}, "t_end": 4, "steps": 400, "output_points": 5}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ODEOut](t, raw)
			want := 10 * math.Exp(-2)
			if len(out.Points) != 5 || out.Points[4].T != 4 || !servertest.Near(out.Final[0], want, 1e-9) || *out.ErrorFinal > 1e-9 || out.Exact[0] != round12(want) {
				t.Errorf("decay = %s", raw)
			}
		}},
		{Name: "solve_ode_lotka_volterra", Tool: "solve_ode", Args: map[string]any{"system": "lotka_volterra", "initial": []float64{10, 5}, "t_end": 50, "steps": 5000}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ODEOut](t, raw)
			// The Lotka-Volterra invariant V = delta·x - gamma·ln x + beta·y - alpha·ln y is conserved.
			p := out.Params
			v := func(y []float64) float64 {
				return p["delta"]*y[0] - p["gamma"]*math.Log(y[0]) + p["beta"]*y[1] - p["alpha"]*math.Log(y[1])
			}
			if len(out.Points) != 101 || !servertest.Near(v(out.Final), v([]float64{10, 5}), 1e-6) {
				t.Errorf("invariant drifted: %v -> %v", v([]float64{10, 5}), v(out.Final))
			}
		}},
		{Name: "solve_ode_linear", Tool: "solve_ode", Args: map[string]any{"system": "linear", "matrix": [][]float64{{0, 1}, {-1, 0}}, "initial": []float64{1, 0}, "t_end": math.Pi, "steps": 1000}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ODEOut](t, raw)
			if !servertest.Near(out.Final[0], -1, 1e-9) || math.Abs(out.Final[1]) > 1e-9 {
				t.Errorf("rotation after pi = %v", out.Final)
			}
		}},
		{Tool: "integrate", Args: map[string]any{"function": "sin", "a": 0, "b": math.Pi}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[IntegrateOut](t, raw)
			if !servertest.Near(out.Value, 2, 1e-10) || *out.Exact != 2 || out.Method != "adaptive" {
				t.Errorf("∫sin = %+v", out)
			}
		}},
		{Name: "integrate_polynomial_simpson", Tool: "integrate", Args: map[string]any{"coefficients": []float64{3, 0, -2}, "a": 0, "b": 2, "method": "simpson", "intervals": 10}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[IntegrateOut](t, raw)
			if out.Value != 4 || *out.Exact != 4 || out.Function != "3x^2 - 2" {
				t.Errorf("∫3x²-2 = %+v", out)
			}
		}},
		{Tool: "find_root", Args: map[string]any{"coefficients": []float64{1, 0, -2}, "lower": 0, "upper": 2}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[RootOut](t, raw)
			if !out.Converged || !servertest.Near(out.Root, math.Sqrt2, 1e-11) || len(out.Trace) != out.Iterations {
				t.Errorf("√2 by bisection = %+v", out)
			}
		}},
		{Name: "find_root_newton", Tool: "find_root", Args: map[string]any{"function": "cos_minus_x", "method": "newton", "x0": 1}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[RootOut](t, raw)
			if !out.Converged || out.Root != 0.739085133215 || out.Iterations > 8 {
				t.Errorf("Dottie number = %+v", out)
			}
		}},
		{Name: "find_root_secant", Tool: "find_root", Args: map[string]any{"function": "bessel_j0", "method": "secant", "lower": 2, "upper": 3}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[RootOut](t, raw); !servertest.Near(out.Root, 2.404825557695773, 1e-11) {
				t.Errorf("first zero of J0 = %+v", out)
			}
		}},
		{Tool: "get_constant", Args: map[string]any{"name": "N_A"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[Constant](t, raw)
			if out.Key != "avogadro" || out.Value != 6.02214076e23 || !out.Exact {
				t.Errorf("N_A = %+v", out)
			}
		}},
		{Tool: "list_constants", Args: map[string]any{"category": "astronomical"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[ListConstantsOut](t, raw)
			if out.Count < 5 || out.Constants[0].Category != "astronomical" {
				t.Errorf("astronomical = %+v", out)
			}
		}},
	})
}

func TestErrors(t *testing.T) {
	cs := servertest.Connect(t, New())
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"matrix_multiply", map[string]any{"a": [][]float64{{1, 2}}, "b": [][]float64{{1, 2}}}, []string{"incompatible dimensions", "1×2"}},
		{"matrix_inverse", map[string]any{"matrix": [][]float64{{1, 2}, {2, 4}}}, []string{"singular"}},
		{"matrix_determinant", map[string]any{"matrix": [][]float64{{1, 2}, {3}}}, []string{"not rectangular"}},
		{"matrix_determinant", map[string]any{"matrix": [][]float64{{1, 2}}}, []string{"square"}},
		{"solve_linear_system", map[string]any{"a": [][]float64{{1, 1}, {1, 1}}, "b": []float64{1, 2}}, []string{"singular"}},
		{"solve_linear_system", map[string]any{"a": [][]float64{{1, 0}, {0, 1}}, "b": []float64{1}}, []string{"b has 1 values"}},
		{"eigen_symmetric", map[string]any{"matrix": [][]float64{{1, 2}, {3, 4}}}, []string{"not symmetric"}},
		{"solve_ode", map[string]any{"system": "lotka", "initial": []float64{1}, "t_end": 1}, []string{"system"}},
		{"solve_ode", map[string]any{"system": "logistic", "initial": []float64{1, 2}, "t_end": 1}, []string{"1 state variables"}},
		{"solve_ode", map[string]any{"system": "logistic", "initial": []float64{1}, "t_end": -1}, []string{"greater than t_start"}},
		{"solve_ode", map[string]any{"system": "logistic", "params": map[string]float64{"q": 1}, "initial": []float64{1}, "t_end": 1}, []string{`no parameter "q"`, "K, r"}},
		{"solve_ode", map[string]any{"system": "linear", "initial": []float64{1}, "t_end": 1}, []string{"needs `matrix`"}},
		{"solve_ode", map[string]any{"system": "exponential_decay", "params": map[string]float64{"k": -1e9}, "initial": []float64{1}, "t_end": 100, "steps": 10}, []string{"diverged"}},
		{"integrate", map[string]any{"function": "ln", "a": -1, "b": 1}, []string{"not defined"}},
		{"integrate", map[string]any{"a": 0, "b": 1}, []string{"coefficients"}},
		{"integrate", map[string]any{"function": "sine", "a": 0, "b": 1}, []string{"function"}},
		{"find_root", map[string]any{"function": "exp", "lower": 0, "upper": 1}, []string{"no sign change"}},
		{"find_root", map[string]any{"function": "cos", "method": "newton"}, []string{"x0"}},
		{"find_root", map[string]any{"coefficients": []float64{1, 0, 1}, "method": "newton", "x0": 0}, []string{"derivative is zero"}},
		{"get_constant", map[string]any{"name": "speed_of_lite"}, []string{`unknown constant "speed_of_lite"`, "did you mean speed_of_light", "list_constants"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestPolyString(t *testing.T) {
	for _, tc := range []struct {
		c    []float64
		want string
	}{
		{[]float64{1, 0, -2}, "x^2 - 2"},
		{[]float64{-1, 3, 0}, "-x^2 + 3x"},
		{[]float64{0}, "0"},
		{[]float64{2.5}, "2.5"},
	} {
		if got := polyString(tc.c); got != tc.want {
			t.Errorf("polyString(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
