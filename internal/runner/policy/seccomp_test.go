package policy

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAllowList(t *testing.T) {
	seen := make(map[string]bool)
	for _, r := range Allowed {
		if seen[r.Name] {
			t.Errorf("%s listed twice", r.Name)
		}
		seen[r.Name] = true
		if r.Reason == "" {
			t.Errorf("%s has no reason", r.Name)
		}
	}
	for _, banned := range []string{"socket", "connect", "fork", "vfork", "ptrace", "mount", "unshare", "setns", "bpf", "kill", "execveat", "prctl", "seccomp", "execve", "clone3", "capset",
		// The runners of a confining spawner share its IPC and UTS
		// namespaces: nothing may use or change them.
		"shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "semget", "semop",
		"mq_open", "mq_timedsend", "mq_timedreceive", "sethostname", "setdomainname"} {
		if seen[banned] {
			t.Errorf("%s is allowed", banned)
		}
	}
}

func TestProgram(t *testing.T) {
	for _, python := range []bool{false, true} {
		prog, err := Program(python)
		if err != nil {
			t.Fatalf("Program(python %v): %v", python, err)
		}
		if len(prog)%8 != 0 || len(prog) < 8*20 {
			t.Fatalf("Program(python %v): %d bytes", python, len(prog))
		}
		// The last instruction returns the default action: EPERM.
		last := prog[len(prog)-8:]
		k := binary.NativeEndian.Uint32(last[4:])
		if k != unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM) {
			t.Errorf("Program(python %v) ends with k=%#x, want RET_ERRNO|EPERM", python, k)
		}
	}
	js, _ := Program(false)
	py, _ := Program(true)
	if len(py) <= len(js) {
		t.Errorf("the Python program (%d bytes) is not larger than the JavaScript one (%d)", len(py), len(js))
	}
}
