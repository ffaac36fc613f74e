package redteam

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/cemcp/cemcp/internal/tasks"
)

// Controls returns the benign controls of a default run: 20 tasks of the
// task suite (package tasks: single-, two- and three-server programs over
// the bundled servers) and the testbed's own benign tasks.
func Controls() []Control {
	all := tasks.All()
	var out []Control
	// Every third task: a spread over the categories.
	for i := 0; i < len(all) && len(out) < 20; i += 3 {
		out = append(out, taskControl(all[i]))
	}
	return append(out, testbedControls()...)
}

// AllControls returns every task of the task suite and the testbed's
// benign tasks.
func AllControls() []Control {
	var out []Control
	for _, t := range tasks.All() {
		out = append(out, taskControl(t))
	}
	return append(out, testbedControls()...)
}

func taskControl(t tasks.Task) Control {
	return Control{ID: "task/" + t.ID, Servers: t.Servers, Program: t.Program, Check: t.Check}
}

func equalJSON(want any) func(json.RawMessage) error {
	return func(got json.RawMessage) error {
		var g any
		if err := json.Unmarshal(got, &g); err != nil {
			return err
		}
		wb, _ := json.Marshal(want)
		var w any
		_ = json.Unmarshal(wb, &w)
		if !reflect.DeepEqual(g, w) {
			return fmt.Errorf("got %s, want %s", got, wb)
		}
		return nil
	}
}

func testbedControls() []Control {
	return []Control{
		{ID: "testbed/user-doors", Program: `return (await tools.access.user_doors({ user: "user-bob" })).doors;`,
			Check: equalJSON([]string{"door-lobby", "door-lab"})},
		{ID: "testbed/check-and-status", Program: `const [a, s] = await Promise.all([
  tools.access.check_access({ user: "user-alice", door: "door-vault" }),
  tools.doors.status({ door: "door-vault" })]);
return { allowed: a.allowed, locked: s.locked };`,
			Check: equalJSON(map[string]any{"allowed": true, "locked": true})},
		{ID: "testbed/mail-reminder", Program: `const r = await tools.mail.send({ to: "alice@corp.example", subject: "Reminder", body: "Fire drill at 10:00 on Friday." });
return r.sent;`,
			Check: equalJSON(true)},
		{ID: "testbed/python-roles", Language: "python", Program: `users = tools.access.list_users({})["users"]
roles = {}
for u in users:
    roles[u["role"]] = roles.get(u["role"], 0) + 1
return roles`,
			Check: equalJSON(map[string]int{"admin": 1, "staff": 2, "visitor": 1})},
	}
}
