// Package tooldef holds the helpers the bundled MCP servers use to declare
// their tools: MCP annotations chosen by a tool's Effect, input schemas
// inferred from the tool's input struct and then refined either by Tweaks
// (AddPure) or by constraint struct tags (Add), and "did you mean"
// suggestions for misspelt names.
//
// Every server's tools/list is pinned by golden files, so any change here
// shows up in servers/*/testdata/tools.golden.json.
package tooldef
