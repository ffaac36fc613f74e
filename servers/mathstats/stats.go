package mathstats

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// maxData bounds every data array.
const maxData = 100000

func checkData(name string, x []float64, minLen int) error {
	if len(x) < minLen {
		return fmt.Errorf("%s needs at least %d values, got %d", name, minLen, len(x))
	}
	if len(x) > maxData {
		return fmt.Errorf("%s has %d values; the limit is %d", name, len(x), maxData)
	}
	return nil
}

func sum(x []float64) float64 {
	// Kahan summation keeps long sums exact enough to be reproducible.
	var s, c float64
	for _, v := range x {
		y := v - c
		t := s + y
		c = (t - s) - y
		s = t
	}
	return s
}

func mean(x []float64) float64 { return sum(x) / float64(len(x)) }

// variance returns the sample (n-1) or population (n) variance.
func variance(x []float64, population bool) float64 {
	m := mean(x)
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	d := float64(len(x) - 1)
	if population || len(x) < 2 {
		d = float64(len(x))
	}
	return ss / d
}

func sorted(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}

// quantile of sorted data, p in [0,1], by method:
// linear (type 7, the default of R and NumPy), lower, higher, nearest, midpoint.
func quantile(s []float64, p float64, method string) float64 {
	n := len(s)
	if n == 1 {
		return s[0]
	}
	h := p * float64(n-1)
	lo, hi := int(math.Floor(h)), int(math.Ceil(h))
	switch method {
	case "lower":
		return s[lo]
	case "higher":
		return s[hi]
	case "nearest":
		return s[int(math.RoundToEven(h))]
	case "midpoint":
		return (s[lo] + s[hi]) / 2
	}
	return s[lo] + (h-float64(lo))*(s[hi]-s[lo])
}

// ranks returns average ranks (1-based), ties sharing their mean rank.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

func pearson(x, y []float64) (float64, error) {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, errors.New("correlation is undefined when x or y is constant")
	}
	return sxy / math.Sqrt(sxx*syy), nil
}

// studentTTwoSided returns the two-sided p-value of t with df degrees of freedom.
func studentTTwoSided(t, df float64) float64 {
	x := df / (df + t*t)
	return regIncBeta(df/2, 0.5, x)
}

// regIncBeta is the regularized incomplete beta function I_x(a, b)
// (continued fraction, Numerical Recipes 6.4).
func regIncBeta(a, b, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	bt := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log(1-x))
	if x < (a+1)/(a+b+2) {
		return bt * betacf(a, b, x) / a
	}
	return 1 - bt*betacf(b, a, 1-x)/b
}

func betacf(a, b, x float64) float64 {
	const eps, fpmin = 3e-16, 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < fpmin {
		d = fpmin
	}
	d = 1 / d
	h := d
	for m := 1; m <= 300; m++ {
		m2 := float64(2 * m)
		fm := float64(m)
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < fpmin {
			d = fpmin
		}
		c = 1 + aa/c
		if math.Abs(c) < fpmin {
			c = fpmin
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < fpmin {
			d = fpmin
		}
		c = 1 + aa/c
		if math.Abs(c) < fpmin {
			c = fpmin
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// round10 rounds to 10 significant digits to hide floating-point noise in statistics.
func round10(x float64) float64 { return roundSig(x, 10) }

// round15 rounds to 15 significant digits (0.1+0.2 = 0.3) for exact arithmetic.
func round15(x float64) float64 { return roundSig(x, 15) }

func roundSig(x float64, digits int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
	if err != nil {
		return x
	}
	return r
}

func roundAll(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = round10(v)
	}
	return out
}
