--- stance index [DIR]: bring the corpus's search index up to date.
local cmd = {
  summary = 'Index the corpus (only what changed since the last time)',
  usage = 'stance index [--rebuild] [--json] [DIR]',
  description = table.concat({
    'Indexes the documents of the corpus at or above DIR (default: the current directory)',
    'on background threads, reusing the saved index (.stance/index.bin/) for what did not',
    'change: unchanged folders are not listed, each document gets one stat. A progress',
    'bar is drawn on stderr when it is a terminal; a summary line follows. Every document is',
    'checked even when `stance watch` runs (a search would take its word). Exit status 1 when',
    'a document failed or the index could not be saved (said on stderr).',
  }, '\n'),
  flags = {
    rebuild = { help = 'ignore the saved index and index everything again' },
    json = { help = 'print the summary as JSON' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local core = require('stance.core')
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  local bar = require('stance.cli.progress').new('indexing')
  local t0 = core.hrtime()
  local stats, ierr = c:index({
    rebuild = opts.rebuild,
    -- asked for explicitly: every document is checked, whatever a watcher says
    watcher = false,
    on_progress = bar and function(ev) bar:update(ev) end,
  })
  if bar then bar:finish() end
  if not stats then return nil, ierr end
  local secs = (core.hrtime() - t0) / 1e9
  local st = c.idx:stats()
  local say = require('stance.cli').say
  for _, e in ipairs(stats.errors or {}) do
    say(io.stderr, ('stance index: %s: %s'):format(e.path, e.error))
  end
  if stats.note then say(io.stderr, 'stance index: ', stats.note) end
  if stats.save_error then say(io.stderr, 'stance index: not saved: ', stats.save_error) end
  if opts.json then
    io.stdout:write(require('stance.json').encode({
      documents = st.docs, indexed = stats.indexed, unchanged = stats.unchanged,
      verified = stats.verified, removed = stats.removed, failed = stats.failed,
      listed = stats.listed, bytes = stats.bytes, words = st.words, terms = st.terms,
      seconds = secs, saved = stats.save_error == nil,
    }), '\n')
  else
    io.stdout:write(('%d documents (%d indexed, %d unchanged, %d removed, %d failed), %d words, %.2f s%s\n'):format(
      st.docs, stats.indexed, stats.unchanged, stats.removed, stats.failed, st.words, secs,
      stats.save_error and ' (the index is not saved: the next run indexes them again)' or ''))
  end
  -- an index that could not be saved is a failure (a job that checks the exit status would
  -- take the corpus as indexed)
  return (stats.failed > 0 or stats.save_error) and 1 or 0
end

return cmd
