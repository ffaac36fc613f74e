package gate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Pins remembers the hash of each tool's full definition (name, title,
// description, schemas, annotations) from its first use. A tool whose
// definition later changes (a "rug pull": the server swaps in a new
// description or schema after it was trusted) is blocked until the user
// approves the new definition. Pins persist in a JSON file so that they
// survive restarts; with no file they last for the process.
type Pins struct {
	path string

	mu   sync.Mutex
	pins map[string]string // qualified name → definition hash; guarded by mu
}

// OpenPins loads the pins file (a missing file is an empty set).
func OpenPins(path string) (*Pins, error) {
	p := &Pins{path: path, pins: map[string]string{}}
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("read tool pins: %w", err)
	}
	if err := json.Unmarshal(b, &p.pins); err != nil {
		return nil, fmt.Errorf("tool pins %s are corrupt (%v); move the file away to pin tools afresh", path, err)
	}
	return p, nil
}

// Check compares a tool's definition hash with its pin. It pins the tool on
// first use and reports whether the definition changed since.
func (p *Pins) Check(qualified, hash string) (changed bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old, ok := p.pins[qualified]
	if ok {
		return old != hash, nil
	}
	p.pins[qualified] = hash
	return false, p.saveLocked()
}

// Accept pins a new definition (after the user approved it).
func (p *Pins) Accept(qualified, hash string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pins[qualified] = hash
	return p.saveLocked()
}

// saveLocked writes the pins atomically.
// Preconditions: p.mu is held.
func (p *Pins) saveLocked() error {
	if p.path == "" {
		return nil
	}
	keys := make([]string, 0, len(p.pins))
	for k := range p.pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ordered := make(map[string]string, len(keys))
	for _, k := range keys {
		ordered[k] = p.pins[k]
	}
	b, err := json.MarshalIndent(ordered, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return fmt.Errorf("save tool pins: %w", err)
	}
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save tool pins: %w", err)
	}
	if err := os.Rename(tmp, p.path); err != nil {
		return fmt.Errorf("save tool pins: %w", err)
	}
	return nil
}
