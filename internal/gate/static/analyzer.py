# cemcp static analyzer for Python programs.
#
# Run as: python3 -I -S -c <this file> with the program on stdin. It parses
# the program with the ast module (which never executes it), applies the
# rules documented in package static, and prints one JSON object:
#   {"error": {"line", "col", "msg"}}                       on a syntax error
#   {"findings": [{"rule","line","col","msg","deny"}], "refs": [{"server","tool","line","col"}],
#    "calls": [{"name","line","col"}], "dynamic": bool}      otherwise
# It limits its own resources before reading the program.
import sys

try:
    import resource

    for lim, val in ((resource.RLIMIT_AS, 1 << 30), (resource.RLIMIT_CPU, 3),
                     (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_NOFILE, 16)):
        try:
            resource.setrlimit(lim, (val, val))
        except (ValueError, OSError):
            pass
except ImportError:
    pass

import ast
import json
import math
import re

ALLOWED = {"json", "math", "statistics", "re", "datetime", "collections", "itertools",
           "functools", "decimal", "fractions", "string", "textwrap", "typing",
           "dataclasses", "enum", "heapq", "bisect", "random", "operator", "copy",
           "pprint", "base64"}
FLAGGED = {"base64"}
EXEC_NAMES = {"eval": "python-exec", "exec": "python-exec", "compile": "python-exec",
              "__import__": "python-import", "breakpoint": "python-exec",
              "open": "python-exec", "input": "python-exec", "help": "python-exec",
              "exit": "python-exec", "quit": "python-exec"}
REFLECT_NAMES = {"globals", "locals", "vars", "__builtins__", "__loader__", "__spec__",
                 "__build_class__", "getattr", "setattr", "delattr"}
BAD_ATTRS = {"__subclasses__", "__globals__", "__code__", "__builtins__", "__bases__",
             "__base__", "__mro__", "__dict__", "__getattribute__", "__reduce__",
             "__reduce_ex__", "__closure__", "__func__", "__self__", "__loader__",
             "__spec__", "__import__", "__init_subclass__", "__subclasshook__",
             "__getstate__", "__setstate__", "__wrapped__", "__traceback__",
             "__class_getitem__", "__annotations__", "__kwdefaults__", "__defaults__",
             "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "gi_frame",
             "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame",
             "tb_next", "co_code", "co_consts", "mro"}
BAD_MODULE_ATTRS = {"get_type_hints", "ForwardRef", "sys", "os", "builtins"}
DECODERS = {"b64decode", "b32decode", "b16decode", "a85decode", "b85decode",
            "urlsafe_b64decode", "decodebytes", "standard_b64decode", "fromhex", "chr",
            "decode", "unhexlify", "a2b_base64"}
SAFE_CALLS = {"print", "len", "str", "int", "float", "bool", "list", "dict", "set",
              "tuple", "sorted", "reversed", "min", "max", "sum", "any", "all", "repr",
              "isinstance", "enumerate", "zip", "map", "filter", "round", "abs", "bytes",
              "bytearray", "frozenset", "ord", "hash", "format"}
SAFE_MODULES = {"json", "math", "statistics", "re", "textwrap", "string", "base64"}
DATA_METHODS = {"append", "extend", "insert", "add", "update", "split", "join", "strip",
                "lstrip", "rstrip", "replace", "startswith", "endswith", "find", "index",
                "count", "lower", "upper", "encode", "decode", "format", "get", "setdefault",
                "pop", "remove", "discard", "search", "match", "fullmatch", "findall",
                "finditer", "sub", "splitlines", "partition", "rpartition", "zfill",
                "ljust", "rjust", "center", "loads", "dumps", "write", "put", "push"}
FIELD_TRAVERSAL = re.compile(r"\{[^{}:!]*[.\[][^{}]*\}")


def entropy(s):
    if not s:
        return 0.0
    counts = {}
    for c in s:
        counts[c] = counts.get(c, 0) + 1
    n = float(len(s))
    return -sum(c / n * math.log2(c / n) for c in counts.values())


B64 = re.compile(r"^[A-Za-z0-9+/_\-\s]{256,}={0,2}\s*$")
HEX = re.compile(r"^(0x)?[0-9a-fA-F\s]{256,}$")


def blob_kind(s):
    if len(s) < 200:
        return None
    if len(s) >= 256 and HEX.match(s):
        return "hex"
    if len(s) >= 256 and B64.match(s) and entropy(s) >= 4.0:
        return "base64"
    if entropy(s) >= 4.5:
        return "high-entropy"
    return None


class Analyzer:
    def __init__(self, tree):
        self.tree = tree
        self.findings = []
        self.refs = []
        self.calls = []
        self.dynamic = False
        self.parent = {}
        self.modules = {}      # local name -> module name
        self.tainted = {}      # variable -> (decoder, line)
        self.blobs = set()     # variables bound to blob literals
        self.example = None

    def add(self, rule, node, msg, deny=True):
        line = getattr(node, "lineno", 0)
        col = getattr(node, "col_offset", -1) + 1
        self.findings.append({"rule": rule, "line": line, "col": col,
                              "msg": "line %d: %s" % (line, msg), "deny": deny})

    def hint(self):
        return "tools.<server>.<tool>({...})"

    def run(self):
        order = []
        stack = [self.tree]
        while stack:
            node = stack.pop()
            order.append(node)
            children = list(ast.iter_child_nodes(node))
            for c in children:
                self.parent[c] = node
            stack.extend(reversed(children))
        # Pass 1: imports and assignments (source order is the DFS order).
        for node in order:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
                self.assign(node)
        for node in order:
            self.visit(node)

    # ---- imports ----

    def imports(self, node):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                self.add("python-import", node, "relative imports are not allowed; only these modules can be imported: " + ", ".join(sorted(ALLOWED)))
                return
            mod = node.module or ""
            root = mod.split(".")[0]
            if root not in ALLOWED:
                self.add("python-import", node, "import of %s is not allowed; only these modules can be imported: %s. Use tools for everything else: %s" % (mod, ", ".join(sorted(ALLOWED)), self.hint()))
                return
            for a in node.names:
                if a.name.startswith("_") or a.name in BAD_MODULE_ATTRS:
                    self.add("reflection", node, "importing %s from %s is not allowed" % (a.name, mod))
            if root in FLAGGED:
                self.add("python-import", node, "%s is allowed for data; decoding text and running it is not" % mod, deny=False)
            return
        for a in node.names:
            root = a.name.split(".")[0]
            if root not in ALLOWED:
                self.add("python-import", node, "import of %s is not allowed; only these modules can be imported: %s. Use tools for everything else: %s" % (a.name, ", ".join(sorted(ALLOWED)), self.hint()))
                continue
            self.modules[a.asname or root] = root
            if root in FLAGGED:
                self.add("python-import", node, "%s is allowed for data; decoding text and running it is not" % a.name, deny=False)

    # ---- data flow ----

    def taint_of(self, e):
        """Returns (decoder, line) if e is a decoded value, else None."""
        if isinstance(e, ast.Name):
            return self.tainted.get(e.id)
        if isinstance(e, ast.Call):
            name = self.call_name(e.func)
            last = name.split(".")[-1] if name else ""
            if last in DECODERS and (last != "decode" or self.decode_receiver_tainted(e)):
                return (name, e.lineno)
            if isinstance(e.func, ast.Attribute):
                t = self.taint_of(e.func.value)
                if t:
                    return t
            for a in e.args:
                if last == "join":
                    t = self.taint_of(a)
                    if t:
                        return t
        if isinstance(e, (ast.GeneratorExp, ast.ListComp)):
            return self.taint_of(e.elt)
        if isinstance(e, ast.BinOp):
            return self.taint_of(e.left) or self.taint_of(e.right)
        if isinstance(e, ast.JoinedStr):
            for v in e.values:
                if isinstance(v, ast.FormattedValue):
                    t = self.taint_of(v.value)
                    if t:
                        return t
        if isinstance(e, ast.Subscript):
            return self.taint_of(e.value)
        return None

    def decode_receiver_tainted(self, call):
        # x.decode(...) decodes when x is itself decoded bytes (b64decode(...).decode()).
        if isinstance(call.func, ast.Attribute):
            return self.taint_of(call.func.value) is not None
        return False

    def assign(self, node):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.NamedExpr):
            targets, value = [node.target], node.value
        else:
            targets, value = [node.target], node.value
        if value is None:
            return
        t = self.taint_of(value)
        is_blob = isinstance(value, ast.Constant) and isinstance(value.value, str) and blob_kind(value.value)
        for tg in targets:
            if isinstance(tg, ast.Name):
                if t:
                    self.tainted[tg.id] = t
                if is_blob:
                    self.blobs.add(tg.id)
                if isinstance(value, ast.Name) and value.id in self.modules:
                    self.modules[tg.id] = self.modules[value.id]

    # ---- helpers ----

    def call_name(self, f):
        if isinstance(f, ast.Name):
            return f.id
        if isinstance(f, ast.Attribute):
            left = self.call_name(f.value)
            return (left or "?") + "." + f.attr
        return ""

    def tool_ref(self, node):
        """tools.<s>.<t> as an Attribute; returns (s, t) or None."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                and isinstance(node.value.value, ast.Name) and node.value.value.id == "tools":
            return node.value.attr, node.attr
        return None

    def const_str(self, e):
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            return e.value
        if isinstance(e, ast.BinOp) and isinstance(e.op, ast.Add):
            l, r = self.const_str(e.left), self.const_str(e.right)
            if l is not None and r is not None:
                return l + r
        return None

    # ---- rules ----

    def visit(self, node):
        p = self.parent.get(node)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            self.name(node, p)
        elif isinstance(node, ast.Attribute):
            self.attribute(node, p)
        elif isinstance(node, ast.Call):
            self.call(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            k = blob_kind(node.value)
            if k:
                self.add("high-entropy", node, "a %d-character %s string literal looks like encoded data; it is flagged for review, and decoding and running it is not allowed" % (len(node.value), k), deny=False)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            pass

    def name(self, node, p):
        n = node.id
        if n in EXEC_NAMES:
            rule = EXEC_NAMES[n]
            if n == "open":
                msg = "open is not allowed: the program has no files; read data through tools: " + self.hint()
            elif n in ("input", "help", "exit", "quit", "breakpoint"):
                msg = "%s is not available in a program run; return or print results instead" % n
            elif n == "__import__":
                msg = "__import__ is not allowed; import one of the allowed modules with an import statement"
            else:
                msg = "%s is not allowed; write the code directly and call tools directly: %s" % (n, self.hint())
            self.add(rule, node, msg)
            return
        if n in REFLECT_NAMES:
            if n in ("getattr", "setattr", "delattr") and isinstance(p, ast.Call) and p.func is node:
                return  # checked in call
            self.add("reflection", node, "%s is not allowed; use attributes and dictionaries directly" % n)
            return
        if n == "tools":
            if isinstance(p, ast.Attribute) and p.value is node:
                return
            self.dynamic = True
            return
        if n in self.modules:
            if isinstance(p, ast.Attribute) and p.value is node:
                return
            if isinstance(p, (ast.Assign,)) and p.value is node:
                return  # alias, followed
            self.add("reflection", node, "module %s may only be used as %s.<name>; passing a module around is not allowed" % (n, n))

    def attribute(self, node, p):
        a = node.attr
        if a in BAD_ATTRS or (a == "__class__" and not (isinstance(p, ast.Attribute) and p.attr == "__name__")):
            self.add("reflection", node, "attribute %s is not allowed; it reaches the interpreter's internals" % a)
            return
        if isinstance(node.value, ast.Name) and node.value.id in self.modules:
            if a.startswith("_") or a in BAD_MODULE_ATTRS:
                self.add("reflection", node, "%s.%s is not allowed; use the module's public functions" % (node.value.id, a))
            return
        ref = self.tool_ref(node)
        if ref:
            if ref[0] == "call":
                self.refs.append({"server": "call", "tool": ref[1], "line": node.lineno, "col": node.col_offset + 1})
            else:
                self.refs.append({"server": ref[0], "tool": ref[1], "line": node.lineno, "col": node.col_offset + 1})
            return
        if isinstance(node.value, ast.Name) and node.value.id == "tools":
            if a == "call":
                return
            # tools.<server> not followed by .<tool>
            if not (isinstance(p, ast.Attribute) and p.value is node):
                self.dynamic = True

    def call(self, node):
        f = node.func
        name = self.call_name(f)
        last = name.split(".")[-1] if name else ""
        # tools.call("s.t", args)
        if name == "tools.call":
            if node.args:
                s = self.const_str(node.args[0])
                if s is None:
                    self.dynamic = True
                else:
                    self.calls.append({"name": s, "line": node.lineno, "col": node.col_offset + 1})
            return
        if isinstance(f, ast.Name) and f.id in ("getattr", "setattr", "delattr", "hasattr"):
            if len(node.args) >= 2:
                obj, attr = node.args[0], node.args[1]
                s = self.const_str(attr)
                if isinstance(obj, ast.Name) and obj.id == "tools" or \
                        isinstance(obj, ast.Attribute) and isinstance(obj.value, ast.Name) and obj.value.id == "tools":
                    self.dynamic = True
                    return
                if isinstance(obj, ast.Name) and obj.id in ("__builtins__", "builtins"):
                    self.add("reflection", node, "%s on the builtins is not allowed" % f.id)
                elif s is None:
                    self.add("reflection", node, "%s with a computed attribute name is not allowed; use a dictionary for dynamic keys" % f.id)
                elif s.startswith("_") or s in BAD_ATTRS:
                    self.add("reflection", node, "%s(..., %r) is not allowed; it reaches the interpreter's internals" % (f.id, s))
            return
        if last in ("attrgetter", "methodcaller"):
            for a in node.args:
                s = self.const_str(a)
                if s is None or "__" in s or s.startswith("_") or any(part in BAD_ATTRS for part in s.split(".")):
                    self.add("reflection", node, "operator.%s with %s is not allowed" % (last, "a computed name" if s is None else repr(s)))
                    break
        if last in ("format", "format_map") and isinstance(f, ast.Attribute):
            s = self.const_str(f.value)
            if s is not None and FIELD_TRAVERSAL.search(s):
                self.add("reflection", node, "format fields may not read attributes or items ({0.x}, {0[x]}); format the values first")
        if name == "type" and len(node.args) == 3:
            self.add("reflection", node, "type() with three arguments is not allowed; use a class statement")
        # Decoders of blobs.
        if last in DECODERS and last not in ("decode", "chr"):
            for a in node.args:
                if (isinstance(a, ast.Constant) and isinstance(a.value, str) and blob_kind(a.value)) or \
                        (isinstance(a, ast.Name) and a.id in self.blobs):
                    self.add("high-entropy", a, "decoding an embedded encoded blob with %s is not allowed; pass data in plain form" % name)
        # Decoded values passed on.
        root = name.split(".")[0] if name else ""
        safe = (name in SAFE_CALLS or root in SAFE_MODULES and root in self.modules
                or root == "tools" or last in DATA_METHODS and "." in name
                or last in DECODERS)
        if not safe:
            for a in list(node.args) + [k.value for k in node.keywords]:
                t = self.taint_of(a)
                if t:
                    self.add("decode-then-run", a, "a value decoded by %s (line %d) is passed to %s(); decoded text may only be used as data (print, json.loads, string methods) or tool arguments" % (t[0], t[1], name or "a function"))

    def result(self):
        return {"findings": self.findings, "refs": self.refs, "calls": self.calls, "dynamic": self.dynamic}


def main():
    src = sys.stdin.buffer.read()
    try:
        tree = ast.parse(src, filename="program.py")
    except SyntaxError as e:
        print(json.dumps({"error": {"line": e.lineno or 0, "col": e.offset or 0, "msg": e.msg}}))
        return
    except (ValueError, RecursionError, MemoryError) as e:
        print(json.dumps({"error": {"line": 0, "col": 0, "msg": "cannot parse: %s" % type(e).__name__}}))
        return
    a = Analyzer(tree)
    try:
        a.run()
    except RecursionError:
        print(json.dumps({"error": {"line": 0, "col": 0, "msg": "the program nests too deeply"}}))
        return
    print(json.dumps(a.result()))


main()
