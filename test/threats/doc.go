// Package threats is the must-show of the gate (issue 4) and the red team
// (issue 7): every attack class of THREATS.md, at least three scenarios
// each, played by a fully compromised agent through the real gateway
// against real misbehaving MCP servers, judged by what reached the servers,
// the model, the host and the ledger; and benign controls that must pass
// untouched. The scenarios live in package redteam; this package holds only
// tests.
package threats
