package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// maxFileSize bounds what Load reads; configuration files are small.
const maxFileSize = 8 << 20

// Load reads the configuration file at path (a leading ~ is the home
// directory), expands variables from the process environment, validates
// it and applies defaults. Problems with the content are *Error values
// (several joined with errors.Join); a file that cannot be read gives a
// *Error that wraps the os error (errors.Is(err, fs.ErrNotExist) works).
func Load(path string) (*Config, error) {
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[1:])
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the configuration: " + reason(err),
			Fix: "check the path given with --config", err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the configuration: " + reason(err), err: err}
	}
	if len(data) > maxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("the file is larger than %d MiB", maxFileSize>>20),
			Fix: "point --config at a configuration file"}
	}
	cfg, err := Parse(data, path, nil)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// reason is the os error without the path it repeats.
func reason(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse is Load for data already read; file names it in errors. Variables
// are looked up with lookupEnv (os.LookupEnv when nil), and only the
// variables the configuration names are read.
func Parse(data []byte, file string, lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	d := &decoder{
		problems:     problems{file: file, data: data},
		lookup:       lookupEnv,
		clineTimeout: map[string]bool{},
	}
	root, serr := parseJSONC(data)
	if serr != nil {
		msg := "invalid JSON: " + serr.msg
		if ex := excerpt(data, serr.off); ex != "" {
			msg += " near `" + ex + "`"
		}
		d.add(serr.off, "", msg, serr.fix)
		return nil, d.err()
	}
	cfg := &Config{Servers: map[string]*Server{}, Cemcp: defaultSettings(lookupEnv)}
	d.top(root, cfg)
	if err := d.err(); err != nil {
		return nil, err
	}
	cfg.resolve()
	return cfg, nil
}

// Default returns the configuration used when there is no file: no
// servers, every default applied (cemcp demo).
func Default() *Config {
	cfg := &Config{Servers: map[string]*Server{}, Cemcp: defaultSettings(os.LookupEnv)}
	cfg.resolve()
	return cfg
}

// resolve fills values that default to other values.
func (c *Config) resolve() {
	if c.Cemcp.Policy.MaxCallsPerRun == 0 {
		c.Cemcp.Policy.MaxCallsPerRun = c.Cemcp.Sandbox.MaxToolCalls
	}
}

// ExposeFor returns how the tools of server are served: its cemcp.expose
// entry, else the "*" entry, else code mode with prefixed names. Fields
// left empty get the defaults.
func (c *Config) ExposeFor(server string) Expose {
	e, ok := c.Cemcp.Expose[server]
	if !ok {
		e = c.Cemcp.Expose["*"]
	}
	if e.Mode == "" {
		e.Mode = defaultExposeMode
	}
	if e.Names == "" {
		e.Names = defaultExposeNames
	}
	return e
}

// ServerNames returns the names of the configured servers, sorted.
func (c *Config) ServerNames() []string {
	names := make([]string, 0, len(c.Servers))
	for n := range c.Servers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Validate checks a Server built in code (servers from Parse and Load are
// already valid): its name, its type, command xor url, and the URL. An
// empty Type is inferred as Parse does. Problems are *Error values.
func (s *Server) Validate() error {
	c := *s
	if c.Type == "" {
		switch {
		case c.Command != "" && c.URL == "":
			c.Type = "stdio"
		case c.URL != "" && c.Command == "":
			c.Type = "http"
		}
	} else if t := normType(c.Type); t != "" {
		c.Type = t
	}
	var errs []error
	for _, p := range c.check(false) {
		key := child("mcpServers", s.Name)
		if p.field != "" {
			key = child(key, p.field)
		}
		errs = append(errs, &Error{Key: key, Msg: p.msg, Fix: p.fix})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
