package policy_test

import (
	"encoding/json"
	"fmt"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate/flow"
	"github.com/cemcp/cemcp/internal/gate/policy"
)

// A passkey returned by an untrusted lookup is embedded in the arguments of
// a write on a trusted server: the defaults ask the user (P3.2, execution
// sink manipulation), and a rule keeps mail data from leaving through
// another server.
func Example() {
	p, err := policy.New(config.Policy{Rules: []config.Rule{
		{Name: "mail-stays", When: `from("mail") && server != "mail"`, Effect: "deny", Reason: "mail data stays in mail"},
	}}, policy.Options{})
	if err != nil {
		panic(err)
	}
	tr := flow.NewTracker(flow.Options{})
	tr.Observe("lookup", "find_user", false, json.RawMessage(`{"user":"ada","passkey":"7Hq-22x-Lm9"}`))
	tr.Observe("mail", "read_inbox", true, json.RawMessage(`[{"subject":"Q3 numbers","body":"Revenue was 48291377 EUR"}]`))

	call := func(server, tool string, args string) {
		var a map[string]any
		_ = json.Unmarshal([]byte(args), &a)
		d := p.Decide(policy.Input{
			Server: server, Tool: tool, Args: a, Trusted: true,
			Annotations: policy.AnnotationsFrom(nil), // no annotations: may write
			Labels:      tr.LabelsFor(json.RawMessage(args)),
		})
		fmt.Printf("%s.%s: %s (%s)\n", server, tool, d.Effect, d.Rule)
	}
	call("bank", "reset_password", `{"user":"ada","code":"use 7Hq-22x-Lm9 now"}`)
	call("chat", "post", `{"text":"revenue: 48291377"}`)
	call("notes", "write", `{"text":"hello world"}`)
	// Output:
	// bank.reset_password: approve (default:untrusted-data)
	// chat.post: deny (mail-stays)
	// notes.write: allow (default:trusted)
}
