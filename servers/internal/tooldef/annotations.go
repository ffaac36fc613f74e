package tooldef

import "github.com/modelcontextprotocol/go-sdk/mcp"

// Effect classifies what a tool does to the server's state; it selects the
// MCP annotation hints. Every bundled tool is closed-world.
type Effect int

const (
	ReadOnly        Effect = iota // reads only
	Additive                      // creates new records; repeating creates more
	IdempotentWrite               // sets state; repeating changes nothing
	Destructive                   // deletes data; repeating changes nothing more
)

// Annotations returns the tool annotations for a tool titled title with
// effect eff.
func Annotations(eff Effect, title string) *mcp.ToolAnnotations {
	yes, no := true, false
	ann := &mcp.ToolAnnotations{Title: title, OpenWorldHint: &no, DestructiveHint: &no}
	switch eff {
	case ReadOnly:
		ann.ReadOnlyHint, ann.IdempotentHint = true, true
	case IdempotentWrite:
		ann.IdempotentHint = true
	case Destructive:
		ann.DestructiveHint, ann.IdempotentHint = &yes, true
	}
	return ann
}
