// Package redteam is `cemcp redteam`: the sixteen attack classes of the CE-MCP
// threat model (THREATS.md, after arXiv 2602.15945) as runnable scenarios, and
// the ablation that shows which defense layer stops which attack.
//
// A Scenario is one attacker behaviour (malicious upstream servers, a
// malicious program, or both), a task the user asked for, and an oracle that
// decides from observable effects only whether the attack succeeded:
//
//   - a forbidden call reached a server (every server records what it
//     received: the Recorder, not the gateway's word for it);
//   - injected text reached the model's context verbatim (the Agent keeps
//     everything it read: search, describe and execute results);
//   - a canary file, socket or process on the host was touched;
//   - a run outlived its limits (the program reports back through a beacon
//     tool after it should have been stopped), or the gateway died or hung.
//
// The model is the Agent: by default a scripted, fully compromised agent that
// does its task and then obeys every instruction that reaches its context
// (the worst case). With the LLM driver (LLM, `cemcp redteam --driver llm`) a
// real model sits in the agent's seat through the bench's providers, and the
// same oracles judge what it did.
//
// The attackers are real MCP servers (Go SDK) served in this process over
// Streamable HTTP on 127.0.0.1 (Host), fresh for every run, including the
// study's access-control testbed (users, doors, passkeys) and its malicious
// variants. Programs run in the configuration's executor: for "none" the
// Naive executor (node or python3 on the host, unconfined: what a CE-MCP
// gateway without a sandbox does), otherwise the jail.
//
// Suite runs every scenario and the benign controls under each
// Configuration and builds a Report: the scenario × configuration matrix, the
// per-class and per-phase rates, the false-positive rate, as text, Markdown,
// JSON and a PNG heat map.
package redteam
