--- Saving a session's annotations: debounced after every change, on :w of the document, and
--- when Neovim quits or the buffer goes away. The store (buffer bytes) is written in code
--- points through the C writer, with fresh quotes, prefixes and suffixes for what was edited,
--- atomically, and never over a file that changed on disk since it was read: the check and
--- the write are one step under the file's lock (core.write_atomic with the hash of what was
--- read), and a file that changed is merged record by record (conflicts kept as both
--- versions) and the user is told.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

local uv = require('stance.compat').uv

--- Save `s` after the configured delay (restarted by every change).
---@param s stance.Session
function M.schedule(s)
  local cfg = require('stance.config').get().autosave
  if not cfg.enabled or s.readonly then return end
  s.timer = require('stance.compat').restart_timer(s.timer, cfg.delay, function()
    if not s.detached and s.dirty then M.save(s) end
  end)
  require('stance.editor.tidy').later(s) -- a whole write pending waits for the last change
end

--- Write every session's pending changes now (Neovim is suspended: Ctrl-Z, :suspend; a
--- terminal closed or a kill while it is stopped could take them).
function M.save_all()
  local session = package.loaded['stance.editor.session']
  for _, s in pairs(session and session.by_buf or {}) do
    if s.dirty and not s.readonly and not s.detached then M.save(s) end
  end
  require('stance.editor.tidy').all() -- and in the canonical order (a shell may read them now)
end

--- Watch the folder of the annotation file of `s` (a file replaced by a rename, as git
--- does, is seen in its folder): a change of the file is checked (M.check_disk) a moment
--- after it. A folder not there yet is not watched (the other moments check it).
---@param s stance.Session
function M.watch(s)
  s.watch = { event = require('stance.editor.file_watch').start(s.path, function()
    if not s.detached and vim.api.nvim_buf_is_valid(s.buf) then M.check_disk(s) end
  end) }
end

--- Stop the pending save of `s`.
function M.cancel(s)
  if s.watch then
    require('stance.editor.file_watch').stop(s.watch.event)
    s.watch.event = nil
  end
  local compat = require('stance.compat')
  s.relearn_timer = compat.close_timer(s.relearn_timer)
  s.relearn_pending, s.next_waiting = nil, nil -- (no retraining to wait for: stance.editor.suggest)
  require('stance.editor.cache').cancel(s)
  s.tidy_timer = compat.close_timer(s.tidy_timer) -- (stance.editor.tidy)
  if s.tidy_job then s.tidy_job:cancel() end -- (its write checks the file's stamp under the lock)
  s.retry_timer = compat.close_timer(s.retry_timer) -- (a failed write's: H.failed)
  s.timer = compat.close_timer(s.timer)
end

--- What the file holds, as last read or written (appended records joined on demand).
function H.file_text(s)
  local f = s.file
  if type(f.text) == 'userdata' then f.text = f.text:string() end -- kept in C until needed
  if f.tail and #f.tail > 0 then
    f.text = f.text .. table.concat(f.tail)
    f.tail = {}
  end
  return f.text
end
M.file_text = H.file_text

--- SHA-256 of what the file holds as last read or written ("" when there is none): what the
--- next write expects to find there.
function H.file_hash(s)
  if not s.file.hash then
    s.file.hash = s.file.exists and require('stance.core').sha256(H.file_text(s) or '') or ''
  end
  return s.file.hash
end

--- The new file state after writing `text` whole (`info`: what core.write_atomic returned).
function H.written(s, text, info)
  s.file = { text = text, stamp = info.stamp, hash = info.hash, errors = 0, size = #text, tail = {},
    exists = true, canonical = true }
  s.dirty, s.appended, s.rewrite, s.added = false, false, false, {}
  H.succeeded(s)
  require('stance.editor.cache').later(s)
  require('stance.editor.write').sync(s) -- no longer held (:q refused)
end

--- Only additions since the last write: append them to the file (one write and fdatasync:
--- safe on disk at once) instead of writing it whole. When they all come after every record
--- the file holds in the canonical order (annotations by position: a sentence after the last
--- one annotated, a relation with the last ID) and the file was canonical, it stays so; else
--- it is written whole a moment later, off the user's path (stance.editor.tidy: about two
--- seconds after the last change, at once at :w and quit). Returns true, or nil when the
--- whole file must be written now.
function H.append(s)
  local session = require('stance.editor.session')
  if s.rewrite or not s.added or #s.added == 0 or not s.file.exists or not s.file.size then return nil end
  local frame = s:get_frame()
  -- the quotes and contexts of the added annotations only: nothing else changed since the
  -- last write (a change of the text or of another annotation rewrites the whole file), and
  -- a look at every record of a large store took longer than the rest of the append and
  -- left the processor's caches cold for the next key
  local _, collapsed = frame:refresh(s.store, require('stance.config').get().context, s.added)
  if #collapsed > 0 then return nil end
  local chunk, last = frame:write_records(s.store, s.added) -- last: the file stays canonical
  if not chunk then return nil end
  if session.stamp(s.path) ~= s.file.stamp then return nil end
  -- under the file's lock, only if it is still as last written (its stamp): see core.append_file
  local function append()
    return require('stance.core').append_file(s.path, chunk, s.file.size,
      { stamp = s.file.stamp, root = s.corpus.root, wait = M.LOCK_WAIT })
  end
  local ok, stamp, code = append()
  if not ok and (code == 'ECHANGED' or code == 'EBUSY') and s.tidy_job then
    -- the whole write on the worker (stance.editor.tidy) replaced the file, or is replacing
    -- it, just now: its outcome taken, the append made to what it wrote
    require('stance.editor.tidy').settle(s)
    if session.stamp(s.path) ~= s.file.stamp then return nil end
    ok, stamp, code = append()
  end
  if not ok then
    if code == 'ECHANGED' then return nil end
    return H.failed(s, stamp, code)
  end
  s.file.tail = s.file.tail or {}
  s.file.tail[#s.file.tail + 1] = chunk
  s.file.size = s.file.size + #chunk
  s.file.stamp, s.file.hash = stamp, nil
  s.added, s.dirty, s.appended = {}, false, true
  H.succeeded(s)
  require('stance.editor.write').sync(s) -- no longer held
  if not last then s.file.canonical = nil end -- written whole at idle (or not known: see tidy)
  require('stance.editor.tidy').later(s)
  s.saves = (s.saves or 0) + 1
  require('stance.editor.session').redraw_status() -- the "+" goes
  vim.api.nvim_exec_autocmds('User', { pattern = 'StanceSaved', modeline = false })
  return true
end

--- Collapsed annotations (all their text deleted) are written as orphans: where they were
--- when last saved (else where their text was), with the quote they had. Nothing is dropped.
function H.orphan(s, ids, frame)
  if #ids == 0 then return end
  local base = s.file.exists and require('stance.core').read(H.file_text(s) or '') or nil
  for _, id in ipairs(ids) do
    local rec = s.store:get(id)
    local was = base and base:get(id)
    local spans
    if was and was.spans then
      spans = was.spans
    else
      local at = frame:buf_to_cp(rec.spans[1][1])
      spans = { { at, at + math.max(require('stance.utf8').len(rec.quote or 'x'), 1) } }
    end
    s.store:update(id, { spans = spans })
    s.store:mark(id, 'orphan', true)
  end
  s:forget(nil, true)
  require('stance.notify').line(('%d annotation(s) lost all their text; kept as orphans '
    .. '(:Stance list orphans; u brings the text back)'):format(#ids), vim.log.levels.WARN)
end

--- Write `s` now if anything changed. Returns true, or nil and why.
---@param s stance.Session
---@param opts {force: boolean|nil}|nil
---@return boolean|nil ok
---@return string|nil err
function M.save(s, opts)
  opts = opts or {}
  if s.readonly then return nil, s.readonly end
  if not s.dirty and not opts.force then return true end
  -- a link put in your layer's place (a pull) is neither written through nor replaced: your
  -- changes are kept here, and saved once a file is there again (stance.layer_link)
  local link = require('stance.layer_link').problem(s.path, s.corpus.root)
  if link then
    H.refuse_link(s, link)
    require('stance.notify').line(s.readonly, vim.log.levels.ERROR) -- one line: no Press ENTER
    require('stance.editor.write').sync(s) -- held: :q refuses as for a modified buffer
    return nil, s.readonly
  end
  if not opts.force and H.append(s) then return true end
  -- a whole write on the worker still running is stopped (or waited for), its outcome taken
  -- first: the two never race (stance.editor.tidy)
  require('stance.editor.tidy').settle(s)
  if not s.frame and not vim.api.nvim_buf_is_loaded(s.buf) then
    -- its text is gone: spans and quotes made from it would be empty
    return H.failed(s, 'the buffer was unloaded before its annotations were written')
  end
  local core = require('stance.core')
  local fs = require('stance.fs')
  local frame = s:get_frame()
  local _, collapsed = frame:refresh(s.store, require('stance.config').get().context)
  H.orphan(s, collapsed, frame)
  s.store:set_header('document', s.rel)
  s.store:set_header('annotator', s.annotator)
  -- the new hash, unless annotations without a quote could not be checked in the changed text
  s.store:set_header('hash', require('stance.reanchor').hash_to_record(s.store, s:doc_hash()))
  local out = frame:write(s.store)
  if out == H.file_text(s) then
    s.file.canonical = true -- (as written by the writer)
    s.dirty, s.appended, s.rewrite, s.added = false, false, false, {}
    require('stance.editor.session').redraw_status()
    return true
  end
  local records = s.store:count('annotation') + s.store:count('relation') + s.store:count('doclabel')
  if records == 0 and s.store:header().status == nil then
    if not s.file.exists then
      s.dirty = false -- nothing to write, and no file yet: do not create an empty one
      return true
    end
    -- everything this session put in a file it made was undone: no empty file is left
    if s.created and H.unmake(s) then return true end
  end
  local ok, err = fs.mkdir_p(fs.dirname(s.path), s.corpus.root)
  if not ok then return H.failed(s, err) end
  -- changed on disk since read or written? (a stamp first, to merge before writing; the
  -- write itself checks the hash under the file's lock)
  local session = require('stance.editor.session')
  local expect = H.file_hash(s)
  if session.stamp(s.path) ~= s.file.stamp then
    local disk = fs.read(s.path, s.corpus.root)
    if disk == nil and s.file.exists and not core.exists(s.path) then
      -- the file is gone (removed; a link put in its place, then taken away): that is not
      -- every annotation deleted: this session's are written whole, none lost
      expect = ''
    elseif disk ~= H.file_text(s) then
      return M.merge(s, frame, out, disk)
    end
  end
  local info, code
  ok, info, code = core.write_atomic(s.path, out, expect, { root = s.corpus.root, wait = M.LOCK_WAIT })
  if not ok and code == 'ECHANGED' then -- written by someone else just now
    return M.merge(s, frame, out, fs.read(s.path, s.corpus.root))
  end
  if not ok then return H.failed(s, info, code) end
  if not s.file.exists then s.created = true end
  H.written(s, out, info)
  s.saves = (s.saves or 0) + 1
  require('stance.editor.session').redraw_status() -- the "+" goes
  vim.api.nvim_exec_autocmds('User', { pattern = 'StanceSaved', modeline = false })
  return true
end

--- Remove the file this session made, now that it holds nothing (its only annotation
--- undone), and the folders made for it that are left empty: a layer that never held
--- anything is not left behind for agreement and progress to count. Only while the file is
--- as last written (else it is written as usual). Returns true when removed.
function H.unmake(s)
  local session = require('stance.editor.session')
  if session.stamp(s.path) ~= s.file.stamp or not os.remove(s.path) then return nil end
  local stop = s.corpus.root .. '/' .. require('stance.root').annotations
  local dir = require('stance.fs').dirname(s.path)
  while dir ~= stop and #dir > #stop and uv.fs_rmdir(dir) do -- fails on a folder holding anything
    dir = require('stance.fs').dirname(dir)
  end
  s.file = { text = '', stamp = session.stamp(s.path), errors = 0, size = 0, tail = {}, exists = false }
  s.dirty, s.appended, s.rewrite, s.added, s.created = false, false, false, {}, nil
  require('stance.editor.write').sync(s)
  session.redraw_status()
  return true
end

--- The changes of `s` refused by a link in its layer's place (`link`: its problem): kept
--- (s.readonly says why), tried again once the file there changes.
function H.refuse_link(s, link)
  local where = require('stance.annfile').first_error(s.path, { link }, s.corpus.root)
  s.readonly = ('%s: remove it to save your changes (kept here); %s; not saved through it, your changes are kept in'
    .. ' this session and saved once a file is there, nothing more can be changed until then'):format(
    link.folder and 'a folder of your layer is a link' or 'your layer is a link', where)
  s.readonly_disk = require('stance.editor.session').stamp(s.path)
end

--- The changes of `s` refused by its layer's file, changed on disk with errors (the first at
--- `where`): kept, merged once it is fixed.
function H.refuse_errors(s, where)
  s.readonly = ('your layer now has errors: fix it to save your changes (kept); first at %s; it changed on disk,'
    .. ' not overwritten: your changes are kept in this session and saved once it is fixed, nothing more can be'
    .. ' changed until then'):format(where)
  s.readonly_disk = require('stance.editor.session').stamp(s.path) -- the file as it is now
end

--- At a quit (QuitPre): would the layer's file refuse the changes of `s` now (a link put in
--- its place, or a version with errors written since it was read), whether or not its watch
--- or another moment has looked at it yet? Then they are held as a save holds them (M.save,
--- M.merge), without a message: the quit says why. Synchronous; nothing is written.
---@param s stance.Session
function M.refused_now(s)
  if s.detached or not s.dirty or s.readonly then return end
  require('stance.editor.tidy').settle(s)
  local link = require('stance.layer_link').problem(s.path, s.corpus.root)
  if link then return H.refuse_link(s, link) end
  if require('stance.editor.session').stamp(s.path) == s.file.stamp then return end
  local disk = require('stance.fs').read(s.path, s.corpus.root)
  if not disk or disk == H.file_text(s) then return end
  local _, problems = require('stance.core').read(disk, { vocab = s.corpus:vocab() })
  local where = require('stance.annfile').first_error(s.path, problems, s.corpus.root)
  if where then H.refuse_errors(s, where) end
end

function H.failed(s, err, code)
  if code == 'EBUSY' then -- (core.write_atomic's wait: M.LOCK_WAIT) said short, the path in :messages
    err = 'another process is writing your layer now (it holds the file\'s lock: ' .. err .. ')'
  end
  local msg = ('could not save the annotations of %s: %s'):format(s.rel, err)
  -- held: the buffer is 'modified', so that :q refuses (E37) and says why, rather than quit
  -- with the changes unsaved (a full disk, a quota, a folder made read-only); tried again every
  -- few seconds, and at each quit, until the write succeeds. Said once per reason.
  s.write_error = err
  require('stance.editor.write').sync(s, true)
  if s.write_said ~= err then
    s.write_said = err
    require('stance.notify').line(msg .. '; your changes are kept and saved again every few seconds',
      vim.log.levels.ERROR)
  end
  s.retry_timer = require('stance.compat').restart_timer(s.retry_timer, M.RETRY_MS, function()
    if not s.detached and s.dirty and s.write_error and not s.readonly then M.save(s, { force = true }) end
  end)
  return nil, msg
end

--- How long a failed write waits before it is tried again (ms).
M.RETRY_MS = 3000
--- How long a write waits for another process's lock on the layer (seconds): then EBUSY, the
--- changes held and tried again (M.RETRY_MS), the editor never frozen by another writer.
M.LOCK_WAIT = 0.1

--- A write of `s` succeeded: a failed one before it is over (said, if it was).
function H.succeeded(s)
  if s.write_error then
    s.write_error, s.write_said = nil, nil
    s.retry_timer = require('stance.compat').close_timer(s.retry_timer)
    require('stance.notify').line(('the annotations of %s are saved'):format(s.rel))
  end
  if s.relearn_held and not s.dirty then
    -- suggestions waited for your changes to be saved (stance.editor.suggest): learnt now
    s.relearn_held = nil
    vim.schedule(function()
      if not s.detached then require('stance.editor.suggest').relearn(s) end
    end)
  end
end

--- The file changed on disk since it was read (a `git pull`, another Neovim): merge what
--- is there with what changed here since, write the result, and show it.
---@param s stance.Session
---@param frame stance.Frame the buffer's text
---@param ours_text string what this session would have written
---@param disk string|nil what the file holds now
function M.merge(s, frame, ours_text, disk)
  local core = require('stance.core')
  local vocab = s.corpus:vocab()
  local ours = core.read(ours_text, { vocab = vocab })
  local base = s.file.exists and core.read(H.file_text(s) or '', { vocab = vocab }) or nil
  local total = { theirs = 0, ours = 0, conflicts = 0, conflict_ids = {}, header = {} }
  for _ = 1, 8 do -- merge again while others keep writing the file
    local theirs, problems
    if disk then
      theirs, problems = core.read(disk, { vocab = vocab })
    else
      theirs, problems = core.store(), {}
    end
    local where = require('stance.annfile').first_error(s.path, problems, s.corpus.root)
    if where then
      -- kept in memory, and merged again once the file is fixed (M.check_disk)
      H.refuse_errors(s, where)
      require('stance.notify').line(s.readonly, vim.log.levels.ERROR) -- one line: no Press ENTER
      require('stance.editor.write').sync(s) -- held: :q refuses as for a modified buffer
      return nil, s.readonly
    end
    local res, err = require('stance.merge').stores(base, ours, theirs)
    if not res then return H.failed(s, err) end
    total.theirs, total.ours, total.conflicts = total.theirs + res.theirs, total.ours + res.ours,
      total.conflicts + res.conflicts
    for _, id in ipairs(res.conflict_ids) do
      total.conflict_ids[#total.conflict_ids + 1] = id
    end
    for _, h in ipairs(res.header_conflicts) do
      total.header[#total.header + 1] = h
    end
    local out = res.store:write()
    local ok, info, code = core.write_atomic(s.path, out, disk and core.sha256(disk) or '', { root = s.corpus.root,
      wait = M.LOCK_WAIT })
    if ok then
      frame:anchor(res.store)
      local before = s.store
      s.store = res.store
      H.written(s, out, info)
      H.shown_anew(s, before, res.store)
      -- what happened first, the file last: one line, cut where the screen ends
      local msg = ('your layer changed on disk: merged (%d change(s) from the file, %d of yours)'):format(
        total.theirs, total.ours)
      local file = ('; %s'):format(vim.fn.fnamemodify(s.path, ':~:.'))
      if total.conflicts > 0 then
        -- a record changed on both sides is kept twice; a header value keeps yours
        local quotes, parts = {}, {}
        for i, id in ipairs(total.conflict_ids) do
          if i > 3 then
            quotes[#quotes + 1] = '…'
            break
          end
          local rec = s.store:get(id)
          if rec and rec.kind == 'doclabel' then
            quotes[#quotes + 1] = ('the document stance%s'):format(rec.target and ' toward ' .. rec.target or '')
          else
            quotes[#quotes + 1] = rec and rec.spans and not rec.orphan
              and ('"%s"'):format(require('stance.editor.nav').quote(s.buf, rec.spans, 30)) or id
          end
        end
        if #quotes > 0 then
          parts[#parts + 1] = ('both versions kept: %s (:Stance list conflicts)'):format(table.concat(quotes, ', '))
        end
        for _, h in ipairs(total.header) do -- ours kept, theirs' as a comment in the document record
          parts[#parts + 1] = ('`%s` of the document record: yours kept (theirs\' in a comment)'):format(h)
        end
        require('stance.notify').line(msg .. ('; %d conflict(s), %s'):format(total.conflicts,
          table.concat(parts, '; ')) .. file, vim.log.levels.WARN)
      else
        require('stance.notify').line(msg .. file)
      end
      return true
    end
    if code ~= 'ECHANGED' then return H.failed(s, info, code) end
    -- what this merge started from is now the base of the next one
    base, ours = theirs, res.store
    disk = require('stance.fs').read(s.path, s.corpus.root)
  end
  return H.failed(s, 'the file keeps changing on disk; your changes are kept in this session, saved at the next try')
end

--- The session's layer was replaced by `after` (read again or merged from disk): what it
--- draws is made again (its relations' marks, document stances, counts), and the lines of
--- the annotations that changed are drawn again, with those of both ends of each relation
--- that came, went or changed.
function H.shown_anew(s, before, after)
  s.store = after
  s.meta_version = (s.meta_version or 0) + 1
  s:forget(nil, true)
  local render = require('stance.editor.render')
  local ranges = render.store_diff(s.buf, before, after)
  local function rels(store)
    local out = {}
    for _, r in ipairs(store:records('relation')) do
      out[r.id .. '\0' .. (r.conflict or '')] = table.concat({ r.from, r.to, r.type or '' }, '\0')
    end
    return out
  end
  local function ends(store, key)
    local from, to = key:match('^([^%z]*)%z([^%z]*)')
    for _, id in ipairs({ from, to }) do
      local rec = store:get(id) or before:get(id)
      for _, sp in ipairs(rec and not rec.orphan and rec.spans or {}) do
        ranges[#ranges + 1] = { sp[1], sp[2] }
      end
    end
  end
  local old, new = rels(before), rels(after)
  for k, v in pairs(old) do
    if new[k] ~= v then ends(after, v) end
  end
  for k, v in pairs(new) do
    if old[k] ~= v then ends(after, v) end
  end
  render.redraw(s.buf, ranges)
  require('stance.editor.session').redraw_status()
end

--- The annotation file may have changed on disk (focus came back, the buffer was entered,
--- the cursor rested, a shell command ran, or the watch of its folder saw it: a `git pull`
--- while Neovim is open): take the new version if nothing is pending here, else merge it
--- with what is (and write the merge, as a save does). Not while a key is half typed, text
--- inserted or a command line edited: then at the next of these moments.
---@param s stance.Session
function M.check_disk(s)
  if s.detached then return end
  -- the whole write on the worker replaces the file: looked at when its outcome is taken
  -- (stance.editor.tidy.arrived), never read here meanwhile
  if s.tidy_job then return end
  if vim.api.nvim_get_mode().mode == 'n' then require('stance.editor.layers').refresh(s) end
  if not s.watch then M.watch(s) end
  local stamp = require('stance.editor.session').stamp(s.path)
  if s.dirty and s.readonly_disk and s.readonly_disk ~= stamp and vim.api.nvim_get_mode().mode == 'n' then
    -- the file that refused your changes changed (fixed, a link removed): saved now
    s.readonly, s.readonly_disk = nil, nil
    return M.save(s, { force = true })
  end
  if stamp == s.file.stamp then return end
  if vim.api.nvim_get_mode().mode ~= 'n' then return end
  if require('stance.fs').read(s.path, s.corpus.root) == H.file_text(s) then
    s.file.stamp = stamp
    return
  end
  if s.dirty then
    -- changes kept while the file had errors: merged once it changed again (fixed, or refused
    -- again); not tried again, nor said again, while it is the same broken file
    if s.readonly_disk then
      if s.readonly_disk == stamp then return end
      s.readonly, s.readonly_disk = nil, nil
    end
    return M.save(s, { force = true })
  end
  local store, file = s:read_layer(s.annotator)
  if not store then return end
  local tidy = require('stance.editor.tidy')
  local pending = tidy.pending(s) -- an append of ours left out of order: still in the file read
  local before = s.store
  s.file = { text = file.text, stamp = file.stamp, errors = file.errors, size = file.size, tail = {},
    exists = file.exists, cached = file.cached }
  s.added, s.rewrite, s.appended = {}, false, false
  s.readonly, s.readonly_disk = file.errors > 0 and s:unwritable(file) or s:moved(store) or nil, nil
  if pending and not s.readonly then -- written whole at idle all the same (the same when it is canonical now)
    s.appended = true
    tidy.later(s)
  end
  H.shown_anew(s, before, store)
  if s.readonly then
    require('stance.notify').line(('reloaded from disk: %s'):format(s.readonly), vim.log.levels.WARN)
  else
    require('stance.notify').line(('your layer changed on disk: reloaded; %s'):format(vim.fn.fnamemodify(s.path,
      ':~:.')))
  end
end

return M
