# cemcp Python bootstrap: runs one program inside the jail and speaks the
# bridge protocol (package bridge) on fd 3: 4-byte big-endian length + JSON.
#
# cemcp-runner execs CPython after confinement with a small prelude
# (pythonPrelude in internal/runner/python_linux.go) that sends ready and waits in its first
# read of fd 3; only when the run frame starts arriving does it compile and
# exec this file in __main__, where it left the bytes read so far as _head.
# A warm runner can idle for hours, so nothing big is built before that:
# compiling this file at start-up would leave about 1.4 MB of parser memory
# resident, and json about 1.3 MB more (it pulls in re). This file imports
# only modules that are already loaded or built in, plus the C codec of
# _json, used directly (no os, json, re, ast, struct or traceback).
import builtins
import io
import posix
import sys

_FD = 3
_MAX_FRAME = int(sys.argv[1]) if len(sys.argv) > 1 else 4 << 20
_PyCF_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST, without importing ast


def _codec():
    """Returns (loads, dumps) for the bridge: compact, UTF-8, no NaN."""
    try:
        import _json

        class _Ctx:
            strict = True
            object_hook = None
            object_pairs_hook = None
            parse_float = float
            parse_int = int
            parse_constant = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}.__getitem__

        scan = _json.make_scanner(_Ctx())

        def loads(s):
            try:
                value, end = scan(s, 0)
            except StopIteration as e:
                raise ValueError(f"invalid JSON at {e.value}") from None
            except SystemError:
                # Before 3.12 the scanner reports a syntax error through
                # json.decoder.JSONDecodeError only if json.decoder is loaded.
                raise ValueError("invalid JSON") from None
            if end != len(s):
                raise ValueError(f"extra data at {end}")
            return value

        def default(o):
            raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")

        def dumps(o):
            enc = _json.make_encoder({}, default, _json.encode_basestring, None, ":", ",", False, False, False)
            return "".join(enc(o, 0))

        if loads('{"a":[1,2.5,"\\u00e9",null,true]}') != {"a": [1, 2.5, "\u00e9", None, True]} or dumps({"a": ["\u00e9", 1.5]}) != '{"a":["\u00e9",1.5]}':
            raise ValueError("unexpected _json behaviour")
        return loads, dumps
    except Exception:  # noqa: BLE001 - any surprise in _json: use the json package
        import json

        def dumps(o):
            return json.dumps(o, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

        return json.loads, dumps


def _read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = posix.read(_FD, n - len(buf))
        if not chunk:
            posix._exit(12)
        buf += chunk
    return buf


def _recv_raw(head=b""):
    if len(head) < 4:
        head += _read_exact(4 - len(head))
    n = int.from_bytes(head, "big")
    if n == 0 or n > _MAX_FRAME:
        posix._exit(11)
    return _read_exact(n)


def _recv():
    try:
        msg = _loads(_recv_raw().decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
        posix._exit(11)
    if not isinstance(msg, dict):
        posix._exit(11)
    return msg


def _send(msg):
    # "replace": a lone surrogate in a str is not UTF-8; it becomes "?".
    _send_raw(_dumps(msg).encode("utf-8", "replace"))


def _send_raw(data):
    view = memoryview(len(data).to_bytes(4, "big") + data)
    while view:
        k = posix.write(_FD, view)
        view = view[k:]


class _Output(io.TextIOBase):
    """Console capture bounded to a byte budget."""

    def __init__(self, limit):
        self.parts = []
        self.size = 0
        self.limit = limit
        self.truncated = False

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str")
        b = s.encode("utf-8", "replace")
        room = self.limit - self.size
        if len(b) > room:
            self.truncated = True
            b = b[: max(room, 0)]
            s = b.decode("utf-8", "ignore")
        if s:
            self.parts.append(s)
            self.size += len(b)
        return len(s)

    def text(self):
        return "".join(self.parts)


class ToolError(Exception):
    """A tool failure: server, tool, code and a sanitized message."""

    def __init__(self, message, server="", tool="", code=""):
        super().__init__(message)
        self.message = message
        self.server = server
        self.tool = tool
        self.code = code

    def __str__(self):
        return f"{self.server}.{self.tool}: {self.code}: {self.message}"


class _State:
    next_id = 0
    calls = 0
    max_calls = 1000
    known = {}


def _call(name, args=None):
    server, tool = _State.known.get(name, ("", ""))
    if not server:
        raise ToolError(f"unknown tool {name!r}", "", name, "not_found")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ToolError("arguments must be a dict", server, tool, "invalid_arguments")
    try:
        encoded = _loads(_dumps(args))
    except (TypeError, ValueError) as e:
        raise ToolError(f"arguments are not JSON: {e}", server, tool, "invalid_arguments") from None
    if _State.calls >= _State.max_calls:
        raise ToolError(f"tool call limit of {_State.max_calls} reached", server, tool, "budget")
    _State.calls += 1
    _State.next_id += 1
    cid = _State.next_id
    _send({"t": "call", "id": cid, "tool": name, "args": encoded})
    reply = _recv()
    if reply.get("t") != "result" or reply.get("id") != cid:
        posix._exit(11)  # a result for a call that was never issued
    te = reply.get("tool_error")
    if te is not None:
        raise ToolError(str(te.get("message", "")), te.get("server", server), te.get("tool", tool), te.get("code", "tool_error"))
    return reply.get("value")


class _Namespace:
    __slots__ = ("_fns", "_name")

    def __init__(self, name, fns):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_fns", fns)

    def __getattr__(self, attr):
        try:
            return self._fns[attr]
        except KeyError:
            raise AttributeError(f"tools.{self._name} has no tool {attr!r}") from None

    def __setattr__(self, attr, value):
        raise AttributeError("tools are read-only")

    def __dir__(self):
        return sorted(self._fns)


def _make_tools(refs):
    servers = {}
    for ref in refs:
        q, s, t = ref.get("q", ""), ref.get("s", ""), ref.get("t", "")
        if not q or not s or not t:
            continue
        _State.known[q] = tuple(q.split(".", 1)) if "." in q else (s, t)
        servers.setdefault(s, {})[t] = (lambda q: lambda args=None: _call(q, args))(q)
    fns = {s: _Namespace(s, f) for s, f in servers.items()}
    fns["call"] = _call
    return _Namespace("", fns)


def _line_of(tb):
    """The line of the innermost frame of the program in a traceback."""
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "program.py":
            line = tb.tb_lineno or 0
        tb = tb.tb_next
    return line


def _compile(program):
    """Compiles the program as the body of a function, so that return works
    and line numbers stay the program's."""
    tree = compile(program, "program.py", "exec", _PyCF_ONLY_AST)
    module = compile("def __cemcp_main__():\n    pass\n", "program.py", "exec", _PyCF_ONLY_AST)
    if tree.body:
        module.body[0].body = tree.body
    return compile(module, "program.py", "exec")


def _run(msg):
    limits = msg.get("limits") or {}
    out = _Output(int(limits.get("max_output_bytes") or 64 << 10))
    _State.max_calls = int(limits.get("max_tool_calls") or 1000)
    depth = int(limits.get("max_call_depth") or 0)
    if depth > 0:
        sys.setrecursionlimit(depth + 50)
    tools = _make_tools(msg.get("tools") or [])
    done = {"t": "done"}
    sys.stdout = sys.stderr = out
    try:
        code = _compile(msg.get("program", ""))
    except SyntaxError as e:
        done["error"] = {"kind": "syntax", "message": f"{e.msg}", "line": e.lineno or 0}
    except ValueError as e:  # a NUL in the source, before Python 3.12
        done["error"] = {"kind": "syntax", "message": str(e)}
    else:
        env = {"__builtins__": builtins, "__name__": "__main__", "tools": tools, "ToolError": ToolError}
        try:
            exec(code, env)
            value = env["__cemcp_main__"]()
            if value is not None:
                try:
                    encoded = _dumps(value)
                except (TypeError, ValueError) as e:
                    done["error"] = {"kind": "exception", "message": f"the return value is not JSON: {e}"}
                else:
                    if len(encoded.encode("utf-8", "replace")) > out.limit:
                        done["error"] = {"kind": "limit", "limit": "output", "message": "the return value exceeds the output limit"}
                    else:
                        done["value"] = value
        except RecursionError as e:
            done["error"] = {"kind": "limit", "limit": "stack", "message": f"RecursionError: {e}", "line": _line_of(e.__traceback__)}
        except MemoryError:
            done["error"] = {"kind": "limit", "limit": "memory", "message": "out of memory"}
        except SystemExit:
            pass
        except BaseException as e:  # noqa: BLE001 - the program's own failure
            text = f"{type(e).__name__}: {e}"[:2000]
            done["error"] = {"kind": "exception", "message": text, "line": _line_of(e.__traceback__)}
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    done["output"] = out.text()
    done["truncated"] = out.truncated
    done["tool_calls"] = _State.calls
    _send(done)


def _main(head):
    data = _recv_raw(head)
    global _loads, _dumps
    _loads, _dumps = _codec()
    try:
        msg = _loads(data.decode("utf-8"))
    except ValueError:
        posix._exit(11)
    if not isinstance(msg, dict) or msg.get("t") != "run":
        posix._exit(11)
    _run(msg)
    posix._exit(0)


_main(_head)  # noqa: F821 - set by the prelude
