--- stance watch [DIR]: keep the corpus's saved index up to date as documents change, and
--- vouch for it to searches (stance.watch.server), until Ctrl-C, --stop, or (--idle) a
--- while without a search. Started on demand with --auto (stance.watch.auto).
local cmd = {
  summary = 'Watch the corpus: keep its index current, and spare searches their check',
  usage = 'stance watch [--status | --stop] [--idle SECONDS] [--quiet] [DIR]',
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
    'why not (exit 1). With --stop: the corpus\'s watcher ends (exit 0), or none runs (exit 1).',
    'Started on demand: a command that brings the index up to date (stance search, a script;',
    'not stance index) and finds no watcher starts one in the background (its own session, no',
    'terminal, its output in .stance/watch.log), checks every document itself this once, and',
    'asks the watcher from then on, when the schema\'s `corpus` record says `watch auto`, or',
    'when it says nothing and the corpus has 5,000 documents or more (where the check of every',
    'document costs more than an FTS5 count: 7 ms of CPU at 5,000, 49 ms at 37,718); started by',
    'that default, the command says so once on stderr. `watch off` never starts one; the',
    'environment variable STANCE_WATCH takes the place of the schema\'s setting: off, auto, or',
    'a number of documents from which one is started (for scripts and CI: STANCE_WATCH=off',
    'leaves no process). That watcher ends after 30 minutes without a search asking (--idle',
    '1800), when the corpus or its .stance folder goes away, or on --stop; one that cannot',
    'start leaves .stance/watch.failed and none is tried again for 10 minutes. A watcher of',
    'another build of stance is never asked whether the index is current (the search checks',
    'every document); one started on demand is replaced. Never started from inside Neovim.',
  }, '\n'),
  flags = {
    status = { help = 'only say whether a watcher vouches for the saved index now' },
    stop = { help = 'stop the corpus\'s watcher (it lets go of the corpus before this returns)' },
    idle = { arg = 'SECONDS', help = 'end after SECONDS without a search asking (default: never)' },
    auto = { help = 'started on demand (by a command): records a failed start, waits for a replaced watcher' },
    quiet = { help = 'print nothing but errors' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local c, err = require('stance.corpus').open(args[1] or '.')
  if not c then return nil, err end
  if opts.stop then
    local ok, why = require('stance.watch.client').stop(c.root)
    if ok then
      require('stance.cli').say(io.stdout, 'stopped the watcher of ', c.root)
      return 0
    end
    require('stance.cli').say(io.stdout, 'no watcher stopped: ', tostring(why))
    return 1
  end
  local idle = opts.idle and tonumber(opts.idle)
  if opts.idle and not (idle and idle > 0) then
    return require('stance.cli').usage_error(("--idle takes a number of seconds, got '%s'"):format(opts.idle), 'watch')
  end
  if opts.status then
    local ok, why = require('stance.watch.client').current(c.root)
    if ok then
      require('stance.cli').say(io.stdout, 'current: a watcher vouches for the saved index of ', c.root)
      return 0
    end
    require('stance.cli').say(io.stdout, 'not vouched for: ', tostring(why))
    return 1
  end
  -- started on demand, the output goes to a log: each line says when
  local stamp = opts.auto and function() return os.date('!%Y-%m-%dT%H:%M:%SZ ') end or function() return '' end
  local say = function(...)
    if not opts.quiet then require('stance.cli').say(io.stderr, stamp(), 'stance watch: ', ...) end
  end
  local auto = opts.auto and require('stance.watch.auto')
  local ready = false
  local ok, werr, wcode, ended = require('stance.watch.server').run(c, {
    idle_s = idle,
    lock_wait_ms = opts.auto and 2000 or nil,
    on_ready = function(folders)
      ready = true
      if auto then auto.record(c.root, nil) end
      say(('watching %d folders of %s (%s)'):format(folders, c.root,
        opts.auto and 'started on demand' or 'Ctrl-C stops'))
    end,
    on_update = function(st)
      if st.indexed + st.removed + st.failed > 0 then
        say(('%d indexed, %d removed, %d failed'):format(st.indexed, st.removed, st.failed))
      end
    end,
  })
  if not ok then
    -- one started on demand that cannot start: none tried again for a while (not when
    -- another watcher runs: that one answers)
    if auto and not ready and wcode ~= 'EBUSY' then auto.record(c.root, tostring(werr)) end
    return nil, stamp() .. tostring(werr)
  end
  if ended == 'idle' then say(('no search for %g s: ended'):format(idle)) end
  if ended == 'stopped' then say('stopped (stance watch --stop)') end
  return 0
end

return cmd
