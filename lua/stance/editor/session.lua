--- One buffer being annotated: the document inside a corpus, the annotator's layer read into
--- a store whose spans are buffer bytes (they follow every edit of the text), and what the
--- other modules of the editor keep about it. A document outside any corpus is left alone.
---@class stance.Session
---@field buf integer
---@field corpus stance.Corpus
---@field rel string the document's path relative to the corpus root
---@field annotator string
---@field path string the annotation file
---@field file {text: string|nil, stamp: string, errors: integer} what is on disk, as last read or written
---@field store stance.Store spans in buffer bytes
---@field trash stance.Store removed annotations, kept in step with the text for undo
---@field frame stance.Frame|nil the buffer's text as a file, while the text is unchanged
---@field readonly string|nil why the layer cannot be written
---@field dirty boolean the store differs from the file
---@field undo table[] annotation operations, newest last
---@field redo table[]
---@field others table<string, table> other annotators' layers { store, shown }
---@field cache table<integer, table> per slot: what rendering needs
local M = {}
require('stance.editor.events').define() -- the autocommands that serve this module (once)
local H = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local R = require('stance.modules') -- (modules required at first use, kept)
M.__index = M

---@type table<integer, stance.Session>
M.by_buf = {}

local CONTEXT_BYTES = 128 -- bytes around an edit that touch an annotation's prefix or suffix

--- The session of `buf` (default: the current buffer), or nil.
---@param buf integer|nil
---@return stance.Session|nil
function M.get(buf)
  if buf == nil or buf == 0 then buf = vim.api.nvim_get_current_buf() end
  return M.by_buf[buf]
end

--- The session of the current buffer, or nil and a message that says why there is none.
--- With `whole_document` (commands about the whole document: :Stance done, :Stance save), in
--- a location list: the session of the document the list belongs to.
---@param whole_document boolean|nil
---@return stance.Session|nil
---@return string|nil err
function M.current(whole_document)
  local s = M.get()
  if s then return s end
  -- in a location list (:Stance list opens one, and Neovim puts the cursor there): the
  -- document of the window it belongs to, for what concerns the whole document; else say so
  local wi = vim.fn.getwininfo(vim.api.nvim_get_current_win())[1]
  if wi and (wi.loclist == 1 or wi.quickfix == 1) then
    local owner = wi.loclist == 1 and vim.fn.getloclist(0, { filewinid = 0 }).filewinid or 0
    if whole_document and owner ~= 0 and vim.api.nvim_win_is_valid(owner) then
      s = M.get(vim.api.nvim_win_get_buf(owner))
      if s then return s end
    end
    return nil, 'this is a list, not a document: go back to the document (<C-w>p) first'
  end
  local name = vim.api.nvim_buf_get_name(0)
  if name == '' then return nil, 'this buffer has no file' end
  return nil, ('%s is not a document of a corpus (:help stance-corpus)'):format(vim.fn.fnamemodify(name, ':~:.'))
end

--- The buffer's text exactly as it is (or would be) written to its file: BOM, line ends,
--- final line end.
---@param buf integer
---@return string
function M.file_text(buf)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local bo = R['stance.compat'].bo(buf)
  local sep = bo.fileformat == 'dos' and '\r\n' or (bo.fileformat == 'mac' and '\r' or '\n')
  local text = table.concat(lines, sep)
  if bo.endofline or bo.fixendofline then
    if not (#lines == 1 and lines[1] == '') then text = text .. sep end
  end
  if bo.bomb then text = '\239\187\191' .. text end
  return text
end

--- The document's text: the file's bytes as stored when the buffer shows them unchanged
--- (also after an edit undone, `x` then `u`: the hash recorded is always that of the file's
--- bytes, final line end or not), else what writing the buffer would store.
function M:text()
  local bo = R['stance.compat'].bo(self.buf)
  if not bo.modified and (bo.fileencoding == '' or bo.fileencoding == 'utf-8') then
    local disk = R['stance.fs'].read(vim.api.nvim_buf_get_name(self.buf))
    if disk and not self.edited then return disk end
    if disk then
      -- edited since read or written, then changed back: the same lines, and a final line
      -- end only where the file has one
      local text = M.file_text(self.buf)
      if text == disk then return disk end
      local sep = bo.fileformat == 'dos' and '\r\n' or (bo.fileformat == 'mac' and '\r' or '\n')
      if not bo.endofline and text == disk .. sep then return disk end
      return text
    end
  end
  return M.file_text(self.buf)
end

--- Whether a frame made from the document's file is the buffer's text: the buffer is
--- unchanged, shows the file's bytes as UTF-8 with the same line ends, and is as long.
---@param frame stance.Frame
---@param crlf boolean the frame's line ends
---@return boolean
function M:shows_file(frame, crlf)
  local bo = R['stance.compat'].bo(self.buf)
  if bo.modified or self.edited or not (bo.fileencoding == '' or bo.fileencoding == 'utf-8')
    or crlf ~= (bo.fileformat == 'dos') then
    return false
  end
  local len = vim.api.nvim_buf_get_offset(self.buf, vim.api.nvim_buf_line_count(self.buf))
  local flen = frame:buf_len()
  return flen == len or (flen == len - 1 and not bo.endofline)
end

--- A frame for the buffer's current text (cached until the text changes).
---@return stance.Frame
function M:get_frame()
  if not self.frame then
    self.frame_text, self.frame_hash = self:text(), nil
    local crlf = R['stance.compat'].buf_option(self.buf, 'fileformat') == 'dos'
    self.frame = R['stance.core'].frame(self.frame_text, { crlf = crlf })
  end
  return self.frame, self.frame_text
end

--- Read the layer of `annotator` for the session's document into a store placed in the
--- buffer's text. Returns the store, the file as read, and the anchoring result.
---@return stance.Store|nil store
---@return table|nil file
---@return table|nil anchored
function M:read_layer(annotator)
  local core = R['stance.core']
  local cache = R['stance.editor.cache']
  local path = R['stance.root'].annotation_path(self.corpus.root, annotator, self.rel)
  local stamp = M.stamp(path)
  -- a link is no one's layer: nothing read, an error at its line 1 (stance.layer_link)
  local link = R['stance.layer_link'].problem(path, self.corpus.root)
  if link then
    R['stance.editor.preload'].take(self.buf, annotator, path, stamp)
    return R['stance.core'].store(), { path = path, stamp = stamp, errors = 1, problems = { link }, size = 0,
      exists = true, link = link.folder and 'folder' or true },
      { placed = 0, moved = 0, fuzzy = 0, orphaned = 0, moved_ids = {}, orphan_ids = {} }
  end
  -- a folder at the file's name (git carries `ana/DOC.stance/x.stance`): a layer file in error
  -- at its line 1, nothing read from it, nothing written there (stance.annfile.FOLDER)
  local st = R['stance.core'].stat(path)
  if st and st.type == 'directory' then
    R['stance.editor.preload'].take(self.buf, annotator, path, stamp)
    return R['stance.core'].store(), { path = path, stamp = stamp, errors = 1, size = 0, exists = true,
      problems = { { line = 1, col = 1, severity = 'error', message = R['stance.annfile'].FOLDER } } },
      { placed = 0, moved = 0, fuzzy = 0, orphaned = 0, moved_ids = {}, orphan_ids = {} }
  end
  local pre = R['stance.editor.preload'].take(self.buf, annotator, path, stamp)
  local cached, raw
  if pre and pre.key then
    -- the layer cache, loaded on a thread: if it was made for the text as the buffer shows it
    if pre.key == cache.key(self, stamp) and cache.quotes_hold(self, pre.store) then
      cached, raw, self.preloaded = pre.store, pre.text, true
    end
    pre = nil
  elseif not pre then
    cached = cache.load(self, annotator, stamp)
    -- the file's bytes are still kept (not parsed): they are what a merge starts from if
    -- the file changes on disk later
    raw = cached and R['stance.fs'].read(path, self.corpus.root)
    if cached and M.stamp(path) ~= stamp then cached = nil end
  end
  if cached and raw then
    -- `stance warm` saves what it placed even when annotations moved or were orphaned: the
    -- editor says so and writes their new places, as when it places them itself
    local moved, orphans = cached:marked('touched'), cached:orphans()
    return cached, { path = path, text = raw, stamp = stamp, errors = 0, problems = {},
      size = type(raw) == 'string' and #raw or raw:len(), exists = true, cached = true },
      { placed = cached:count('annotation') - orphans - moved, moved = moved, fuzzy = 0, orphaned = orphans,
        moved_ids = {}, orphan_ids = {} }
  end
  local text = pre and pre.text
  if not pre then
    local rerr, rcode
    text, rerr, rcode = R['stance.fs'].read(path, self.corpus.root)
    if not text and rcode ~= 'ENOENT' then return nil, rerr end
  end
  local store, problems, anchored
  if pre and pre.store and pre.anchored and pre.frame and not self.frame and self:shows_file(pre.frame, pre.crlf) then
    -- read, parsed and placed in the document on threads, for the text the buffer shows
    store, problems, anchored, self.preloaded = pre.store, pre.problems, pre.anchored, true
    self.frame, self.frame_text, self.frame_hash = pre.frame, nil, nil
  elseif text then
    if type(text) ~= 'string' then text = text:string() end
    local opts = { vocab = self.corpus:vocab() }
    if not self.frame then
      -- the document's frame is made on another thread while the file is read
      opts.document, opts.crlf = self:text(), R['stance.compat'].buf_option(self.buf, 'fileformat') == 'dos'
    end
    local frame
    store, problems, frame = core.read(text, opts)
    if not store then return nil, problems end
    if frame then self.frame, self.frame_text, self.frame_hash = frame, opts.document, nil end
  elseif stamp ~= '' then
    return nil, ('cannot read %s'):format(path)
  else
    store, problems = core.store(), {}
  end
  local errors = 0
  for _, p in ipairs(problems) do
    if p.severity == 'error' then errors = errors + 1 end
  end
  if not anchored then
    -- every quote is checked where the file says (cheap), whatever hash it records: a clean
    -- git merge, a tool or a collaborator may have written offsets of another text
    anchored = self:get_frame():anchor(store)
  end
  return store, { path = path, text = text, stamp = stamp, errors = errors, problems = problems,
    size = text and (type(text) == 'string' and #text or text:len()), exists = text ~= nil }, anchored
end

--- Why the session's own layer, read as `file` (see read_layer) with errors, cannot be
--- changed: that nothing can be annotated until the file is fixed (an annotation made now
--- could not be saved: it is refused before its prompts), then where its first error is.
--- What happened and what to do come first: the message is said on one line, cut where the
--- screen ends (stance.notify.line), whole in :messages.
---@return string
function M:unwritable(file)
  local where, n = R['stance.annfile'].first_error(file.path, file.problems, self.corpus.root)
  if file.link == 'folder' then
    return ('a folder of your layer is a link: remove it to annotate; %s; nothing can be annotated or changed until'
      .. ' the folder is your own'):format(where)
  elseif file.link then
    return ('your layer is a link: remove it to annotate; %s; nothing can be annotated or changed until it is'
      .. ' a file of its own'):format(where)
  end
  return ('your layer has %d error(s): fix it to annotate; the first at %s; stance check lists them; shown as far'
    .. ' as it could be read, nothing can be annotated or changed until it is fixed'):format(n,
    where or vim.fn.fnamemodify(file.path, ':~:.'))
end

--- Why the layer file of `self` is not its to write when its header names another annotator
--- than the folder it is in (moved or copied there from another's folder, by hand or by a
--- merge): writing it would put this annotator's name over the other's work, and `stance
--- check` says the same of it. nil when it is its own.
---@param store userdata the layer as read
---@return string|nil
function M:moved(store)
  local who = store:header().annotator
  -- the annotator's folder: the first below .stance/annotations/ (a document's own folders follow)
  local base = self.corpus.root .. '/' .. R['stance.root'].annotations .. '/'
  local folder = self.path and self.path:sub(1, #base) == base and self.path:sub(#base + 1):match('^([^/]+)/')
  if not who or not folder or R['stance.root'].slug(who) == folder then return nil end
  local utf8 = R['stance.utf8']
  return ('your layer %s names annotator %s: moved or copied from %s\'s folder (git mv it back, stance check says'
    .. ' where); shown, nothing can be annotated or changed in it here, so that their work is not written as %s\'s')
    :format(vim.fn.fnamemodify(self.path, ':~:.'), utf8.name(who), utf8.name(who), utf8.name(self.annotator))
end

--- Said on open: annotations of the layer without a quote in a document that changed since the
--- file was written (its hash differs) cannot be known to be in place (doc/format.md 8.3).
--- Hashes the document only when the file holds an annotation without a quote.
function H.say_unverified(s, rel)
  local recorded = s.store:header().hash
  if not recorded or s.store:count('annotation') == 0 then return end
  local u = R['stance.reanchor'].unverified(s.store, recorded, s:doc_hash())
  if #u == 0 then return end
  R['stance.notify'].line(('%d annotation(s) without a quote, and %s changed since they were annotated: they cannot be '
    .. 're-anchored and may now cover other words (the first at line %d of your layer; stance check lists them);'
    .. ' the file keeps its hash'):format(#u, rel, u[1].line or 1), vim.log.levels.WARN)
end

--- What tells whether an annotation file changed: size, time, inode ("" when there is none).
--- Cheaper than hashing annotation files of tens of megabytes at each write. A link in a
--- layer's place is stamped itself, never what it leads to (stance.layer_link: it is refused,
--- and said once per change of the link, not at each change of its target).
---@param path string
---@return string
function M.stamp(path)
  return R['stance.core'].stamp(path, true)
end

--- "sha256:" and the SHA-256 of the document's text as a file (cached with the frame), as
--- annotation files record it. Made when first asked for (a whole write of the layer), not
--- when the document opens: the frame holds the text's bytes.
function M:doc_hash()
  local frame = self:get_frame()
  if not self.frame_hash then self.frame_hash = 'sha256:' .. assert(frame:sha256()) end
  return self.frame_hash
end

--- The corpus whose document `name` (a full path) is, and its path relative to the root; nil
--- when it is none (with a message when the corpus cannot be read).
---@param name string
---@return stance.Corpus|nil
---@return string|nil rel_or_err
function M.locate(name)
  local root, real = R['stance.root'].find(name)
  if not root then return nil end
  local corpus, cerr = R['stance.corpora'].get(name, root)
  if not corpus then return nil, cerr end
  -- the root found is a real path already (found from `real` upward)
  local rel = R['stance.fs'].relative(real, corpus.root)
  if rel:sub(1, 1) == '/' or not corpus:is_document(rel) then return nil end
  return corpus, rel
end

--- Start annotating `buf` if it shows a document of a corpus. Idempotent.
---@param buf integer
---@return stance.Session|nil
---@return string|nil err why not (nil when the buffer is simply not a document)
function M.attach(buf)
  if M.by_buf[buf] then
    R['stance.editor.preload'].cancel(buf) -- read again: the session keeps its layer
    return M.by_buf[buf]
  end
  local compat = R['stance.compat']
  if not vim.api.nvim_buf_is_loaded(buf) or compat.buf_option(buf, 'buftype') ~= '' then return nil end
  local name = vim.api.nvim_buf_get_name(buf)
  if name == '' then return nil end
  -- located as the buffer was about to be read (preload), else now
  local corpus, rel = R['stance.editor.preload'].located(buf, name)
  if not corpus then corpus, rel = M.locate(name) end
  if not corpus then return nil, rel end
  local annotator, aerr = R['stance.whoami'].name(corpus.root)
  if not annotator then
    -- a reserved name (model, gold): said once per corpus, on one line (no Press ENTER)
    if not H.refused[corpus.root] then
      H.refused[corpus.root] = true
      R['stance.notify'].line(aerr, vim.log.levels.ERROR)
    end
    return nil
  end
  local self = setmetatable({
    buf = buf, corpus = corpus, rel = rel, annotator = annotator,
    -- the document's stamp when the buffer read it: the layer cache's key (stance.editor.cache)
    doc_stamp = R['stance.editor.preload'].doc_stamp(buf, name) or R['stance.cachekey'].stamp(name),
    undo = {}, redo = {}, others = {}, cache = {}, dirty = false, collapsed = {},
    trash = R['stance.core'].store(),
  }, M)
  local store, file, res = self:read_layer(self.annotator)
  if not store then return nil, file end
  self.store, self.path = store, file.path
  if store:header().document == nil then
    store:set_header('document', rel)
    store:set_header('annotator', self.annotator)
  end
  self.file = { text = file.text, stamp = file.stamp, errors = file.errors, size = file.size, exists = file.exists,
    cached = file.cached, tail = {} }
  if not file.cached then R['stance.editor.cache'].later(self) end
  -- who you annotate as (once, when the name was found rather than set) is said first: what
  -- follows (your layer's error, a changed text) is then the line on the screen, not under it
  H.say_annotator(corpus.root)
  if file.errors > 0 then
    self.readonly = M.unwritable(self, file)
    R['stance.notify'].line(self.readonly, vim.log.levels.WARN) -- one line: no Press ENTER
  elseif M.moved(self, store) then
    self.readonly = M.moved(self, store)
    R['stance.notify'].line(self.readonly, vim.log.levels.WARN)
  end
  M.by_buf[buf] = self
  vim.api.nvim_buf_set_var(buf, 'stance_annotator', self.annotator)
  -- a document written (after :setlocal modifiable) keeps its last line as read: with or
  -- without a line end ('endofline' as read), never one added by 'fixendofline'; an edit
  -- undone is then byte-identical, and so are the annotations' offsets
  compat.set_buf_option(buf, 'fixendofline', false)
  if R['stance.config'].get().documents.readonly and vim.fn.filereadable(name) == 1 then
    -- not 'readonly' (Neovim sets it for a file you may not write): it makes :w fail (E45)
    -- before the BufWriteCmd that writes the layer
    compat.set_buf_option(buf, 'modifiable', false)
    compat.set_buf_option(buf, 'readonly', false)
    R['stance.editor.write'].attach(self)
  end
  R['stance.editor.track'].attach(self)
  R['stance.editor.render'].attach(self)
  R['stance.editor.keys'].attach(self)
  -- said on one line that fits (no Press ENTER), what it means first; the whole in :messages
  local notify = R['stance.notify']
  if res.moved == 0 and res.orphaned > 0 and store:header().hash == nil and (res.unsearched or 0) == 0 then
    -- written with its orphans (a file holding one records no hash): nothing changed since
    notify.line(('%d annotation(s) whose text is not in the document (orphans, kept; :Stance list orphans): %s')
      :format(res.orphaned, rel), vim.log.levels.WARN)
    self.rewrite = true
  elseif res.moved > 0 or res.orphaned > 0 then
    notify.line(('text changed since saved: %d moved, %d orphaned%s; %s: %d kept, %d moved with a changed text%s')
      :format(res.moved, res.orphaned, res.orphaned > 0 and ' (kept; :Stance list orphans)' or '', rel, res.placed,
        res.fuzzy or 0,
        (res.unsearched or 0) > 0 and ('; %d not searched for (too costly a document)'):format(res.unsearched) or ''),
      vim.log.levels.WARN)
    self.rewrite = true -- the file's offsets are out of date: the next write is a whole one
    if res.moved > 0 then self:changed() end
  end
  H.say_unverified(self, rel)
  H.take_history(self) -- a reload (:e!) of the same text keeps the annotations' undo history
  -- a schema with errors (git's conflict markers, a name defined twice) is used as far as it
  -- reads: said at each document opened, on one line, its first error's place first
  local said = R['stance.schema'].errors_said(select(2, corpus:schema()))
  if said then notify.line(said, vim.log.levels.WARN) end
  -- an older corpus's .stance/.gitignore (its unanchored lines hid annotation files from git)
  -- mended, said once on one line; last, so that it is the line seen (it is said only once)
  R['stance.ignored'].upgrade(corpus.root)
  vim.api.nvim_exec_autocmds('User', { pattern = 'StanceAttach', modeline = false })
  return self
end

H.told = {}
H.refused = {}

--- The first document of a corpus opened in this Neovim says who you annotate as, once, when
--- the name was found (git, $USER) rather than set: a name from another repository's config
--- would otherwise fill a stray layer unseen.
function H.say_annotator(root)
  local whoami = R['stance.whoami']
  local name, source = whoami.source(root)
  if not name or whoami.explicit(source) or H.told[root] == name then return end
  H.told[root] = name
  -- scheduled once (as stance.notify.line is): the messages said after it on opening come
  -- after it, on the screen and in :messages
  R['stance.compat'].echo(('stance: annotating as %s (from %s; :help stance-annotator)'):format(name, source))
end

--- Stop annotating the buffer (after saving what is not saved).
---@param buf integer
function M.detach(buf)
  local self = M.by_buf[buf]
  if not self then return end
  -- (and a file an append left out of order written whole: stance.editor.tidy)
  if self.dirty or R['stance.editor.tidy'].pending(self) then
    R['stance.editor.persist'].save(self, { force = true })
  end
  R['stance.editor.persist'].cancel(self)
  R['stance.editor.write'].detach(self)
  M.by_buf[buf] = nil
  self.detached = true
  H.keep_history(self)
end

--- The annotation history of buffers detached with everything saved (`:e!`, `:checktime`,
--- `:bunload`), by buffer: taken back when the buffer shows the same document again with the
--- same text, the same text history and the same layer file (H.take_history).
H.kept = {}

function H.keep_history(self)
  H.kept[self.buf] = nil
  if self.dirty or (#self.undo == 0 and #self.redo == 0) or not vim.api.nvim_buf_is_valid(self.buf) then return end
  H.kept[self.buf] = { undo = self.undo, redo = self.redo, trash = self.trash, path = self.path,
    annotator = self.annotator, stamp = self.file.stamp, doc_stamp = self.doc_stamp,
    seq = vim.api.nvim_buf_call(self.buf, vim.fn.changenr) }
end

function H.take_history(self)
  local k = H.kept[self.buf]
  H.kept[self.buf] = nil
  if not k or k.path ~= self.path or k.annotator ~= self.annotator or k.stamp ~= self.file.stamp
      or k.doc_stamp ~= self.doc_stamp or self.rewrite or self.readonly
      or k.seq ~= vim.api.nvim_buf_call(self.buf, vim.fn.changenr) then
    return
  end
  self.undo, self.redo, self.trash = k.undo, k.redo, k.trash
end

--- The buffer is gone (wiped out): its kept history with it.
---@param buf integer
function M.forget_history(buf)
  H.kept[buf] = nil
end

--- The annotations changed (an operation, or the text moved them): save later, and redraw
--- unless `quiet` (an edit of the text redraws anyway).
---@param quiet boolean|nil
function M:changed(quiet)
  self.dirty = true
  R['stance.editor.persist'].schedule(self)
  if not quiet then
    R['stance.editor.render'].redraw(self.buf)
    R['stance.editor.nav'].lists_changed(self)
  end
  M.redraw_status()
end

--- The statusline shows the counts and "+" of stance.status(): Neovim does not know they
--- changed (only extmarks did), so its statuslines are drawn again once the key that changed
--- them is done (once however many changes it made; not while Neovim waits at a prompt).
function M.redraw_status()
  if M.status_pending then return end
  M.status_pending = true
  vim.schedule(function()
    M.status_pending = false
    if vim.api.nvim_get_mode().blocking then return end
    pcall(vim.cmd, 'redrawstatus!')
  end)
end

--- The rows of record `rec` (its spans, in buffer bytes now) must be drawn again: noted
--- until the next redraw (render.redraw).
---@param rec table|nil
function M:damage(rec)
  if not rec or not rec.spans then return end
  local d = self.damaged or {}
  self.damaged = d
  for _, sp in ipairs(rec.spans) do
    d[#d + 1] = { sp[1], sp[2] }
  end
end

--- Forget what rendering cached about `slot` (all slots when nil), and the counts of the
--- statusline (all of them with `recount`).
function M:forget(slot, recount)
  if slot then
    self.cache[slot] = nil
  else
    self.cache = {}
    self.cache_other = nil
  end
  self.counts = nil
  if recount or not slot then self.tally = nil end
end

--- Count record `rec` in (delta 1) or out (-1) of the statusline's counts, when they are
--- kept (they are made once from the store, then followed).
function M:count(rec, delta)
  local t = self.tally
  if not t or rec.kind ~= 'annotation' then return end
  local k = rec.stance or ''
  t[k] = (t[k] or 0) + delta
  if rec.orphan then t.orphans = (t.orphans or 0) + delta end
  if rec.conflict == 'ours' then t.conflicts = (t.conflicts or 0) + delta end
  self.counts = nil
end

M.CONTEXT_BYTES = CONTEXT_BYTES

return M
