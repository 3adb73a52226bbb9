--- stance watch [DIR]: keep the corpus's saved index up to date as documents change, and
--- vouch for it to searches (stance.watch.server), until Ctrl-C.
local cmd = {
  summary = 'Watch the corpus: keep its index current, and spare searches their check',
  usage = 'stance watch [--status] [--quiet] [DIR]',
  description = table.concat({
    'Runs until Ctrl-C (or until killed), watching every folder of the corpus at or above DIR',
    '(inotify, Linux): documents edited, added, removed or renamed are indexed again within a',
    'moment, and the saved index with them. A `stance search` asks the watcher, over the',
    'socket .stance/watch.sock, whether the saved index is current (after a sync through a',
    'cookie file, so that every change made before is seen), and then skips the stat of every',
    'document. After a folder change, a schema change or an overflowed event queue the',
    'watcher checks every document itself before it answers. Without a watcher, or when it',
    'cannot answer (stopped, hung, or a socket that is not this user\'s), the search checks',
    'every document, as always. One watcher per corpus: a second one stops at once. A',
    'change under one name of a file re-checks every document that is the same file (hard',
    'links). Changes no watch can see (files written through a shared mapping, or through a',
    'hard link outside the corpus or in a hidden folder) are not seen until `stance index`,',
    'which checks every document. Not on network file systems (no event for remote changes).',
    'With --status: whether a watcher runs and vouches for the saved index now (exit 0), or',
    'why not (exit 1).',
  }, '\n'),
  flags = {
    status = { help = 'only say whether a watcher vouches for the saved index now' },
    quiet = { help = 'print nothing but errors' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  if opts.status then
    local ok, why = require('stance.watch.client').current(c.root)
    if ok then
      io.stdout:write('current: a watcher vouches for the saved index of ', c.root, '\n')
      return 0
    end
    io.stdout:write('not vouched for: ', tostring(why), '\n')
    return 1
  end
  local say = function(...)
    if not opts.quiet then io.stderr:write('stance watch: ', ...) end
  end
  local ok, werr = require('stance.watch.server').run(c, {
    on_ready = function(folders)
      say(('watching %d folders of %s (Ctrl-C stops)\n'):format(folders, c.root))
    end,
    on_update = function(st)
      if st.indexed + st.removed + st.failed > 0 then
        say(('%d indexed, %d removed, %d failed\n'):format(st.indexed, st.removed, st.failed))
      end
    end,
  })
  if not ok then return nil, werr end
  return 0
end

return cmd
