--- :Stance {subcommand} [args]: dispatch and completion. Each subcommand is a table
--- { desc, run = function(args, cmd), complete = function(arglead) }.
local M = {}
local H = {}

M.subcommands = {
  version = {
    desc = 'show the versions of stance and of its C module',
    run = function()
      local v, err = require('stance').version()
      if not v then return require('stance.notify').error(err) end
      require('stance.notify').notify(('stance %s (libuv %s, tree-sitter ABI %d, %s)'):format(
        v.stance, v.libuv, v.treesitter_abi, v.lua))
    end,
  },
  health = {
    desc = 'run :checkhealth stance',
    run = function()
      vim.cmd('checkhealth stance')
    end,
  },
  search = {
    desc = 'search the corpus; hits in the quickfix list',
    run = function(args)
      require('stance.search_ui').search(table.concat(args, ' '))
    end,
  },
  kwic = {
    desc = 'a keyword-in-context concordance of a search',
    run = function(args)
      require('stance.search_ui').kwic(table.concat(args, ' '))
    end,
  },
  index = {
    desc = 'bring the corpus index up to date (with ! everything again)',
    run = function(_, cmd)
      require('stance.search_ui').index(cmd.bang)
    end,
  },
  hash = {
    desc = 'SHA-256 of every file below DIR (default: the current directory), in a new buffer',
    run = function(args)
      require('stance.hash_ui').run(args[1] or vim.fn.getcwd())
    end,
    complete = function(arglead)
      return vim.fn.getcompletion(arglead, 'dir')
    end,
  },
}

for name, sub in pairs(require('stance.editor.commands').subcommands) do
  M.subcommands[name] = sub
end

--- Run the :Stance command described by `cmd` (the table nvim_create_user_command gives).
---@param cmd table
function M.run(cmd)
  local args = vim.split(cmd.args or '', '%s+', { trimempty = true })
  local name = table.remove(args, 1)
  if not name then
    return require('stance.notify').warn('which subcommand? ' .. table.concat(H.names(), ', '))
  end
  if name:sub(-1) == '!' and M.subcommands[name:sub(1, -2)] then
    -- `:Stance done!` means `:Stance! done`
    name = name:sub(1, -2)
    cmd = vim.tbl_extend('force', cmd, { bang = true })
  end
  local sub = M.subcommands[name]
  if not sub then
    return require('stance.notify').error(("unknown subcommand '%s' (try :Stance <Tab>)"):format(name))
  end
  sub.run(args, cmd)
end

--- Completion for :Stance.
---@param arglead string
---@param line string
---@return string[]
function M.complete(arglead, line)
  local words = vim.split(line:gsub('^%s*%S+%s*', ''), '%s+')
  if #words <= 1 then
    return vim.tbl_filter(function(n)
      return n:sub(1, #arglead) == arglead
    end, H.names())
  end
  local sub = M.subcommands[words[1]]
  if sub and sub.complete then return sub.complete(arglead, words) end
  return {}
end

function H.names()
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return names
end

return M
