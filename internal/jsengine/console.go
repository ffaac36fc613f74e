package jsengine

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// output is the run's console buffer, bounded at max bytes. Once full, it
// drops everything cheaply.
type output struct {
	b         strings.Builder
	max       int
	truncated bool
}

func (o *output) room() int { return o.max - o.b.Len() }

func (o *output) write(s string) {
	if o.truncated {
		return
	}
	if len(s) > o.room() {
		s = cutUTF8(s, o.room())
		o.truncated = true
	}
	o.b.WriteString(s)
}

// consoleLog formats its arguments like Node's console.log: strings raw,
// other values inspected, separated by spaces, a newline after each call.
func (e *engine) consoleLog(c goja.FunctionCall) goja.Value {
	if e.out.truncated {
		return goja.Undefined()
	}
	// One byte over the room tells write that the line did not fit.
	in := e.newInspector(e.out.room() + 1)
	args := c.Arguments
	if len(args) > 1 && goja.IsString(args[0]) && strings.IndexByte(args[0].String(), '%') >= 0 {
		args = in.format(args[0].String(), args[1:])
		if len(args) > 0 {
			in.b.WriteByte(' ')
		}
	}
	for i, a := range args {
		if in.full() {
			break
		}
		if i > 0 {
			in.b.WriteByte(' ')
		}
		in.value(a, 0, true)
	}
	in.b.WriteByte('\n')
	e.out.write(in.b.String())
	return goja.Undefined()
}

// inspector renders values like Node's util.inspect, on one line, and stops
// once it has written limit bytes.
type inspector struct {
	e     *engine
	b     strings.Builder
	limit int
	seen  []*goja.Object
}

func (e *engine) newInspector(limit int) *inspector {
	return &inspector{e: e, limit: limit}
}

func (in *inspector) full() bool { return in.b.Len() >= in.limit }

// maxItems bounds how many elements or keys of one array or object print.
const maxItems = 100

// maxDepth is the nesting below which objects print as [Object] / [Array].
const maxDepth = 2

// format applies printf-like directives (%s %d %i %f %j %o %O %c %%) and
// returns the arguments left over.
func (in *inspector) format(f string, args []goja.Value) []goja.Value {
	for len(f) > 0 && !in.full() {
		i := strings.IndexByte(f, '%')
		if i < 0 || i == len(f)-1 {
			in.b.WriteString(f)
			f = ""
			break
		}
		in.b.WriteString(f[:i])
		d := f[i+1]
		f = f[i+2:]
		if d == '%' {
			in.b.WriteByte('%')
			continue
		}
		if !strings.ContainsRune("sdifjoOc", rune(d)) || len(args) == 0 {
			in.b.WriteByte('%')
			in.b.WriteByte(d)
			continue
		}
		a := args[0]
		args = args[1:]
		switch d {
		case 's':
			if _, isObj := a.(*goja.Object); isObj {
				in.value(a, 1, false)
			} else {
				in.value(a, 0, true)
			}
		case 'd', 'i':
			n := a.ToFloat()
			if d == 'i' && n == n {
				n = float64(int64(n))
			}
			in.b.WriteString(in.e.vm.ToValue(n).String())
		case 'f':
			in.b.WriteString(in.e.vm.ToValue(a.ToFloat()).String())
		case 'j':
			if s, err := in.e.stringify(goja.Undefined(), a); err == nil && !goja.IsUndefined(s) {
				in.writeCut(s.String())
			} else {
				in.b.WriteString("undefined")
			}
		case 'o', 'O':
			in.value(a, 0, false)
		case 'c':
		}
	}
	return args
}

// writeCut writes s, cut to the room left.
func (in *inspector) writeCut(s string) {
	if room := in.limit - in.b.Len(); len(s) > room {
		s = cutUTF8(s, max(room, 0))
	}
	in.b.WriteString(s)
}

// writeString writes a JS string raw, without converting more of it than
// fits: a 50 MB string costs no more than the room left.
func (in *inspector) writeString(v goja.Value) {
	room := in.limit - in.b.Len()
	if s, ok := v.(goja.String); ok && s.Length() > room {
		// Each UTF-16 unit is at most 3 bytes of UTF-8.
		v = s.Substring(0, max(room, 0))
	}
	in.writeCut(v.String())
}

func (in *inspector) value(v goja.Value, depth int, top bool) {
	if in.full() {
		return
	}
	switch {
	case v == nil || goja.IsUndefined(v):
		in.b.WriteString("undefined")
		return
	case goja.IsNull(v):
		in.b.WriteString("null")
		return
	case goja.IsString(v):
		if top {
			in.writeString(v)
		} else {
			in.quote(v)
		}
		return
	case goja.IsBigInt(v):
		in.b.WriteString(v.String())
		in.b.WriteByte('n')
		return
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if _, isSym := v.(*goja.Symbol); isSym {
			in.b.WriteString("Symbol(")
			in.writeCut(v.String())
			in.b.WriteByte(')')
			return
		}
		in.b.WriteString(v.String()) // number, boolean
		return
	}
	for _, s := range in.seen {
		if s == o {
			in.b.WriteString("[Circular]")
			return
		}
	}
	in.seen = append(in.seen, o)
	defer func() { in.seen = in.seen[:len(in.seen)-1] }()

	if _, isFn := goja.AssertFunction(o); isFn {
		name := ""
		if n := o.Get("name"); n != nil && goja.IsString(n) {
			name = n.String()
		}
		if name == "" {
			in.b.WriteString("[Function (anonymous)]")
		} else {
			in.b.WriteString("[Function: ")
			in.writeCut(name)
			in.b.WriteByte(']')
		}
		return
	}
	class := o.ClassName()
	if _, isPromise := o.Export().(*goja.Promise); isPromise {
		class = "Promise"
	}
	if class == "Object" {
		if k, err := in.e.kind(goja.Undefined(), o); err == nil && k.String() != "" {
			class = k.String()
		}
	}
	switch class {
	case "Array":
		in.array(o, depth)
	case "Error":
		if depth > 0 {
			in.b.WriteByte('[')
			in.writeCut(errorText(o))
			in.b.WriteByte(']')
			return
		}
		in.writeCut(errorText(o))
		for _, f := range in.e.frames(o) {
			in.b.WriteString("\n    ")
			in.writeCut(f)
		}
	case "Date":
		if f, ok := goja.AssertFunction(o.Get("toISOString")); ok {
			if s, err := f(o); err == nil {
				in.writeCut(s.String())
				return
			}
		}
		in.b.WriteString("Invalid Date")
	case "RegExp":
		in.writeCut(o.String())
	case "Map", "Set":
		in.collection(o, class, depth)
	case "Promise":
		in.b.WriteString("Promise { ")
		if p, ok := o.Export().(*goja.Promise); ok {
			switch p.State() {
			case goja.PromiseStatePending:
				in.b.WriteString("<pending>")
			case goja.PromiseStateRejected:
				in.b.WriteString("<rejected> ")
				in.value(p.Result(), depth+1, false)
			default:
				in.value(p.Result(), depth+1, false)
			}
		}
		in.b.WriteString(" }")
	default:
		in.object(o, depth)
	}
}

func (in *inspector) array(o *goja.Object, depth int) {
	n := o.Get("length").ToInteger()
	if n == 0 {
		in.b.WriteString("[]")
		return
	}
	if depth > maxDepth {
		in.b.WriteString("[Array]")
		return
	}
	in.b.WriteString("[ ")
	for i := int64(0); i < n && !in.full(); i++ {
		if i > 0 {
			in.b.WriteString(", ")
		}
		if i == maxItems {
			in.b.WriteString("... " + strconv.FormatInt(n-maxItems, 10) + " more items")
			break
		}
		in.value(o.Get(strconv.FormatInt(i, 10)), depth+1, false)
	}
	in.b.WriteString(" ]")
}

func (in *inspector) collection(o *goja.Object, kind string, depth int) {
	size := o.Get("size").ToInteger()
	in.b.WriteString(kind + "(" + strconv.FormatInt(size, 10) + ") ")
	if size == 0 {
		in.b.WriteString("{}")
		return
	}
	if depth > maxDepth {
		in.b.WriteString("{ ... }")
		return
	}
	arr, err := in.e.arrayFrom(goja.Undefined(), o)
	if err != nil {
		in.b.WriteString("{ ... }")
		return
	}
	items := arr.ToObject(in.e.vm)
	in.b.WriteString("{ ")
	for i := int64(0); i < size && !in.full(); i++ {
		if i > 0 {
			in.b.WriteString(", ")
		}
		if i == maxItems {
			in.b.WriteString("...")
			break
		}
		it := items.Get(strconv.FormatInt(i, 10))
		if kind == "Map" {
			pair := it.ToObject(in.e.vm)
			in.value(pair.Get("0"), depth+1, false)
			in.b.WriteString(" => ")
			in.value(pair.Get("1"), depth+1, false)
		} else {
			in.value(it, depth+1, false)
		}
	}
	in.b.WriteString(" }")
}

func (in *inspector) object(o *goja.Object, depth int) {
	prefix := ""
	if proto := o.Prototype(); proto == nil {
		prefix = "[Object: null prototype] "
	} else if c, ok := proto.Get("constructor").(*goja.Object); ok {
		if n := c.Get("name"); n != nil && goja.IsString(n) && n.String() != "Object" && n.String() != "" {
			prefix = n.String() + " "
		}
	}
	keys := o.Keys()
	in.writeCut(prefix)
	if len(keys) == 0 {
		in.b.WriteString("{}")
		return
	}
	if depth > maxDepth {
		in.b.WriteString("[Object]")
		return
	}
	in.b.WriteString("{ ")
	for i, k := range keys {
		if in.full() {
			break
		}
		if i > 0 {
			in.b.WriteString(", ")
		}
		if i == maxItems {
			in.b.WriteString("... " + strconv.Itoa(len(keys)-maxItems) + " more")
			break
		}
		if isIdent(k) {
			in.writeCut(k)
		} else {
			in.quote(in.e.vm.ToValue(k))
		}
		in.b.WriteString(": ")
		in.value(o.Get(k), depth+1, false)
	}
	in.b.WriteString(" }")
}

// quote writes a string the way util.inspect does: single quotes unless the
// text holds one.
func (in *inspector) quote(v goja.Value) {
	var tmp inspector
	tmp.limit = in.limit - in.b.Len()
	tmp.writeString(v)
	s := tmp.b.String()
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	in.b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			in.b.WriteByte('\\')
			in.b.WriteRune(r)
		case r == '\n':
			in.b.WriteString(`\n`)
		case r == '\t':
			in.b.WriteString(`\t`)
		case r == '\r':
			in.b.WriteString(`\r`)
		case r < 0x20:
			in.b.WriteString(`\x` + strconv.FormatInt(int64(r)+0x100, 16)[1:])
		default:
			in.b.WriteRune(r)
		}
		if in.full() {
			return
		}
	}
	in.b.WriteByte(q)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}
