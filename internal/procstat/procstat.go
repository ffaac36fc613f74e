// Package procstat reads figures of the machine and its processes from
// /proc for benchmarks: the CPU time the whole machine has spent busy (to
// count every process a run involves, the gateway, a spawner, each runner,
// kernel threads, not only the benchmark's own) and a process's resident
// memory.
package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/stat's counters (USER_HZ, 100 on every
// Linux architecture Go supports).
const userHZ = 100

// Busy returns the machine's busy CPU time so far (see Parse).
func Busy() (time.Duration, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("procstat: %w", err)
	}
	return Parse(data)
}

// Parse returns the busy time in the aggregate "cpu" line of a /proc/stat:
// user, nice, system, irq and softirq. Idle and iowait are not busy; steal
// is time the hypervisor gave to others; guest time is already in user.
func Parse(data []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 8 || string(fields[0]) != "cpu" {
		return 0, errors.New("procstat: no aggregate cpu line")
	}
	var ticks int64
	for i, f := range fields[1:8] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("procstat: bad counter %q", f)
		}
		switch i {
		case 0, 1, 2, 5, 6: // user, nice, system, irq, softirq
			if ticks > (1<<63-1)/int64(time.Second)-n {
				return 0, errors.New("procstat: counters overflow")
			}
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// RSS returns the resident memory (VmRSS) of process pid, in bytes; pid 0
// means this process.
func RSS(pid int) (int64, error) {
	who := "self"
	if pid != 0 {
		who = strconv.Itoa(pid)
	}
	data, err := os.ReadFile("/proc/" + who + "/status")
	if err != nil {
		return 0, fmt.Errorf("procstat: %w", err)
	}
	return parseRSS(data)
}

// parseRSS reads VmRSS from a /proc/<pid>/status.
func parseRSS(data []byte) (int64, error) {
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil || kb < 0 || kb > 1<<40 {
			return 0, fmt.Errorf("procstat: bad VmRSS %q", v)
		}
		return kb << 10, nil
	}
	return 0, errors.New("procstat: no VmRSS (a kernel thread, or a zombie)")
}
