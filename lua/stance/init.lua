--- stance.nvim: annotate a corpus for stance. The public Lua API, the same in Neovim and
--- in the `stance` host (see :help stance-api). Heavy modules load on first use.
local M = {}

--- Configure the plugin (Neovim). Optional; may be called again; only configures.
---@param opts table|nil see :help stance-config
function M.setup(opts)
  require('stance.config').setup(opts)
end

--- Versions of the plugin and of what the C module was built with.
---@return table|nil versions { stance, libuv, treesitter_abi, treesitter_min_abi, lua, lua_abi }
---@return string|nil err when the C module cannot be loaded
function M.version()
  local ok, core = pcall(require, 'stance.core')
  if not ok then return nil, core end
  return core.version()
end

--- Open the corpus at or above `path` (default: the current directory).
---@param path string|nil
---@return stance.Corpus|nil
---@return string|nil err
function M.open(path)
  return require('stance.corpus').open(path)
end

--- SHA-256 of every document below `dir` on the worker threads.
---@param dir string
---@param opts table|nil { ext = {'txt', 'md'} } to keep only those extensions
---@param handlers stance.JobHandlers|nil
---@return userdata|nil job
---@return string|nil err
function M.hash(dir, opts, handlers)
  local worker = require('stance.worker')
  local w, err = worker.get()
  if not w then return nil, err end
  local job, jerr = w:hash(dir, opts)
  if not job then return nil, jerr end
  return worker.track(job, handlers or {})
end

--- The statusline component: annotations of the buffer per stance ("favor 3 against 1"),
--- orphans and conflicts, "done" when you marked the document done, "+" while unsaved;
--- empty when the buffer is not being annotated.
---@param buf integer|nil default: the current buffer
---@return string
function M.status(buf)
  if not package.loaded['stance.editor.session'] then return '' end
  return require('stance.editor.commands').status(buf)
end

--- Who you annotate as: in a document being annotated, the annotator of its session; else
--- who you would annotate as ($STANCE_ANNOTATOR, setup{annotator}, `git config user.name`,
--- $USER). For the statusline: `%{v:lua.require'stance'.annotator()}`. A reserved name
--- (model, gold: no person's) gives '' and why.
---@param buf integer|nil default: the current buffer
---@return string
---@return string|nil err
function M.annotator(buf)
  local session = package.loaded['stance.editor.session']
  local s = session and session.get(buf)
  if s then return s.annotator end
  -- a file of a corpus: the name its repository gives (as a session there would take)
  buf = buf or vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(buf)
  local root = name ~= '' and require('stance.root').find(name) or nil
  local who, err = require('stance.whoami').name(root)
  return who or '', err
end

return M
