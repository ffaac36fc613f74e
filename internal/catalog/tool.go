// Package catalog holds the gateway's view of every upstream tool: qualified
// names (server.tool), the identifier rules used by the code API, a ranked
// search over names, titles and descriptions, and a hash of each full tool
// definition for pinning.
package catalog

import (
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool is one upstream tool as the catalog knows it.
//
// Server and Name are the upstream's own names. Qualified is "server.tool"
// with the original names. JSServer and JSName are the sanitized identifiers
// under which the tool appears in the code API: tools.<JSServer>.<JSName>.
type Tool struct {
	Server    string // upstream server name as in the config
	Name      string // tool name as the upstream reports it
	Qualified string // Server + "." + Name
	JSServer  string // sanitized, collision-free identifier for the server
	JSName    string // sanitized, collision-free identifier for the tool within its server

	Title        string
	Description  string
	InputSchema  json.RawMessage // never nil: "{}" when the upstream gave none
	OutputSchema json.RawMessage // nil when the upstream gave none
	Annotations  *mcp.ToolAnnotations

	// Hash is the hex SHA-256 of the canonical JSON of the full definition
	// (name, title, description, input and output schemas, annotations).
	Hash string
}
