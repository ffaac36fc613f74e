// Package pyboot holds the Python bootstrap: the program a Python runner's
// CPython runs to speak the bridge and run one program (package runner
// execs it). The host (package sandbox) compiles it once with the jail's
// interpreter (MarshalProgram), so that each run loads its code object
// instead of compiling 10 KB of source (3 ms a run). This package embeds
// text only: the runner imports it and must stay small.
package pyboot

import _ "embed"

// Source is the bootstrap.
//
//go:embed bootstrap.py
var Source string

// MarshalProgram is a Python program (for -c) that reads the bootstrap on
// stdin and writes its compiled code object, marshalled, to stdout. Run it
// with the interpreter the jail runs: marshal's format is that
// interpreter's own.
const MarshalProgram = `import marshal, sys
sys.stdout.buffer.write(marshal.dumps(compile(sys.stdin.buffer.read(), "<cemcp-bootstrap>", "exec")))
`

// FDPrefix marks a bootstrap argument that names a descriptor to read the
// marshalled code object from ("F4"), rather than source (which starts with
// a comment). A descriptor, not the argument itself: CPython keeps several
// wide-character copies of its command line for its whole life, which for
// 20 KB of code cost an idle runner 0.8 MB.
const FDPrefix = "F"
