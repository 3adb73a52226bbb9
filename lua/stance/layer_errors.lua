--- The annotation files of a corpus's layers that have errors (git's conflict markers, a file
--- cut short): each is left out of its document whole, never counted for what it lets us
--- read (what it lost would count as "no stance"), by every command that counts layers:
--- stance agree (stance.agreement.items), stance report (stance.report.data), the model
--- (src/modeljob.c, which says the files it left out: stance.model.skipped) and stance
--- stats. Files read before without a problem come from the layer cache (no parse). A pass
--- that reads the annotations too checks each document as it comes (M.document): its layers
--- are read once, and kept by the document for them.
local M = {}
local H = {}

---@class stance.LayerError
---@field annotator string the layer
---@field path string the document
---@field file string the annotation file
---@field where string PATH:LINE:COL: message of its first error (PATH relative to the corpus)
---@field errors integer
---@field line integer|nil the first error's line (nil: the file could not be read at all)
---@field col integer|nil
---@field message string the first error's message, or why the file could not be read

--- The files of `layers` on document `doc` that have errors (stance.LayerError), each read
--- once as the document reads its layers (stance.Document.open_layer): the document keeps
--- them, so that its annotations of the others are not read again.
---@param doc stance.Document
---@param layers string[]
---@return stance.LayerError[]
function M.document(doc, layers)
  local c = doc.corpus
  local lc = c:layer_cache()
  local out = {}
  for _, l in ipairs(layers) do
    local layer = doc:kept_layer(l)
    local err, code
    if not layer then
      local view -- (false: not in the layer cache)
      if lc then view = lc:view(c:layer_folder(l), doc.path) end
      if lc and view ~= false then
        -- nil: no file; a view: a file read without a problem, not kept (the document's pass
        -- takes its annotations from the cache in one call)
        layer = false
      else
        layer, err, code = doc:open_layer(l, true)
      end
    end
    if layer or err then
      local file = require('stance.root').annotation_path(c.root, l, doc.path)
      H.add(out, c, l, doc.path, file, layer and layer.file, err, code)
    end
  end
  return out
end

--- Add to `out` the error of `annotator`'s `file` on `path` read as `f` (nil: could not be
--- read, `err`), if it has one.
function H.add(out, c, annotator, path, file, f, err, code)
  local annfile = require('stance.annfile')
  local e
  if f == nil then
    -- (a link's refusal names the file already)
    e = { where = code == 'ELINK' and err or ('%s: %s'):format(require('stance.fs').relative(file, c.root), err),
      errors = 1, message = err, link = code == 'ELINK' or nil }
  elseif f then
    local problems = rawget(f, 'problems')
    local where, n
    if problems then where, n = annfile.first_error(file, problems, c.root) end
    if where then
      local first = annfile.errors(problems)
      e = { where = where, errors = n, line = first.line, col = first.col, message = first.message }
    end
  end
  if e then
    e.annotator, e.path, e.file = annotator, path, file
    out[#out + 1] = e
    M.meet(e) -- (an aggregate's pass, a script's call: said to the host as a read says it)
  end
end

--- The error of layer `layer` (read whole or not: its file's problems), or nil when its file was
--- read without one.
---@param layer stance.Layer
---@return stance.LayerError|nil
function M.of_layer(layer)
  local f = layer.file
  if (rawget(f, 'errors') or 0) == 0 then return nil end
  local c = layer.corpus
  local out = {}
  H.add(out, c, layer.annotator, layer.doc.path, require('stance.root').annotation_path(c.root, layer.annotator,
    layer.doc.path), f)
  return out[1]
end

--- The layer files with errors that documents' reads met in this process (doc:annotations()
--- and the like, see stance.Document): each given once to `M.sink` (`stance run` sets it: said
--- on stderr), and counted in `M.met`.
M.met = 0
H.seen = {}

--- Say `e` (a layer file with errors that a read met) to the sink, once per file.
---@param e stance.LayerError
function M.meet(e)
  -- (one file per layer and document, however its path is written)
  local key = e.annotator and e.path and (e.annotator .. '\0' .. e.path) or e.file
  if H.seen[key] then return end
  H.seen[key] = true
  M.met = M.met + 1
  if M.sink then M.sink(e) end
end

--- The same as a set: set[annotator][path] is the error of that file.
---@param list stance.LayerError[]
---@return table<string, table<string, stance.LayerError>>
function M.set(list)
  local set = {}
  for _, e in ipairs(list) do
    set[e.annotator] = set[e.annotator] or {}
    set[e.annotator][e.path] = e
  end
  return set
end

return M
