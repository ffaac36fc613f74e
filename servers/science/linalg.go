package science

import (
	"errors"
	"fmt"
	"math"
)

// maxDim bounds matrix dimensions.
const maxDim = 50

// checkMatrix validates a rectangular, finite, non-empty matrix.
func checkMatrix(name string, m [][]float64) (rows, cols int, err error) {
	if len(m) == 0 || len(m[0]) == 0 {
		return 0, 0, fmt.Errorf("%s is empty; give rows of numbers, e.g. [[1,2],[3,4]]", name)
	}
	rows, cols = len(m), len(m[0])
	if rows > maxDim || cols > maxDim {
		return 0, 0, fmt.Errorf("%s is %d×%d; the limit is %d×%d", name, rows, cols, maxDim, maxDim)
	}
	for i, r := range m {
		if len(r) != cols {
			return 0, 0, fmt.Errorf("%s is not rectangular: row 0 has %d columns, row %d has %d", name, cols, i, len(r))
		}
	}
	return rows, cols, nil
}

func checkSquare(name string, m [][]float64) (int, error) {
	r, c, err := checkMatrix(name, m)
	if err != nil {
		return 0, err
	}
	if r != c {
		return 0, fmt.Errorf("%s must be square, got %d×%d", name, r, c)
	}
	return r, nil
}

func clone(m [][]float64) [][]float64 {
	out := make([][]float64, len(m))
	for i, r := range m {
		out[i] = append([]float64(nil), r...)
	}
	return out
}

// errSingular is returned for (numerically) singular matrices.
var errSingular = errors.New("the matrix is singular (determinant 0, or numerically indistinguishable from 0): it has no inverse and the system has no unique solution")

// lu factors a square matrix in place with partial pivoting. It returns the
// permutation, the sign of the permutation, and whether a pivot vanished.
func lu(a [][]float64) (perm []int, sign float64, singular bool) {
	n := len(a)
	perm = make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	sign = 1
	scale := 0.0
	for _, r := range a {
		for _, v := range r {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	for k := range n {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(a[i][k]) > math.Abs(a[p][k]) {
				p = i
			}
		}
		if math.Abs(a[p][k]) <= 1e-12*scale || a[p][k] == 0 {
			singular = true
			continue
		}
		if p != k {
			a[p], a[k] = a[k], a[p]
			perm[p], perm[k] = perm[k], perm[p]
			sign = -sign
		}
		for i := k + 1; i < n; i++ {
			f := a[i][k] / a[k][k]
			a[i][k] = f
			for j := k + 1; j < n; j++ {
				a[i][j] -= f * a[k][j]
			}
		}
	}
	return perm, sign, singular
}

func determinant(m [][]float64) float64 {
	a := clone(m)
	_, sign, singular := lu(a)
	if singular {
		return 0
	}
	d := sign
	for i := range a {
		d *= a[i][i]
	}
	return d
}

// luSolve solves LU x = P b.
func luSolve(a [][]float64, perm []int, b []float64) []float64 {
	n := len(a)
	x := make([]float64, n)
	for i := range n {
		x[i] = b[perm[i]]
	}
	for i := range n {
		for j := range i {
			x[i] -= a[i][j] * x[j]
		}
	}
	for i := n - 1; i >= 0; i-- {
		for j := i + 1; j < n; j++ {
			x[i] -= a[i][j] * x[j]
		}
		x[i] /= a[i][i]
	}
	return x
}

func solve(m [][]float64, b []float64) ([]float64, error) {
	a := clone(m)
	perm, _, singular := lu(a)
	if singular {
		return nil, errSingular
	}
	return luSolve(a, perm, b), nil
}

func inverse(m [][]float64) ([][]float64, error) {
	n := len(m)
	a := clone(m)
	perm, _, singular := lu(a)
	if singular {
		return nil, errSingular
	}
	inv := make([][]float64, n)
	for i := range inv {
		inv[i] = make([]float64, n)
	}
	e := make([]float64, n)
	for j := range n {
		clear(e)
		e[j] = 1
		col := luSolve(a, perm, e)
		for i := range n {
			inv[i][j] = col[i]
		}
	}
	return inv, nil
}

func multiply(a, b [][]float64) [][]float64 {
	out := make([][]float64, len(a))
	for i := range a {
		out[i] = make([]float64, len(b[0]))
		for j := range b[0] {
			var s float64
			for k := range b {
				s += a[i][k] * b[k][j]
			}
			out[i][j] = s
		}
	}
	return out
}

func normInf(m [][]float64) float64 {
	var best float64
	for _, r := range m {
		var s float64
		for _, v := range r {
			s += math.Abs(v)
		}
		best = math.Max(best, s)
	}
	return best
}

// jacobiEigen returns the eigenvalues (ascending) and unit eigenvectors
// (columns of the returned matrix, as rows of vecs[k]) of a symmetric matrix.
func jacobiEigen(m [][]float64) ([]float64, [][]float64, int) {
	n := len(m)
	a := clone(m)
	v := make([][]float64, n)
	for i := range v {
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	sweeps := 0
	for ; sweeps < 100; sweeps++ {
		off := 0.0
		for i := range n {
			for j := i + 1; j < n; j++ {
				off += a[i][j] * a[i][j]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				if math.Abs(a[p][q]) < 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := range n {
					akp, akq := a[k][p], a[k][q]
					a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range n {
					apk, aqk := a[p][k], a[q][k]
					a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range n {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	idx := make([]int, n)
	for i := range n {
		vals[i], idx[i] = a[i][i], i
	}
	// Sort ascending, carrying vectors along.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && vals[idx[j]] < vals[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	sv := make([]float64, n)
	vecs := make([][]float64, n)
	for k, i := range idx {
		sv[k] = vals[i]
		vec := make([]float64, n)
		// Fix the sign: the largest component is positive, for determinism.
		big := 0
		for r := range n {
			vec[r] = v[r][i]
			if math.Abs(vec[r]) > math.Abs(vec[big])+1e-12 {
				big = r
			}
		}
		if vec[big] < 0 {
			for r := range vec {
				vec[r] = -vec[r]
			}
		}
		vecs[k] = vec
	}
	return sv, vecs, sweeps
}
