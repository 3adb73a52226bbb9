--- Other annotators' layers of the same document: shown over your own (`:Stance layers
--- NAME` toggles: each of NAME's spans underlined in its stance's color, with NAME and its
--- label after it), or side by side (`:Stance side NAME`: a split of the same buffer,
--- scroll-bound, that draws NAME's layer in full colors; gK there inspects NAME's
--- annotations). They follow edits of the text; they are never written. A side view follows
--- its window of your layer to another document (NAME's layer of it), or closes when NAME has
--- none there (H.follow).
---
--- A side view stays level with your window row for row: the same first line in both (kept
--- here on WinScrolled, not by 'scrollbind': Neovim's scrollbind moves the other window by
--- a count of lines that virtual lines upset, so that a page down put them lines apart),
--- and the rows of a line are the same in both when both windows have the
--- same width of text (whatever their sign, number and fold columns: the side view's fold
--- column takes up the difference, else the windows are made as wide as that needs) and
--- the same marks inside the lines (stance.editor.under puts marks under the lines while a
--- side view shows the buffer). Folds are window-local: the side view takes your window's
--- fold options, and a fold closed or opened in either window is closed or opened in the
--- other (the window you are in leads), so that a closed fold takes one row in both.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = { pairs = {}, pad = {}, keys = {}, was = {}, sess = {}, titles = {}, ended = {} }

--- The options of a window that a side view sets (given back when it becomes a window of
--- your layer again).
H.OWN_OPTIONS = { 'scrollbind', 'signcolumn', 'foldcolumn', 'winbar', 'statusline' }

--- The most columns the side view's fold column takes up (Neovim's limit for 'foldcolumn').
H.MAX_PAD = 9

--- The annotators who have a layer for the session's document, but the session's own.
function M.names(s)
  local out = {}
  for _, name in ipairs(s.corpus:annotators()) do
    if name ~= s.annotator then
      local path = require('stance.root').annotation_path(s.corpus.root, name, s.rel)
      if require('stance.fs').exists(path) then out[#out + 1] = name end
    end
  end
  return out
end

--- Load NAME's layer into the session: once, and again when its file changed on disk since
--- (a `git pull`, a script), still shown where it was. A file with errors is shown as far as
--- it reads, with a warning that names its first error (file:line:col).
---@param quiet boolean|nil  the caller tells of its errors (layer.problem)
function M.load(s, name, quiet)
  local have = s.others[name]
  if have and have.stamp == s.stamp(have.path) then
    if not quiet then H.warn(name, have.errors) end
    return have
  end
  local store, file = s:read_layer(name)
  if not store then return nil, file end
  local where, n = require('stance.annfile').first_error(file.path, file.problems, s.corpus.root)
  local errors = where and { n, where } or nil
  if not quiet then H.warn(name, errors) end
  s.others[name] = { store = store, shown = have and have.shown or false, path = file.path, stamp = file.stamp,
    errors = errors, event = have and have.event,
    problem = errors and ('%d error(s), the first at %s: shown as far as it could be read'):format(n, where) or nil }
  if have then s:forget() end
  return s.others[name]
end

--- A layer whose file has errors (a bad pull, a truncated copy), `errors` = { count, where
--- the first is }, is drawn as far as it could be read, and said so whenever it is used:
--- never taken for "no annotations" there without a word.
function H.warn(name, errors)
  if not errors then return end
  -- one line (the place first): a longer one made Neovim wait for ENTER at :Stance side NAME
  require('stance.notify').line(require('stance.annfile').errors_said(name, errors[2], errors[1],
    'shown as far as it could be read (stance check lists them)'), vim.log.levels.WARN)
end

--- Read again the layers shown over `s` whose files changed on disk, and draw them anew
--- (called when the watch of their folder sees a change, and at the moments the session's own
--- file is checked: focus back, buffer entered, cursor rested, shell command).
---@param s stance.Session
function M.refresh(s)
  if s.detached or not vim.api.nvim_buf_is_valid(s.buf) then return end
  for name, have in pairs(s.others) do
    if (have.shown or H.in_side(s, name)) and have.stamp ~= s.stamp(have.path) then
      local before = H.heights(s)
      local layer, err = M.load(s, name, true)
      if not layer then
        have.stamp = s.stamp(have.path) -- told once
        require('stance.notify').line(("%s's layer changed on disk and cannot be read: %s"):format(name, err),
          vim.log.levels.ERROR)
      elseif layer.problem then
        require('stance.notify').line(("%s's layer changed on disk: %s"):format(name, layer.problem),
          vim.log.levels.WARN)
      end
      if layer then
        local after = H.heights(s)
        local ranges = H.rows_changed(s, have.store, before, after)
        vim.list_extend(ranges, H.rows_changed(s, layer.store, before, after))
        require('stance.editor.render').redraw(s.buf, ranges)
        if not layer.problem then
          require('stance.notify').notify(("%s's layer changed on disk: shown anew"):format(name))
        end
      end
    end
  end
end

--- Watch the folder of shown layer NAME (a file replaced by a rename is seen in its folder):
--- a change of its file is read a moment after (M.refresh); stopped when it is hidden.
function H.watch_layer(s, layer)
  layer.event = require('stance.editor.file_watch').start(layer.path, function()
    if s.detached then return H.unwatch_layer(layer) end
    if vim.api.nvim_get_mode().mode == 'n' then M.refresh(s) end
  end)
end

function H.unwatch_layer(layer)
  require('stance.editor.file_watch').stop(layer.event)
  layer.event = nil
end

--- Whether NAME's layer is shown in a side view of the session's buffer (|:Stance-side|).
function H.in_side(s, name)
  for win, who in pairs(require('stance.editor.render').sides) do
    if who == name and vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_buf(win) == s.buf then return true end
  end
  return false
end

--- Watch NAME's layer while it is shown, over yours or in a side view; not once it is neither.
function H.keep_watch(s, name)
  local layer = s.others[name]
  if not layer then return end
  if layer.shown or H.in_side(s, name) then
    if not layer.event then H.watch_layer(s, layer) end
  elseif layer.event then
    H.unwatch_layer(layer)
  end
end

--- NAME when it has a layer for the session's document, else nil and a message that names
--- those who have one.
function H.known(s, name)
  local names = M.names(s)
  if vim.tbl_contains(names, name) then return name end
  if #names == 0 then return nil, ('%s has no layer for this document, nor has any other annotator'):format(name) end
  return nil, ('%s has no layer for this document; the annotators who have one: %s'):format(name,
    table.concat(names, ', '))
end

--- :Stance layers [NAME]: toggle NAME over your layer; without NAME, list them.
function M.toggle(name)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if not name then
    local names = M.names(s)
    if #names == 0 then return require('stance.notify').notify('no other annotator has a layer for this document') end
    local parts = {}
    for _, n in ipairs(names) do
      parts[#parts + 1] = (s.others[n] and s.others[n].shown and '[x] ' or '[ ] ') .. n
    end
    return require('stance.notify').notify('layers: ' .. table.concat(parts, '  ') .. '  (:Stance layers NAME toggles)')
  end
  local layer, lerr = s.others[name] and s.others[name].shown and M.load(s, name) -- hide what is shown
  if not layer then
    layer, lerr = H.known(s, name)
    layer = layer and M.load(s, name)
  end
  if not layer then return require('stance.notify').error(lerr) end
  local before = H.heights(s)
  layer.shown = not layer.shown
  H.keep_watch(s, name)
  s:forget()
  local render = require('stance.editor.render')
  render.redraw(s.buf, H.rows_changed(s, layer.store, before, H.heights(s)))
  return layer.shown
end

--- Per window of the session's buffer that wraps its lines (Neovim 0.10+, where marks stand
--- inside the lines): how many screen rows each line it shows takes with the marks drawn
--- now, { [win] = { [line] = rows } }.
function H.heights(s)
  if vim.fn.has('nvim-0.10') == 0 then return {} end
  local render, wrapfit = require('stance.editor.render'), require('stance.editor.wrapfit')
  local out = {}
  for _, win in ipairs(vim.fn.win_findbuf(s.buf)) do
    local g = wrapfit.geometry(win)
    if g then
      local top, bot = vim.fn.line('w0', win) - 1, vim.fn.line('w$', win) - 1
      local rows, _, last, _, text = render.plan(s, win, s.buf, top, bot)
      local h = {}
      for r = top, last do
        local list = rows[r]
        h[r] = wrapfit.height(g, text[r - top + 1] or '', list and not list.under and list.ends or nil)
      end
      out[win] = h
    end
  end
  return out
end

--- The byte ranges of the buffer drawn again when `store` is shown over the session's layer
--- or hidden: its spans on the rows shown, and the rows below the first line that now takes
--- other rows (its marks inside the lines, its document stances under the first line;
--- Neovim 0.10+): they move, which Neovim does not know before it draws them (the marks are
--- made as it draws).
---@return integer[][]
function H.rows_changed(s, store, before, after)
  local ranges = require('stance.editor.render').visible_spans(s.buf, store)
  local total = require('stance.editor.where').size(s.buf)
  for win, h in pairs(after) do
    local old = before[win] or {}
    -- its document stances: a line more or less under the first line (a real virtual line,
    -- but Neovim moves the rows below by the sizes it knows, without the marks made on the fly)
    local first = store:count('doclabel') > 0 and 0 or nil
    for r, n in pairs(h) do
      if old[r] ~= n and (not first or r < first) then first = r end
    end
    if first then ranges[#ranges + 1] = { vim.api.nvim_buf_get_offset(s.buf, first), total } end
  end
  return ranges
end

--- :Stance side NAME: NAME's layer in a vertical split of the same buffer.
function M.side(name)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if not name then
    local names = M.names(s)
    if #names == 0 then return require('stance.notify').error('no other annotator has a layer for this document') end
    return require('stance.notify').error('whose layer? ' .. table.concat(names, ', '))
  end
  local layer, lerr = H.known(s, name)
  layer = layer and M.load(s, name)
  if not layer then return require('stance.notify').error(lerr) end
  local here = vim.api.nvim_get_current_win()
  vim.cmd('rightbelow vsplit')
  local win = vim.api.nvim_get_current_win()
  local ok, err2 = pcall(H.open, s, name, here, win)
  if not ok then
    -- nothing half made is left: the split closed, your window as it was
    H.close(win)
    pcall(vim.api.nvim_set_current_win, here)
    return require('stance.notify').error(err2)
  end
  return win
end

--- Make window `win` (a split of `here`) the side view of NAME's layer.
function H.open(s, name, here, win)
  vim.api.nvim_win_set_var(win, 'stance_layer', name)
  require('stance.editor.render').sides[win] = name
  -- what the split had from your window, given back if it becomes a window of yours again
  H.was[win] = {}
  for _, o in ipairs(H.OWN_OPTIONS) do
    if vim.fn.exists('+' .. o) == 1 then H.was[win][o] = vim.wo[win][o] end
  end
  vim.wo[win].scrollbind = false
  -- the sign column holds the marks of your own layer (the buffer's): none here; its fold
  -- column is the room that keeps its text as wide as yours (H.align)
  vim.wo[win].signcolumn = 'no'
  vim.wo[win].foldcolumn = '0'
  H.pairs[win], H.pad[win], H.keys[win], H.sess[win] = here, 0, nil, s
  H.watch()
  H.keep_watch(s, name) -- its file changing on disk is drawn anew (M.refresh)
  local t = { title = ('layer of %s (read only)'):format((name:gsub('%%', '%%%%'))) }
  H.titles[win] = t
  if vim.fn.exists('+winbar') == 1 then
    -- yours says whose it is too, and keeps the rows of both windows level
    if vim.wo[here].winbar == '' then t.mine = ('your layer (%s)'):format((s.annotator:gsub('%%', '%%%%'))) end
  else
    -- before Neovim 0.8 (no window bar): the status lines say it, yours with its file and
    -- place as the default status line has them
    t.was_sl = require('stance.compat').win_option(here, 'statusline')
    t.mine_sl = ('your layer (%s)  %%<%%f %%h%%m%%r%%=%%-14.(%%l,%%c%%V%%) %%P'):format(
      (s.annotator:gsub('%%', '%%%%')))
  end
  H.title(win)
  local function ended()
    -- (the session of the document the side view shows last: it follows your window, H.follow)
    local now = H.sess[win] or s
    H.forget(win)
    H.keep_watch(now, name) -- no longer watched once shown nowhere
    local mine, mine_sl = t.mine, t.mine_sl
    if mine and vim.api.nvim_win_is_valid(here) and vim.wo[here].winbar == mine then vim.wo[here].winbar = '' end
    if mine_sl and vim.api.nvim_win_is_valid(here) and vim.wo[here].statusline == mine_sl then
      vim.wo[here].statusline = t.was_sl or ''
    end
    -- its document stances leave the line under the first one
    vim.schedule(function()
      if now.detached or not vim.api.nvim_buf_is_valid(now.buf) then return end
      require('stance.editor.render').redraw(now.buf)
    end)
  end
  H.ended[win] = ended
  vim.api.nvim_create_autocmd('WinClosed', { pattern = tostring(win), once = true, callback = function()
    H.was[win] = nil
    if H.ended[win] == ended then
      H.ended[win] = nil
      ended()
    end
  end })
  -- your window closed first (<C-w>o in the side view): the side view closes with it, or
  -- becomes a window of your layer again when it is the last one
  vim.api.nvim_create_autocmd('WinClosed', { pattern = tostring(here), once = true, callback = function()
    if H.pairs[win] ~= here then return end
    if H.ended[win] == ended then
      H.ended[win] = nil
      ended()
    end
    vim.schedule(function() H.close(win) end)
  end })
  H.align(win, true)
  H.sync(here)
  vim.api.nvim_set_current_win(here)
  s:forget()
  require('stance.editor.render').redraw(s.buf)
end

--- The window bars (status lines before Neovim 0.8) of side view `win` and of its window of
--- your layer: set again when a window's change of buffer took them (H.follow).
function H.title(win)
  local t, here = H.titles[win], H.pairs[win]
  if not t or not here then return end
  if vim.fn.exists('+winbar') == 1 then
    if vim.wo[win].winbar ~= t.title then vim.wo[win].winbar = t.title end
    if t.mine and vim.api.nvim_win_is_valid(here) and vim.wo[here].winbar ~= t.mine then
      vim.wo[here].winbar = t.mine
    end
  else
    if vim.wo[win].statusline ~= t.title then vim.wo[win].statusline = t.title end
    if vim.api.nvim_win_is_valid(here) and vim.wo[here].statusline ~= t.mine_sl then
      vim.wo[here].statusline = t.mine_sl
    end
  end
end

--- Your window of side view `side` shows another buffer (`:e other.txt`, `:bnext`, a jump to
--- a tag): the side view follows it when NAME has a layer of that document (the same split,
--- NAME's layer of the new document in it, scroll-bound again); else it closes, said on one
--- line. (|:Stance-side|: a split of the same buffer as yours, never of another.)
function H.follow(side)
  local here = H.pairs[side]
  if not (here and vim.api.nvim_win_is_valid(here) and vim.api.nvim_win_is_valid(side)) then return end
  local buf = vim.api.nvim_win_get_buf(here)
  local s = require('stance.editor.session').get(buf)
  -- (the same buffer with a new session: the document read again, `:e!`; NAME's layer is
  -- loaded into it, else the side view would draw yours)
  if vim.api.nvim_win_get_buf(side) == buf and H.sess[side] == s then return end
  local render = require('stance.editor.render')
  local name, old = render.sides[side], H.sess[side]
  local layer, err
  if not s then
    err = 'your window shows no document of a corpus'
  elseif s.annotator == name then
    err = ('%s is the layer of your window'):format(name)
  else
    layer, err = H.known(s, name)
    if layer then layer, err = M.load(s, name) end
  end
  if not layer then
    H.close(side)
    if old and old ~= s then H.keep_watch(old, name) end
    return require('stance.notify').line(("the side view of %s's layer closed: %s"):format(name, err))
  end
  -- NAME's layer of the new document, in the same window
  local pad = H.pad[side]
  if vim.api.nvim_win_get_buf(side) ~= buf then vim.api.nvim_win_set_buf(side, buf) end
  H.sess[side] = s
  vim.wo[side].scrollbind = false
  vim.wo[side].signcolumn = 'no'
  vim.wo[side].foldcolumn = tostring(pad or 0)
  H.title(side)
  if old and old ~= s then H.keep_watch(old, name) end -- the old document's: no longer shown here
  H.keep_watch(s, name)
  H.keys[side] = nil
  H.align(side)
  H.sync(here)
  s:forget()
  render.redraw(s.buf)
end

--- The side view `win` shows another buffer than your window (`:e other.txt` typed in it):
--- it is a window of its own from then on (the options it had as a side view given back, no
--- title, not scroll-bound), the buffer's own layer drawn in it.
function H.release(win)
  if not vim.api.nvim_win_is_valid(win) then return end
  local ended = H.ended[win]
  H.ended[win] = nil
  if ended then ended() else H.forget(win) end
  H.restore(win)
end

--- Give window `win` back the options it had before it was a side view, and draw its
--- buffer's own layer in it.
function H.restore(win)
  local was = H.was[win] or {}
  H.was[win] = nil
  pcall(vim.api.nvim_win_del_var, win, 'stance_layer')
  for o, v in pairs(was) do
    vim.wo[win][o] = v
  end
  local s = require('stance.editor.session').get(vim.api.nvim_win_get_buf(win))
  if s then
    s:forget()
    require('stance.editor.render').redraw(s.buf)
  end
end

--- Window `win` is no longer a side view: what the session keeps of it goes.
function H.forget(win)
  require('stance.editor.render').sides[win] = nil
  H.pairs[win], H.pad[win], H.keys[win], H.sess[win], H.titles[win] = nil, nil, nil, nil, nil
end

--- Close the side view `win`, or (the last window) give it back a window's own options.
function H.close(win)
  if not vim.api.nvim_win_is_valid(win) then return end
  H.forget(win)
  if not pcall(vim.api.nvim_win_close, win, false) then
    H.restore(win)
  else
    H.was[win] = nil
  end
end

--- The width and the columns before the text (sign, number, fold, 'statuscolumn') of a
--- window, or nil when it is gone.
function H.geometry(w)
  if not vim.api.nvim_win_is_valid(w) then return nil end
  local info = vim.fn.getwininfo(w)[1]
  if not info then return nil end
  return info.width, info.textoff or 0
end

--- Whether window `win` is the window of your layer of a side view.
function H.is_here(win)
  for _, here in pairs(H.pairs) do
    if here == win then return true end
  end
  return false
end

--- Make the side view `side` as wide in text as its window of your layer: its fold column
--- (empty: it has no folds of its own to show) takes up the difference when it can, else the
--- two windows share their width so that it can; with `balance` (a new side view), they
--- share it in any case.
function H.align(side, balance)
  local here = H.pairs[side]
  if not (here and vim.api.nvim_win_is_valid(here) and vim.api.nvim_win_is_valid(side)) then return end
  H.copy_options(side)
  local pad = H.pad[side] or 0
  -- its fold column is this room (set to another, it is taken back)
  if vim.wo[side].foldcolumn ~= tostring(pad) then vim.wo[side].foldcolumn = tostring(pad) end
  local ws, offs = H.geometry(side)
  local wh, offh = H.geometry(here)
  if not ws or not wh then return end
  local base = offs - pad -- the side view's own columns (its numbers)
  local p = ws - base - (wh - offh)
  if p < 0 or p > H.MAX_PAD or (balance and p > 1) then
    -- the two windows share their width so that the side view needs 0 or 1 column more
    pcall(vim.api.nvim_win_set_width, side, math.max(1, math.ceil((ws + wh + base - offh) / 2)))
    ws = H.geometry(side)
    wh, offh = H.geometry(here)
    p = ws - base - (wh - offh)
  end
  p = math.max(0, math.min(H.MAX_PAD, p))
  if p ~= pad then
    H.pad[side] = p
    vim.wo[side].foldcolumn = tostring(p)
  end
  ws, offs = H.geometry(side)
  H.keys[side] = table.concat({ wh, offh, ws, offs }, ':')
end

--- The options of a window that decide how its lines wrap: the side view takes yours.
H.WRAP_OPTIONS = { 'wrap', 'linebreak', 'breakindent', 'breakindentopt', 'list' }

--- The options of a window that decide its folds: the side view takes yours too (then a
--- fold closed in either window is one the other has).
H.FOLD_OPTIONS = { 'foldmethod', 'foldexpr', 'foldmarker', 'foldignore', 'foldminlines', 'foldnestmax', 'foldenable' }

--- What the side view takes from your window.
H.COPIED = vim.list_extend(vim.list_extend({}, H.WRAP_OPTIONS), H.FOLD_OPTIONS)

--- Give the side view `side` the wrapping and fold options of its window of your layer.
function H.copy_options(side)
  local here = H.pairs[side]
  if not (here and vim.api.nvim_win_is_valid(here) and vim.api.nvim_win_is_valid(side)) then return end
  for _, name in ipairs(H.COPIED) do
    local v = vim.wo[here][name]
    if vim.wo[side][name] ~= v then vim.wo[side][name] = v end
  end
end

--- Align every side view whose windows changed width or columns since it was aligned.
function H.align_all()
  for side in pairs(H.pairs) do
    if not vim.api.nvim_win_is_valid(side) then
      H.pairs[side], H.pad[side], H.keys[side] = nil, nil, nil
    else
      local ws, offs = H.geometry(side)
      local wh, offh = H.geometry(H.pairs[side])
      if wh and H.keys[side] ~= table.concat({ wh, offh, ws, offs }, ':') then H.align(side) end
    end
  end
end

--- After window `win` (a side view or its window of your layer) was drawn, lines [top, bot]
--- (1-based): align the pair after this screen update when its widths or columns changed (a
--- column that comes or goes, such as the sign column with 'signcolumn' auto, sets off no
--- autocommand), and fold the other window as this one when it is yours to act in (a fold
--- closed or opened sets off no autocommand either).
function M.check(win, top, bot)
  local side = H.pairs[win] and win or nil
  if not side then
    for sv, here in pairs(H.pairs) do
      if here == win then side = sv end
    end
  end
  if not side then return end
  local ws, offs = H.geometry(side)
  local wh, offh = H.geometry(H.pairs[side])
  if ws and wh and H.keys[side] ~= table.concat({ wh, offh, ws, offs }, ':') and not H.scheduled then
    H.scheduled = true
    vim.schedule(function()
      H.scheduled = false
      H.align_all()
    end)
  end
  -- folds: the window you are in leads (zc, zo, zf, zM, ... act on it); the other follows
  -- after this screen update when the folds closed on the lines drawn differ
  if win == vim.api.nvim_get_current_win() and top and not H.folding then
    local other = win == side and H.pairs[side] or side
    if H.closed(win, top, bot) ~= H.closed(other, top, bot) then
      H.folding = true
      vim.schedule(function()
        H.folding = false
        H.mirror(win, other)
      end)
    end
  end
end

--- The closed folds of window `win` over lines [top, bot] (1-based), as "a-b a-b ...".
function H.closed(win, top, bot)
  if not vim.api.nvim_win_is_valid(win) then return '' end
  return vim.api.nvim_win_call(win, function()
    local out, l = {}, top
    while l <= bot do
      local a = vim.fn.foldclosed(l)
      if a == -1 then
        l = l + 1
      else
        local b = vim.fn.foldclosedend(l)
        out[#out + 1] = a .. '-' .. b
        l = b + 1
      end
    end
    return table.concat(out, ' ')
  end)
end

--- Close and open folds in window `to` so that the lines `from` shows (and a little more)
--- are folded alike: what is closed in `to` and not in `from` is opened; what is closed in
--- `from` is closed in `to` (its own fold of those lines, else a manual fold of them: the
--- side view's folds become manual for that; your window's fold method is never changed),
--- then `to` takes `from`'s first line.
function H.mirror(from, to)
  if not (vim.api.nvim_win_is_valid(from) and vim.api.nvim_win_is_valid(to)) then return end
  -- (nvim_win_call gives back one value)
  local range = vim.api.nvim_win_call(from, function()
    return { vim.fn.line('w0'), vim.fn.line('w$') }
  end)
  local top, bot = range[1], range[2]
  bot = math.min(vim.api.nvim_buf_line_count(vim.api.nvim_win_get_buf(from)), bot + vim.api.nvim_win_get_height(from))
  local want, set = {}, {}
  for a, b in H.closed(from, top, bot):gmatch('(%d+)-(%d+)') do
    want[#want + 1] = { tonumber(a), tonumber(b) }
    set[a .. '-' .. b] = true
  end
  local side = H.pairs[to] ~= nil
  vim.api.nvim_win_call(to, function()
    local fn = vim.fn
    -- open what is closed here only
    for a, b in H.closed(to, top, bot):gmatch('(%d+)-(%d+)') do
      if not set[a .. '-' .. b] then pcall(vim.cmd, ('%s,%sfoldopen!'):format(a, b)) end
    end
    -- close what is closed there
    for _, r in ipairs(want) do
      local a, b = r[1], r[2]
      local function exact() return fn.foldclosed(a) == a and fn.foldclosedend(a) == b end
      local tries = 0
      while not exact() and tries < 20 do
        tries = tries + 1
        local ca = fn.foldclosed(a)
        if ca ~= -1 and (ca < a or fn.foldclosedend(a) > b) then break end
        if not pcall(vim.cmd, a .. 'foldclose') then break end
      end
      if not exact() and (side or vim.wo.foldmethod == 'manual') then
        if fn.foldclosed(a) ~= -1 then pcall(vim.cmd, ('%d,%dfoldopen!'):format(a, b)) end
        -- (the folds it has are kept as manual folds)
        if vim.wo.foldmethod ~= 'manual' then vim.wo.foldmethod = 'manual' end
        pcall(vim.cmd, ('%d,%dfold'):format(a, b))
      end
    end
  end)
  H.sync(from)
end

--- Give the other window of each pair that window `from` is in the same first line (and
--- first column without 'wrap') as `from`, its cursor inside it.
function H.sync(from)
  for side, here in pairs(H.pairs) do
    local other = (from == side and here) or (from == here and side) or nil
    if other and vim.api.nvim_win_is_valid(other) and vim.api.nvim_win_is_valid(from) then
      local v = vim.api.nvim_win_call(from, vim.fn.winsaveview)
      local o = vim.api.nvim_win_call(other, vim.fn.winsaveview)
      if o.topline ~= v.topline or (o.topfill or 0) ~= (v.topfill or 0) or o.leftcol ~= v.leftcol then
        local bot = vim.api.nvim_win_call(from, function() return vim.fn.line('w$') end)
        local lnum = (o.lnum >= v.topline and o.lnum <= bot) and o.lnum or v.lnum
        vim.api.nvim_win_call(other, function()
          vim.fn.winrestview({ topline = v.topline, topfill = v.topfill, leftcol = v.leftcol, lnum = lnum,
            col = lnum == o.lnum and o.col or v.col })
        end)
      end
    end
  end
end

--- The autocommands that align side views again when a window's size or columns change
--- (set once).
function H.watch()
  if H.watching then return end
  H.watching = true
  local group = vim.api.nvim_create_augroup('stance_side_align', { clear = true })
  local function later()
    if next(H.pairs) == nil then return end
    vim.schedule(H.align_all)
  end
  vim.api.nvim_create_autocmd('OptionSet', { group = group, callback = later,
    pattern = { 'number', 'relativenumber', 'numberwidth', 'signcolumn', 'foldcolumn', 'statuscolumn' } })
  vim.api.nvim_create_autocmd('OptionSet', { group = group, pattern = H.COPIED, callback = function()
    if next(H.pairs) == nil then return end
    vim.schedule(function()
      for side in pairs(H.pairs) do
        H.copy_options(side)
      end
    end)
  end })
  vim.api.nvim_create_autocmd({ 'VimResized', 'WinEnter' }, { group = group, callback = later })
  -- your window of a side view shows another buffer: the side view follows it (H.follow),
  -- once the document's session is made (at its BufReadPost, before this)
  vim.api.nvim_create_autocmd('BufWinEnter', { group = group, callback = function()
    if next(H.pairs) == nil then return end
    local win = vim.api.nvim_get_current_win()
    for side, here in pairs(H.pairs) do
      if here == win then vim.schedule(function() H.follow(side) end) end
    end
    -- the side view itself shows another buffer: no longer a side view (the same one read
    -- again, `:e!` there: NAME's layer loaded into its new session)
    if H.pairs[win] then
      vim.schedule(function()
        local here = H.pairs[win]
        if not (here and vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_is_valid(here)) then return end
        if vim.api.nvim_win_get_buf(win) ~= vim.api.nvim_win_get_buf(here) then return H.release(win) end
        H.follow(win)
      end)
    end
  end })
  vim.api.nvim_create_autocmd('WinScrolled', { group = group, callback = function(ev)
    if next(H.pairs) == nil then return end
    -- the window scrolled: the current one when it is in a pair (the keys), else the one named
    local cur = vim.api.nvim_get_current_win()
    local from = (H.pairs[cur] or H.is_here(cur)) and cur or tonumber(ev.match)
    if from then H.sync(from) end
    later()
  end })
end

function M.complete(arglead, words)
  local s = require('stance.editor.session').get()
  if not s then return {} end
  -- a name with blanks: what is typed after the subcommand, all of it, and the part of each
  -- name from the word being completed on
  local typed = words and #words > 2 and table.concat(words, ' ', 2) or arglead
  local out = {}
  for _, x in ipairs(M.names(s)) do
    if x:sub(1, #typed) == typed then out[#out + 1] = x:sub(#typed - #arglead + 1) end
  end
  return out
end

return M
