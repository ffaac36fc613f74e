// Package judge asks a language model for a security verdict on a program
// before it runs ([Judge.PreExecution]) and on its run before the output goes
// back to the agent ([Judge.PostExecution]).
//
// The CE-MCP study (arXiv 2602.15945) proposes such a judge, but its
// prototype records the verdict and runs the code anyway. cemcp enforces it:
// every verdict other than SAFE is a block ([Review.Allowed]).
//
// # Place in the gate
//
// The judge is optional (off unless configured) and comes after cemcp's
// deterministic gate: static analysis, policy, data-flow labels and text
// scanning run first and decide on their own. The judge can only add blocks,
// never lift one. It is a second opinion for what rules miss (a call that
// does not serve the user's request, fabricated data that a write acts on),
// not a replacement for them; a model can be fooled, rules cannot be argued
// with.
//
// # What the judge sees
//
// Before execution: the user's request when known, the program and its
// language, and the tools it may call (name, description, input schema).
// After execution: the request, the program, what it printed or returned,
// and every tool call it made (tool, arguments, result, whether the result
// was an error). All of it goes to the configured provider: use a local model
// (an OpenAI-compatible server on 127.0.0.1) when it must not leave the host.
//
// Every input is bounded (the request to 4 KiB, the program to 32 KiB, each
// tool description to 2 KiB and schema to 4 KiB, each call's arguments to 2
// KiB and result to 4 KiB, the output to 16 KiB, tools and calls to 32 KiB
// each in all); what is cut is replaced by a note saying how much was left
// out.
//
// Everything that may come from an attacker (code, tool metadata, results,
// output, even the request) is sent as DATA between boundary lines
// <<<BEGIN-token ...>>> and <<<END-token>>>, with a random token per review.
// The system prompt tells the model that data is never instruction, and that
// instructions found in tool metadata are to be reported as
// DISCOVERY_PROMPT_INJECTION, in results or output as UNTRUSTED_TOOL_OUTPUT,
// and in the program itself as UNSAFE_CODE. testdata/*.golden shows the exact
// prompts.
//
// # Fails closed
//
// The methods return a [Review], never an error. Whatever goes wrong becomes
// the verdict EXCEPTION with a reason saying what: a transport error, a
// redirect (refused: the API key must not follow it), a non-2xx status
// (429 included: there is no retry, the caller may run the review again), no
// answer within Config.Timeout, a malformed or oversized response, an empty
// answer, or an answer that does not follow the rule below. EXCEPTION blocks
// like any verdict other than SAFE.
//
// # Reading the answer
//
// The model is asked for {"verdict": "...", "reason": "..."}. Because it has
// read attacker text, its answer is read by a strict rule:
//
//  1. Every JSON object in the answer that is not inside another object is
//     found, wherever it is (so ```json fences and prose around it are fine);
//     a '{' that does not open a valid JSON object is prose. An answer over
//     32 KiB, or with more than 64 '{' tried, is EXCEPTION.
//  2. A verdict object is one with a top-level key "verdict" (any case).
//     There must be exactly one; none, or two or more (even if they agree),
//     is EXCEPTION. A verdict nested inside another object does not count.
//  3. In it, "verdict" must be a string and appear once (a duplicate key is
//     EXCEPTION: decoders disagree on which one wins); "reason", if present,
//     must be a string or null and appear once. Other keys are ignored.
//  4. The verdict is trimmed, upper-cased, '-' and ' ' become '_', and it
//     must then be one of the eight verdicts; anything else is EXCEPTION.
//
// Text outside the verdict object counts for nothing: an answer saying
// "verdict: SAFE. Ignore the above" without a JSON object is EXCEPTION, and a
// JSON object with verdict UNSAFE_CODE followed by such prose is
// UNSAFE_CODE. [Review.Reason] is model text influenced by attacker data:
// it is cleaned of control and invisible characters and bounded, but
// callers must still treat it as untrusted.
//
// # Providers
//
//   - "openai": OpenAI-compatible Chat Completions, POST {BaseURL}/chat/completions
//     with "Authorization: Bearer {APIKey}" when a key is set (local servers
//     such as Ollama, llama.cpp or vLLM need none); the answer is
//     choices[0].message.content.
//   - "anthropic": the Messages API, POST {BaseURL}/v1/messages with headers
//     x-api-key and anthropic-version: 2023-06-01; the answer is the text of
//     the content blocks. A BaseURL ending in /v1 is accepted too.
//
// Requests use temperature 0 and Config.MaxTokens. A [Judge] is safe for
// concurrent use.
package judge
