// Package bridge is the protocol between the gateway (package sandbox, host
// side) and a confined runner (package runner): framed messages over an
// inherited socketpair, and the value types both sides share. It imports the
// standard library only.
//
// # Framing
//
// The host creates a SOCK_STREAM socketpair and hands one end to the runner
// as fd 3. Each frame is a 4-byte big-endian payload length followed by that
// many bytes of one JSON object {"t": type, "id": n, ...}; see Message. A
// stream (not SOCK_SEQPACKET) is used because a done frame may be larger
// than a socket buffer and the Python bootstrap speaks it with plain
// read/write. ReadFrame bounds the length before it allocates: a frame is at
// most Limits.MaxFrame bytes (default 4 MiB), except a done frame, which may
// be up to Limits.MaxDone bytes.
//
// # Protocol
//
// One runner serves exactly one run and then exits; it is never reused.
//
//	host (sandbox.Jail)                          runner (cemcp-runner, fd 3)
//	      |                                             |
//	      |  clone(NEWUSER|NEWPID|NEWNS|NEWNET|...)     |
//	      | ------------------------------------------> | mounts, pivot_root,
//	      |  put pid in the run's cgroup                | rlimits, caps, setuid,
//	      |                                             | landlock, seccomp
//	      | <------------------ ready ------------------ |
//	      |        (the runner waits in the warm pool)  |
//	      | ------------------- run ------------------> | program, language,
//	      |                                             | tools, limits
//	      | <-------------- call{id: 1} --------------- |
//	      | <-------------- call{id: 2} --------------- |  ids increase, at most
//	      |          gate + upstream (ToolCaller)       |  MaxInFlight open
//	      | ------------- result{id: 2} --------------> |
//	      | <-------------- log (optional) ------------ |
//	      | ------------- result{id: 1} --------------> |
//	      | <------------------ done ------------------ | output, value, error
//	      |                                             | exit(0)
//	      |  kill the pid-ns init, remove the cgroup    |
//
// Either side validates every frame it reads (see HostState and
// RunnerState). On the host side a call with an id that is not greater than
// every earlier one, a call beyond MaxInFlight open calls, any frame after
// done, or any frame of a type the runner may not send is a protocol
// violation: the host ends the run and kills the runner. On the runner side
// a result for an id it never issued (or already answered) is a violation
// and the runner exits.
package bridge
