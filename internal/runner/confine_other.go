//go:build !linux

package runner

import "errors"

// Confine is only implemented on Linux.
func Confine(s *Setup) error { return errors.New("the jail needs Linux") }

func execPython(s *Setup) error { return errors.New("the jail needs Linux") }

func serveSpawner(string) int { return ExitSetup }

func finishBorn(s *Setup) error { return errors.New("the jail needs Linux") }
