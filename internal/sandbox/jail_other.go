//go:build !linux

package sandbox

import (
	"errors"
	"log/slog"
)

// Jail is only available on Linux.
type Jail struct{}

// NewJail reports that the jail needs Linux.
func NewJail(cfg JailConfig, logger *slog.Logger) (*Jail, error) {
	return nil, errors.New("the jail needs Linux; use the in-process executor for development")
}
