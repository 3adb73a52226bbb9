--- The annotation markup in Neovim: the tree-sitter parser built from
--- grammars/tree-sitter-stance, its highlight and fold queries, and folding by record.
--- Works from Neovim 0.7.2 on (see stance.compat for the version differences).
local M = {}
local H = { registered = nil, folds = {}, no_tree = {} }

M.lang = 'stance'

--- The checkout holding this file.
function H.root()
  local src = debug.getinfo(1, 'S').source:sub(2)
  return vim.fn.fnamemodify(src, ':p:h:h:h')
end

--- The parser library: built by `make` next to the plugin, or any parser/stance.so on
--- 'runtimepath'.
---@return string|nil
function M.parser_path()
  local built = H.root() .. '/build/parser/stance.so'
  if require('stance.compat').uv.fs_stat(built) then return built end
  return vim.api.nvim_get_runtime_file('parser/stance.so', false)[1]
end

--- Register the language and its queries with Neovim (once).
---@return boolean|nil ok
---@return string|nil err
function M.register()
  if H.registered ~= nil then return H.registered, H.err end
  local compat = require('stance.compat')
  local path = M.parser_path()
  if not path then
    H.registered, H.err = false, 'the tree-sitter parser is not built: run `make` in ' .. H.root()
    return false, H.err
  end
  local ok, err = compat.ts.add_language(M.lang, path)
  if not ok then
    H.registered, H.err = false, ('cannot load %s: %s'):format(path, err)
    return false, H.err
  end
  -- Queries from the grammar's folder, unless a user's own are on 'runtimepath'.
  for _, name in ipairs({ 'highlights', 'folds' }) do
    if #vim.api.nvim_get_runtime_file(('queries/%s/%s.scm'):format(M.lang, name), true) == 0 then
      local f = io.open(('%s/grammars/tree-sitter-stance/queries/%s.scm'):format(H.root(), name), 'rb')
      if f then
        compat.ts.set_query(M.lang, name, f:read('*a'))
        f:close()
      end
    end
  end
  H.registered = true
  return true
end

--- Highlighting and folds for an annotation-markup buffer (the FileType autocommand).
---@param buf integer
function M.attach(buf)
  vim.bo[buf].commentstring = '# %s'
  vim.bo[buf].expandtab = true
  vim.bo[buf].shiftwidth = 2
  local ok, err = M.register()
  if not ok then
    vim.b[buf].stance_syntax_error = err
    return
  end
  local long = H.longest_over(buf, M.MAX_LINE)
  if long then
    -- highlighting reads every node of a line at each redraw: a line of a million escapes
    -- took seconds per key; folds are kept (they read the records, not the nodes)
    vim.b[buf].stance_syntax_error = ('line %d is %d KiB long: highlighting is off in this buffer (at most %d KiB'
      .. ' a line)'):format(long.lnum, math.floor(long.bytes / 1024), math.floor(M.MAX_LINE / 1024))
    require('stance.notify').line(('%s: %s'):format(vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':~:.'),
      vim.b[buf].stance_syntax_error), vim.log.levels.WARN)
    H.no_tree[buf] = true -- (its parse alone took 3-4 s: folds by lines, below)
  else
    H.no_tree[buf] = nil
    require('stance.compat').ts.start(buf, M.lang)
  end
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    vim.wo[win].foldmethod = 'expr'
    vim.wo[win].foldexpr = "v:lua.require'stance.syntax'.foldexpr(v:lnum)"
  end
end

--- Folds without the tree (a buffer with a line too long to parse at each key): a record is
--- a line that starts at column 1 with a keyword and the indented lines after it up to a
--- blank line, a comment at column 1 or the next record (doc/format.md), folded under its
--- first line as the folds query does.
---@param buf integer
---@return table<integer, string> levels by line number ('>1', '1'; none for level 0)
function M.levels_by_lines(buf)
  local levels = {}
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local start
  local function close(last)
    if start and last > start then
      levels[start] = '>1'
      for row = start + 1, last do
        levels[row] = '1'
      end
    end
    start = nil
  end
  local last = 0
  for i, line in ipairs(lines) do
    local c = line:sub(1, 1)
    if not line:find('%S') then
      close(last) -- (a blank line ends a record: doc/format.md)
    elseif c:match('^%s$') then
      if start then last = i end
    elseif c ~= '#' then
      close(last)
      start, last = i, i
    else
      close(last)
    end
  end
  close(last)
  return levels
end

--- The longest line highlighting is started for (bytes).
M.MAX_LINE = 512 * 1024

--- The first line of `buf` longer than `max` bytes ({ lnum, bytes }), or nil; a buffer
--- smaller than `max` is not looked at line by line.
function H.longest_over(buf, max)
  local n = vim.api.nvim_buf_line_count(buf)
  if vim.api.nvim_buf_get_offset(buf, n) <= max then return nil end
  local prev = 0
  for i = 1, n do
    local off = vim.api.nvim_buf_get_offset(buf, i)
    if off - prev - 1 > max then return { lnum = i, bytes = off - prev - 1 } end
    prev = off
  end
  return nil
end

--- 'foldexpr': a record folds under its first line (the folds query). Levels are computed
--- once per change of the buffer.
---@param lnum integer
---@return string
function M.foldexpr(lnum)
  local buf = vim.api.nvim_get_current_buf()
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local cache = H.folds[buf]
  if not cache or cache.tick ~= tick then
    cache = { tick = tick, levels = H.levels(buf) }
    H.folds[buf] = cache
  end
  return cache.levels[lnum] or '0'
end

function H.levels(buf)
  if H.no_tree[buf] then return M.levels_by_lines(buf) end
  local levels = {}
  local ok, parser = pcall(vim.treesitter.get_parser, buf, M.lang)
  if not ok or not parser then return levels end
  local tree = parser:parse()[1]
  if not tree then return levels end
  local function fold(node)
    local srow, _, erow, ecol = node:range()
    if ecol == 0 then erow = erow - 1 end
    if erow > srow then
      levels[srow + 1] = '>1'
      for row = srow + 1, erow do
        levels[row + 1] = '1'
      end
    end
  end
  -- our folds query, `(record) @fold`, read off the records at the top of the tree: a query
  -- visits every node (a line of a million escapes: 2-5 s at each change); a user's own
  -- folds query on 'runtimepath' is run as it is
  if #vim.api.nvim_get_runtime_file(('queries/%s/folds.scm'):format(M.lang), true) == 0 then
    for node in tree:root():iter_children() do
      if node:type() == 'record' then fold(node) end
    end
    return levels
  end
  local query = require('stance.compat').ts.get_query(M.lang, 'folds')
  if not query then return levels end
  for id, node in query:iter_captures(tree:root(), buf, 0, -1) do
    if query.captures[id] == 'fold' then fold(node) end
  end
  return levels
end

return M
