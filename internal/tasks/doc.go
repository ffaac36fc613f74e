// Package tasks is cemcp's offline task suite: MCP-Bench-style requests over
// the ten bundled servers (package servers), each with two reference
// solutions and a checker, so that the context-coupled and context-decoupled
// ways of answering can be measured on the same work.
//
// # Format
//
// A Task is plain Go data:
//
//   - ID is a stable kebab-case name; Category is "single", "two" or
//     "three" (the number of servers the task needs); Servers lists them.
//   - Request is what a user would write: plain language, no tool names.
//   - Plan is the context-coupled reference solution: a sequence of Rounds.
//     The calls of one round are independent (a client may issue them in
//     parallel); a later round may depend on earlier results. A Round gives
//     its calls either directly (Calls, for arguments known up front) or
//     through Next, a function of the results of all earlier rounds
//     (prev[round][call], each the JSON value of one tool result: its
//     structured content). Tool names are qualified: "server.tool".
//   - Answer composes the final answer from every round's results, as a
//     model would after reading them.
//   - Program is the context-decoupled reference solution: one TypeScript
//     program against the gateway's tools API (await
//     tools.weather.get_daily_forecast({...}), Promise.all for independent
//     calls) that returns the answer.
//   - Check validates an answer (a JSON object whose fields each task's
//     Request implies) against the data.
//
// # Checkers
//
// Checkers never compare with numbers copied from a run. They recompute the
// expected values from the servers' data through an in-memory MCP client on
// fresh server instances (the oracle, see Oracle), reading the rawest form
// available (a whole CSV file rather than its aggregate, plain rows rather
// than a grouped SQL result, an hourly series rather than its summary) and
// doing the filtering, joining and arithmetic in Go. Where the expected value
// follows from public facts (unit definitions, exact SI constants, IANA time
// zone rules, public-holiday dates), the checker computes it from those.
// Numbers match within a relative tolerance of 1e-6 unless a task says
// otherwise; strings match case-insensitively.
//
// Every task here is read-only: no plan or program calls a tool that writes
// (create_refund, insert_order, vote, ...), so tasks may run in parallel on
// one set of servers.
package tasks
