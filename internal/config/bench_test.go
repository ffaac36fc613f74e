package config

import (
	"os"
	"testing"
)

// BenchmarkParse measures parsing, expanding and validating the largest
// example (every cemcp key, three servers).
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/valid/full.json")
	if err != nil {
		b.Fatal(err)
	}
	lookup := lookupIn(testEnv)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "full.json", lookup); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseInvalid measures a file with many problems (error path).
func BenchmarkParseInvalid(b *testing.B) {
	data, err := os.ReadFile("testdata/invalid/policy_bad.json")
	if err != nil {
		b.Fatal(err)
	}
	lookup := lookupIn(testEnv)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "policy_bad.json", lookup); err == nil {
			b.Fatal("no error")
		}
	}
}
