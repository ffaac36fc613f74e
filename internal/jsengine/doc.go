// Package jsengine hosts one JavaScript program in a goja runtime: the tools
// object of the code API, console capture, an event loop for async tool calls
// with bounded real concurrency, and the limits (wall clock, stack depth,
// output bytes, tool calls). It has no host bindings: no require, no
// filesystem, no network, no process. It is used in process by the
// development executor and inside the jail by package runner, so it must not
// import the MCP SDK, CEL, esbuild or net/http.
package jsengine
