--- Writing and quitting in an annotated document. A document opened read-only
--- (documents.readonly: 'modifiable' off) is written by `:w`, `:w!`, `:wq`, `:x`, `ZZ` and
--- `:wa` as its annotation layer, never as its text (a BufWriteCmd for its file; 'readonly' is
--- not set, as it makes `:w` fail with E45 before any BufWriteCmd on every Neovim from 0.7).
--- A copy written elsewhere (`:w FILE`) and a document made 'modifiable' to correct its text are
--- written as Neovim writes any file. While changes of yours cannot be written (your layer's
--- file has errors, or a link is in its place), the buffer is 'modified': `:q`, `:qa`, `:wq` and
--- `:x` refuse as for any unsaved change (E37, E162), and say why and what to do; `:q!` discards
--- them, silently. A quit looks at the file itself (M.quit_pre), whether or not its watch has
--- seen it change. `:wa` (`:wqa`, `:xa`) writes the changes not yet saved (autosave pending) too;
--- with none, it writes nothing.
local M = {}
require('stance.editor.events').define() -- the autocommands that serve this module (once)
local H = {}

local Q = require('stance.editor.quit_check')

--- CmdlineLeave of ":": what the command about to run means for annotated documents. A quit
--- with ! discards (M.quit_pre then says nothing); a write of every changed buffer (`:wa`)
--- writes the annotations not yet saved: their buffers are 'modified' for it (M.sync puts
--- that back if they were not written).
function M.cmdline_leave()
  local ev = vim.v.event
  if type(ev) ~= 'table' or ev.abort or ev.cmdtype ~= ':' then return end
  local session = package.loaded['stance.editor.session']
  if not session then return end
  for _, c in ipairs(Q.commands(vim.fn.getcmdline())) do
    if c.bang and (Q.one_of(c.name, Q.QUIT) or Q.one_of(c.name, Q.QUIT_ALL)) then
      H.forced = true
      vim.schedule(function() H.forced = nil end) -- this command only
    end
    if Q.one_of(c.name, Q.WRITE_ALL) then
      for _, s in pairs(session.by_buf) do
        if s.dirty and s.write_cmd and not s.detached and vim.api.nvim_buf_is_valid(s.buf)
            and not vim.bo[s.buf].modified then
          vim.bo[s.buf].modified = true
          s.held, s.quiet_write = true, true -- (one message per buffer would wait for Enter)
          vim.schedule(function() M.sync(s) end) -- not written (the command failed before it)
        end
      end
    end
  end
end

--- Take over the writes of session `s`'s document (opened read-only): a BufWriteCmd for its
--- file's name, not for its buffer, as a buffer's BufWriteCmd takes `:w FILE` too, and a write
--- from inside a BufWriteCmd writes nothing on Neovim 0.7.
---@param s stance.Session
function M.attach(s)
  if s.write_cmd or not vim.api.nvim_buf_is_valid(s.buf) or vim.bo[s.buf].modifiable then return end
  local name = vim.api.nvim_buf_get_name(s.buf)
  s.write_cmd = vim.api.nvim_create_autocmd('BufWriteCmd', { pattern = vim.fn.escape(name, '\\*?[]{},'),
    nested = true, desc = 'stance.nvim: :w writes the annotation layer, not the read-only text',
    callback = function(args)
      if args.buf == s.buf then return H.write(s, args) end
      H.real_write(s, args.file) -- another buffer of the same file
    end })
end

--- Stop taking over the writes of `s` (detached, or its document made 'modifiable').
---@param s stance.Session
function M.detach(s)
  if s.write_cmd then pcall(vim.api.nvim_del_autocmd, s.write_cmd) end
  s.write_cmd = nil
end

--- OptionSet of 'modifiable' in an annotated buffer: `:setlocal modifiable` to correct the
--- text makes `:w` write it again as any file (and the annotations with it); nomodifiable
--- again, the annotations only.
function M.option_set()
  local session = package.loaded['stance.editor.session']
  local s = session and session.by_buf[vim.api.nvim_get_current_buf()]
  if not s or s.detached or not require('stance.config').get().documents.readonly then return end
  if vim.bo[s.buf].modifiable then M.detach(s) else M.attach(s) end
end

--- A message as Neovim's own for a write or a quit: at once (not scheduled: a quit may end
--- Neovim next), kept in :messages.
function H.say(text, hl)
  vim.api.nvim_echo({ { text, hl } }, true, {})
end

--- BufWriteCmd: the annotations when the document may not be changed; else (made
--- 'modifiable' with no OptionSet) a real write.
function H.write(s, args)
  if s.detached or vim.bo[s.buf].modifiable then return H.real_write(s, args.file) end
  local quiet = s.quiet_write
  s.quiet_write = nil
  local ok, err = require('stance.editor.persist').save(s, { force = true })
  if ok then
    M.sync(s)
    if quiet then return end
    -- short enough for one line (the layer's file is where every layer of yours is:
    -- :Stance layers, :help stance-persistence), cut with "…" when not, whole in :messages
    if not s.file.exists then -- no annotation of yours, and no file of yours to empty
      require('stance.compat').echo(('"%s": nothing written: no annotation of yours on it (%s has no layer file'
        .. ' here); the text is read-only, not written'):format(s.rel, s.annotator))
      return
    end
    require('stance.compat').echo(('"%s": %d annotation(s) written to your layer (%s); the text is read-only, not'
      .. ' written'):format(s.rel, s.store:count('annotation'), s.annotator))
    return
  end
  -- said on one line, cut with "…" where the screen ends (whole in :messages), as the session
  -- says it: never a Press ENTER prompt
  if not s.dirty then -- nothing of yours waits: the file on disk has errors
    return require('stance.notify').line(('"%s": nothing to write; %s'):format(s.rel, err), vim.log.levels.WARN)
  end
  M.sync(s, true)
  require('stance.notify').line(('"%s": annotations not written: %s. %s'):format(s.rel, err, H.options(s)),
    vim.log.levels.ERROR)
end

--- What one can do with the changes of `s` that cannot be written.
function H.options(s)
  local first = require('stance.layer_link').target(s.path, s.corpus.root)
    and 'Remove the link and they are saved into a file of your own; '
    or (s.write_error and not s.readonly) and 'They are saved as soon as the file can be written again (tried every'
      .. ' few seconds, and at each quit); '
    or 'Fix the file (stance check lists its errors) and they are merged into it; '
  return first .. ':Stance save FILE writes them to another file; :q! discards them'
end

--- The text of a document made 'modifiable' while this BufWriteCmd stayed (no OptionSet: set
--- from a script): written as Neovim writes a file, this BufWriteCmd out of the way meanwhile
--- (Neovim 0.10+; 0.7 writes nothing from inside a BufWriteCmd: said).
function H.real_write(s, file)
  M.detach(s)
  local bang = vim.v.cmdbang == 1 and '!' or ''
  local ok, err = pcall(vim.cmd, 'write' .. bang .. ' ' .. vim.fn.fnameescape(file))
  if not s.detached and not vim.bo[s.buf].modifiable then M.attach(s) end
  if not ok then return H.say(tostring(err):match('(E%d+:.*)$') or tostring(err), 'ErrorMsg') end
  if vim.bo[s.buf].modified then
    H.say(('"%s" not written: made modifiable without :setlocal; :w again'):format(s.rel), 'ErrorMsg')
  end
end

--- The buffer of `s` is 'modified' while changes of yours cannot be written (your layer's
--- file has errors, or a write failed: `failed`), so that Neovim refuses to quit or abandon
--- it without `!`; it is not once they are written.
---@param s stance.Session
---@param failed boolean|nil
function M.sync(s, failed)
  if not vim.api.nvim_buf_is_valid(s.buf) then return end
  if failed then s.write_failed = true end
  if not s.dirty then s.write_failed = nil end
  local hold = not s.detached and s.dirty and (s.readonly ~= nil or s.write_failed == true)
  if hold then
    if not vim.bo[s.buf].modified then
      vim.bo[s.buf].modified = true
      s.held = true
    end
  elseif s.held then
    s.held = nil
    -- the text's own changes (a document made 'modifiable') keep it 'modified'
    if not vim.bo[s.buf].modifiable then vim.bo[s.buf].modified = false end
  end
end

--- QuitPre: changes of yours that the layer's file would refuse now (it broke on disk, or a
--- link was put in its place, within the autosave's delay: persist.refused_now, at once,
--- whether or not its watch has fired) are held (M.sync), so that Neovim refuses to quit
--- (E37, E162); the documents whose changes are held say so: which file, where its first error
--- is, what to do. Not for a quit with ! (`:q!`, `:qa!`, `ZQ`, a mapping's `<Cmd>q!`), which
--- discards them, silently: a quit (typed, ZZ, a mapping, a script) says it once it was refused,
--- on one line with Neovim's error (H.refused). A refused `:q` of the last window gives one
--- refusal (H.one_message), not Neovim's two.
function M.quit_pre()
  local session = package.loaded['stance.editor.session']
  if not session then return end
  local held = {}
  for _, s in pairs(session.by_buf) do
    if not H.forced then require('stance.editor.persist').refused_now(s) end
    -- a write that failed is tried once more (the disk may have room again): held if it fails
    if not H.forced and s.write_error and s.dirty and not s.readonly and not s.detached then
      require('stance.editor.persist').save(s, { force = true })
    end
    M.sync(s) -- written since (merged once the file was fixed): no longer held
    if not H.forced and s.held and vim.api.nvim_buf_is_valid(s.buf) and vim.bo[s.buf].modified then
      held[#held + 1] = s
    end
  end
  if session.by_buf[vim.api.nvim_get_current_buf()] then H.one_message() end
  if #held == 0 then return end
  local win = vim.api.nvim_get_current_win()
  vim.v.errmsg = ''
  vim.schedule(function() H.refused(win, held) end)
end

--- What a refused quit says of document `s`, whose changes are held.
function H.not_saved(s)
  return ('%s: your annotation changes are not saved: %s. %s'):format(s.rel, H.why(s), H.options(s))
end

--- The turn of the loop after a quit that found changes held: when Neovim is still there and
--- so is the quit's window, the quit was refused: its error (E37, E162: shown again, as what
--- follows is written over it) and then why, for each held document, on one line cut with
--- "…" where the screen ends (whole in :messages): never a Press ENTER prompt. (Said before
--- Neovim's error, it made two rows or more, and the prompt.)
function H.refused(win, held)
  if vim.v.exiting ~= vim.NIL or not vim.api.nvim_win_is_valid(win) then return end
  local why = {}
  for _, s in ipairs(held) do
    if s.held and vim.api.nvim_buf_is_valid(s.buf) and vim.bo[s.buf].modified then
      local text = H.not_saved(s)
      pcall(vim.fn.execute, 'echomsg ' .. vim.fn.string(text), '') -- into :messages, shown below
      why[#why + 1] = text
    end
  end
  if #why == 0 then return end
  local err = vim.v.errmsg -- in :messages already
  local line = require('stance.notify').fit((err ~= '' and err .. ' ' or '') .. table.concat(why, '; '))
  if err ~= '' and #line > #err then
    vim.api.nvim_echo({ { err, 'ErrorMsg' }, { line:sub(#err + 1), 'WarningMsg' } }, false, {})
  else
    vim.api.nvim_echo({ { line, 'WarningMsg' } }, false, {})
  end
end

--- A `:q` in the last window (the side windows of ours aside) of a modified document: Neovim,
--- with 'hidden', checks every buffer and says E37 and then E162 for the same one; with the
--- buffer not to be hidden for this quit ('bufhidden' unload until the next turn of the loop)
--- it says E37 alone. A quit that closes a window or a tab page is left as it is.
function H.one_message()
  local buf = vim.api.nvim_get_current_buf()
  if not vim.bo[buf].modified or vim.bo[buf].bufhidden ~= '' or not vim.o.hidden
      or #vim.api.nvim_list_tabpages() > 1 then
    return
  end
  local cur = vim.api.nvim_get_current_win()
  local panel = require('stance.editor.panel')
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if win ~= cur and vim.api.nvim_win_get_config(win).relative == '' and not panel.is_panel(win) then return end
  end
  vim.bo[buf].bufhidden = 'unload'
  vim.schedule(function()
    if vim.api.nvim_buf_is_valid(buf) and vim.bo[buf].bufhidden == 'unload' then vim.bo[buf].bufhidden = '' end
  end)
end

--- Why the changes of `s` cannot be written: its file's first error (file:line:col).
function H.why(s)
  local link = require('stance.layer_link').refusal(s.path, s.corpus.root)
  if link then return ('%s is a link, the first error at %s'):format(vim.fn.fnamemodify(s.path, ':~:.'), link) end
  local text = require('stance.fs').read(s.path, s.corpus.root)
  local where, n
  if text then
    local _, problems = require('stance.core').read(text, { vocab = s.corpus:vocab() })
    where, n = require('stance.annfile').first_error(s.path, problems, s.corpus.root)
  end
  if where then return ('%s has %d error(s), the first at %s'):format(vim.fn.fnamemodify(s.path, ':~:.'), n, where) end
  return s.readonly or ('%s could not be written%s'):format(vim.fn.fnamemodify(s.path, ':~:.'),
    s.write_error and (' (%s)'):format(s.write_error) or '')
end

--- :Stance save FILE: write the annotations of `s` as they are in this session to FILE (any
--- file but the layer's own, which :Stance save and :w write), e.g. while your layer's file
--- has errors. An existing FILE is overwritten only with `bang`.
---@param s stance.Session
---@param file string
---@param bang boolean|nil
---@return string|nil path written
---@return string|nil err
function M.save_as(s, file, bang)
  local path = vim.fn.fnamemodify(vim.fn.expand(file), ':p')
  if path == vim.fn.fnamemodify(s.path, ':p') then return nil, 'that is your layer: :Stance save (or :w) writes it' end
  if not bang and vim.fn.filereadable(path) == 1 then
    return nil, ('%s exists (add ! to overwrite)'):format(vim.fn.fnamemodify(path, ':~:.'))
  end
  local frame = s:get_frame()
  local _, collapsed = frame:refresh(s.store, require('stance.config').get().context)
  if #collapsed > 0 then
    return nil, ('%d annotation(s) lost all their text; write the layer itself once it can be'):format(#collapsed)
  end
  s.store:set_header('document', s.rel)
  s.store:set_header('annotator', s.annotator)
  -- the new hash, unless annotations without a quote could not be checked in the changed text
  s.store:set_header('hash', require('stance.reanchor').hash_to_record(s.store, s:doc_hash()))
  local out = frame:write(s.store)
  if not out then return nil, 'the annotations could not be written out' end
  local ok, err = require('stance.core').write_atomic(path, out)
  if not ok then return nil, err end
  return path
end

return M
