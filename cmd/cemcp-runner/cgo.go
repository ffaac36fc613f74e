//go:build cgo

package main

// The runner applies capabilities, no_new_privs and securebits to every
// thread with syscall.AllThreadsSyscall, which the Go runtime refuses when
// cgo is linked. Fail at once with the fix rather than later with ENOTSUP.
func init() { cgoBuild = true }
