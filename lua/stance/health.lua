--- :checkhealth stance
local M = {}

function M.check()
  local h = require('stance.compat').health
  h.start('stance.nvim: C module')
  local ok, core = pcall(require, 'stance.core')
  if not ok then
    h.error(tostring(core), { 'Run `make` in the plugin directory (lazy.nvim: build = "make")' })
    return
  end
  local v = core.version()
  h.ok(('stance.core %s loaded (%s ABI)'):format(v.stance, v.lua_abi))
  h.info(('libuv %s, linked into the module'):format(v.libuv))
  h.info(('tree-sitter ABI %d (parsers %d to %d accepted)'):format(v.treesitter_abi,
    v.treesitter_min_abi, v.treesitter_abi))
  local w, err = require('stance.worker').get()
  if w then
    h.ok(('background worker running %d tasks at once'):format(w:tasks()))
  else
    h.error('the background worker cannot start: ' .. tostring(err))
  end

  h.start('stance.nvim: annotation markup')
  local syntax = require('stance.syntax')
  local path = syntax.parser_path()
  if not path then
    h.error('the tree-sitter parser is not built', { 'Run `make` in the plugin directory' })
  else
    local registered, why = syntax.register()
    if registered then
      h.ok(('tree-sitter parser loaded from %s'):format(path))
      local query = require('stance.compat').ts.get_query(syntax.lang, 'highlights')
      if query then h.ok('highlight and fold queries installed') else h.warn('no highlight query for stance') end
    else
      h.error(why)
    end
  end

  h.start('stance.nvim: corpus')
  local start = vim.api.nvim_buf_get_name(0)
  if start == '' then start = vim.fn.getcwd() end
  local root = require('stance.root').find(start)
  if root then
    h.ok('corpus root: ' .. root)
  else
    h.info(('no corpus here (no %s/ folder at or above %s); `stance init` creates one'):format(
      require('stance.root').marker, start))
  end

  h.start('stance.nvim: annotator')
  local name, source = require('stance.whoami').source()
  local line = ('you annotate as %s (from %s)'):format(name, source)
  if source == '$USER' or source == 'nothing set' then
    h.warn(line, { 'Say who you are: setup{ annotator = "name" }, $STANCE_ANNOTATOR or `git config user.name`' })
  else
    h.ok(line)
  end

  h.start('stance.nvim: configuration')
  local cok, cerr = pcall(require('stance.config').get)
  if cok then h.ok('options are valid') else h.error(tostring(cerr)) end
end

return M
