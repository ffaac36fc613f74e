package text

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// rule is one injection pattern over the folded text. A space in pattern
// stands for any run of separators (white space, '_', '*', quotes), so
// "ignore_previous_instructions" and "**ignore** previous instructions"
// match like the plain phrase.
type rule struct {
	name string
	// any lists words of which at least one must occur in the folded text
	// for the pattern to be tried (a cheap prefilter).
	any []string
	// all lists further groups of words, each of which must have a word in
	// the text too.
	all [][]string
	re  *regexp.Regexp
	// exclude, when set, drops a match whose text it matches.
	exclude *regexp.Regexp
	// block marks a tag rule: the span extends to the matching closing tag.
	block bool
}

const sep = "[\\s_*\"'`]+"

func mustRule(name string, any []string, pattern string) rule {
	p := strings.ReplaceAll(pattern, " ", sep)
	return rule{name: name, any: any, re: regexp.MustCompile(p)}
}

func withAll(r rule, groups ...[]string) rule {
	r.all = groups
	return r
}

// Shared fragments.
const (
	aiNoun      = `(ai|a\.i\.|ai assistant|assistant|ai agent|llm|language model|model|chatbot|claude|chatgpt|gpt|gemini|copilot)`
	toolRef     = "((tool|function) [`'\"]?[\\w.\\-]+|[`'\"]?\\w+[._][\\w.]*\\w[`'\"]?( (tool|function))?|[`'\"]?\\w+[`'\"]? (tool|function))"
	adverbs     = `((now|immediately|also|then|next|urgently|secretly|silently|quietly|automatically|additionally|first) )*`
	secretFiles = `(~/\.ssh|\.ssh/|\bid_(rsa|ed25519|ecdsa|dsa)\b|/etc/passwd|/etc/shadow|\.aws/credentials|\.env\b|\.npmrc|\.netrc|\.git-credentials|\.pgpass|\.docker/config\.json|\bmcp\.json|claude_desktop_config|\.bash_history|\.zsh_history|\.kube/config|\.gnupg)`
)

var injectionRules = []rule{
	withAll(mustRule("ignore-instructions",
		[]string{"ignore", "disregard", "forget", "neglect", "abandon", "follow"},
		`\b(ignore|disregard|forget|neglect|abandon|stop following|do not follow|don't follow|dont follow) ((the|of|these|those|this|my|given|current|old|initial|original) )*(all|any|every|previous|previously given|prior|above|earlier|preceding|former|existing|system|safety|developer|your) ((all|any|the|of|previous|prior|above|earlier|preceding|former|existing|original|initial|system|safety|developer|given|your|other) )*(instructions?|prompts?|directions?|directives?|rules|guidelines|guardrails|constraints|commands|context|messages|programming|restrictions|policies|safeguards|orders)\b`),
		[]string{"instruction", "prompt", "direction", "directive", "rule", "guideline", "guardrail", "constraint", "command", "context", "message", "programming", "restriction", "polic", "safeguard", "order"}),
	mustRule("disregard-above",
		[]string{"ignore", "disregard", "forget"},
		`\b((ignore|disregard|forget) (everything|anything|all|whatever( (was|is|you were|you have been) (said|written|told))?) (above|before|previously|prior|so far|earlier|until now|you (know|were told|have been told))|(disregard|ignore) (the|all) (above|foregoing|preceding)\b)`),
	mustRule("role-change",
		[]string{"you are now", "from now on", "pretend", "mode", "do anything now", "act as if", "behave as if"},
		`\b(you are now (a |an |the |my )?(different|new|unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|free|dan|admin|administrator|root|superuser|in (developer|god|admin|debug|maintenance|unrestricted|jailbreak|dan) mode|(acting|operating|working|serving) as)\b|from now on,? you (are|will|must|shall|should|have to)\b|(act|behave|respond) as if you (are|were|have) (no|an? (unrestricted|unfiltered|jailbroken))|pretend (that )?you (are|have no)\b|(enter|enable|activate|switch to) (developer|god|dan|jailbreak|unrestricted) mode\b|do anything now\b|(developer|god|dan|jailbreak) mode (is )?(enabled|activated|on)\b)`),
	withAll(mustRule("new-instructions",
		[]string{"instruction", "directive", "order", "command", "prompt"},
		`\b(new|updated|revised|real|actual|true|hidden|secret|override|overriding|additional|urgent|priority) (system )?(instructions?|directives?|orders|commands|system prompt|prompt)\s*[:\-–—]`),
		[]string{":", "-", "–", "—"}),
	withAll(mustRule("new-instructions",
		[]string{"ai", "assistant", "llm", "model", "chatbot", "claude", "gpt", "gemini", "copilot"},
		`\b(instructions?|message|note|directive|orders?|command) (for|to) (the |all |any )?`+aiNoun+`s?\s*[:!\-–—]`),
		[]string{"instruction", "message", "note", "directive", "order", "command"}),
	withAll(mustRule("new-instructions",
		[]string{"task", "goal", "objective", "instruction", "mission", "purpose", "job"},
		`\b(your|the) (new|real|actual|true|only|primary|updated) (task|goal|objective|instructions?|mission|purpose|job) (is|are|will be|now)\b`),
		[]string{"new", "real", "actual", "true", "only", "primary", "updated"}),
	mustRule("system-prompt",
		[]string{"prompt", "system instruction", "system message"},
		`\b((reveal|print|show|output|repeat|display|leak|dump|disclose|ignore|override|replace|forget|update|change) (me )?((your|the|my|this|its|all|entire|full|whole) )*(system|initial|original|hidden|secret) (prompt|instructions|message)s?\b|system prompt\s*[:=]|(new|updated|override|overriding|replacement) system prompt\b)`),
	{name: "role-tag", any: []string{"<", "[", "#"}, re: regexp.MustCompile(`(<\s*/?\s*(important|system|sys|instructions?|admin|override|assistant_instructions|hidden|critical|system_prompt|user_instructions|secret_instructions|ai_instructions)\s*>|<\|?\s*(im_start|im_end|endoftext|start_header_id|end_header_id|eot_id)\s*\|?>|<\|(system|user|assistant)\|>|\[/?inst\]|<<\s*/?sys\s*>>|\[(system|admin) (message|override|instructions?|note)\]|(^|\n)\s*#{1,4}\s*(system|admin|administrator) (message|instructions?|override|note|prompt)\b)`)},
	mustRule("authority-claim",
		[]string{"authori", "as the", "as an", "as your", "as a", "you are now", "you are hereby", "approved", "override", "bypass"},
		`\b(as (the |an |your |a )?(system )?(administrator|admin|system|developer|owner|operator|root user|root|superuser|security team|it department|ceo|creator)s?,? (i|we) (hereby )?(authorize|order|command|instruct|direct|permit|grant|approve|require|allow|confirm|declare)|(i|we) hereby (authorize|permit|allow|grant|instruct|order|command)|you are (now|hereby) (authorized|permitted|allowed|cleared|granted permission|granted access) (to|for)|authori[sz]ation (bypass|override) (is )?(now )?(active|enabled|on|engaged|granted|in effect)|pre-?(approved|authorized) by (the )?(user|admin|administrator|owner|security team|system)|(the )?user (has )?already (approved|authorized|consented|confirmed|granted))\b`),
	withAll(mustRule("status-flag",
		[]string{"override", "bypass", "mode", "filter", "check", "restriction", "guardrail", "safeguard", "limitation", "protocol", "polic", "measure", "approv", "privilege", "access"},
		`\b((admin|administrator|root|sudo|security|safety|elevated|emergency|god|privileged) (override|bypass|mode|access|privileges?)( (is|has been|was))? (now )?(active|activated|enabled|on|engaged|granted|in effect|unlocked)|(safety|security|content) (filters?|checks?|restrictions?|guardrails?|policies|protocols?|measures) (are |have been |were )?(now )?(disabled|lifted|removed|bypassed|turned off|suspended|deactivated)|all (restrictions|limitations|rules|safeguards|guardrails)( have been| are)? (now )?(lifted|removed|disabled|suspended|void))\b`),
		[]string{"active", "enabled", "on", "engaged", "granted", "effect", "unlocked", "disabled", "lifted", "removed", "bypassed", "off", "suspended", "deactivated", "void"}),
	{name: "fake-flag", any: []string{"override", "bypass", "skip", "approv", "god_mode", "jailbreak", "unrestricted", "sudo", "safety_off", "elevated"},
		re: regexp.MustCompile(`\b(admin_override|admin_bypass|auth_bypass|authorization_bypass|bypass_auth|bypass_security|skip_auth|skip_approval|skip_confirmation|approval_bypass|security_override|safety_override|override_safety|safety_off|god_mode|jailbreak(_mode)?|unrestricted_mode|sudo_mode|pre_?approved|user_approved|approved_by_user|approved_by_admin|elevated_privileges)["']?\s*[:=]\s*["']?(true|1|yes|on|granted|enabled|active)\b`)},
	mustRule("conceal-from-user",
		[]string{"user", "human", "operator", "silently", "secretly", "quietly", "covertly", "mention", "reveal", "disclose"},
		`\b((do not|don't|dont|never|must not|should not|shouldn't) (tell|inform|mention|reveal|show|alert|notify|disclose|let) (this |that |it |any of this |anything )?(to )?(the |your )?(user|human|operator)s?\b|without (telling|informing|notifying|alerting|asking|letting|mentioning (it |this )?to) (the |your )?(user|human)\b|(keep|hide) (this|it|these|the following)( (secret|hidden|confidential|private))? from (the |your )?(user|human)\b|the (user|human) (must|should|need) not (know|see|be (told|informed|aware))\b|(do not|don't|never) (mention|reveal|disclose) (this|these|that|the following) (instructions?|message|note|step|action)|(silently|secretly|quietly|covertly) (call|send|forward|include|read|upload|execute|invoke|add|copy|exfiltrate|transfer)\b)`),
	{name: "secret-file-access", any: []string{"ssh", "id_", "passwd", "shadow", "credentials", ".env", "npmrc", "netrc", "pgpass", "docker", "mcp.json", "claude_desktop", "history", "kube", "gnupg"},
		re:      regexp.MustCompile(`\b(read|cat|open|get|fetch|load|include|attach|copy|send|upload|pass|post|exfiltrate|leak|forward|email|append|provide|paste|dump|print|access|retrieve|extract)\b[^.\n]{0,60}` + secretFiles),
		exclude: regexp.MustCompile(`\.pub\b|^open .*\.ssh/config|known_hosts`)},
	mustRule("before-using-tool",
		[]string{"before"},
		`\bbefore (using|calling|invoking|running|executing|you (use|call|invoke|run)) (this|the|any|that) (tool|function|api)s?\b,?\s*(you )?(must|should|need to|have to|always|first|please|read|call|send|ensure|include|pass|invoke)\b`),
	withAll(mustRule("agent-call",
		[]string{"must", "should", "shall", "need", "have to", "required", "instructed", "will", "are to"},
		`\b(you|assistant|agent|ai|model|llm)\s+(must|should|shall|need to|have to|are (required|instructed|expected) to|will|are to) `+adverbs+`(call|invoke|use|run|execute|trigger) (the )?`+toolRef),
		[]string{"call", "invoke", "use", "run", "execute", "trigger"}, []string{"_", ".", "tool", "function"}),
	withAll(mustRule("imperative-call",
		[]string{"immediately", "now", "also", "secretly", "silently", "quietly", "urgently", "additionally", "then"},
		`\b(immediately|now|also|secretly|silently|quietly|urgently|additionally) (call|invoke|execute|run|use) (the )?`+toolRef+` (with|passing|using|and|to)\b`),
		[]string{"call", "invoke", "execute", "run", "use"}, []string{"_", ".", "tool", "function"}),
	mustRule("tool-directive",
		[]string{"call", "invoke", "run", "execute", "use"},
		"\\b(call|invoke|run|execute|use) (the )?((tool|function) )?[`'\"]?\\w+[._][\\w.]*\\w[`'\"]? (with|passing|using)( (the )?(arguments?|args|params|parameters|input))?\\s*[:=]?\\s*[{(\\[]"),
	mustRule("run-code",
		[]string{"run", "execute", "eval"},
		`\b(run|execute|eval|evaluate) (this|the following|following|the attached|the below) (code|script|program|snippet|javascript|python|typescript|command)s?\b`),
	mustRule("pre-approved",
		[]string{"approv", "confirm", "permission", "authoriz", "authoris"},
		`\b(pre-?(approved|authori[sz]ed) (all|every|any|these|this|the following)|(all|every|any) (actions?|calls?|operations?|requests?|tools?) (are|is|have been) (pre-?)?(approved|authori[sz]ed)|(do not|don't|dont|never|no need to) (ask|request|wait) (for )?(the )?(user'?s? )?(confirmation|approval|permission|consent)|without (asking|requesting|waiting) (for )?(the )?(user'?s? )?(confirmation|approval|permission|consent))\b`),
	mustRule("send-data",
		[]string{"send", "forward", "email", "upload", "post", "transmit", "exfiltrate", "leak", "copy", "share"},
		`\b(send|forward|email|upload|post|transmit|exfiltrate|leak|copy|share) ((all|the|every|your|any|full|complete|entire) )*(contents?|data|files?|documents?|credentials|keys?|tokens?|secrets?|passwords?|conversation|chat|history|emails?|messages?|inbox|logs?|results?|output|information|info|details|records)\b[^\n]{0,80}?\b(to|with) ([\w.+\-]+@[\w\-]+\.[\w.\-]+|https?://|(the )?(attacker|external|remote|following|this) (address|email|url|server|endpoint|webhook|number)|tools\.[\w.]+|\w+_\w+ (tool|function))`),
	mustRule("address-ai",
		[]string{"ai", "assistant", "llm", "model", "chatbot", "claude", "gpt", "gemini", "copilot"},
		`((^|[\n.!?:>]\s*)(dear|attention|hey|note to|message to|to) (the )?`+aiNoun+`s?\s*[:,!]|\bif you are (an? )?(ai|llm|large language model|language model|ai assistant|ai agent|chatbot|ai model)\b)`),
}

// ScanInjection finds instruction-like spans in s: text that addresses an AI
// agent with orders, claims authority, or asks to hide something from the
// user. Invisible characters are reported too (Kind "invisible"). Matches
// are sorted by Start and do not overlap within one kind.
func ScanInjection(s string) []Match {
	f := fold(s)
	out := scanFolded(s, f)
	out = append(out, f.inv...)
	for i := range out {
		if out[i].Kind == "invisible" {
			out[i].Snippet = invisibleSnippet(s[out[i].Start:out[i].End])
		}
	}
	sortMatches(out)
	return out
}

// hasFindings reports whether [Neutralize] would change s: it has
// instruction-like text or invisible characters.
func hasFindings(s string) bool {
	f := fold(s)
	return len(f.inv) > 0 || len(scanFolded(s, f)) > 0
}

// Windows: the folded text is scanned line by line, and a line longer
// than window in overlapping pieces, so that a rule's regexp runs only on
// the lines that contain one of its words. No rule matches more than
// overlap bytes.
const (
	window  = 2048
	overlap = 512
)

// index and anchored are the prefilter of injectionRules (prefilter.go).
var (
	index, anchored  = buildIndex(injectionRules)
	words, ruleWords = buildWordIndex(injectionRules)
)

func scanFolded(s string, f *folded) []Match {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.seen = nil
	var out []Match
	for lo := 0; lo < len(f.s); {
		hi := strings.IndexByte(f.s[lo:], '\n')
		if hi < 0 {
			hi = len(f.s)
		} else {
			hi += lo
		}
		// Include the newline itself so "\n#" style anchors see the
		// start of the next line in the next window via "^".
		for a := lo; ; a += window - overlap {
			b := min(hi, a+window)
			out = sc.scanWindow(out, s, f, a, b)
			if b >= hi {
				break
			}
		}
		lo = hi + 1
	}
	return out
}

// scratch is the reusable state of one scan.
type scratch struct {
	cs   []candidate
	locs [][2]int
	seen map[seenKey]bool
}

type seenKey struct {
	rule       string
	start, end int
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// scanWindow appends the matches of the rules in f.s[lo:hi] to out.
func (sc *scratch) scanWindow(out []Match, s string, f *folded, lo, hi int) []Match {
	w := f.s[lo:hi]
	var all uint64
	sc.cs, all = index.candidates(sc.cs[:0], w)
	if all == 0 {
		return out
	}
	var present wordSet
	havePresent := false
	for i := range injectionRules {
		r := &injectionRules[i]
		bit := uint64(1) << i
		if all&bit == 0 {
			continue
		}
		if !havePresent {
			present, havePresent = words.present(w), true
		}
		if !ruleWords[i].ok(&present) {
			continue
		}
		sc.locs = anchored[i].findAll(sc.locs[:0], w, sc.cs, bit, r.re)
		for _, loc := range sc.locs {
			if r.exclude != nil && r.exclude.MatchString(w[loc[0]:loc[1]]) {
				continue
			}
			start, end := f.span(lo+loc[0], lo+loc[1])
			// Leading separators matched by "^|\n" alternatives.
			for start < end && (s[start] == '\n' || s[start] == ' ' || s[start] == '\t' || s[start] == '\r') {
				start++
			}
			k := seenKey{r.name, start, end}
			if start >= end || sc.seen[k] {
				continue
			}
			if sc.seen == nil {
				sc.seen = map[seenKey]bool{}
			}
			sc.seen[k] = true
			out = append(out, Match{Kind: "injection", Rule: r.name, Start: start, End: end, Snippet: snippet(s, start, end)})
		}
	}
	return out
}

func containsAll(s string, groups [][]string) bool {
	for _, g := range groups {
		if !containsAny(s, g) {
			return false
		}
	}
	return true
}

func containsAny(s string, words []string) bool {
	if len(words) == 0 {
		return true
	}
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func sortMatches(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End > ms[j].End
	})
}

func invisibleSnippet(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 8 {
			b.WriteString("…")
			break
		}
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("U+")
		b.WriteString(strings.ToUpper(hex(r)))
		n++
	}
	return b.String()
}

func hex(r rune) string {
	const digits = "0123456789abcdef"
	var buf [8]byte
	i := len(buf)
	for r > 0 || i == len(buf) {
		i--
		buf[i] = digits[r&0xF]
		r >>= 4
	}
	for len(buf)-i < 4 {
		i--
		buf[i] = '0'
	}
	return string(buf[i:])
}

// Marker returns the text that replaces an instruction-like span from
// source ("[cemcp: instruction-like text from server SOURCE removed]").
func Marker(source string) string {
	if source == "" {
		return "[cemcp: instruction-like text removed]"
	}
	return "[cemcp: instruction-like text from server " + source + " removed]"
}

// maxExtend bounds how far a span grows to its sentence boundaries, and
// maxBlock how far a tag rule looks for its closing tag.
const (
	maxExtend = 400
	maxBlock  = 8 << 10
)

// Neutralize removes invisible characters from s and replaces every
// instruction-like span, widened to its sentence (or, for a tag such as
// <IMPORTANT>, to its closing tag), with [Marker](source). It returns the
// new text and what it found; s comes back unchanged when nothing matched.
func Neutralize(s, source string) (string, []Match) {
	f := fold(s)
	ms := scanFolded(s, f)
	if len(ms) == 0 && len(f.inv) == 0 {
		return s, nil
	}
	// Widen each injection span, then merge overlapping ones.
	spans := make([][2]int, 0, len(ms))
	for i := range ms {
		start, end := widen(s, ms[i], f.s)
		spans = append(spans, [2]int{start, end})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var merged [][2]int
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp[0] <= merged[n-1][1] {
			if sp[1] > merged[n-1][1] {
				merged[n-1][1] = sp[1]
			}
			continue
		}
		merged = append(merged, sp)
	}
	// Rebuild: marker for merged spans, invisible runes dropped elsewhere.
	marker := Marker(source)
	var b strings.Builder
	b.Grow(len(s))
	inv := f.inv
	pos := 0
	emit := func(end int) { // copy s[pos:end] without invisible runes
		for len(inv) > 0 && inv[0].Start < end {
			if inv[0].Start >= pos {
				b.WriteString(s[pos:inv[0].Start])
				pos = inv[0].End
			} else if inv[0].End > pos {
				pos = inv[0].End
			}
			inv = inv[1:]
		}
		if pos < end {
			b.WriteString(s[pos:end])
			pos = end
		}
	}
	for _, sp := range merged {
		emit(sp[0])
		b.WriteString(marker)
		pos = sp[1]
		for len(inv) > 0 && inv[0].End <= pos {
			inv = inv[1:]
		}
	}
	emit(len(s))
	out := append(ms, f.inv...)
	for i := range out {
		if out[i].Kind == "invisible" {
			out[i].Snippet = invisibleSnippet(s[out[i].Start:out[i].End])
		}
	}
	sortMatches(out)
	return b.String(), out
}

var closingTag = regexp.MustCompile(`^<\s*([a-z_]+)`)

// widen grows a match to the sentence around it (bounded by maxExtend on
// each side), or for an opening tag to its closing tag.
func widen(s string, m Match, _ string) (int, int) {
	start, end := m.Start, m.End
	if m.Rule == "role-tag" {
		t := strings.ToLower(s[start:end])
		if sm := closingTag.FindStringSubmatch(t); sm != nil && !strings.Contains(t, "/") {
			rest := s[end:min(len(s), end+maxBlock)]
			lower := strings.ToLower(rest)
			if i := strings.Index(lower, "</"+sm[1]); i >= 0 {
				j := strings.IndexByte(rest[i:], '>')
				if j >= 0 {
					return start, end + i + j + 1
				}
			}
			// No closing tag: the rest of the paragraph.
			if i := strings.Index(rest, "\n\n"); i >= 0 {
				return start, end + i
			}
			return start, end + len(rest)
		}
		return start, end
	}
	// Back to the start of the sentence.
	lo := max(0, start-maxExtend)
	for i := start - 1; i >= lo; i-- {
		c := s[i]
		if c == '\n' || c == '>' || ((c == '.' || c == '!' || c == '?') && boundaryAfter(s, i+1)) {
			start = i + 1
			break
		}
		if i == lo {
			start = lo
		}
	}
	for start < m.Start && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	// Forward to the end of the sentence.
	hi := min(len(s), end+maxExtend)
	for i := end; i < hi; i++ {
		c := s[i]
		if c == '\n' || c == '<' {
			end = i
			break
		}
		if (c == '.' || c == '!' || c == '?') && boundaryAfter(s, i+1) {
			end = i + 1
			break
		}
		if i == hi-1 {
			end = hi
		}
	}
	// Do not cut a UTF-8 sequence.
	for start > 0 && start < len(s) && s[start]&0xC0 == 0x80 {
		start--
	}
	for end < len(s) && s[end]&0xC0 == 0x80 {
		end++
	}
	return start, end
}

// boundaryAfter reports whether a sentence ends before s[i:]: the next
// visible rune is white space, or there is none.
func boundaryAfter(s string, i int) bool {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isInvisible(r) {
			i += size
			continue
		}
		return unicode.IsSpace(r)
	}
	return true
}
