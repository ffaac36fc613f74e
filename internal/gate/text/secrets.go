package text

import (
	"math"
	"regexp"
	"sort"
	"strings"
)

// secretRule finds one kind of credential. When group > 0, only that
// submatch is the secret (the key name before it stays readable).
type secretRule struct {
	name  string
	re    *regexp.Regexp
	group int
	// check, when set, must accept the secret text.
	check func(string) bool
	// hints are literals of which every match contains at least one
	// (compared with the text lowercased when fold is set): a text with
	// none of them is not searched with re. Most texts have none.
	hints []string
	fold  bool
}

var secretRules = []secretRule{
	{name: "pem-private-key", re: regexp.MustCompile(`-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----|$)`), hints: []string{"-----begin"}, fold: true},
	{name: "aws-access-key", re: regexp.MustCompile(`\b(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[0-9A-Z]{16}\b`), hints: []string{"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA", "APKA", "ASCA"}},
	{name: "aws-secret-key", re: regexp.MustCompile(`(?i)\baws_?secret_?(access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b`), group: 2, hints: []string{"secret"}, fold: true},
	{name: "github-token", re: regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b`), hints: []string{"gh", "github_pat_"}},
	{name: "gitlab-token", re: regexp.MustCompile(`\bgl(pat|dt|rt|ptt|cbt|oas|ft|imt|agent)-[A-Za-z0-9_\-]{20,}`), hints: []string{"gl"}},
	{name: "slack-token", re: regexp.MustCompile(`\bxox[abposre]-[A-Za-z0-9\-]{10,}|https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]+`), hints: []string{"xox", "https://hooks.slack.com/"}},
	{name: "stripe-key", re: regexp.MustCompile(`\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{16,}\b|\bwhsec_[A-Za-z0-9]{24,}\b`), hints: []string{"_live_", "_test_", "whsec_"}},
	{name: "anthropic-key", re: regexp.MustCompile(`\bsk-ant-(api|admin|oat|sid)\d{2}-[A-Za-z0-9_\-]{20,}`), hints: []string{"sk-ant-"}},
	{name: "openai-key", re: regexp.MustCompile(`\bsk-(proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}`), check: func(s string) bool { return !strings.HasPrefix(s, "sk-ant-") && hasDigitAndLetter(s[3:]) }, hints: []string{"sk-"}},
	{name: "google-api-key", re: regexp.MustCompile(`\bAIza[0-9A-Za-z\-_]{35}\b`), hints: []string{"AIza"}},
	{name: "huggingface-token", re: regexp.MustCompile(`\bhf_[A-Za-z0-9]{34,}\b`), hints: []string{"hf_"}},
	{name: "npm-token", re: regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`), hints: []string{"npm_"}},
	{name: "jwt", re: regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}`), hints: []string{"eyJ"}},
	{name: "bearer-token", re: regexp.MustCompile(`(?i)\b(bearer|token|basic)\s+([A-Za-z0-9\-._~+/]{20,}=*)`), group: 2, check: func(s string) bool { return entropy(s) >= 3.5 && hasDigitAndLetter(s) }, hints: []string{"bearer", "token", "basic"}, fold: true},
	{name: "url-credentials", re: regexp.MustCompile(`\b[a-z][a-z0-9+.\-]*://[^\s:/@]+:([^\s:/@]{3,})@`), group: 1, check: func(s string) bool {
		return s != "password" && !strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "<")
	}, hints: []string{"://"}},
	{name: "password-assignment", re: regexp.MustCompile(`(?i)\b(password|passwd|pwd|passphrase|secret|client_?secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|secret[_-]?key)["']?\s*(:|=|=>)\s*["']?([^\s"',;}{)(\]\[]{6,})`), group: 3, check: plausibleSecret, hints: []string{"pass", "pwd", "secret", "key", "token"}, fold: true},
}

// hinted reports whether s (lowered: s in lower case) holds one of r's
// hints, so that r may match.
func (r *secretRule) hinted(s, lowered string) bool {
	if r.fold {
		s = lowered
	}
	for _, h := range r.hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	return len(r.hints) == 0
}

// foldASCII lowers s as (?i) matches it where ASCII letters are concerned:
// besides the usual, U+017F (long s) folds to "s" (U+212A, the Kelvin
// sign, lowers to "k" already).
func foldASCII(s string) string {
	l := strings.ToLower(s)
	if strings.ContainsRune(l, '\u017f') {
		l = strings.ReplaceAll(l, "\u017f", "s")
	}
	return l
}

func hasDigitAndLetter(s string) bool {
	d, l := false, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			d = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			l = true
		}
	}
	return d && l
}

// plausibleSecret rejects placeholders and plain words: a secret mixes at
// least two character classes, or is long.
func plausibleSecret(s string) bool {
	switch {
	case strings.HasPrefix(s, "$"), strings.HasPrefix(s, "<"), strings.HasPrefix(s, "%"),
		strings.HasPrefix(s, "*"), strings.HasPrefix(s, "["), strings.HasPrefix(s, "{"):
		return false
	}
	if strings.Trim(s, string(s[0])) == "" {
		return false // "xxxxxx", "******"
	}
	switch strings.ToLower(s) {
	case "required", "invalid", "missing", "incorrect", "redacted", "changeme", "undefined", "optional", "string", "example", "expired", "provided", "hidden":
		return false
	}
	classes := 0
	var lo, up, dg, sy bool
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			lo = true
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= '0' && c <= '9':
			dg = true
		default:
			sy = true
		}
	}
	for _, b := range []bool{lo, up, dg, sy} {
		if b {
			classes++
		}
	}
	return classes >= 2 || len(s) >= 16
}

// entropy returns the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// ScanSecrets finds credentials in s: cloud and SaaS tokens (AWS, GitHub,
// GitLab, Slack, Stripe, OpenAI, Anthropic, Google, Hugging Face, npm),
// JWTs, PEM private keys, passwords in URLs, "password=..." and
// "api_key: ..." assignments, and high-entropy bearer tokens. Matches are
// sorted and do not overlap; a span covers only the secret itself.
func ScanSecrets(s string) []Match { return scanSecrets(s, true) }

// scanSecrets is ScanSecrets; without hints, every rule searches s (the
// tests compare both ways).
func scanSecrets(s string, useHints bool) []Match {
	var out []Match
	var lower string
	for i := range secretRules {
		r := &secretRules[i]
		if useHints && r.fold && lower == "" {
			lower = foldASCII(s)
		}
		if useHints && !r.hinted(s, lower) {
			continue
		}
		for _, loc := range r.re.FindAllStringSubmatchIndex(s, -1) {
			start, end := loc[0], loc[1]
			if r.group > 0 {
				start, end = loc[2*r.group], loc[2*r.group+1]
				if start < 0 {
					continue
				}
			}
			if r.check != nil && !r.check(s[start:end]) {
				continue
			}
			out = append(out, Match{Kind: "secret", Rule: r.name, Start: start, End: end, Snippet: maskSnippet(s[start:end])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].End > out[j].End
	})
	// Drop matches inside an earlier one (rules are ordered most specific first).
	kept := out[:0]
	for _, m := range out {
		if n := len(kept); n > 0 && m.Start < kept[n-1].End {
			if m.End > kept[n-1].End {
				kept[n-1].End = m.End
			}
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// maskSnippet shows only the first four characters of a secret.
func maskSnippet(s string) string {
	if len(s) <= 8 {
		return "****"
	}
	return s[:4] + "…(" + itoa(len(s)) + " bytes)"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// RedactSecrets replaces every secret that [ScanSecrets] finds with
// "[cemcp: secret redacted (RULE)]".
func RedactSecrets(s string) (string, []Match) {
	ms := ScanSecrets(s)
	if len(ms) == 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range ms {
		b.WriteString(s[last:m.Start])
		b.WriteString("[cemcp: secret redacted (" + m.Rule + ")]")
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String(), ms
}
