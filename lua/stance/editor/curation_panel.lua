--- `:Stance curate`: the panel over a curation (stance.curation) of the current document.
--- Places every annotator agrees on go into `gold` when it opens; the panel walks the
--- disputed ones (annotations per target, document stances, relations) with the text, each
--- annotator's version and the progress, while the document's window shows and highlights
--- the passage. The curator accepts a version, makes their own from one, or rejects them all.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

M.GOLD = 'gold'

H.ns = vim.api.nvim_create_namespace('stance_curate')
H.place_ns = vim.api.nvim_create_namespace('stance_curate_place')

--- The current place of the panel.
function H.place(st)
  return st.cur.disputed[st.index]
end

function H.notify_err(err)
  require('stance.notify').error(err)
end

--- Write gold and the rejections (merged with what the state file has now: another
--- curator's decisions are kept, a conflict said on one line), then show gold again where
--- the document shows it.
function H.save(st)
  local ok, err = st.cur:save()
  if not ok then return H.notify_err(err) end
  if err then require('stance.notify').line(err, vim.log.levels.WARN) end
  local s = require('stance.editor.session').by_buf[st.doc_buf]
  if s and s.others[M.GOLD] then
    local shown = s.others[M.GOLD].shown
    s.others[M.GOLD] = nil
    local layer = require('stance.editor.layers').load(s, M.GOLD)
    if layer then layer.shown = shown end
    s:forget()
    require('stance.editor.render').redraw(s.buf)
  end
end

--- After a decision: save, then go to the next open place. The decision that leaves nothing
--- to decide marks gold done when the annotators are done with the document (stance.curation's
--- gold_status): the document counts as curated from then on, and the curator is told so;
--- while one is in progress gold stays in progress, and the curator is told why and what to
--- do. The first decision on a gold marked done with places left since sets it in progress.
function H.decided(st, ok, err)
  if not ok then return H.notify_err(err) end
  local was = st.cur.gold:status()
  H.save(st)
  M.next(st)
  local now, why = st.cur.gold:status(), select(2, st.cur:gold_status())
  local echo = require('stance.compat').echo
  if was ~= 'done' and now == 'done' then
    echo(('gold marked done, nothing left to decide: %s now counts as curated (the model, stance eval, stance'
      .. ' report count it from gold)'):format(st.cur.rel))
  elseif was == 'done' and now ~= 'done' then
    echo(('gold in progress again: %d place(s) left to decide since it was done; %s counts from its annotators'
      .. ' until the last is decided'):format(H.left(st.cur), st.cur.rel))
  elseif why == 'waiting' then
    echo(H.waiting(st.cur))
  elseif st.was_stale and now == 'done' and H.left(st.cur) == 0 then
    -- the only place left since gold was done, decided: it never went back in progress
    st.was_stale = nil
    echo(('nothing left to decide: gold of %s stays done, with the places decided since'):format(st.cur.rel))
  end
end

--- How many places are left to decide (disputed ones open, agreed ones not in gold).
function H.left(cur)
  local c = cur:counts()
  return (c.disputed - c.resolved) + c.pending
end

--- What a gold with nothing left to decide while an annotator is in progress says.
function H.waiting(cur)
  return ('nothing left to decide, but gold stays in progress: %s not done with %s (what they have not read'
    .. ' is not "no stance" yet); D (:Stance done) marks gold done now'):format(table.concat(cur:not_done(), ', '),
    cur.rel)
end

--- Gold's status, and why, on a line of the panel, when it is not what the progress says
--- (in progress while something is left, done when all is resolved): nil then (a narrow
--- panel keeps the place's first version in view).
function H.gold_line(cur)
  local status, why = cur:gold_status()
  if why == 'marked' and status ~= 'done' then
    -- taken back by the curator (:Stance done!): why it is not done of itself, if it is not
    why = #cur:not_done() > 0 and 'waiting' or 'taken-back'
  end
  if why == 'taken-back' then
    return 'gold: in progress, taken back: D (:Stance done) marks it done'
  elseif why == 'stale' then
    return ('gold: done, but %d place(s) undecided since (%s): your first decision sets it in progress until the'
      .. ' last'):format(H.left(cur), H.why_stale(cur))
  elseif why == 'waiting' then
    return ('gold: in progress: %s not done with the document; marked done when they are and this opens again,'
      .. ' or now with D'):format(table.concat(cur:not_done(), ', '))
  elseif why == 'kept' and #cur:not_done() > 0 and not cur.state.done_by then
    return ('gold: done, though %s not done with the document and no curator said so: D confirms it, :Stance'
      .. ' done! sets it in progress'):format(table.concat(cur:not_done(), ', '))
  elseif why == 'marked' and #cur:not_done() > 0 then
    return ('gold: done on your word (%s not done with the document): it counts as curated'):format(
      table.concat(cur:not_done(), ', '))
  end
  return nil
end

--- Why a gold marked done has places undecided, in a few words: two curators' decisions
--- merged into conflicts (stance.curation_merge), or an annotator's layer changed after it.
function H.why_stale(cur)
  local n = 0
  for _ in pairs(cur.state.conflicts or {}) do
    n = n + 1
  end
  if n > 0 then return ('two curators decided %d place(s) differently'):format(n) end
  return "an annotator's layer changed after it"
end

--- D (:Stance done in the panel): mark gold done now, the curator's word, though an annotator
--- is in progress (every sentence without an annotation in gold then counts as "no stance");
--- with `undo` (:Stance done!), in progress again.
function M.mark(st, undo)
  local ok, err = st.cur:mark(undo and 'in-progress' or 'done')
  if not ok then return require('stance.notify').line(err, vim.log.levels.WARN) end
  H.save(st)
  M.render(st)
  local now = st.cur.gold:status()
  if undo then
    require('stance.compat').echo(('gold of %s in progress again: it counts from its annotators'):format(st.cur.rel))
  elseif now == 'done' then
    local waiting = st.cur:not_done()
    require('stance.compat').echo(('gold marked done by you: %s now counts as curated (every sentence without an'
      .. ' annotation in gold: no stance)%s'):format(st.cur.rel, #waiting > 0 and ('; %s still in progress')
      :format(table.concat(waiting, ', ')) or ''))
  end
  return now
end

--- :Stance done[!] while the current buffer is a curation panel: D there (true), else nothing.
---@param undo boolean
---@return boolean|nil handled
function M.done_here(undo)
  local st = M.current
  if not st or vim.api.nvim_get_current_buf() ~= st.buf then return nil end
  M.mark(st, undo)
  return true
end

--- Accept the version of annotator `name` for the current place.
function M.accept(st, name)
  local p = H.place(st)
  if not p then return end
  H.decided(st, st.cur:accept(p, name))
end

--- Reject every version: gold keeps nothing at the current place.
function M.reject(st)
  local p = H.place(st)
  if not p then return end
  st.cur:reject(p)
  H.decided(st, true)
end

--- The annotator whose version the cursor is on in the panel, else the first with one.
function H.base(st, p)
  local row = vim.api.nvim_win_get_cursor(0)[1]
  local name = vim.api.nvim_get_current_buf() == st.buf and st.line_version[row]
  if name and p.versions[name] then return name end
  for _, n in ipairs(st.cur.names) do
    if p.versions[n] then return n end
  end
end

--- What the curator changes for their own version of place `p`, from `base` (asked with
--- the prompts of the editor): for an annotation a label and what it sets and asks; for a
--- document stance the stance; for a relation its type. Nil when cancelled.
function H.changes(st, p, base)
  local schema = st.cur.corpus:schema()
  local prompt = require('stance.editor.prompt')
  if p.kind == 'annotation' then
    -- what the new label asks for and the version had (its role, say) is offered as it was
    local rec = p.versions[base][1]
    -- (only the targets judged in the document, as the editor's own question offers)
    local fields = prompt.label(schema, nil, nil, { target = rec.target, stance = rec.stance, role = rec.role },
      st.cur.rel)
    if not fields then return nil end
    local entry = schema and schema.by.label[fields.label]
    local changes = { label = fields.label }
    for _, f in ipairs({ 'target', 'stance', 'role' }) do
      if entry and entry[f] then changes[f] = entry[f] end
      if fields[f] ~= nil then changes[f] = fields[f] end
    end
    return changes
  elseif p.kind == 'doclabel' then
    local stance = prompt.one(schema, 'stance')
    if not stance then return nil end
    local changes = { stance = stance }
    local rec = p.versions[base][1]
    local entry = schema and rec.label and schema.by.label[rec.label]
    if entry and entry.stance and entry.stance ~= stance then changes.label = false end
    return changes
  end
  local type_ = prompt.one(schema, 'relation')
  return type_ and { type = type_ } or nil
end

--- Make the curator's own version of the current place, from the version under the cursor
--- (or the first): what they change is asked, everything else is kept.
function M.edit(st)
  local p = H.place(st)
  if not p then return end
  local base = H.base(st, p)
  if not base then return end
  local changes = H.changes(st, p, base)
  if not changes then return end
  H.decided(st, st.cur:own(p, base, changes))
end

--- Whether place `p` is one to decide: open, or where gold and the curation record disagree
--- (stance.curation's disagreement: a rejected place gold holds, an accepted one it lacks).
function H.to_decide(cur, p)
  return not cur:resolved(p) or cur:disagreement(p) ~= nil
end

--- Go to the next (or previous) open place (or one where gold and the curation record
--- disagree); stay when there is none. With `any`, to the next (previous) disputed place,
--- decided or not (to change a decision).
function M.next(st, back, any)
  local list = st.cur.disputed
  local n = #list
  for step = 1, n do
    local i = back and ((st.index - 1 - step) % n) + 1 or ((st.index - 1 + step) % n) + 1
    if any or H.to_decide(st.cur, list[i]) then
      st.index = i
      break
    end
  end
  M.render(st)
end

-- ---- drawing ------------------------------------------------------------------------------

--- The text of code points [a, b) of the document.
function H.slice(st, a, b)
  local text, model = st.cur.doc:text(), st.cur.doc:model()
  return text:sub(model:cp_to_byte(a) + 1, model:cp_to_byte(b))
end

function H.oneline(s, max)
  s = s:gsub('%s+', ' ')
  if #s > max then
    local cut = max
    while cut > 1 and s:byte(cut + 1) and s:byte(cut + 1) >= 0x80 and s:byte(cut + 1) < 0xC0 do
      cut = cut - 1
    end
    s = s:sub(1, cut) .. '…'
  end
  return s
end

--- `s` as the annotation format writes a string: in double quotes, `"` and `\` escaped, line
--- ends, tabs and other control characters as escapes (\n, \t, \x1b); cut after `max`
--- bytes of it (never inside an escape or a character).
function H.quoted(s, max)
  local named = { ['\n'] = '\\n', ['\t'] = '\\t', ['\r'] = '\\r', ['"'] = '\\"', ['\\'] = '\\\\' }
  local out, len = {}, 0
  for ch in s:gmatch('[%z\1-\127\194-\244][\128-\191]*') do
    local e = named[ch] or (ch:byte() < 32 or ch:byte() == 127) and ('\\x%02x'):format(ch:byte()) or ch
    if len + #e > max then
      out[#out + 1] = '…'
      break
    end
    out[#out + 1], len = e, len + #e
  end
  return '"' .. table.concat(out) .. '"'
end

--- What a version says, in words.
function H.describe(st, p, rec)
  if p.kind == 'relation' then
    return rec.type or '?'
  end
  local bits = {}
  if rec.label then bits[#bits + 1] = rec.label end
  -- the target is the place's (said in its heading)
  for _, f in ipairs({ 'stance', 'role' }) do
    if rec[f] and rec[f] ~= rec.label then bits[#bits + 1] = f .. ' ' .. rec[f] end
  end
  if rec.note then bits[#bits + 1] = 'note ' .. H.quoted(rec.note, 30) end
  local s = table.concat(bits, ', ')
  -- the annotation's text, when it is not the whole passage shown above
  local a, b = rec.spans and rec.spans[1][1], rec.spans and rec.spans[#rec.spans][2]
  if p.kind == 'annotation' and (a ~= p.start or b ~= p.stop or #rec.spans > 1) then
    s = s .. '  ' .. H.pieces(st, rec.spans, 60)
  end
  return s
end

--- The text of an annotation's spans, each piece quoted on its own and joined by " … " (a
--- discontinuous annotation is its pieces, not the text from its first start to its last
--- end), cut after `max` bytes in all.
function H.pieces(st, spans, max)
  local out, left = {}, max
  for i, sp in ipairs(spans) do
    if left <= 0 then
      out[#out + 1] = '…'
      break
    end
    local piece = H.oneline(H.slice(st, sp[1], sp[2]), left)
    out[i] = '"' .. piece .. '"'
    left = left - #piece
  end
  return table.concat(out, ' … ')
end

--- The stretches to highlight for place `p` (code points): the spans of its versions'
--- annotations, each piece alone; the place's extent when they have none (a relation's ends).
function H.stretches(p)
  if p.kind == 'relation' then return { { p.from.start, p.from.stop }, { p.to.start, p.to.stop } } end
  local out = {}
  for _, vs in pairs(p.versions or {}) do
    for _, rec in ipairs(vs) do
      for _, sp in ipairs(rec.spans or {}) do
        out[#out + 1] = { sp[1], sp[2] }
      end
    end
  end
  if #out == 0 then return { { p.start, p.stop } } end
  table.sort(out, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  return out
end

--- What the place is, in words, and its text.
function H.what(st, p)
  local t = p.target and (' toward ' .. p.target) or ''
  if p.kind == 'doclabel' then return 'the document\'s stance' .. t, nil end
  if p.kind == 'relation' then
    return 'a relation', ('from "%s" to "%s"'):format(H.oneline(H.slice(st, p.from.start, p.from.stop), 50),
      H.oneline(H.slice(st, p.to.start, p.to.stop), 50))
  end
  return p.target and ('the stance' .. t) or 'annotations without a target', H.slice(st, p.start, p.stop)
end

--- The progress lines: never "all resolved" while gold lacks something agreed.
function H.progress(cur)
  local c = cur:counts()
  if c.done then
    return { ('all resolved: %d disputed decided, %d agreed in gold'):format(c.disputed, c.in_gold) }, c
  end
  local agreed = ('agreed: %d of %d in gold'):format(c.in_gold, c.agreed)
  if c.pending > 0 then agreed = agreed .. (', %d waiting for their ends'):format(c.pending) end
  if c.dropped > 0 then agreed = agreed .. (', %d dropped with an end'):format(c.dropped) end
  return { ('disputed: %d of %d resolved'):format(c.resolved, c.disputed), agreed }, c
end

--- How many places gold and the curation record disagree on, in words (nil: none): the
--- curator goes to them with n.
function H.disagree_line(cur)
  local n = #cur:disagreements()
  if n == 0 then return nil end
  return ('! gold and the curation record disagree on %d place(s) (n goes to them; stance check lists them):'
    .. ' decide them again'):format(n)
end

--- Highlight place `p` in the document's window and show it there.
function H.show_in_document(st, p)
  if not vim.api.nvim_buf_is_valid(st.doc_buf) then return end
  vim.api.nvim_buf_clear_namespace(st.doc_buf, H.place_ns, 0, -1)
  if not p or p.kind == 'doclabel' then return end
  local s = require('stance.editor.session').by_buf[st.doc_buf]
  if not s then return end
  local frame = s:get_frame()
  local where = require('stance.editor.where')
  local first
  for _, q in ipairs(H.stretches(p)) do
    local r1, c1 = where.pos(st.doc_buf, frame:cp_to_buf(q[1]))
    local r2, c2 = where.pos(st.doc_buf, frame:cp_to_buf(q[2]))
    vim.api.nvim_buf_set_extmark(st.doc_buf, H.place_ns, r1, c1, { end_row = r2, end_col = c2,
      hl_group = 'StanceCurate', priority = 200 })
    first = first or { r1, c1 }
  end
  if first and vim.api.nvim_win_is_valid(st.doc_win) then
    vim.api.nvim_win_set_cursor(st.doc_win, { first[1] + 1, first[2] })
    where.open_folds('quickfix', st.doc_win)
    vim.api.nvim_win_call(st.doc_win, function() vim.cmd('normal! zz') end)
  end
end

--- Draw the panel and show the place in the document's window.
function M.render(st)
  if not vim.api.nvim_buf_is_valid(st.buf) then return end
  local cur = st.cur
  local p = H.place(st)
  local statuses = cur:statuses()
  local who = {}
  for _, n in ipairs(cur.names) do
    who[#who + 1] = n .. ' ' .. statuses[n]:gsub('-', ' ')
  end
  local progress, counts = H.progress(cur)
  -- the document and the annotators on lines of their own: the panel is narrow
  local lines = { 'curation of ' .. cur.rel, table.concat(who, ', ') }
  for _, l in ipairs(progress) do
    lines[#lines + 1] = l
  end
  local gold_line = H.gold_line(cur)
  if gold_line then lines[#lines + 1] = gold_line end
  local disagree = H.disagree_line(cur)
  if disagree then lines[#lines + 1] = disagree end
  if cur.outside > 0 then
    lines[#lines + 1] = ('%d annotation(s) with a span outside the text not curated (:Stance list orphans)'):format(
      cur.outside)
  end
  lines[#lines + 1] = ''
  local hls = {}
  st.line_version = {}
  if counts.disputed == 0 then
    lines[#lines + 1] = 'nothing disputed: the annotators agree everywhere'
  elseif p then
    local state = cur:resolved(p)
    local what, text = H.what(st, p)
    lines[#lines + 1] = ('disputed %d of %d: %s%s'):format(st.index, counts.disputed, what,
      state and (' (' .. state .. ')') or '')
    local why = cur:disagreement(p)
    if why then lines[#lines + 1] = '! ' .. why end
    if text then
      lines[#lines + 1] = ''
      for _, l in ipairs(vim.split(text, '\n', { plain = true })) do
        lines[#lines + 1] = '  ' .. l
      end
    end
    lines[#lines + 1] = ''
    for i, name in ipairs(cur.names) do
      local vs = p.versions[name]
      local tag = i <= 9 and ('[' .. i .. ']') or '   '
      if not vs then
        lines[#lines + 1] = ('%s %s: (no %s)'):format(tag, name, p.kind == 'annotation' and 'annotation'
          or p.kind == 'doclabel' and 'stance' or 'relation')
        st.line_version[#lines] = name
      else
        for j, rec in ipairs(vs) do
          lines[#lines + 1] = ('%s %s: %s'):format(j == 1 and tag or '   ', name, H.describe(st, p, rec))
          st.line_version[#lines] = name
          if p.kind ~= 'relation' then
            hls[#hls + 1] = { #lines - 1, (require('stance.editor.highlight').for_record(rec)) }
          end
        end
      end
    end
  end
  lines[#lines + 1] = ''
  lines[#lines + 1] = '1-9 accept a version   x reject all'
  lines[#lines + 1] = 'e your own, from the version under the cursor'
  lines[#lines + 1] = 'n/p next/previous open one   q quit'
  lines[#lines + 1] = 'N/P next/previous, decided too (decide again to change)'
  lines[#lines + 1] = 'D gold done now (:Stance done; ! undoes)'
  vim.bo[st.buf].modifiable = true
  vim.api.nvim_buf_set_lines(st.buf, 0, -1, false, lines)
  vim.bo[st.buf].modifiable = false
  H.keep_header(st)
  vim.api.nvim_buf_clear_namespace(st.buf, H.ns, 0, -1)
  for _, h in ipairs(hls) do
    vim.api.nvim_buf_set_extmark(st.buf, H.ns, h[1], 0, { end_row = h[1] + 1, end_col = 0, hl_group = h[2],
      hl_eol = false })
  end
  H.show_in_document(st, p)
end

--- Keep the panel's header (the document, the annotators, "disputed: n of m resolved") in
--- view as decisions are made: each window showing the panel starts at its first line, the
--- cursor on the first version of the place (a cursor left lower, on a version or a long
--- passage's line, would make Neovim scroll the header away as the lines change); on every
--- version, 0.7.2 too (no winbar needed).
function H.keep_header(st)
  local row = 1
  for r = 1, vim.api.nvim_buf_line_count(st.buf) do
    if st.line_version[r] then
      row = r
      break
    end
  end
  for _, win in ipairs(vim.fn.win_findbuf(st.buf)) do
    vim.api.nvim_win_call(win, function()
      vim.fn.winrestview({ topline = 1, lnum = row, col = 0, leftcol = 0 })
    end)
  end
end

--- :Stance curate [A,B,...]: start curating the current document.
---@param names string[]|nil annotators (default: every person with a layer on it)
---@return table|nil state
function M.start(names)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if vim.bo[s.buf].modified then
    return require('stance.notify').error('write the document first: curation works on the text as saved')
  end
  -- the document's own layer may have unsaved annotations: they are part of the curation
  require('stance.editor.persist').save(s)
  local cur, cerr, bad = require('stance.curation').open(s.corpus, s.rel, names, s.annotator)
  if not cur then
    if bad and not bad.gold and #bad.others >= 2 then
      -- the command that curates the others (a name with a comma or a space cannot be given)
      local plain = not table.concat(bad.others, ''):find('[,%s]')
      if plain then
        local only = table.concat(bad.others, ',')
        local at = cerr:find(', or curate without it: only ' .. only, 1, true)
        if at then
          cerr = cerr:sub(1, at - 1) .. ', or curate without it: :Stance curate ' .. only
            .. cerr:sub(at + #(', or curate without it: only ' .. only))
        end
      end
    end
    -- one line (what to do first), cut where the screen ends, whole in :messages: no Press ENTER
    return require('stance.notify').line(cerr, vim.log.levels.ERROR)
  end
  local added = cur:apply_agreed()
  local st = { cur = cur, doc_buf = s.buf, doc_win = vim.api.nvim_get_current_win(), index = 1, added = added,
    line_version = {} }
  vim.cmd('botright vsplit')
  vim.cmd('vertical resize ' .. math.max(50, math.floor(vim.o.columns * 0.4)))
  st.buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(0, st.buf)
  pcall(vim.api.nvim_buf_set_name, st.buf, 'stance://curate/' .. s.rel)
  vim.bo[st.buf].bufhidden = 'wipe'
  vim.wo.wrap = true
  local function map(lhs, fn)
    vim.keymap.set('n', lhs, fn, { buffer = st.buf, nowait = true, silent = true })
  end
  for i, name in ipairs(cur.names) do
    if i <= 9 then map(tostring(i), function() M.accept(st, name) end) end
  end
  map('e', function() M.edit(st) end)
  map('x', function() M.reject(st) end)
  map('n', function() M.next(st) end)
  map('p', function() M.next(st, true) end)
  map('N', function() M.next(st, false, true) end)
  map('P', function() M.next(st, true, true) end)
  map('D', function() M.mark(st) end)
  map('q', function() vim.cmd('close') end)
  vim.api.nvim_create_autocmd('BufWipeout', { buffer = st.buf, once = true, callback = function()
    if vim.api.nvim_buf_is_valid(st.doc_buf) then vim.api.nvim_buf_clear_namespace(st.doc_buf, H.place_ns, 0, -1) end
    if M.current == st then M.current = nil end
  end })
  -- gold is written when the curation wrote something (agreed places) or has nothing to
  -- decide; opened and closed without a decision, it leaves no gold file behind
  local was_done = cur.gold:status() == 'done'
  if added > 0 or cur:counts().done then H.save(st) end
  M.current = st
  if #cur.disputed > 0 and not H.to_decide(cur, cur.disputed[1]) then M.next(st) else M.render(st) end
  -- (said only when this opening marked it: a curation finished before is just shown)
  local done = not was_done and cur:counts().done and cur.gold:status() == 'done'
  local _, why = cur:gold_status()
  st.was_stale = why == 'stale'
  local said = {}
  if added > 0 then said[#said + 1] = ('%d place(s) all annotators agree on written to gold'):format(added) end
  if done then said[#said + 1] = 'nothing left to decide: gold marked done; ' .. s.rel .. ' now counts as curated' end
  if why == 'waiting' then said[#said + 1] = H.waiting(cur) end
  if why == 'kept' and #cur:not_done() > 0 and not cur.state.done_by then
    said[#said + 1] = ('gold is marked done, but %s not done with %s: D confirms it, :Stance done! sets it in'
      .. ' progress'):format(table.concat(cur:not_done(), ', '), s.rel)
  end
  if why == 'stale' then
    said[#said + 1] = ('gold was marked done, but %d place(s) are undecided since (%s):'
      .. ' it stays done until your first decision, then in progress until the last'):format(H.left(cur),
      H.why_stale(cur))
  end
  if #said > 0 then require('stance.compat').echo(table.concat(said, '; ')) end
  return st
end

return M
