# cemcp Python bootstrap: runs one program inside the jail and speaks the
# bridge protocol (package bridge) on fd 3: 4-byte big-endian length + JSON.
# It is exec'd by cemcp-runner after confinement; see package runner.
import ast
import builtins
import io
import json
import os
import struct
import sys
import traceback

_FD = 3
_MAX_FRAME = int(sys.argv[1]) if len(sys.argv) > 1 else 4 << 20


def _read_exact(n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(_FD, n - len(buf))
        if not chunk:
            os._exit(12)
        buf += chunk
    return bytes(buf)


def _recv():
    (n,) = struct.unpack(">I", _read_exact(4))
    if n == 0 or n > _MAX_FRAME:
        os._exit(11)
    msg = json.loads(_read_exact(n))
    if not isinstance(msg, dict):
        os._exit(11)
    return msg


def _send(msg):
    data = json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    buf = struct.pack(">I", len(data)) + data
    view = memoryview(buf)
    while view:
        k = os.write(_FD, view)
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
        encoded = json.loads(json.dumps(args))
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
        os._exit(11)  # a result for a call that was never issued
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
    line = 0
    for frame in traceback.extract_tb(tb):
        if frame.filename == "program.py":
            line = frame.lineno or 0
    return line


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
        tree = ast.parse(msg.get("program", ""), filename="program.py")
        fn = ast.parse("def __cemcp_main__():\n    pass\n").body[0]
        fn.body = tree.body or [ast.Pass()]
        module = ast.Module(body=[fn], type_ignores=[])
        ast.fix_missing_locations(module)
        code = compile(module, "program.py", "exec")
    except SyntaxError as e:
        done["error"] = {"kind": "syntax", "message": f"{e.msg}", "line": e.lineno or 0}
    else:
        env = {"__builtins__": builtins, "__name__": "__main__", "tools": tools, "ToolError": ToolError}
        try:
            exec(code, env)
            value = env["__cemcp_main__"]()
            if value is not None:
                try:
                    encoded = json.dumps(value, ensure_ascii=False)
                except (TypeError, ValueError) as e:
                    done["error"] = {"kind": "exception", "message": f"the return value is not JSON: {e}"}
                else:
                    if len(encoded.encode("utf-8")) > out.limit:
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


def _main():
    _send({"t": "ready"})
    msg = _recv()
    if msg.get("t") != "run":
        os._exit(11)
    _run(msg)
    os._exit(0)


_main()
