package config

import (
	"fmt"
	"strings"
)

// expandProblem is one failed substitution in a string.
type expandProblem struct {
	msg, fix string
}

// vscodeVars are VS Code's predefined variables, which only VS Code can
// resolve; an unset one gets a specific fix.
var vscodeVars = map[string]bool{
	"workspaceFolder": true, "workspaceFolderBasename": true, "userHome": true,
	"workspaceRoot": true, "pathSeparator": true, "cwd": true, "file": true,
	"fileDirname": true, "relativeFile": true,
}

// expandVars substitutes variables in s:
//
//	${VAR} ${env:VAR}           the value of VAR; an error when VAR is unset
//	${VAR:-def} ${env:VAR:-def} the value of VAR, or def when VAR is unset or empty
//	$$                          a literal $
//
// Any other $ is kept as is. Only the variables named in s are read.
func expandVars(s string, lookup func(string) (string, bool)) (string, []expandProblem) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var probs []expandProblem
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
			continue
		case '{':
		default:
			b.WriteByte('$')
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			probs = append(probs, expandProblem{
				msg: fmt.Sprintf("unterminated ${ in %q", clip(s[i:])),
				fix: "close it with }, or write $$ for a literal $",
			})
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+2+end]
		i += 2 + end + 1
		val, p := expandOne(expr, lookup)
		if p != nil {
			probs = append(probs, *p)
			b.WriteString("${" + expr + "}")
			continue
		}
		b.WriteString(val)
	}
	return b.String(), probs
}

// expandOne resolves the inside of one ${...}.
func expandOne(expr string, lookup func(string) (string, bool)) (string, *expandProblem) {
	name, def, hasDef := expr, "", false
	if k := strings.Index(expr, ":-"); k >= 0 {
		name, def, hasDef = expr[:k], expr[k+2:], true
	}
	if rest, ok := strings.CutPrefix(name, "env:"); ok {
		name = rest
	} else if prefix, id, ok := strings.Cut(name, ":"); ok {
		if prefix == "input" {
			return "", &expandProblem{
				msg: fmt.Sprintf("${%s} asks VS Code to prompt for a value, which cemcp cannot do", expr),
				fix: fmt.Sprintf("replace it with ${env:%s} and export %s", envName(id), envName(id)),
			}
		}
		return "", &expandProblem{
			msg: fmt.Sprintf("unsupported variable ${%s}", expr),
			fix: "cemcp expands ${VAR}, ${env:VAR} and ${VAR:-default}; write $$ for a literal $",
		}
	}
	if !validVarName(name) {
		return "", &expandProblem{
			msg: fmt.Sprintf("invalid variable name in ${%s}", expr),
			fix: "names are letters, digits and _, not starting with a digit; write $$ for a literal $",
		}
	}
	v, ok := lookup(name)
	if hasDef && (!ok || v == "") {
		return def, nil
	}
	if !ok {
		if vscodeVars[name] {
			return "", &expandProblem{
				msg: fmt.Sprintf("${%s} is a VS Code variable that cemcp cannot resolve", name),
				fix: fmt.Sprintf("write the value itself, or export %s=...", name),
			}
		}
		return "", &expandProblem{
			msg: fmt.Sprintf("variable %s is not set", name),
			fix: fmt.Sprintf("export %s=... or write ${%s:-default}", name, name),
		}
	}
	return v, nil
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// envName turns a VS Code input id such as "api-key" into API_KEY.
func envName(id string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(id) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 || (b.String()[0] >= '0' && b.String()[0] <= '9') {
		return "VAR_" + b.String()
	}
	return b.String()
}

// clip shortens s for messages.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
