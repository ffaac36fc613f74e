package audit_test

import (
	"context"
	"fmt"

	"github.com/cemcp/cemcp/internal/audit"
)

func Example() {
	ctx := context.Background()
	l, err := audit.Open(ctx, audit.Options{Path: ":memory:"})
	if err != nil {
		panic(err)
	}
	defer l.Close()

	l.BeginRun(ctx, audit.Run{ID: "r1", Client: "example/1.0", Language: "typescript", Code: "return 1"})
	l.RecordCall(ctx, audit.Call{RunID: "r1", Tool: "weather.get_forecast", Args: []byte(`{"city":"Paris"}`),
		Decision: "allow", Status: "ok"})
	l.RecordFlag(ctx, audit.Flag{RunID: "r1", Kind: "injection", Source: "weather"})
	l.FinishRun(ctx, audit.Finish{RunID: "r1", Status: "ok"})

	runs, _ := l.List(ctx, audit.ListOptions{})
	for _, r := range runs {
		fmt.Println(r.ID, r.Status, r.Calls, "call(s)", r.Flags, "flag(s)")
	}
	rep, _ := l.Verify(ctx)
	fmt.Println("chain ok:", rep.OK, "records:", rep.Records)
	// Output:
	// r1 ok 1 call(s) 1 flag(s)
	// chain ok: true records: 4
}
