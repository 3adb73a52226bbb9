# Sourced by tests/run and tests/bench/run with ROOT set: STANCE_SHARED, the project's shared
# test material (the study, its corpus, the Neovim builds), exported for the suites and specs
# (tests/helpers). As set by the caller, else ../shared next to this checkout, else next to
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
