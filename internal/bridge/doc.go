// Package bridge is the protocol between the gateway (package sandbox, host
// side) and a confined runner (package runner): framed messages over an
// inherited socketpair, and the value types both sides share. It imports the
// standard library only.
package bridge
