--- Searching a corpus in Neovim when some of its documents are open with unsaved changes:
--- the index answers for the documents as saved, the buffers' text for those (their hits
--- and their lines and columns are those of the buffer, not of the file). The buffers' text
--- is indexed on the worker in a private folder, searched with the same query, then removed.
local M = {}

--- The documents of `c` open in a buffer with unsaved changes: { {rel, buf}, ... }.
---@param c stance.Corpus
---@return table[]
function M.documents(c)
  local out = {}
  local root = require('stance.core').realpath(c.root) or c.root
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].modified and vim.bo[buf].buftype == '' then
      local name = vim.api.nvim_buf_get_name(buf)
      local real = name ~= '' and require('stance.core').realpath(name) or nil
      if real and real:sub(1, #root + 1) == root .. '/' then
        local rel = real:sub(#root + 2)
        if c:is_document(rel) then out[#out + 1] = { rel = rel, buf = buf } end
      end
    end
  end
  return out
end

--- c:search(query, opts) with the documents open with unsaved changes answered from their
--- buffers: `done(hits, total)`, or `done(nil, message, code)` (as c:search fails). At once
--- when no document has unsaved changes, else once their text is indexed.
---@param c stance.Corpus
---@param query string
---@param opts table|nil as c:search's (limit is not taken: every hit is listed)
---@param done fun(hits: table[]|nil, total: integer|string, code: string|nil)
function M.search(c, query, opts, done)
  local hits, total, code = c:search(query, opts)
  if not hits then return done(nil, total, code) end
  local docs = M.documents(c)
  if #docs == 0 then return done(hits, total) end
  local tmp = vim.fn.tempname() .. '-stance-unsaved'
  local only, edited = {}, {}
  for _, d in ipairs(docs) do
    local path = tmp .. '/' .. d.rel
    vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
    local f = io.open(path, 'wb')
    if f then
      f:write(require('stance.editor.session').file_text(d.buf))
      f:close()
      only[#only + 1], edited[d.rel] = d.rel, true
    end
  end
  local function finish(extra)
    vim.fn.delete(tmp, 'rf')
    local out = {}
    for _, h in ipairs(hits) do
      if not edited[h.path] then out[#out + 1] = h end
    end
    if extra then
      for _, h in ipairs(extra) do
        out[#out + 1] = h
      end
      table.sort(out, function(a, b)
        if a.path ~= b.path then return a.path < b.path end
        if a.line ~= b.line then return a.line < b.line end
        return a.col < b.col
      end)
    else
      out = hits -- the buffers could not be searched: the index's answer as it is
    end
    done(out, extra and #out or total)
  end
  local worker = require('stance.worker')
  local w = worker.get()
  local idx = w and require('stance.core').index(tmp)
  local globs = c:globs()
  local job = idx and w:index(idx, { include = globs.include, exclude = globs.exclude, only = only })
  if not job then return finish(nil) end
  worker.track(job, { on_done = function(ev)
    if ev.state ~= 'done' or not job:apply_to(idx) then return finish(nil) end
    local extra = idx:search(query, opts and { context = opts.context } or nil)
    finish(extra)
  end })
end

return M
