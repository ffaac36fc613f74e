package sandbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// holderEnv makes the test binary a stand-in gateway for TestRunnersDieWithGateway.
const holderEnv = "CEMCP_SANDBOX_TEST_HOLDER"

// holdJail is the stand-in gateway: it starts a program that never ends
// (a runner too busy to notice its bridge closing), fills the pool again,
// prints the pids of the spawner and of every runner on one line, and waits
// to be killed.
func holdJail() int {
	j, err := NewJail(JailConfig{RunnerPath: os.Getenv(holderEnv), PoolSize: 2, PythonPoolSize: -1}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	warm := func() {
		waitWarm(j.pool, 2)
	}
	warm()
	go func() {
		resp, err := j.Execute(context.Background(), &Request{Code: "while (true) {}", Limits: Limits{Timeout: time.Hour}}, nil)
		fmt.Fprintf(os.Stderr, "the endless program ended: %+v %v\n", resp, err)
	}()
	time.Sleep(200 * time.Millisecond) // the program is running
	warm()
	var pids []string
	for _, s := range []*spawner{j.spawner, j.pySpawner} {
		if s != nil && s.cmd != nil {
			pids = append(pids, strconv.Itoa(s.cmd.Process.Pid))
		}
	}
	j.mu.Lock()
	for r := range j.live {
		pid := r.pid
		if r.cmd != nil {
			pid = r.cmd.Process.Pid
		}
		pids = append(pids, strconv.Itoa(pid))
	}
	j.mu.Unlock()
	fmt.Println(strings.Join(pids, " "))
	time.Sleep(time.Hour)
	return 0
}

// alive reports whether pid is a process that has not exited (a zombie has).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestRunnersDieWithGateway: when the gateway is killed outright (SIGKILL,
// no cleanup of its own), its spawner and every runner end with it, the
// waiting ones and one running an endless program: no confined process
// outlives the gateway that started it.
func TestRunnersDieWithGateway(t *testing.T) {
	requireJail(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+runnerPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the stand-in gateway printed no pids: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad pid %q in %q", f, line)
		}
		pids = append(pids, pid)
	}
	t.Logf("spawner and runners: %v", pids)
	if len(pids) < 4 {
		t.Fatalf("pids %v: want the spawner, a busy runner and two waiting ones", pids)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("process %d is not running before the gateway is killed", pid)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []int
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes %v outlived the killed gateway", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
