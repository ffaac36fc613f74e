// Package flow tracks where the values in a tool call's arguments came from:
// data-flow labels for cemcp's gate (threats P3.1, P3.2, P4.1, P5.3 in
// THREATS.md).
//
// One [Tracker] lives for one run. gate.Result calls [Tracker.Observe] with
// every tool result the program receives; gate.Call calls
// [Tracker.LabelsFor] with the arguments of every call the program makes, and
// hands the labels to the policy ("did data from an untrusted server reach
// this write?"). A [Label] names the server and tool a value came from, the
// server's trust level and the SHA-256 fingerprint of the whole result.
//
// # What is tracked
//
// Observe walks the result JSON (object keys and values, arrays, and strings
// that are themselves JSON, up to 4 levels of nesting) and records:
//
//   - every string of at least MinLen bytes (UTF-8; default 8): indexed by
//     its MinLen-byte windows (n-grams), so that any common substring with an
//     argument can be found;
//   - every token with at least 6 digits, whether a JSON number (482913,
//     4829.13: its canonical text) or a run of [A-Za-z0-9_.-] inside a string
//     ("order 482913 shipped" records "482913"): ids, codes, account numbers
//     and amounts are short but distinctive.
//
// Shorter strings and numbers with fewer than 6 digits ("Paris", 3, true) are
// not tracked: they are too common to say anything about provenance.
//
// # What matches
//
// LabelsFor walks the arguments the same way (keys and values) and reports
// the label of an observed result when an argument:
//
//   - equals an observed string of at least MinLen bytes (whole-value match);
//   - shares a substring of at least MinLen bytes with an observed string, and
//     that substring is distinctive: it has a digit, a symbol other than plain
//     punctuation (@ / _ # = + & % $ ...), or an upper-case letter inside a
//     word ("xK9", "McD") — ids, keys, URLs, e-mail addresses, passkeys. The
//     argument may contain the observed value (an id embedded in a message),
//     be contained in it (a piece of a long text), or overlap it;
//   - shares a substring of at least 2×MinLen bytes of plain text with an
//     observed string (a sentence copied from a result);
//   - contains a token with 6 or more digits that was observed (as a number or
//     inside a string), or is such a number.
//
// Plain text — lower-case letters, spaces, common punctuation, non-ASCII
// letters, and capitals at the start of a word — shorter than 2×MinLen does
// not count unless it is the whole value, so that ordinary words ("information",
// "completed") shared by a result and an argument do not label the call.
//
// # What is not caught
//
// Labels follow values that are copied, whole or in pieces of meaningful
// length. A program can launder data: reverse a string, re-encode it (base64,
// hex, upper-case), split it into pieces shorter than MinLen, do arithmetic on
// a number, pick a branch based on it (implicit flow), or use it only to
// choose which of its own literals to send. None of that is tracked, and it
// cannot be in general. Labels are evidence for the policy, not a proof of
// absence: the backstop is the policy itself (rules on servers and tools, not
// only on labels), approvals for writes from untrusted servers, budgets, and
// the audit ledger.
//
// Strings are compared as bytes: no Unicode normalisation and no case
// folding, so "Ｐａｓｓ" and "Pass" are different.
//
// # Cost
//
// Observe is linear in the size of the result (about 4 ms for 100 KB of
// JSON records on one core); the index takes about 35 bytes of memory per
// indexed byte and keeps at most [Options.MaxBytes] of observed text per run
// (default 4 MiB). A result that does not fit is not indexed, and from then
// on its label is reported for every call that has any argument
// (fail closed). LabelsFor is linear in the size of the arguments and does
// not depend on how much was observed: about 1 µs for small arguments and
// 15 µs for 1 KB, with 100 KB observed (see BenchmarkLabelsFor).
package flow
