// Package servers is the protocol smoke test of cemcp's ten bundled MCP
// servers (package github.com/cemcp/cemcp/servers) against the official
// TypeScript SDK client.
//
// TestMain builds cemcp. TestFixturesCoverEveryTool lists every bundled
// server's tools with the Go SDK client over real stdio (`cemcp servers run
// NAME`) and checks that testdata/fixtures.json holds valid arguments for
// each of them, so a new tool without a fixture fails. TestTypeScriptClient
// runs test/interop/npm/servers-smoke.mjs with the pinned Node 22: for every
// server the TypeScript client initializes, lists the tools (which makes it
// validate each structuredContent against the tool's outputSchema), calls
// every tool with the fixture's arguments, and makes one call with invalid
// arguments that must come back as a clear error. TestSmokeDetectsBrokenServer
// is its negative control: the test binary re-executes itself as a server
// whose output violates its schema and which accepts anything, and the same
// script must report both. The npm peers are installed
// by scripts/test.sh (`npm ci` in test/interop/npm); without them the test
// skips, or fails when CEMCP_REQUIRE_INTEROP=1.
package servers
