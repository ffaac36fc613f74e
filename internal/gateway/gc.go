package gateway

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the GOGC value the gateway runs with unless GOGC is
// set. The MCP SDK allocates a lot per message; a less eager collector cut
// an in-memory round trip from 160 to 103 µs when measured (see
// BENCHMARKS.md), at the cost of a larger heap between collections.
const DefaultGCPercent = 400

// TuneGC applies DefaultGCPercent when the user has not set GOGC.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
