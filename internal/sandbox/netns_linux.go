package sandbox

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// netNS is one empty network namespace (only a loopback that is down)
// shared by every runner of a Jail, and the host threads that start
// runners inside it.
//
// A network namespace of its own per runner cost about 0.45 ms at clone
// and more to destroy (the kernel's cleanup_net), for every run. A shared
// one stops the same things: it has no interface up, it is owned by the
// host's user namespace (so a runner, root only in its own user
// namespace, holds no capability over it and cannot configure it), and
// nothing of the jail can create a socket in it (seccomp denies socket and
// socketpair; Landlock scopes abstract UNIX sockets), so concurrent runs
// cannot reach each other through it. See design/jail.md.
//
// A process inherits the network namespace of the thread that clones it,
// so runners are started from goroutines locked to threads that joined the
// namespace (starters). A starter thread lives as long as the Jail: the
// runner's parent-death signal follows the thread that cloned it.
type netNS struct {
	fd    int
	reqs  chan startReq
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	ready chan error
}

type startReq struct {
	cmd  *exec.Cmd
	done chan error
}

var errJailClosed = errors.New("the jail is closed")

// newNetNS creates the namespace and n starter threads.
func newNetNS(n int) (*netNS, error) {
	fd, err := createNetNS()
	if err != nil {
		return nil, err
	}
	ns := &netNS{fd: fd, reqs: make(chan startReq), stop: make(chan struct{}), ready: make(chan error, n)}
	ns.wg.Add(n)
	for range n {
		go ns.starter()
	}
	for range n {
		if err := <-ns.ready; err != nil {
			ns.close()
			return nil, err
		}
	}
	return ns, nil
}

// createNetNS unshares a network namespace on a throw-away thread and
// returns a descriptor of it.
func createNetNS() (int, error) {
	type result struct {
		fd  int
		err error
	}
	c := make(chan result, 1)
	go func() {
		// Never unlocked: the thread leaves the gateway's namespace, so the
		// runtime ends it with this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			c <- result{-1, fmt.Errorf("unshare network namespace: %w", err)}
			return
		}
		fd, err := unix.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			c <- result{-1, fmt.Errorf("open network namespace: %w", err)}
			return
		}
		c <- result{fd, nil}
	}()
	r := <-c
	return r.fd, r.err
}

// starter joins the namespace on its own thread and starts the commands
// it is given until close.
func (ns *netNS) starter() {
	defer ns.wg.Done()
	// Never unlocked: the thread is in the jail's network namespace.
	runtime.LockOSThread()
	if err := unix.Setns(ns.fd, unix.CLONE_NEWNET); err != nil {
		ns.ready <- fmt.Errorf("join the jail's network namespace: %w", err)
		return
	}
	ns.ready <- nil
	for {
		select {
		case r := <-ns.reqs:
			r.done <- r.cmd.Start()
		case <-ns.stop:
			return
		}
	}
}

// start starts cmd in the namespace.
func (ns *netNS) start(cmd *exec.Cmd) error {
	r := startReq{cmd: cmd, done: make(chan error, 1)}
	select {
	case ns.reqs <- r:
	case <-ns.stop:
		return errJailClosed
	}
	return <-r.done
}

// close ends the starter threads (the runners they started get their
// parent-death signal, so call it after every runner is gone) and the
// namespace's descriptor.
func (ns *netNS) close() {
	ns.once.Do(func() {
		close(ns.stop)
		ns.wg.Wait()
		unix.Close(ns.fd)
	})
}
