package database

import (
	"errors"
	"fmt"
	"strings"
)

// forbidden lists keywords that never belong in a read-only query. REPLACE is
// absent because replace() is a common string function; a statement starting
// with REPLACE is still rejected by the first-keyword rule.
var forbidden = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "DROP": true, "ALTER": true, "CREATE": true,
	"ATTACH": true, "DETACH": true, "PRAGMA": true, "VACUUM": true, "REINDEX": true, "ANALYZE": true,
	"BEGIN": true, "COMMIT": true, "ROLLBACK": true, "SAVEPOINT": true, "RELEASE": true, "UPSERT": true,
}

// checkReadOnly is the first of three layers that keep run_query read-only
// (the others are the mode=ro, query_only connection and an SQLite
// authorizer that allows only reads). It lexes q, skipping comments, string
// literals and quoted identifiers, and accepts exactly one statement that
// starts with SELECT or WITH and names no writing keyword. It returns q with
// a trailing semicolon removed.
func checkReadOnly(q string) (string, error) {
	var words []string
	end := -1 // offset of a terminating semicolon
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return "", errors.New("unterminated /* comment")
			}
			i += j + 4
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			j := i + 1
			for {
				k := strings.IndexByte(q[j:], closer)
				if k < 0 {
					return "", fmt.Errorf("unterminated quoted text starting at offset %d", i)
				}
				j += k + 1
				if closer != ']' && j < len(q) && q[j] == closer { // doubled quote escapes itself
					j++
					continue
				}
				break
			}
			if end >= 0 {
				return "", errMulti
			}
			i = j
		case c == ';':
			if end >= 0 {
				return "", errMulti
			}
			end = i
			i++
		case isWordByte(c):
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			if end >= 0 {
				return "", errMulti
			}
			words = append(words, strings.ToUpper(q[i:j]))
			i = j
		default:
			if end >= 0 {
				return "", errMulti
			}
			i++
		}
	}
	if len(words) == 0 {
		return "", errors.New("empty query: write one SELECT (or WITH ... SELECT) statement")
	}
	if words[0] != "SELECT" && words[0] != "WITH" {
		return "", fmt.Errorf("only SELECT or WITH ... SELECT queries are allowed, got %s; use the insert_order, update_inventory, create_refund or delete_customer tools to change data", words[0])
	}
	for _, w := range words {
		if forbidden[w] {
			return "", fmt.Errorf("keyword %s is not allowed in a read-only query", w)
		}
	}
	if end >= 0 {
		q = q[:end]
	}
	return q, nil
}

var errMulti = errors.New("multiple statements are not allowed: send one SELECT statement per call")

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
