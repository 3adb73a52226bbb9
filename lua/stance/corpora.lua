--- Neovim: the corpora open in this session, by root, each indexed once and then kept up
--- to date by watching its folders. Searching waits (asynchronously) for the first index.
local M = {}
local H = { open = {}, waiting = {} }

--- The corpus around `path` (a file or folder; default: the current buffer, else the
--- current directory).
---@param path string|nil
---@param root string|nil its root when the caller found it already (stance.root.find)
---@return table|nil corpus
---@return string|nil err
function M.get(path, root)
  if not path then
    path = vim.api.nvim_buf_get_name(0)
    if path == '' or vim.bo.buftype ~= '' then path = vim.fn.getcwd() end
  end
  root = root or require('stance.root').find(path)
  if not root then
    return nil, ('no corpus at or above %s (a folder holding .stance/; `stance init` makes one)'):format(path)
  end
  if not H.open[root] then
    local c, err = require('stance.corpus').open(root)
    if not c then return nil, err end
    H.open[root] = c
  end
  return H.open[root]
end

--- Call `fn(corpus)` once the corpus is indexed (at once if it is).
---@param c table
---@param fn fun(c: table)
function M.ready(c, fn)
  if c.loaded and not H.waiting[c.root] then return fn(c) end
  local queue = H.waiting[c.root]
  if queue then
    queue[#queue + 1] = fn
    return
  end
  H.waiting[c.root] = { fn }
  M.index(c, {}, function()
    local q = H.waiting[c.root] or {}
    H.waiting[c.root] = nil
    for _, f in ipairs(q) do
      f(c)
    end
  end)
end

--- Index `c` with progress in the command line; start watching it the first time.
---@param c table
---@param opts table|nil { rebuild = true }
---@param after fun()|nil
function M.index(c, opts, after)
  local compat = require('stance.compat')
  local notify = require('stance.notify')
  local show = require('stance.config').get().progress.enabled
  local t0 = compat.uv.hrtime()
  c:index({
    rebuild = opts and opts.rebuild,
    on_progress = show and function(ev)
      compat.echo(('stance: indexing %d/%d documents'):format(ev.done, ev.total), nil, false)
    end or nil,
    on_done = function(stats, err)
      if show then compat.echo('', nil, false) end
      if not stats then
        notify.error('indexing failed: ' .. tostring(err))
      else
        local st = c.idx:stats()
        if stats.indexed > 0 or stats.removed > 0 or (opts and opts.rebuild) then
          notify.notify(('indexed %d documents (%d changed) in %.0f ms'):format(st.docs, stats.indexed,
            (compat.uv.hrtime() - t0) / 1e6))
        end
        if stats.note then notify.warn(stats.note) end
        if not c.watching then
          c.watching = true
          require('stance.indexer').watch(c)
        end
      end
      if after then after() end
    end,
  })
end

return M
