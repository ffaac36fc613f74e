// servers-smoke.mjs — a protocol smoke test of cemcp's bundled MCP servers
// with the official TypeScript SDK client.
//
//   node servers-smoke.mjs CEMCP_BINARY FIXTURES.json
//
// For each server in the fixtures file it starts `CEMCP_BINARY servers run
// NAME` over stdio, initializes, lists the tools (which makes the client
// compile a validator for every outputSchema, so each callTool checks the
// structuredContent against it), calls every fixture in order, then makes one
// call with invalid arguments. It prints a JSON report:
//
//   {"NAME": {"server": {...}, "tools": n, "names": [...],
//             "calls": [{"tool", "ok", "isError", "structured", "validated", "error"}],
//             "invalid": {"tool", "kind", "code", "message"},
//             "error": "..."}}
//
// kind is "tool-error" (a result with isError and a text message),
// "jsonrpc-error" (the request failed with a JSON-RPC error: code and message),
// or "accepted" (the invalid call succeeded, which the Go test treats as a bug).
// The fixtures file is
//
//   {"NAME": {"calls": [{"tool": "...", "args": {...}}],
//             "invalid": {"tool": "...", "args": {...}, "want": "..."}}}
//
// Write tools are called in the listed order on one fresh server process.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

const [binary, fixturesPath] = process.argv.slice(2);
if (!binary || !fixturesPath) {
  process.stderr.write("usage: node servers-smoke.mjs CEMCP_BINARY FIXTURES.json\n");
  process.exit(2);
}
const fixtures = JSON.parse(readFileSync(fixturesPath, "utf8"));
const requestOptions = { timeout: 30_000 };

function text(result) {
  return (result.content ?? [])
    .filter((c) => c.type === "text")
    .map((c) => c.text)
    .join("\n");
}

function describeError(err) {
  if (err instanceof McpError) return { code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

async function smoke(name, fixture) {
  const report = { server: null, tools: 0, names: [], calls: [], invalid: null };
  const client = new Client({ name: "cemcp-servers-smoke", version: "1.0.0" });
  const transport = new StdioClientTransport({ command: binary, args: ["servers", "run", name], stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (d) => {
    stderr += d;
  });
  try {
    await client.connect(transport, requestOptions);
    report.server = client.getServerVersion();

    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, requestOptions);
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    report.tools = tools.length;
    report.names = tools.map((t) => t.name).sort();
    const hasOutputSchema = new Set(tools.filter((t) => t.outputSchema).map((t) => t.name));

    for (const call of fixture.calls ?? []) {
      const entry = { tool: call.tool, ok: false, isError: false, structured: false, validated: false, error: null };
      // The client validates structuredContent itself when it holds a
      // validator for the tool; record that it does, so the Go test can
      // insist on it.
      entry.validated = hasOutputSchema.has(call.tool) && client.getToolOutputValidator(call.tool) !== undefined;
      try {
        const res = await client.callTool({ name: call.tool, arguments: call.args ?? {} }, undefined, requestOptions);
        entry.isError = res.isError === true;
        entry.structured = res.structuredContent !== undefined && res.structuredContent !== null;
        entry.ok = !entry.isError;
        if (entry.isError) entry.error = text(res);
      } catch (err) {
        entry.error = describeError(err).message;
      }
      report.calls.push(entry);
    }

    if (fixture.invalid) {
      const inv = { tool: fixture.invalid.tool, kind: null, code: null, message: null };
      try {
        const res = await client.callTool({ name: inv.tool, arguments: fixture.invalid.args ?? {} }, undefined, requestOptions);
        inv.kind = res.isError === true ? "tool-error" : "accepted";
        inv.message = text(res);
      } catch (err) {
        const e = describeError(err);
        inv.kind = e.code !== undefined ? "jsonrpc-error" : "exception";
        inv.code = e.code ?? null;
        inv.message = e.message;
      }
      report.invalid = inv;
    }
  } catch (err) {
    report.error = describeError(err).message;
    if (stderr) report.stderr = stderr.slice(-2000);
  } finally {
    await client.close().catch(() => {});
  }
  return report;
}

const out = {};
for (const [name, fixture] of Object.entries(fixtures)) {
  out[name] = await smoke(name, fixture);
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
