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
---@param width integer|nil context in characters (default 40)
function M.kwic(query, width)
  width = width or 40
  H.with_corpus(query, function(c)
    H.search(c, query, { context = width }, function() M.kwic(query, width) end, function(hits)
      H.show_kwic(c, query, width, hits)
    end)
  end)
end

--- The concordance buffer of `hits` of `query` in corpus `c`.
function H.show_kwic(c, query, width, hits)
  local lines, targets, keyword_at = {}, {}, {}
  local matches = {}
  for i, h in ipairs(hits) do
    -- one line each: the context's and the match's line ends become spaces, and the
    -- document's name (any character a file name may hold) is shown escaped
    local left = H.one_line(h.left or '')
    local prefix = (' '):rep(math.max(0, width - vim.fn.strchars(left))) .. left .. '  '
    keyword_at[i] = #prefix
    matches[i] = H.one_line(h.match or '')
    lines[i] = prefix .. matches[i] .. '  ' .. H.one_line(h.right or '') .. '  ' ..
      require('stance.utf8').printable(h.path) .. ':' .. h.line
    targets[i] = { path = c.root .. '/' .. h.path, line = h.line, col = h.col }
  end
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, #lines > 0 and lines or { '(no hit for ' .. query .. ')' })
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'stancekwic'
  pcall(vim.api.nvim_buf_set_name, buf, 'stance kwic: ' .. query)
  vim.b[buf].stance_kwic = targets
  -- a new window takes the options of the one it was split from: none of the document's
  -- folds, spelling, concealing or list characters belong in a concordance
  local win = vim.api.nvim_get_current_win()
  for opt, value in pairs({ wrap = false, cursorline = true, foldenable = false, foldmethod = 'manual',
    foldcolumn = '0', spell = false, list = false, conceallevel = 0 }) do
    vim.wo[win][opt] = value
  end
  vim.keymap.set('n', '<CR>', function() M.jump(buf) end, { buffer = buf, desc = 'stance: open the hit' })
  -- the keywords, highlighted where they are
  vim.cmd('highlight default link StanceKwicKeyword Search')
  local ns = vim.api.nvim_create_namespace('stance_kwic')
  for i in ipairs(hits) do
    require('stance.compat').add_highlight(buf, ns, 'StanceKwicKeyword', i - 1, keyword_at[i],
      keyword_at[i] + #matches[i])
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
