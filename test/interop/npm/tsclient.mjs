// tsclient.mjs — drives `cemcp serve` with the official TypeScript SDK
// client, over stdio or Streamable HTTP, and prints what it saw as JSON.
//
//   node tsclient.mjs stdio CEMCP_BINARY CONFIG  (reads the request from stdin)
//   node tsclient.mjs http URL                   (reads the request from stdin)
//
// The request is {"search": "...", "describe": ["..."], "code": "...", "language": "...",
// "call": {"name": "...", "arguments": {...}}}; "call" calls a tool by name (a
// pass-through tool) asking for progress, which it reports as "progress".
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [mode, target, config] = process.argv.slice(2);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const req = JSON.parse(input);

const client = new Client({ name: "cemcp-interop-ts", version: "1.0.0" });
const transport =
  mode === "stdio"
    ? new StdioClientTransport({ command: target, args: ["serve", "--config", config], stderr: "inherit" })
    : new StreamableHTTPClientTransport(new URL(target));
await client.connect(transport);

const out = { server: client.getServerVersion(), tools: [], search: null, describe: null, execute: null, call: null, progress: [] };
const listed = await client.listTools();
out.tools = listed.tools.map((t) => t.name);
if (req.search !== undefined) {
  out.search = await client.callTool({ name: "search_tools", arguments: { query: req.search, limit: 5 } });
}
if (req.describe !== undefined) {
  out.describe = await client.callTool({ name: "describe_tools", arguments: { names: req.describe } });
}
if (req.code !== undefined) {
  out.execute = await client.callTool({ name: "execute_code", arguments: { code: req.code, language: req.language ?? "typescript" } });
}
if (req.call !== undefined) {
  out.call = await client.callTool(req.call, undefined, { onprogress: (p) => out.progress.push(p) });
}
await client.close();
process.stdout.write(JSON.stringify(out));
