package config_test

import (
	"fmt"
	"log"

	"github.com/cemcp/cemcp/internal/config"
)

func ExampleLoad() {
	cfg, err := config.Load("testdata/valid/example.json")
	if err != nil {
		log.Fatal(err) // each problem on its own line: file:line:col: key: message (fix: ...)
	}
	for _, name := range cfg.ServerNames() {
		s := cfg.Servers[name]
		fmt.Printf("%s: %s, trusted=%v, expose=%s\n", name, s.Type, s.Trusted, cfg.ExposeFor(name).Mode)
	}
	fmt.Println("timeout:", cfg.Cemcp.Sandbox.Timeout)
	// Output:
	// remote: http, trusted=false, expose=passthrough
	// weather: stdio, trusted=true, expose=code
	// timeout: 10s
}

func ExampleParse() {
	src := `{"mcpServers": {"weather": {"command": "cemcp", "args": ["--days", 3]}}}`
	_, err := config.Parse([]byte(src), "config.json", nil)
	fmt.Println(err)
	// Output:
	// config.json:1:68: mcpServers.weather.args[1]: expected a string, got number (fix: write it in quotes: "3")
}
