// Package text handles untrusted text on its way back to the model: tool
// results, tool errors, tool metadata and the program's own output.
//
// The adversary controls upstream servers and therefore every string they
// return; the model is assumed to obey any instruction it reads. The package
// therefore:
//
//   - finds instruction-like text ([ScanInjection]) and replaces it with a
//     marker naming its source ([Neutralize], [NeutralizeJSON]);
//   - removes invisible Unicode (zero-width characters, bidi overrides, tag
//     characters) that hides text from a human reviewer but not from a model;
//   - finds and redacts credentials ([ScanSecrets], [RedactSecrets]);
//   - bounds error messages ([SanitizeError]) and outputs ([TruncateJSON],
//     [TruncateText]) so that the result is still valid and readable;
//   - checks tool metadata at discovery ([ScanToolMetadata]) and names that
//     imitate other names ([LookAlike]).
//
// # Matching
//
// Rules match a folded view of the text: invisible characters are skipped,
// every rune is put in NFKC form (full-width letters become ASCII), Cyrillic
// and Greek letters that look like Latin ones are mapped to them, and the
// result is lower-cased. Offsets in a [Match] are byte offsets into the
// original string, so a span can be cut out of it.
//
// The rules aim at text that addresses an AI agent: orders to ignore earlier
// instructions, claims of authority or of a changed status, requests to keep
// something from the user, orders to call tools or to send secrets. Ordinary
// text that merely mentions instructions, passwords or systems does not
// match; the benign corpus in testdata guards precision and the test log
// reports precision and recall on it.
package text
