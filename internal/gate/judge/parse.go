package judge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxAnswerBytes = 32 << 10 // a verdict is a few hundred bytes
	maxRawBytes    = 8 << 10
	maxReasonRunes = 500
	// maxObjectStarts bounds the '{' at which a JSON object is tried, so
	// that an adversarial answer cannot make parsing quadratic.
	maxObjectStarts = 64
)

// parseAnswer reads the model's answer by the rule in the package doc:
// exactly one top-level JSON object with a "verdict" key, a known verdict,
// no duplicate keys. Anything else is EXCEPTION.
func parseAnswer(answer string) Review {
	raw := answer
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return exception(raw, "empty answer")
	}
	if len(answer) > maxAnswerBytes {
		return exception(raw, "answer longer than %d bytes", maxAnswerBytes)
	}
	var found []json.RawMessage
	starts := 0
	for i := 0; i < len(answer); {
		k := strings.IndexByte(answer[i:], '{')
		if k < 0 {
			break
		}
		i += k
		if starts++; starts > maxObjectStarts {
			return exception(raw, "answer has more than %d '{': not a verdict", maxObjectStarts)
		}
		dec := json.NewDecoder(strings.NewReader(answer[i:]))
		var obj json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			i++ // prose
			continue
		}
		end := i + int(dec.InputOffset())
		if isVerdictObject(obj) {
			found = append(found, obj)
		}
		i = end
	}
	switch len(found) {
	case 0:
		return exception(raw, "no JSON object with a \"verdict\" key in the answer")
	case 1:
	default:
		return exception(raw, "%d JSON objects with a \"verdict\" key in the answer; exactly one is required", len(found))
	}
	v, reason, err := readVerdict(found[0])
	if err != nil {
		return exception(raw, "%v", err)
	}
	return Review{Verdict: v, Reason: reason, Raw: bound(raw, maxRawBytes)}
}

// isVerdictObject reports whether obj has a top-level key "verdict" in any
// case.
func isVerdictObject(obj json.RawMessage) bool {
	found := false
	_ = eachKey(obj, func(k string, _ json.RawMessage) error {
		if strings.EqualFold(k, "verdict") {
			found = true
		}
		return nil
	})
	return found
}

// eachKey calls f for every top-level key of the JSON object obj, in order,
// duplicates included.
func eachKey(obj json.RawMessage, f func(key string, val json.RawMessage) error) error {
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := t.(string)
		if !ok {
			return errors.New("object key is not a string")
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if err := f(key, val); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return err
	}
	return nil
}

func readVerdict(obj json.RawMessage) (Verdict, string, error) {
	var verdict, reason json.RawMessage
	err := eachKey(obj, func(k string, val json.RawMessage) error {
		var dst *json.RawMessage
		switch {
		case strings.EqualFold(k, "verdict"):
			dst = &verdict
		case strings.EqualFold(k, "reason"):
			dst = &reason
		default:
			return nil
		}
		if *dst != nil {
			return fmt.Errorf("key %q appears more than once in the verdict object", strings.ToLower(k))
		}
		*dst = val
		return nil
	})
	if err != nil {
		return "", "", err
	}
	var s string
	if len(verdict) == 0 || verdict[0] != '"' || json.Unmarshal(verdict, &s) != nil {
		return "", "", fmt.Errorf("\"verdict\" is not a string: %s", bound(string(verdict), 60))
	}
	v, ok := normalizeVerdict(s)
	if !ok {
		return "", "", fmt.Errorf("unknown verdict %q", bound(cleanText(s), 60))
	}
	var why string
	if reason != nil && string(reason) != "null" {
		if err := json.Unmarshal(reason, &why); err != nil {
			return "", "", fmt.Errorf("\"reason\" is not a string: %s", bound(string(reason), 60))
		}
	}
	why = bound(cleanText(why), maxReasonRunes*4)
	if utf8.RuneCountInString(why) > maxReasonRunes {
		why = string([]rune(why)[:maxReasonRunes]) + "…"
	}
	if why == "" {
		why = "the judge model gave no reason"
	}
	return v, why, nil
}

func normalizeVerdict(s string) (Verdict, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.NewReplacer("-", "_", " ", "_").Replace(s)
	for _, v := range Verdicts {
		if string(v) == s {
			return v, true
		}
	}
	return "", false
}

// cleanText turns s into one line of visible text: control characters and
// line breaks become spaces, invisible format characters (zero-width, bidi
// controls, tags) are dropped, runs of spaces are collapsed and invalid
// UTF-8 is replaced.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bound cuts s to at most n bytes on a rune boundary, marking the cut.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	k := n
	for k > 0 && !utf8.RuneStart(s[k]) {
		k--
	}
	return s[:k] + "…"
}
