#!/usr/bin/env bash
# scripts/test.sh — every test of cemcp, on a fresh machine.
#
# Installs what the tests need by itself (the pinned npm peers: the official
# reference MCP servers, the official TypeScript SDK client, the conformance
# suite and Node 22 for it), builds both binaries, checks formatting and vet,
# then runs the Go tests (which include the interop, conformance and sandbox
# tests). Set CEMCP_REQUIRE_SANDBOX=1 to turn every sandbox skip into a failure
# (CI does), and CEMCP_REQUIRE_INTEROP=1 to do the same for the npm peers.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n== %s\n' "$*"; }

step "npm peers (versions pinned in test/interop/npm/package-lock.json)"
(cd test/interop/npm && npm ci --no-audit --no-fund --loglevel=error)

step "build"
mkdir -p bin
pkgs=./cmd/cemcp
[ -d cmd/cemcp-runner ] && [ -n "$(ls cmd/cemcp-runner/*.go 2>/dev/null)" ] && pkgs="$pkgs ./cmd/cemcp-runner"
CGO_ENABLED=0 go build -o bin/ $pkgs
export PATH="$root/bin:$PATH"

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v '^internal/deps/') || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...

step "cemcp bench --quick and cemcp redteam --quick (the CLI end to end)"
out=$(mktemp -d)
bin/cemcp bench --quick --no-progress --out "$out/bench" > "$out/bench.txt"
tail -n 12 "$out/bench.txt"
for f in report.json report.md tokens_vs_servers.png tokens_vs_tools.png latency_breakdown.png per_task_scatter.png; do
  test -s "$out/bench/$f" || { echo "bench did not write $f"; exit 1; }
done
bin/cemcp redteam --quick --out "$out/redteam" > "$out/redteam.txt" || { tail -n 30 "$out/redteam.txt"; exit 1; }
grep -E "ATTACKS SUCCEEDED|BENIGN BLOCKED" "$out/redteam.txt"
rm -rf "$out"

step "go test (race detector on the concurrent packages)"
go test -count=1 -race -timeout 10m ./internal/jsengine/... ./internal/upstream/... ./internal/catalog/...

step "go test (interop and conformance, alone: the official suite has timing checks)"
go test -count=1 -timeout 10m ./test/interop/

step "go test (everything else)"
go test -count=1 -timeout 20m $(go list ./... | grep -v '/test/interop$')
