--- :checkhealth stance
local M = {}
local H = {}

--- The buffer the user was in when :checkhealth ran. Neovim shows the report in a buffer of
--- its own (health://): in a new tab (0.10+: `tab sbuffer`), a split (`:vert checkhealth`),
--- a float (g:health style), or in place of an empty buffer; the user's is then the one
--- of the window or tab page they came from.
---@return integer|nil
function H.user_buffer()
  local function usable(buf)
    if not buf or buf <= 0 or not vim.api.nvim_buf_is_valid(buf) or vim.bo[buf].buftype ~= '' then return false end
    local name = vim.api.nvim_buf_get_name(buf)
    return name ~= '' and not name:find('^health:')
  end
  local cur = vim.api.nvim_get_current_buf()
  if usable(cur) then return cur end
  local prev = vim.fn.winnr('#')
  if prev > 0 and usable(vim.fn.winbufnr(prev)) then return vim.fn.winbufnr(prev) end
  local tab = vim.fn.tabpagenr('#')
  if tab > 0 then
    local buf = vim.fn.tabpagebuflist(tab)[vim.fn.tabpagewinnr(tab)]
    if usable(buf) then return buf end
  end
  local alt = vim.fn.bufnr('#')
  if usable(alt) then return alt end
  return nil
end

--- The corpus of the user's document (else of the current directory), its schema, and the
--- document's layer.
function H.corpus(h)
  h.start('stance.nvim: corpus')
  local buf = H.user_buffer()
  local start = buf and vim.api.nvim_buf_get_name(buf) or vim.fn.getcwd()
  local root = require('stance.root').find(start)
  if not root then
    h.info(('no corpus here (no %s/ folder at or above %s); `stance init` creates one'):format(
      require('stance.root').marker, start))
    return
  end
  h.ok('corpus root: ' .. root)
  local corpus, cerr = require('stance.corpora').get(start)
  if not corpus then return h.error(('the corpus cannot be read: %s'):format(tostring(cerr))) end
  local schema, problems = corpus:schema()
  local errors = 0
  for _, p in ipairs(problems or {}) do
    if p.severity == 'error' then errors = errors + 1 end
  end
  if not schema then
    h.warn('no schema (.stance/schema.stance): annotations are not checked', { 'stance init writes one' })
  elseif errors > 0 then
    h.error(('the schema has %d error(s)'):format(errors), { '`stance check` lists them with their lines' })
  else
    h.ok(('schema: %d stance(s), %d target(s), %d label(s)'):format(#(schema.stances or {}), #(schema.targets or {}),
      #(schema.labels or {})))
  end
  if not buf then return end
  local session = package.loaded['stance.editor.session']
  local s = session and session.by_buf[buf]
  local doc = vim.fn.fnamemodify(start, ':~:.')
  if s then
    local n = s.store:count('annotation')
    local file = vim.fn.fnamemodify(s.path, ':~:.')
    local line = s.file.exists and ('%s: annotated by %s, %d annotation(s) in %s'):format(s.rel, s.annotator, n, file)
      or ('%s: annotated by %s, %d annotation(s), not written yet (%s is made at the first save)'):format(s.rel,
        s.annotator, n, file)
    if s.readonly then h.warn(line .. '; ' .. s.readonly) else h.ok(line) end
  else
    h.info(('%s is not a document of this corpus (the schema\'s corpus include/exclude decide)'):format(doc))
  end
end

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

  H.corpus(h)

  h.start('stance.nvim: annotator')
  local here = require('stance.root').find(vim.fn.getcwd())
  local name, source = require('stance.whoami').source(here)
  local line = name and ('you annotate as %s (from %s%s)'):format(name, source,
    here and source:find('^git') and ' in ' .. here or '')
  if not name then
    h.error(source) -- a reserved name, and how to choose another
  elseif source == '$USER' or source == 'nothing set' then
    h.warn(line, { 'Say who you are: setup{ annotator = "name" }, $STANCE_ANNOTATOR or `git config user.name`' })
  else
    h.ok(line)
  end

  h.start('stance.nvim: configuration')
  local cok, cerr = pcall(require('stance.config').get)
  if cok then h.ok('options are valid') else h.error(tostring(cerr)) end
end

return M
