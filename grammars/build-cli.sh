#!/bin/sh
# Build the tree-sitter CLI 0.20.7 from Debian 12's own source package, offline, with the
# Rust crates Debian packages (npm's tree-sitter-cli downloads a binary, which cannot work
# without the internet). Result: .tools/bin/tree-sitter (about 2 minutes of compiling).
#
#   grammars/build-cli.sh            needs root or sudo for apt-get
#
# Steps: enable deb-src, `apt-get source tree-sitter`, install cargo and the librust-*-dev
# crates, point cargo at /usr/share/cargo/registry, then adapt the manifest to the crate
# versions Debian 12 has (dirs 4, tiny_http 0.12) and drop webbrowser (only used to open
# the playground), and `cargo build --release -p tree-sitter-cli`.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS=$ROOT/.tools
OUT=$TOOLS/bin/tree-sitter
[ -x "$OUT" ] && { echo "build-cli: $OUT is already built"; exit 0; }

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
CRATES="cargo rustc dpkg-dev librust-ansi-term-dev librust-anyhow-dev librust-atty-dev
librust-clap-2-dev librust-difference-dev librust-dirs-dev librust-glob-dev
librust-html-escape-dev librust-indexmap-dev librust-lazy-static-dev librust-regex-dev
librust-regex-syntax-dev librust-rustc-hash-dev librust-semver-dev librust-serde-dev
librust-serde-derive-dev librust-serde-json-dev librust-smallbitvec-dev
librust-tiny-http-dev librust-walkdir-dev librust-which-dev librust-log-dev
librust-toml-dev librust-cc-dev librust-libloading-dev librust-once-cell-dev
librust-thiserror-dev librust-memchr-dev librust-getopts-dev"

SRC_LIST=/etc/apt/sources.list.d/stance-deb-src.sources
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  echo "build-cli: enabling Debian source packages ($SRC_LIST)"
  $SUDO sh -c "cat > $SRC_LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $CRATES

mkdir -p "$TOOLS/src"
cd "$TOOLS/src"
[ -d tree-sitter-0.20.7 ] || apt-get source -qq tree-sitter
cd tree-sitter-0.20.7

# Manifest changes for the crates Debian 12 ships.
sed -i -e 's/^dirs = "3.0"/dirs = "4"/' -e 's/^tiny_http = "0.8"/tiny_http = "0.12"/' \
  -e '/^webbrowser = /d' cli/Cargo.toml
sed -i -e 's/^dirs = "3.0"/dirs = "4"/' cli/config/Cargo.toml cli/loader/Cargo.toml
# The playground only printed its URL after trying to open a browser: keep the printing.
sed -i -e '/^use webbrowser;/d' \
  -e 's/if let Err(_) = webbrowser::open(&url) {/{/' cli/src/playground.rs
# Tests are not built: drop the dev-dependencies, which Debian does not all package.
for f in Cargo.toml cli/Cargo.toml cli/config/Cargo.toml cli/loader/Cargo.toml \
  highlight/Cargo.toml tags/Cargo.toml lib/Cargo.toml; do
  awk '/^\[dev-dependencies\]/ {skip = 1; next} /^\[/ {skip = 0} !skip' "$f" >"$f.new" && mv "$f.new" "$f"
done
rm -f Cargo.lock

mkdir -p .cargo
cat > .cargo/config.toml <<'CFG'
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "/usr/share/cargo/registry"
[net]
offline = true
CFG
CARGO=/usr/bin/cargo
[ -x "$CARGO" ] || CARGO=cargo
$CARGO build --release -p tree-sitter-cli
mkdir -p "$TOOLS/bin"
cp target/release/tree-sitter "$OUT"
echo "build-cli: built $OUT ($("$OUT" --version))"
