package sandbox

import "time"

// JailConfig configures the Linux jail. Zero values mean the defaults
// below; see design/jail.md for what each layer stops.
type JailConfig struct {
	// RunnerPath is the cemcp-runner binary (built with CGO_ENABLED=0). It
	// and every directory above it must be readable and executable by
	// "other": the runner is exec'd as an unprivileged host uid.
	RunnerPath string
	// Limits are the defaults of Request.Limits.
	Limits Limits
	// MemoryBytes bounds the jail's memory (cgroup; default 256 MiB).
	MemoryBytes int64
	// MaxPids bounds the jail's tasks, threads included (cgroup; default 32).
	MaxPids int
	// CPUPercent is the share of one core (cgroup; default 100).
	CPUPercent int
	// ScratchBytes is the size of the tmpfs at /tmp (default 16 MiB).
	ScratchBytes int64
	// Timeout is the default wall clock of a run (default 30 s).
	Timeout time.Duration
	// PoolSize is how many confined JavaScript runners are kept ready
	// (default 2; negative disables the pool).
	PoolSize int
	// PythonPoolSize is how many confined Python runners (CPython already
	// started, waiting for its program) are kept ready (default 1;
	// negative disables).
	PythonPoolSize int
	// Python is the CPython 3 interpreter, a path under /usr. Empty means
	// /usr/bin/python3 when it exists; "none" disables Python.
	Python string
	// HostUID and HostGID are the host ids that the jail's unprivileged
	// uid and gid (1000 inside) map to (default 65534, nobody). They are
	// the only ids mapped: nothing in the jail is ever uid 0.
	HostUID, HostGID int
	// CgroupRoot is where the cgroup file systems are mounted (default
	// /sys/fs/cgroup).
	CgroupRoot string
	// NoCgroups runs without cgroup limits (rlimits only). For machines
	// without cgroup delegation; memory, pids and cpu are then not bounded.
	NoCgroups bool
	// StartTimeout bounds a runner's start until it sends ready (default 10 s).
	StartTimeout time.Duration
}

// Defaults of JailConfig.
const (
	DefaultJailMemory   = 256 << 20
	DefaultJailPids     = 32
	DefaultJailCPU      = 100
	DefaultJailScratch  = 16 << 20
	DefaultJailTimeout  = 30 * time.Second
	DefaultJailPoolSize = 2
	// DefaultJailPythonPoolSize is the default of JailConfig.PythonPoolSize.
	DefaultJailPythonPoolSize = 1
	// jailUID and jailGID are the unprivileged ids inside the jail.
	jailUID = 1000
	jailGID = 1000
)

func (c JailConfig) withDefaults() JailConfig {
	if c.MemoryBytes <= 0 {
		c.MemoryBytes = DefaultJailMemory
	}
	if c.MaxPids <= 0 {
		c.MaxPids = DefaultJailPids
	}
	if c.CPUPercent <= 0 {
		c.CPUPercent = DefaultJailCPU
	}
	if c.ScratchBytes <= 0 {
		c.ScratchBytes = DefaultJailScratch
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultJailTimeout
	}
	if c.PoolSize == 0 {
		c.PoolSize = DefaultJailPoolSize
	}
	if c.PythonPoolSize == 0 {
		c.PythonPoolSize = DefaultJailPythonPoolSize
	}
	if c.HostUID <= 1 {
		c.HostUID = 65534
	}
	if c.HostGID <= 1 {
		c.HostGID = 65534
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/sys/fs/cgroup"
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 10 * time.Second
	}
	return c
}
