package gateway

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/sandbox"
)

// RunnerName is the file name of the confined runner binary.
const RunnerName = "cemcp-runner"

// FindRunner locates cemcp-runner: the configured path, else beside the
// running executable, else on PATH.
func FindRunner(configured string) (string, error) {
	if configured != "" {
		if _, err := os.Stat(configured); err != nil {
			return "", fmt.Errorf("cemcp.sandbox.runner %q: %w", configured, err)
		}
		return configured, nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			p := filepath.Join(filepath.Dir(exe), RunnerName)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
			tried = append(tried, filepath.Dir(exe))
		}
	}
	if p, err := exec.LookPath(RunnerName); err == nil {
		return filepath.Abs(p)
	}
	tried = append(tried, "$PATH")
	dir := "bin"
	if len(tried) > 1 {
		dir = tried[0]
	}
	return "", fmt.Errorf("%s not found (looked beside the cemcp executable in %v); build it with: CGO_ENABLED=0 go build -o %s/ ./cmd/cemcp-runner",
		RunnerName, tried, dir)
}

// newJailExecutor sets up the Linux jail executor.
func newJailExecutor(s config.Sandbox, limits sandbox.Limits, log *slog.Logger) (sandbox.Executor, error) {
	runner, err := FindRunner(s.RunnerPath)
	if err != nil {
		return nil, fmt.Errorf("sandbox mode \"jail\": %w (or set cemcp.sandbox.mode to \"inprocess\" for development: programs are then NOT isolated)", err)
	}
	pool := s.PoolSize
	if pool == 0 {
		pool = -1 // the config's 0 means no warm runners; the jail's 0 means its default
	}
	j, err := sandbox.NewJail(sandbox.JailConfig{
		RunnerPath:   runner,
		Limits:       limits,
		MemoryBytes:  s.MemoryBytes,
		MaxPids:      s.MaxPids,
		CPUPercent:   s.CPUPercent,
		ScratchBytes: s.ScratchBytes,
		Timeout:      s.Timeout,
		PoolSize:     pool,
		Python:       s.Python,
	}, log.With("component", "jail"))
	if err != nil {
		return nil, fmt.Errorf("sandbox mode \"jail\": %w", err)
	}
	return j, nil
}
