# Sourced by tests/run and tests/bench/run with ROOT set: STANCE_SHARED, the project's shared
# test material (the study, its corpus, the Neovim builds), exported for the suites and specs
# (tests/helpers); and nvim_matrix, the Neovim versions both run on. As set by the caller, else ../shared next to this checkout, else next to
# the main checkout when this one is a linked worktree (`git worktree add`: its ../shared is
# not there, and the specs that need it would be skipped and the Neovim matrix cut to `nvim`).
if [ -z "${STANCE_SHARED:-}" ]; then
  STANCE_SHARED=$ROOT/../shared
  if [ ! -d "$STANCE_SHARED" ] &&
    common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) &&
    [ -d "$common/../../shared" ]; then
    STANCE_SHARED=$(cd "$common/../../shared" && pwd)
  fi
fi
export STANCE_SHARED

# The Neovim versions the nvim suites (tests/run) and the bench's startup and editor sections
# (tests/bench/run) run on: $NVIM alone when it is set; else `nvim` on PATH
# (Debian 12's 0.7.2) and every build in $STANCE_SHARED/nvim/*/bin (0.10.4, 0.11.6), each version
# once. Prints "VERSION PATH" lines ("? PATH" for one that does not run).
nvim_matrix() {
  if [ -n "${NVIM:-}" ]; then
    set -- "$NVIM"
  else
    set -- nvim "$STANCE_SHARED"/nvim/*/bin/nvim
  fi
  seen=" "
  for n in "$@"; do
    p=$(command -v "$n" 2>/dev/null) || {
      [ "$n" = nvim ] || [ -n "${NVIM:-}" ] && echo "? $n"
      continue
    }
    p=$(cd "$(dirname "$p")" && echo "$(pwd -P)/$(basename "$p")")
    v=$("$p" --version 2>/dev/null | sed -n '1s/^NVIM v*\([^ ]*\).*/\1/p')
    if [ -z "$v" ]; then
      echo "? $p"
      continue
    fi
    case $seen in *" $v "*) continue ;; esac
    seen="$seen$v "
    echo "$v $p"
  done
}
