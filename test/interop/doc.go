// Package interop holds cemcp's tests against real MCP peers: the official
// reference servers from npm as upstreams (stdio and Streamable HTTP), the
// official TypeScript SDK client as the client of `cemcp serve`, and the
// official conformance suite against `cemcp serve --http` in pass-through
// mode. The peers are pinned in npm/package.json and installed by
// scripts/test.sh (npm ci).
package interop
