package audit

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash test re-executes the test binary as a child (runc's habit).
// The child appends calls from several goroutines and prints
// "committed N" after each RecordCall returns; the parent SIGKILLs it
// mid-stream and then checks that every reported record is in the file.
//
//	parent (TestCrashSafety)                 child (same test, env set)
//	   | exec test binary -test.run=^TestCrashSafety$ |
//	   | ----------------------------------------> | Open, BeginRun
//	   | <------------- "committed N" ------------- | RecordCall ... (4 goroutines)
//	   |  after `killAfter` lines: SIGKILL -------> X
//	   | reopen, Show, Verify
const crashEnv = "CEMCP_AUDIT_CRASH_CHILD"

func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("re-execs the test binary")
	}
	for _, mode := range []string{"FULL", "NORMAL"} {
		t.Run(mode, func(t *testing.T) { crashParent(t, mode, 1000) })
	}
}

func crashParent(t *testing.T, mode string, killAfter int) {
	path := filepath.Join(t.TempDir(), "audit.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashEnv+"_SYNC="+mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := map[int]bool{}
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() {
		line := sc.Text()
		n, ok := strings.CutPrefix(line, "committed ")
		if !ok {
			continue // the test framework's own output
		}
		i, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("bad child line %q", line)
		}
		committed[i] = true
		if len(committed) == killAfter && !killed {
			// Kill while the writer is mid-stream; the lines already in
			// the pipe are still read below.
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited (%v) after %d records, before it was killed", err, len(committed))
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", err)
	}

	l, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer l.Close()
	d, err := l.Show(context.Background(), "crash")
	if err != nil {
		t.Fatal(err)
	}
	present := map[int]bool{}
	for _, c := range d.Calls {
		present[c.Seq] = true
	}
	for i := range committed {
		if !present[i] {
			t.Errorf("call %d was reported committed but is not in the ledger", i)
		}
	}
	rep := mustVerify(t, l)
	t.Logf("synchronous=%s: child reported %d commits; ledger holds %d calls (%d records) after SIGKILL", mode, len(committed), len(d.Calls), rep.Records)
}

func crashChild(path string) {
	ctx := context.Background()
	l, err := Open(ctx, Options{Path: path, Synchronous: os.Getenv(crashEnv + "_SYNC")})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	if err := l.BeginRun(ctx, Run{ID: "crash"}); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	var mu sync.Mutex // one line per write(2)
	var wg sync.WaitGroup
	deadline := time.Now().Add(20 * time.Second) // never outlive a broken parent
	for g := range 4 {
		wg.Go(func() {
			for i := g; time.Now().Before(deadline); i += 4 {
				if err := l.RecordCall(ctx, Call{RunID: "crash", Seq: i, Tool: "s.t", Status: "ok"}); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
				mu.Lock()
				os.Stdout.WriteString("committed " + strconv.Itoa(i) + "\n")
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	os.Exit(0)
}
