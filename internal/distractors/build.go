package distractors

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func boolPtr(b bool) *bool { return &b }

// verbs are the operations every resource offers, in catalog order.
var verbs = []string{"list", "get", "create", "update", "delete", "search", "export"}

// buildSpec picks n tools of d for one server.
func buildSpec(d domain, name string, n int, rng *rand.Rand) Spec {
	type pick struct {
		r    resource
		verb string
	}
	var all []pick
	for _, r := range d.Resources {
		for _, v := range verbs {
			all = append(all, pick{r, v})
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if n > len(all) {
		n = len(all)
	}
	chosen := all[:n]
	// Keep a stable, readable order: by resource, then verb.
	idx := map[string]int{}
	for i, r := range d.Resources {
		idx[r.Name] = i * len(verbs)
	}
	vi := map[string]int{}
	for i, v := range verbs {
		vi[v] = i
	}
	sortPicks := func(a, b pick) bool { return idx[a.r.Name]+vi[a.verb] < idx[b.r.Name]+vi[b.verb] }
	for i := 1; i < len(chosen); i++ {
		for j := i; j > 0 && sortPicks(chosen[j], chosen[j-1]); j-- {
			chosen[j], chosen[j-1] = chosen[j-1], chosen[j]
		}
	}
	s := Spec{Name: name, Title: d.Title + " (" + human(name) + ")",
		Summary: fmt.Sprintf("%s API: %s", d.Title, resourceList(d))}
	for _, p := range chosen {
		s.Tools = append(s.Tools, buildTool(d, p.r, p.verb))
	}
	return s
}

func resourceList(d domain) string {
	var names []string
	for _, r := range d.Resources {
		names = append(names, human(r.Plural))
	}
	return strings.Join(names, ", ")
}

func fieldSchema(f field) map[string]any {
	desc := human(f.Name)
	switch f.Type {
	case "s":
		return map[string]any{"type": "string", "description": desc}
	case "i":
		s := map[string]any{"type": "integer", "description": desc, "minimum": 0}
		if strings.HasSuffix(f.Name, "_percent") {
			s["maximum"] = 100
		}
		return s
	case "n":
		s := map[string]any{"type": "number", "description": desc, "minimum": 0}
		if strings.HasSuffix(f.Name, "_percent") || strings.HasSuffix(f.Name, "_rate") || f.Name == "probability" {
			s["maximum"] = 100
		}
		return s
	case "b":
		return map[string]any{"type": "boolean", "description": desc}
	case "d":
		return map[string]any{"type": "string", "format": "date-time", "description": desc + " (RFC 3339)"}
	case "m":
		return map[string]any{"type": "string", "format": "email", "description": desc}
	case "u":
		return map[string]any{"type": "string", "format": "uri", "description": desc}
	case "t":
		return map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "maxItems": 20, "description": desc}
	case "e":
		vals := make([]any, len(f.Enum))
		for i, v := range f.Enum {
			vals[i] = v
		}
		return map[string]any{"type": "string", "enum": vals, "description": desc + ": " + strings.Join(f.Enum, ", ")}
	}
	return map[string]any{"type": "string"}
}

// resourceSchema is the output object of one resource.
func resourceSchema(d domain, r resource, extra map[string]any) map[string]any {
	props := map[string]any{
		"id":  map[string]any{"type": "string", "description": "unique " + human(r.Name) + " id"},
		"url": map[string]any{"type": "string", "format": "uri", "description": "link to the " + human(r.Name) + " in " + d.Title},
		"created_by": map[string]any{
			"type": "object", "description": "who created it", "additionalProperties": false,
			"properties": map[string]any{
				"id":    map[string]any{"type": "string"},
				"name":  map[string]any{"type": "string"},
				"email": map[string]any{"type": "string", "format": "email"},
			},
			"required": []any{"id", "name"},
		},
	}
	req := []any{"id"}
	for _, f := range r.Fields {
		props[f.Name] = fieldSchema(f)
		req = append(req, f.Name)
	}
	for k, v := range extra {
		props[k] = v
		req = append(req, k)
	}
	req = append(req, "url", "created_by")
	return map[string]any{"type": "object", "properties": props, "required": req, "additionalProperties": false}
}

func object(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		r := make([]any, len(required))
		for i, x := range required {
			r[i] = x
		}
		s["required"] = r
	}
	return s
}

func enumOf(vals ...string) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

func fieldNames(r resource, types string) []string {
	var out []string
	for _, f := range r.Fields {
		if strings.Contains(types, f.Type) {
			out = append(out, f.Name)
		}
	}
	return out
}

// buildTool makes one verb_resource tool.
func buildTool(d domain, r resource, verb string) ToolSpec {
	scope := map[string]any{"type": "string", "description": d.ScopeDesc}
	id := map[string]any{"type": "string", "description": "the " + human(r.Name) + " id", "minLength": 1}
	hr, hp := human(r.Name), human(r.Plural)
	ro := &hints{readOnly: true, idempotent: true}
	var t ToolSpec
	switch verb {
	case "list":
		filter := map[string]any{
			"created_after":  map[string]any{"type": "string", "format": "date-time", "description": "only items created after this instant"},
			"created_before": map[string]any{"type": "string", "format": "date-time", "description": "only items created before this instant"},
		}
		for _, f := range r.Fields {
			if f.Type == "e" || f.Type == "b" {
				filter[f.Name] = fieldSchema(f)
			}
		}
		sortable := append([]string{"created_at", "updated_at"}, fieldNames(r, "idn")...)
		t = ToolSpec{Name: "list_" + r.Plural, Title: "List " + hp,
			Description: fmt.Sprintf("List %s in a %s %s, newest first. Filter by state and creation time; results are paginated with an opaque cursor.", hp, d.Title, human(d.Scope)),
			InputSchema: object(map[string]any{
				d.Scope:  scope,
				"filter": object(filter),
				"page": object(map[string]any{
					"cursor": map[string]any{"type": "string", "description": "cursor from a previous page's next_cursor"},
					"limit":  map[string]any{"type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "items per page (default 20)"},
				}),
				"sort": object(map[string]any{
					"field":     map[string]any{"type": "string", "enum": enumOf(sortable...)},
					"direction": map[string]any{"type": "string", "enum": enumOf("asc", "desc"), "default": "desc"},
				}),
			}, d.Scope),
			OutputSchema: object(map[string]any{
				"items":       map[string]any{"type": "array", "items": resourceSchema(d, r, nil)},
				"next_cursor": map[string]any{"type": "string", "description": "pass as page.cursor for the next page; empty at the end"},
				"total":       map[string]any{"type": "integer", "minimum": 0},
			}, "items", "total")}
	case "get":
		t = ToolSpec{Name: "get_" + r.Name, Title: "Get " + hr,
			Description: fmt.Sprintf("Get one %s of %s by id, with all its fields and a link.", hr, d.Title),
			InputSchema: object(map[string]any{d.Scope: scope, "id": id,
				"include": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": enumOf("created_by", "history", "permissions")}, "description": "related data to expand"},
			}, d.Scope, "id"),
			OutputSchema: resourceSchema(d, r, nil)}
		ro = &hints{readOnly: true, idempotent: true}
	case "create":
		data := map[string]any{}
		for _, f := range r.Fields {
			if f.Type != "d" || !strings.HasSuffix(f.Name, "created_at") {
				data[f.Name] = fieldSchema(f)
			}
		}
		req := []string{}
		for _, f := range r.Fields[:2] {
			if _, ok := data[f.Name]; ok {
				req = append(req, f.Name)
			}
		}
		t = ToolSpec{Name: "create_" + r.Name, Title: "Create " + hr,
			Description: fmt.Sprintf("Create a %s in a %s %s. Returns the new %s. Use an idempotency key to retry safely.", hr, d.Title, human(d.Scope), hr),
			InputSchema: object(map[string]any{d.Scope: scope, r.Name: object(data, req...),
				"options": object(map[string]any{
					"notify":          map[string]any{"type": "boolean", "description": "notify watchers", "default": true},
					"idempotency_key": map[string]any{"type": "string", "maxLength": 64},
				}),
			}, d.Scope, r.Name),
			OutputSchema: resourceSchema(d, r, nil)}
		ro = &hints{}
	case "update":
		patch := map[string]any{}
		for _, f := range r.Fields {
			patch[f.Name] = fieldSchema(f)
		}
		t = ToolSpec{Name: "update_" + r.Name, Title: "Update " + hr,
			Description: fmt.Sprintf("Update fields of a %s in %s. Only the fields in patch change; expected_version guards against lost updates.", hr, d.Title),
			InputSchema: object(map[string]any{d.Scope: scope, "id": id, "patch": object(patch),
				"expected_version": map[string]any{"type": "integer", "minimum": 1, "description": "fail if the current version differs"},
			}, d.Scope, "id", "patch"),
			OutputSchema: resourceSchema(d, r, map[string]any{"version": map[string]any{"type": "integer", "minimum": 1}})}
		ro = &hints{idempotent: true}
	case "delete":
		t = ToolSpec{Name: "delete_" + r.Name, Title: "Delete " + hr,
			Description: fmt.Sprintf("Permanently delete a %s from %s. This cannot be undone.", hr, d.Title),
			InputSchema: object(map[string]any{d.Scope: scope, "id": id,
				"reason": map[string]any{"type": "string", "maxLength": 500, "description": "recorded in the audit log"},
			}, d.Scope, "id"),
			OutputSchema: object(map[string]any{
				"id":         map[string]any{"type": "string"},
				"deleted":    map[string]any{"type": "boolean"},
				"deleted_at": map[string]any{"type": "string", "format": "date-time"},
			}, "id", "deleted", "deleted_at")}
		ro = &hints{destructive: true, idempotent: true}
	case "search":
		filters := map[string]any{}
		for _, f := range r.Fields {
			if f.Type == "e" || f.Type == "t" {
				filters[f.Name] = fieldSchema(f)
			}
		}
		filters["updated_since"] = map[string]any{"type": "string", "format": "date-time"}
		t = ToolSpec{Name: "search_" + r.Plural, Title: "Search " + hp,
			Description: fmt.Sprintf("Full-text search over %s in %s, ranked by relevance, with optional field filters.", hp, d.Title),
			InputSchema: object(map[string]any{d.Scope: scope,
				"query":   map[string]any{"type": "string", "minLength": 1, "maxLength": 256, "description": "search words"},
				"filters": object(filters),
				"limit":   map[string]any{"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
			}, d.Scope, "query"),
			OutputSchema: object(map[string]any{
				"results": map[string]any{"type": "array", "items": resourceSchema(d, r, map[string]any{"relevance": map[string]any{"type": "number", "minimum": 0, "maximum": 1, "description": "match quality, 0..1"}})},
				"total":   map[string]any{"type": "integer", "minimum": 0},
			}, "results", "total")}
	case "export":
		t = ToolSpec{Name: "export_" + r.Plural, Title: "Export " + hp,
			Description: fmt.Sprintf("Start an export of %s from %s as CSV, JSON or NDJSON; returns a job with a download link when ready.", hp, d.Title),
			InputSchema: object(map[string]any{d.Scope: scope,
				"format": map[string]any{"type": "string", "enum": enumOf("csv", "json", "ndjson"), "default": "csv"},
				"fields": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": enumOf(fieldNames(r, "sinbdmute")...)}},
				"since":  map[string]any{"type": "string", "format": "date-time"},
			}, d.Scope),
			OutputSchema: object(map[string]any{
				"export_id": map[string]any{"type": "string"},
				"status":    map[string]any{"type": "string", "enum": enumOf("queued", "running", "ready")},
				"rows":      map[string]any{"type": "integer", "minimum": 0},
				"url":       map[string]any{"type": "string", "format": "uri"},
			}, "export_id", "status", "rows")}
		ro = &hints{idempotent: true}
	}
	t.Annotations = ro.build(t.Title)
	return t
}

type hints struct{ readOnly, destructive, idempotent bool }

func (h *hints) build(title string) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{
		Title:           title,
		ReadOnlyHint:    h.readOnly,
		DestructiveHint: boolPtr(h.destructive),
		IdempotentHint:  h.idempotent,
		OpenWorldHint:   boolPtr(true),
	}
}
