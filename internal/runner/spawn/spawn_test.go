package spawn

import (
	"os/exec"
	"syscall"
	"testing"
)

// TestStatusString says what os.ProcessState says for the same exits.
func TestStatusString(t *testing.T) {
	tests := []struct {
		name, script string
	}{
		{"exit 0", "exit 0"},
		{"exit 3", "exit 3"},
		{"killed", "kill -9 $$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("/bin/sh", "-c", tt.script)
			_ = cmd.Run()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok {
				t.Skip("no wait status on this system")
			}
			if got, want := StatusString(int(ws)), cmd.ProcessState.String(); got != want {
				t.Errorf("StatusString = %q, want %q", got, want)
			}
		})
	}
}
