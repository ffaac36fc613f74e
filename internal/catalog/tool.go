// Package catalog holds the gateway's view of every upstream tool: qualified
// names (server.tool), the identifier rules used by the code API, a ranked
// search over names, titles and descriptions, and a hash of each full tool
// definition for pinning.
//
// # Identifiers
//
// Every server and tool appears in the code API as tools.<server>.<tool>, in
// TypeScript/JavaScript and in Python alike, so the identifiers must be valid
// in both languages. [Identifier] maps one name to an identifier:
//
//   - every character other than ASCII letters, digits and '_' becomes '_'
//     ('-', '.', spaces, '$', and any non-ASCII rune, one '_' per rune);
//   - a leading digit gets a '_' prefix ("3d" → "_3d");
//   - the empty name becomes "_";
//   - a reserved word of JavaScript, TypeScript or Python ("delete", "new",
//     "class", "import", "from", "lambda", "None", "def", "string", ...) and a
//     name that is dangerous as an object key ("__proto__", "constructor",
//     "prototype", "toString", "hasOwnProperty", ..., and any Python dunder
//     "__x__") gets a '_' suffix ("delete" → "delete_", "__init__" →
//     "__init___").
//
// The server identifier "call" also gets a '_' suffix, because tools.call is
// the dynamic form tools.call("server.tool", args) (see [ServerIdentifier]).
//
// Collisions are resolved within one scope (the set of servers; the tools of
// one server) by [Assign], deterministically and independently of insertion
// order: names that are already valid identifiers keep themselves; then, in
// sorted order of the original names, the first name whose sanitized form is
// X gets X; every later one gets X_2, X_3, ... skipping identifiers already
// taken in the scope. Server identifiers are computed over the set of all
// servers currently in the catalog, so adding a server never renames an
// existing one unless the new one sanitizes to the same identifier and sorts
// before it.
//
// # Search
//
// Search ranks tools with BM25 (k1 = 1.2, b = 0.75) over a weighted bag of
// terms per tool (BM25F-style: a term's frequency and the document length are
// the weighted sums over the fields):
//
//	name ×3, title ×2, server ×1.5, description ×1,
//	input property names and descriptions ×0.5.
//
// The tokenizer splits snake_case, camelCase, dots, dashes and every other
// non-letter-digit, lowercases, drops English stop words, and applies a light
// stemmer (plurals, -ing, -ed, -ly, -ion, a trailing e). Query terms are
// expanded with a small synonym table of common tool vocabulary (get/fetch/
// retrieve/read/show, find/search/lookup/query, create/add/new/insert, ...);
// a synonym counts 0.4 of an original term.
//
// A query equal (case-insensitively, trimmed) to a tool's qualified name
// ("server.tool"), its code-API name ("jsServer.jsName") or its bare name
// ranks that tool first. An empty query, or one made only of stop words,
// returns no hits: search_tools then tells the model to say what it needs.
// Ties are broken by qualified name, so results are deterministic.
//
// The index is built once per catalog [Catalog.Version], on the first Search
// after a change.
//
// # Hashes
//
// [Hash] is the hex SHA-256 of the canonical JSON (sorted keys, no
// whitespace) of a tool's name, title, description, input and output schemas
// and annotations; a changed hash is how the gateway notices a changed
// definition ("rug pull").
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
