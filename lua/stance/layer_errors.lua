--- The annotation files of a corpus's layers that have errors (git's conflict markers, a file
--- cut short): each is left out of its document whole, never counted for what it lets us
--- read (what it lost would count as "no stance"), by every command that counts layers:
--- stance agree (stance.agreement.items), stance report (stance.report.data), the model
--- (stance.model, src/modeljob.c) and stance stats. Files read before without a problem come
--- from the layer cache (no parse).
local M = {}

---@class stance.LayerError
---@field annotator string the layer
---@field path string the document
---@field file string the annotation file
---@field where string PATH:LINE:COL: message of its first error (PATH relative to the corpus)
---@field errors integer
---@field line integer|nil the first error's line (nil: the file could not be read at all)
---@field col integer|nil
---@field message string the first error's message, or why the file could not be read

--- The files of `layers` on `paths` (default: every document) that have errors, in document
--- then layer order.
---@param c stance.Corpus
---@param layers string[]
---@param paths string[]|nil
---@return stance.LayerError[]
function M.scan(c, layers, paths)
  local annfile, root = require('stance.annfile'), require('stance.root')
  local exists = require('stance.core').exists
  local vocab = c.vocab and c:vocab() or nil
  local cache = c.layer_cache and c:layer_cache() or nil
  local out = {}
  for _, path in ipairs(paths or c:paths()) do
    for _, l in ipairs(layers) do
      local file = root.annotation_path(c.root, l, path)
      if exists(file) then
        local f, err, code = annfile.read(file, vocab, c.root, true, cache)
        local e
        if f == nil then
          -- (a link's refusal names the file already)
          e = { where = code == 'ELINK' and err or ('%s: %s'):format(require('stance.fs').relative(file, c.root), err),
            errors = 1, message = err }
        elseif f then
          local where, n = annfile.first_error(file, f.problems, c.root)
          if where then
            local first = annfile.errors(f.problems)
            e = { where = where, errors = n, line = first.line, col = first.col, message = first.message }
          end
        end
        if e then
          e.annotator, e.path, e.file = l, path, file
          out[#out + 1] = e
        end
      end
    end
  end
  return out
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
