#!/bin/sh
# make deps: install the Debian packages that the build and the tests need, as root or
# through sudo; otherwise print the exact apt-get line. Installs only what is missing.
set -u
PKGS="make gcc libc6-dev pkg-config binutils git
liblua5.1-0-dev liblua5.4-dev libuv1-dev libtree-sitter-dev libssl-dev libxxhash-dev
lua5.1 lua5.4 luajit neovim lua-busted lua-check luarocks
tmux sqlite3 ripgrep bsdutils clang python3-jsonschema time chromium"
# The Neovim builds of ../shared/nvim (the version matrix of the nvim suites) load these.
SHARED_NVIM="$(cd "$(dirname "$0")/.." && pwd)/../shared/nvim/deps.txt"
if [ -r "$SHARED_NVIM" ]; then
  PKGS="$PKGS $(grep -v '^[[:space:]]*#' "$SHARED_NVIM" | tr '\n' ' ')"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "make deps: not a Debian system; install the equivalents of:" $PKGS
  exit 0
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "make deps: all $(echo $PKGS | wc -w) packages are installed"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "make deps: missing packages; run as root:"
  echo "  apt-get update && apt-get install -y$missing"
  exit 1
fi
echo "make deps: installing$missing"
$SUDO apt-get update -qq || exit 1
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing || exit 1
