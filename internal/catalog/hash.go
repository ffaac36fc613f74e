package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Hash returns the hex SHA-256 of the canonical JSON of t's definition: an
// object with the keys name, title, description, inputSchema, outputSchema
// and annotations (absent ones are null), with object keys sorted at every
// level and no insignificant whitespace. It is stable across map ordering
// and changes when any of those fields changes.
func Hash(t *mcp.Tool) string {
	if t == nil {
		return ""
	}
	def := map[string]any{
		"name":         t.Name,
		"title":        t.Title,
		"description":  t.Description,
		"inputSchema":  t.InputSchema,
		"outputSchema": t.OutputSchema,
		"annotations":  t.Annotations,
	}
	b, err := canonicalJSON(def)
	if err != nil {
		// A schema that cannot be marshaled still gets a distinct,
		// deterministic hash.
		b = []byte(fmt.Sprintf("unmarshalable:%q:%v", t.Name, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalJSON marshals v, then re-encodes it with sorted keys and no
// whitespace. Numbers keep their literal text.
func canonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	writeCanonical(&buf, x)
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			writeCanonical(buf, v[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeCanonical(buf, e)
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, v)
	case json.Number:
		buf.WriteString(v.String())
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case nil:
		buf.WriteString("null")
	default:
		// Unreachable for decoded JSON; keep it deterministic anyway.
		fmt.Fprintf(buf, "%q", fmt.Sprint(v))
	}
}

func writeString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}

// rawSchema marshals a schema value as given by the SDK (any value that
// marshals to JSON). def is used when s is nil.
func rawSchema(s any, def json.RawMessage) (json.RawMessage, error) {
	if s == nil {
		return def, nil
	}
	if r, ok := s.(json.RawMessage); ok && len(r) == 0 {
		return def, nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return def, nil
	}
	return json.RawMessage(b), nil
}
