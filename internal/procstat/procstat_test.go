package procstat

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     time.Duration
		err      bool
	}{
		{"linux 6", "cpu  100 5 30 900 7 2 3 50 0 0\ncpu0 50 2 15 450 3 1 1 25 0 0\n", 140 * time.Second / 100, false},
		{"no trailing newline", "cpu  1 0 0 0 0 0 0 0", 10 * time.Millisecond, false},
		{"per-cpu line first", "cpu0 1 2 3 4 5 6 7 8\n", 0, true},
		{"too short", "cpu  1 2 3\n", 0, true},
		{"not a number", "cpu  1 x 3 4 5 6 7 8\n", 0, true},
		{"negative", "cpu  -1 0 0 0 0 0 0 0\n", 0, true},
		{"empty", "", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("Parse = %v, %v; want %v (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestBusyGrows(t *testing.T) {
	b0, err := Busy()
	if err != nil {
		t.Skip(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) { // spin: busy time must show it
		if b1, err := Busy(); err == nil && b1 > b0 {
			return
		}
	}
	t.Fatal("the machine's busy time did not grow while this test spun")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("cpu  100 5 30 900 7 2 3 50 0 0\n"))
	f.Add([]byte("cpu 9223372036854775807 9223372036854775807 0 0 0 0 0 0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err == nil && d < 0 {
			t.Fatalf("negative busy time %v", d)
		}
	})
}

func TestParseRSS(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     int64
		err      bool
	}{
		{"status", "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    6292 kB\nRssAnon:\t 888 kB\n", 6292 << 10, false},
		{"zombie", "Name:\tx\nState:\tZ (zombie)\n", 0, true},
		{"garbage", "VmRSS:\tlots kB\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRSS([]byte(tc.in))
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("parseRSS = %d, %v; want %d (error %v)", got, err, tc.want, tc.err)
			}
		})
	}
	if n, err := RSS(0); err != nil || n < 1<<20 {
		t.Fatalf("RSS of this process = %d, %v", n, err)
	}
}

func FuzzParseRSS(f *testing.F) {
	f.Add([]byte("VmRSS:\t 6292 kB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if n, err := parseRSS(data); err == nil && n < 0 {
			t.Fatalf("negative RSS %d", n)
		}
	})
}
