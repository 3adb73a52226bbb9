--- The annotation markup in Neovim: the tree-sitter parser built from
--- grammars/tree-sitter-stance, its highlight and fold queries, and folding by record.
--- Works from Neovim 0.7.2 on (see stance.compat for the version differences).
local M = {}
local H = { registered = nil, folds = {} }

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
  require('stance.compat').ts.start(buf, M.lang)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    vim.wo[win].foldmethod = 'expr'
    vim.wo[win].foldexpr = "v:lua.require'stance.syntax'.foldexpr(v:lnum)"
  end
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
  local levels = {}
  local ok, parser = pcall(vim.treesitter.get_parser, buf, M.lang)
  if not ok or not parser then return levels end
  local tree = parser:parse()[1]
  local query = require('stance.compat').ts.get_query(M.lang, 'folds')
  if not tree or not query then return levels end
  for id, node in query:iter_captures(tree:root(), buf, 0, -1) do
    if query.captures[id] == 'fold' then
      local srow, _, erow, ecol = node:range()
      if ecol == 0 then erow = erow - 1 end
      if erow > srow then
        levels[srow + 1] = '>1'
        for row = srow + 1, erow do
          levels[row + 1] = '1'
        end
      end
    end
  end
  return levels
end

return M
