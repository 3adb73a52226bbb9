--- :Stance search (quickfix), :Stance kwic (a concordance buffer), :Stance index.
local M = {}
local H = {}

--- Fill the quickfix list with the hits of `query` in the corpus around the buffer.
---@param query string
function M.search(query)
  H.with_corpus(query, function(c)
    H.search(c, query, nil, function() M.search(query) end, function(hits, total)
      H.show_search(c, query, hits, total)
    end)
  end)
end

--- Fill the quickfix list with `hits` of `query` in corpus `c`.
function H.show_search(c, query, hits, total)
  local items = {}
  for i, h in ipairs(hits) do
    local path = c.root .. '/' .. h.path
    items[i] = { lnum = h.line, col = h.col, text = H.one_line(h.line_text or '') }
    -- a name Vim's commands cannot take (a line end in it) goes by buffer number
    if path:find('%c') then
      items[i].bufnr = vim.fn.bufadd(path)
    else
      items[i].filename = path
    end
  end
  vim.fn.setqflist({}, ' ', { title = 'stance search ' .. query, items = items })
  if #items > 0 then
    vim.cmd('copen')
  else
    require('stance.notify').notify(('no hit for %s'):format(query))
  end
  return total
end

--- A concordance of `query`: one line per hit, keywords aligned; <CR> opens the hit.
---@param query string
---@param width integer|nil context asked for on each side, in characters (default: the
--- screen's width, at least 40: the lines are fitted to the window)
function M.kwic(query, width)
  width = width or math.max(40, vim.o.columns)
  H.with_corpus(query, function(c)
    H.search(c, query, { context = width }, function() M.kwic(query, width) end, function(hits)
      H.show_kwic(c, query, hits)
    end)
  end)
end

--- The last display cells of `s` that fit in `n` (its end), or the first (`head`).
function H.fit_cells(s, n, head)
  if n <= 0 then return '' end
  if vim.fn.strdisplaywidth(s) <= n then return s end
  local chars = vim.fn.strchars(s)
  local lo, hi = 0, chars -- the most characters that fit, by bisection
  while lo < hi do
    local mid = math.ceil((lo + hi) / 2)
    local part = head and vim.fn.strcharpart(s, 0, mid) or vim.fn.strcharpart(s, chars - mid)
    if vim.fn.strdisplaywidth(part) <= n then lo = mid else hi = mid - 1 end
  end
  return head and vim.fn.strcharpart(s, 0, lo) or vim.fn.strcharpart(s, chars - lo)
end

--- `s` in at most `n` display cells, cut in the middle ("…") when longer.
function H.middle_cut(s, n)
  if vim.fn.strdisplaywidth(s) <= n then return s end
  local a = math.floor((n - 1) / 2)
  return H.fit_cells(s, a, true) .. '…' .. H.fit_cells(s, n - 1 - a)
end

--- The lines of a concordance `width` cells wide: each hit's place (document:line, padded to
--- the longest, at most a third of the width, cut in the middle past it) first, where it is
--- always in sight; then its left context, aligned on the keyword, and its right context,
--- sharing the rest (the left no wider than the longest left context). Second value: where
--- each line's keyword starts (bytes) and its text.
function H.kwic_lines(hits, width)
  local places, lefts, rights, matches = {}, {}, {}, {}
  local place_w, match_w, longest_left = 0, 0, 0
  for i, h in ipairs(hits) do
    -- the context's and the match's line ends become spaces, and the document's name (any
    -- character a file name may hold) is shown escaped
    places[i] = require('stance.utf8').printable(h.path) .. ':' .. h.line
    lefts[i], matches[i], rights[i] = H.one_line(h.left or ''), H.one_line(h.match or ''), H.one_line(h.right or '')
    place_w = math.max(place_w, vim.fn.strdisplaywidth(places[i]))
    match_w = math.max(match_w, vim.fn.strdisplaywidth(matches[i]))
    longest_left = math.max(longest_left, vim.fn.strdisplaywidth(lefts[i]))
  end
  place_w = math.min(place_w, math.max(12, math.floor(width / 3)))
  match_w = math.min(match_w, math.max(8, math.floor(width / 3)))
  local left_w = math.min(longest_left, math.max(8, math.floor((width - place_w - match_w - 6) / 2)))
  local lines, keyword_at = {}, {}
  for i in ipairs(hits) do
    local place = H.middle_cut(places[i], place_w)
    local left = H.fit_cells(lefts[i], left_w)
    local prefix = place .. (' '):rep(place_w - vim.fn.strdisplaywidth(place)) .. '  '
      .. (' '):rep(left_w - vim.fn.strdisplaywidth(left)) .. left .. '  '
    keyword_at[i] = { #prefix, matches[i] }
    local used = vim.fn.strdisplaywidth(prefix .. matches[i]) + 2
    lines[i] = prefix .. matches[i] .. '  ' .. H.fit_cells(rights[i], math.max(0, width - used), true)
  end
  return lines, keyword_at
end

--- The concordance buffer of `hits` of `query` in corpus `c`, as wide as its window.
function H.show_kwic(c, query, hits)
  local targets = {}
  for i, h in ipairs(hits) do
    targets[i] = { path = c.root .. '/' .. h.path, line = h.line, col = h.col }
  end
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  -- a new window takes the options of the one it was split from: none of the document's
  -- folds, spelling, concealing or list characters belong in a concordance
  local win = vim.api.nvim_get_current_win()
  for opt, value in pairs({ wrap = false, cursorline = true, foldenable = false, foldmethod = 'manual',
    foldcolumn = '0', spell = false, list = false, conceallevel = 0 }) do
    vim.wo[win][opt] = value
  end
  local info = vim.fn.getwininfo(win)[1]
  local lines, keyword_at = H.kwic_lines(hits, math.max(40, vim.api.nvim_win_get_width(win) - (info.textoff or 0) - 1))
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, #lines > 0 and lines or { '(no hit for ' .. query .. ')' })
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'stancekwic'
  pcall(vim.api.nvim_buf_set_name, buf, 'stance kwic: ' .. query)
  vim.b[buf].stance_kwic = targets
  vim.keymap.set('n', '<CR>', function() M.jump(buf) end, { buffer = buf, desc = 'stance: open the hit' })
  -- the keywords, highlighted where they are
  vim.cmd('highlight default link StanceKwicKeyword Search')
  local ns = vim.api.nvim_create_namespace('stance_kwic')
  for i in ipairs(hits) do
    require('stance.compat').add_highlight(buf, ns, 'StanceKwicKeyword', i - 1, keyword_at[i][1],
      keyword_at[i][1] + #keyword_at[i][2])
  end
end

--- Open the hit on the concordance line under the cursor (in the window above).
function M.jump(buf)
  local t = vim.b[buf].stance_kwic and vim.b[buf].stance_kwic[vim.fn.line('.')]
  if not t then return end
  vim.cmd('wincmd p')
  -- by buffer, not :edit: a document's name may hold what a command line cannot (a line end)
  local b = vim.fn.bufadd(t.path)
  vim.bo[b].buflisted = true
  vim.api.nvim_win_set_buf(0, b)
  vim.api.nvim_win_set_cursor(0, { t.line, t.col - 1 })
end

--- Re-index the corpus around the buffer (everything with `rebuild`).
function M.index(rebuild)
  local c, err = require('stance.corpora').get()
  if not c then return require('stance.notify').error(err) end
  require('stance.corpora').index(c, { rebuild = rebuild })
end

--- c:search(query, opts), the documents open with unsaved changes answered from their
--- buffers (stance.search_unsaved), then `show(hits, total)`; or say why not: a saved index
--- found damaged is rebuilt (on the worker), then `again()` runs the search anew.
function H.search(c, query, opts, again, show)
  require('stance.search_unsaved').search(c, query, opts, function(hits, total, code)
    if hits then return show(hits, total) end
    local notify = require('stance.notify')
    if code == 'EDAMAGED' then
      notify.warn('the saved index is damaged: building it again')
      require('stance.corpora').index(c, { rebuild = true }, again)
    else
      notify.error(total)
    end
  end)
end

--- `s` on one line: runs of white space (line ends too) become one space, other control
--- characters are shown escaped (text: its joiners kept, stance.utf8.printable).
function H.one_line(s)
  return require('stance.utf8').printable((s:gsub('%s+', ' ')), true)
end

function H.with_corpus(query, fn)
  local notify = require('stance.notify')
  if not query or query:match('^%s*$') then return notify.error('search what? :Stance search {query}') end
  local ok, qerr = require('stance.core').query_check(query)
  if not ok then return notify.error(qerr) end
  local c, err = require('stance.corpora').get()
  if not c then return notify.error(err) end
  require('stance.corpora').ready(c, fn)
end

return M
