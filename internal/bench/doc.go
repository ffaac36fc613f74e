// Package bench is `cemcp bench`: the scaling evaluation of the CE-MCP study
// (arXiv 2602.15945), reproducible offline.
//
// Three agents answer the same tasks (package tasks):
//
//   - coupled: every tool schema sits in the context on every turn; one round
//     of tool calls per turn, raw results appended to the context;
//   - search: coupled, but the tools are found with search_tools first and
//     only the found tools' schemas are loaded;
//   - code: search_tools, describe_tools, then one execute_code program;
//     only what the program prints or returns enters the context.
//
// Two drivers play them. The replay driver (Replay) plays each task's
// reference solutions deterministically through the real gateway and builds,
// for every turn, the exact messages a model would see, counted with the
// o200k_base tokenizer (Counter). The LLM driver (LLM) runs the same loop
// against an OpenAI-compatible Chat Completions endpoint or the Anthropic
// Messages API.
//
// Sweep runs the replay driver over connected servers (1 to 10) and catalog
// size (distractor tools, up to thousands), serving every upstream in
// process over Streamable HTTP on 127.0.0.1 with server-side timing. Model
// latency for the replay driver comes from a documented cost model
// (CostModel) and is reported apart from measured time. docs/model.md gives
// the token and latency model of both architectures; Predict computes it.
// Reports are written as JSON, Markdown, CSV and PNG plots (WriteReport).
package bench
