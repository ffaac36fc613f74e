package text

import (
	"reflect"
	"strings"
	"testing"
)

// hintSeeds are texts where the hints must not hide a secret: each rule's
// positive case, spelled in the ways (?i) still matches.
var hintSeeds = []string{
	"key AKIAIOSFODNN7EXAMPLE here",
	"AWS_SECRET_ACCESS_KEY = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"aws_ſecret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"token ghp_" + strings.Repeat("a1B2", 9),
	"github_pat_" + strings.Repeat("a1B2_", 6),
	"glpat-abcdefghij0123456789xy",
	"xoxb-123456789012-abcdefABCDEF",
	"https://hooks.slack.com/services/T000/B000/XXXX",
	"sk_live_4eC39HqLyjWDarjtT1zdp7dc whsec_" + strings.Repeat("a1", 13),
	"OPENAI_API_KEY sk-proj-abc123def456ghi789jkl012mno",
	"sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345-AA",
	"AIza" + strings.Repeat("a1B", 12) + "x",
	"hf_" + strings.Repeat("a1", 17),
	"npm_" + strings.Repeat("a1", 18),
	"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
	"DB PASSWORD=hunter2x9 ok",
	"db paſſword=hunter2x9 ok",
	"api\u212aey: Zk29d8sLq0PzX",
	`{"API_KEY": "Zk29d8sLq0PzX"}`,
	"postgres://app:s3cr3tpw@db:5432/x",
	"Authorization: BEARER 8f3kq9Zx72LmN0pQr5tVw1yB",
	"Authorization: ToKeN 8f3kq9Zx72LmN0pQr5tVw1yB",
	`{"value":1,"from":"mi","to":"km"}`,
}

// TestSecretHintsHideNothing: skipping a rule whose hints are absent never
// changes what ScanSecrets finds.
func TestSecretHintsHideNothing(t *testing.T) {
	found := 0
	for _, s := range hintSeeds {
		fast, full := scanSecrets(s, true), scanSecrets(s, false)
		if !reflect.DeepEqual(fast, full) {
			t.Errorf("%q: with hints %+v, without %+v", s, fast, full)
		}
		found += len(full)
	}
	if found < len(hintSeeds)-1 {
		t.Errorf("only %d secrets in %d seeds: the seeds no longer exercise the rules", found, len(hintSeeds))
	}
}

func FuzzSecretHints(f *testing.F) {
	for _, s := range hintSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fast, full := scanSecrets(s, true), scanSecrets(s, false); !reflect.DeepEqual(fast, full) {
			t.Errorf("%q: with hints %+v, without %+v", s, fast, full)
		}
	})
}

func BenchmarkScanSecretsSmallArgs(b *testing.B) {
	for b.Loop() {
		ScanSecrets(`{"value":1,"from":"mi","to":"km"}`)
	}
}
