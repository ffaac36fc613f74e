package bridge

import "sync"

// HostState checks the frames the host reads from one runner. The zero
// value is not ready; use NewHostState. It is safe for concurrent use.
type HostState struct {
	maxInFlight int

	mu       sync.Mutex
	ready    bool
	done     bool
	lastID   uint64
	inFlight map[uint64]bool
}

// NewHostState returns the state of a fresh runner. maxInFlight bounds the
// calls open at once; zero means DefaultMaxInFlight.
func NewHostState(maxInFlight int) *HostState {
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	return &HostState{maxInFlight: maxInFlight, inFlight: make(map[uint64]bool)}
}

// Received checks a frame read from the runner and records it. Any error
// wraps ErrProtocol and ends the run.
func (s *HostState) Received(m *Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return violation("%s frame after done", m.T)
	}
	switch m.T {
	case TypeReady:
		if s.ready {
			return violation("second ready")
		}
		s.ready = true
	case TypeCall:
		if !s.ready {
			return violation("call before ready")
		}
		if m.ID <= s.lastID {
			return violation("call id %d not above the last id %d", m.ID, s.lastID)
		}
		if len(s.inFlight) >= s.maxInFlight {
			return violation("more than %d calls in flight", s.maxInFlight)
		}
		s.lastID = m.ID
		s.inFlight[m.ID] = true
	case TypeLog:
		if !s.ready {
			return violation("log before ready")
		}
	case TypeDone:
		if !s.ready {
			return violation("done before ready")
		}
		s.done = true
	default:
		return violation("the runner may not send %s", m.T)
	}
	return nil
}

// Answered records that the host sent the result for call id. It reports
// whether the call was open (a result for a call that is not is not sent).
func (s *HostState) Answered(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.inFlight[id] {
		return false
	}
	delete(s.inFlight, id)
	return true
}

// Done reports whether done was received.
func (s *HostState) Done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// RunnerState checks the frames a runner reads from the host and issues
// call ids. It is safe for concurrent use.
type RunnerState struct {
	mu     sync.Mutex
	run    bool
	lastID uint64
	open   map[uint64]bool
}

// NewRunnerState returns the state of a runner that has sent ready.
func NewRunnerState() *RunnerState {
	return &RunnerState{open: make(map[uint64]bool)}
}

// NextCall issues the id of a new call.
func (s *RunnerState) NextCall() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID++
	s.open[s.lastID] = true
	return s.lastID
}

// Received checks a frame read from the host and records it. Any error wraps
// ErrProtocol.
func (s *RunnerState) Received(m *Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m.T {
	case TypeRun:
		if s.run {
			return violation("second run")
		}
		s.run = true
	case TypeResult:
		if !s.run {
			return violation("result before run")
		}
		if !s.open[m.ID] {
			return violation("result for call %d, which was never issued or is already answered", m.ID)
		}
		delete(s.open, m.ID)
	default:
		return violation("the host may not send %s", m.T)
	}
	return nil
}
