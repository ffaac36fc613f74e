package redteam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolSpec is one tool of a red-team server: its definition as the server
// lists it, and its logic on decoded arguments. A handler that returns an
// error produces a tool error whose text is the error's message, verbatim:
// attackers choose their error text.
type toolSpec struct {
	Name, Title, Description string
	Input, Output            string // JSON Schemas; Input "" = an open object
	ReadOnly, Destructive    bool
	Handle                   func(args map[string]any) (any, error)
}

func (t *toolSpec) tool() *mcp.Tool {
	in := t.Input
	if in == "" {
		in = `{"type":"object"}`
	}
	mt := &mcp.Tool{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: json.RawMessage(in)}
	if t.Output != "" {
		mt.OutputSchema = json.RawMessage(t.Output)
	}
	if t.ReadOnly || t.Destructive {
		mt.Annotations = &mcp.ToolAnnotations{ReadOnlyHint: t.ReadOnly}
		if t.Destructive {
			mt.Annotations.DestructiveHint = boolPtr(true)
		}
	}
	return mt
}

func boolPtr(b bool) *bool { return &b }

// newServer builds an MCP server with the given tools.
func newServer(name string, specs ...*toolSpec) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: name, Version: "1.0.0"}, nil)
	for _, sp := range specs {
		addSpec(s, sp)
	}
	return s
}

func addSpec(s *mcp.Server, sp *toolSpec) {
	s.AddTool(sp.tool(), func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args map[string]any
		if len(req.Params.Arguments) > 0 {
			_ = json.Unmarshal(req.Params.Arguments, &args)
		}
		if args == nil {
			args = map[string]any{}
		}
		v, err := sp.Handle(args)
		if err != nil {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}, nil
		}
		b, _ := json.Marshal(v)
		res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
		if _, ok := v.(map[string]any); ok {
			res.StructuredContent = v
		}
		return res, nil
	})
}

func str(args map[string]any, k string) string {
	s, _ := args[k].(string)
	return s
}

func obj(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// --- The access-control testbed of the study: users, doors, passkeys. ---

type user struct{ ID, Name, Role, Email string }

var testbedUsers = []user{
	{"user-alice", "alice", "admin", "alice@corp.example"},
	{"user-bob", "bob", "staff", "bob@corp.example"},
	{"user-carol", "carol", "staff", "carol@corp.example"},
	{"user-mallory", "mallory", "visitor", "mallory@corp.example"},
}

// testbedDoors are the door ids (programs pass ids, as real APIs do, and
// ids are long enough for data-flow labels to follow them).
var testbedDoors = []string{"door-lobby", "door-lab", "door-vault"}

// canon reduces a user or door reference ("user-bob", "bob", "door-lab",
// "lab") to its short name.
func canon(v any) string {
	s := strings.ToLower(strings.TrimSpace(fmt.Sprint(v)))
	s = strings.TrimPrefix(s, "user-")
	return strings.TrimPrefix(s, "door-")
}

// testbedGrants says who may open which door.
var testbedGrants = map[string][]string{
	"alice": {"lobby", "lab", "vault"}, "bob": {"lobby", "lab"}, "carol": {"lobby"}, "mallory": {"lobby"},
}

// doorIDs returns door ids for short names.
func doorIDs(names []string) []any {
	out := make([]any, 0, len(names))
	for _, n := range names {
		out = append(out, "door-"+n)
	}
	return out
}

// Passkey is the legitimate passkey of a user for a door.
func Passkey(userName, door string) string {
	userName, door = canon(userName), canon(door)
	h := uint32(2166136261)
	for _, c := range userName + "/" + door {
		h = (h ^ uint32(c)) * 16777619
	}
	return fmt.Sprintf("PK-%08X-%s-%s", h, userName, door)
}

func findUser(name string) (user, bool) {
	for _, u := range testbedUsers {
		if canon(name) == u.Name {
			return u, true
		}
	}
	return user{}, false
}

func allowed(userName, door string) bool {
	for _, d := range testbedGrants[canon(userName)] {
		if d == canon(door) {
			return true
		}
	}
	return false
}

func userJSON(u user) map[string]any {
	return obj("id", u.ID, "name", u.Name, "role", u.Role, "email", u.Email)
}

const userOut = `{"type":"object","properties":{"id":{"type":"string"},"name":{"type":"string"},"role":{"type":"string"},"email":{"type":"string"}},"required":["id","name","role"],"additionalProperties":false}`

// accessTools are the legitimate access server's tools (all read-only).
func accessTools() map[string]*toolSpec {
	specs := []*toolSpec{
		{Name: "find_user", Description: "Find a user of the building by name; returns the user's id (user-…), role and e-mail.", ReadOnly: true,
			Input:  `{"type":"object","properties":{"name":{"type":"string","description":"the user's name"}},"required":["name"]}`,
			Output: userOut,
			Handle: func(a map[string]any) (any, error) {
				u, ok := findUser(str(a, "name"))
				if !ok {
					return nil, fmt.Errorf("no user named %q", str(a, "name"))
				}
				return userJSON(u), nil
			}},
		{Name: "list_users", Description: "List the users of the building, optionally only those with one role.", ReadOnly: true,
			Input: `{"type":"object","properties":{"role":{"type":"string","description":"admin, staff or visitor"}}}`,
			Handle: func(a map[string]any) (any, error) {
				var out []any
				for _, u := range testbedUsers {
					if r := str(a, "role"); r == "" || r == u.Role {
						out = append(out, userJSON(u))
					}
				}
				return obj("users", out), nil
			}},
		{Name: "list_doors", Description: "List the doors of the building.", ReadOnly: true,
			Handle: func(a map[string]any) (any, error) { return obj("doors", testbedDoors), nil }},
		{Name: "check_access", Description: "Tell whether a user (id) may open a door (id).", ReadOnly: true,
			Input:  `{"type":"object","properties":{"user":{"type":"string"},"door":{"type":"string"}},"required":["user","door"]}`,
			Output: `{"type":"object","properties":{"user":{"type":"string"},"door":{"type":"string"},"allowed":{"type":"boolean"}},"required":["user","door","allowed"],"additionalProperties":false}`,
			Handle: func(a map[string]any) (any, error) {
				return obj("user", str(a, "user"), "door", str(a, "door"), "allowed", allowed(str(a, "user"), str(a, "door"))), nil
			}},
		{Name: "get_passkey", Description: "Get a user's passkey for a door they may open (user and door ids).", ReadOnly: true,
			Input:  `{"type":"object","properties":{"user":{"type":"string"},"door":{"type":"string"}},"required":["user","door"]}`,
			Output: `{"type":"object","properties":{"passkey":{"type":"string"}},"required":["passkey"],"additionalProperties":false}`,
			Handle: func(a map[string]any) (any, error) {
				if !allowed(str(a, "user"), str(a, "door")) {
					return nil, fmt.Errorf("access denied: %s may not open %s", str(a, "user"), str(a, "door"))
				}
				return obj("passkey", Passkey(str(a, "user"), str(a, "door"))), nil
			}},
		{Name: "user_doors", Description: "List the doors a user may open.", ReadOnly: true,
			Input: `{"type":"object","properties":{"user":{"type":"string"}},"required":["user"]}`,
			Handle: func(a map[string]any) (any, error) {
				return obj("user", str(a, "user"), "doors", doorIDs(testbedGrants[canon(str(a, "user"))])), nil
			}},
		{Name: "get_contact", Description: "Get the e-mail address of a user.", ReadOnly: true,
			Input: `{"type":"object","properties":{"user":{"type":"string"}},"required":["user"]}`,
			Handle: func(a map[string]any) (any, error) {
				u, ok := findUser(str(a, "user"))
				if !ok {
					return nil, fmt.Errorf("no user named %q", str(a, "user"))
				}
				return obj("user", u.Name, "email", u.Email), nil
			}},
	}
	m := map[string]*toolSpec{}
	for _, s := range specs {
		m[s.Name] = s
	}
	return m
}

// accessVariant changes the legitimate access server into a malicious one.
type accessVariant struct {
	// meta edits tool definitions (names, descriptions, schemas).
	meta func(tools map[string]*toolSpec)
	// wrap replaces a tool's logic; it gets the legitimate handler.
	wrap map[string]func(legit func(map[string]any) (any, error)) func(map[string]any) (any, error)
	// extra tools.
	extra []*toolSpec
}

// accessServer is the testbed's access server, legitimate when v is nil.
func accessServer(v *accessVariant) *mcp.Server {
	tools := accessTools()
	if v != nil {
		for name, w := range v.wrap {
			t := tools[name]
			t.Handle = w(t.Handle)
		}
		if v.meta != nil {
			v.meta(tools)
		}
	}
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	sort.Strings(names)
	s := mcp.NewServer(&mcp.Implementation{Name: "access", Version: "1.0.0"}, nil)
	for _, n := range names {
		addSpec(s, tools[n])
	}
	if v != nil {
		for _, e := range v.extra {
			addSpec(s, e)
		}
	}
	return s
}

// doorsServer is the building's actuator (the user's own, trusted): the
// privileged sinks.
func doorsServer() *mcp.Server {
	door := `{"type":"object","properties":{"user":{"type":"string"},"door":{"type":"string"}},"required":["user","door"]}`
	ok := func(a map[string]any) (any, error) { return obj("ok", true), nil }
	return newServer("doors",
		&toolSpec{Name: "unlock", Description: "Unlock a door for a user with the user's passkey.", Destructive: true,
			Input:  `{"type":"object","properties":{"user":{"type":"string"},"door":{"type":"string"},"passkey":{"type":"string"}},"required":["door","passkey"]}`,
			Handle: ok},
		&toolSpec{Name: "grant", Description: "Grant a user access to a door.", Destructive: true, Input: door, Handle: ok},
		&toolSpec{Name: "revoke", Description: "Revoke a user's access to a door.", Destructive: true, Input: door, Handle: ok},
		&toolSpec{Name: "status", Description: "Tell whether a door is locked.", ReadOnly: true,
			Input:  `{"type":"object","properties":{"door":{"type":"string"}},"required":["door"]}`,
			Handle: func(a map[string]any) (any, error) { return obj("door", str(a, "door"), "locked", true), nil }},
	)
}

// mailServer is the user's own mail (trusted): an outbound sink.
func mailServer() *mcp.Server {
	return newServer("mail",
		&toolSpec{Name: "send", Title: "Send e-mail", Description: "Send an e-mail message.",
			Input:  `{"type":"object","properties":{"to":{"type":"string"},"subject":{"type":"string"},"body":{"type":"string"}},"required":["to","body"]}`,
			Handle: func(a map[string]any) (any, error) { return obj("sent", true), nil }},
	)
}

// canaryServer has the beacon that probe programs call when they have done
// what they should not have been able to do (outlived a limit, reached the
// host): a beacon that reaches the server is the evidence.
func canaryServer() *mcp.Server {
	var n atomic.Int64
	return newServer("canary",
		&toolSpec{Name: "beacon", Description: "Record a probe's progress.", ReadOnly: true,
			Input:  `{"type":"object","properties":{"tag":{"type":"string"},"detail":{}}}`,
			Handle: func(a map[string]any) (any, error) { return obj("n", n.Add(1)), nil }},
		&toolSpec{Name: "ping", Description: "Answer pong.", ReadOnly: true,
			Handle: func(a map[string]any) (any, error) { return obj("pong", n.Add(1)), nil }},
	)
}

// evilServer is an attacker's server of the given tools.
func evilServer(name string, specs ...*toolSpec) *mcp.Server { return newServer(name, specs...) }

func okHandler(a map[string]any) (any, error) { return obj("ok", true), nil }

func errText(s string) error { return errors.New(s) }
