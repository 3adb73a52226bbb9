--- What `stance report` draws, gathered from a corpus: per document its metadata and the
--- stance annotations of the chosen layers per target and stance, documents ordered by date
--- (when known) then path; the targets and stances (the schema's in its order, then those the
--- annotations use: no stance name is assumed). Annotation files are read straight through the
--- C reader (no layer objects), so that 100k annotations over 40k documents take well under a
--- second (stance.core's Store:crosstab counts them). Both hosts.
local M = {}
local H = {}

---@class stance.ReportDoc
---@field path string
---@field meta table<string, string>
---@field date string|nil the sortable key of its date (stance.docmeta.date_key)
---@field counts table<string, table<string, integer>> target -> stance -> annotations
---@field total integer stance annotations
---@field labels table<string, table<string, integer>> target -> stance -> document labels

---@class stance.ReportData
---@field root string
---@field layers string[] the layers counted
---@field docs stance.ReportDoc[]
---@field targets string[]
---@field stances string[]
---@field columns string[] metadata columns
---@field dated integer documents with a date
---@field annotations integer stance annotations counted
---@field problems string[] what could not be read (a file, and why)

--- The layers a report counts: `names` when given; else `gold` when the corpus has it (the
--- curated truth); else every person's layer.
---@param c stance.Corpus
---@param names string[]|nil
---@return string[]
function M.layers(c, names)
  if names and #names > 0 then return names end
  for _, n in ipairs(c:annotators()) do
    if n == 'gold' then return { 'gold' } end
  end
  return c:people()
end

--- Gather the data of corpus `c`.
---@param c stance.Corpus
---@param opts {annotators: string[]|nil}|nil
---@return stance.ReportData
function M.collect(c, opts)
  opts = opts or {}
  local root_mod = require('stance.root')
  local core = require('stance.core')
  local docmeta = require('stance.docmeta')
  local meta = c:metadata()
  local layers = M.layers(c, opts.annotators)
  local d = { root = c.root, layers = layers, docs = {}, columns = meta.columns, dated = 0, annotations = 0,
    problems = {} }
  local by_path = {}
  for i, path in ipairs(c:paths()) do
    local row = meta.rows[path] or {}
    local doc = { path = path, meta = row, date = row.date and docmeta.date_key(row.date), counts = {}, total = 0,
      labels = {}, order = i }
    if doc.date then d.dated = d.dated + 1 end
    d.docs[i], by_path[path] = doc, doc
  end
  local targets_found, stances_found = {}, {}
  for _, layer in ipairs(layers) do
    local dir = ('%s/%s/%s'):format(c.root, root_mod.annotations, root_mod.slug(layer))
    for _, e in ipairs(require('stance.fs').list(dir, { 'stance' }) or {}) do
      local doc = by_path[e.path:sub(1, -8)]
      if doc then
        local store, problems = core.read_file(dir .. '/' .. e.path)
        if not store then
          d.problems[#d.problems + 1] = ('%s/%s: %s'):format(dir, e.path, tostring(problems))
        else
          H.count(d, doc, store, targets_found, stances_found)
          -- its memory is C's, which the collector does not see: freed now, not at some later cycle
          store:close()
        end
      end
    end
  end
  local schema = c:schema()
  d.targets = require('stance.schema').ordered(schema and schema.targets, targets_found)
  d.stances = require('stance.schema').ordered(schema and schema.stances, stances_found)
  table.sort(d.docs, function(a, b)
    if (a.date ~= nil) ~= (b.date ~= nil) then return a.date ~= nil end
    if a.date and a.date ~= b.date then return a.date < b.date end
    return a.order < b.order
  end)
  return d
end

--- Add `counts` (target -> stance -> n) into `into`, the same shape; note each target and
--- stance met in `targets_found` / `stances_found` when given.
---@param into table<string, table<string, integer>>
---@param counts table<string, table<string, integer>>
---@param targets_found? table<string, boolean>
---@param stances_found? table<string, boolean>
---@return integer added the sum of `counts`
function M.add_counts(into, counts, targets_found, stances_found)
  local added = 0
  for t, per in pairs(counts) do
    if targets_found then targets_found[t] = true end
    local dst = into[t]
    if not dst then
      dst = {}
      into[t] = dst
    end
    for st, n in pairs(per) do
      if stances_found then stances_found[st] = true end
      dst[st] = (dst[st] or 0) + n
      added = added + n
    end
  end
  return added
end

--- Add the stances of `store` to `doc`: per target and stance, counted in C (a record a Lua
--- table would cost more than reading the file).
function H.count(d, doc, store, targets_found, stances_found)
  local n = M.add_counts(doc.counts, store:crosstab('target', 'stance', 'annotation'), targets_found, stances_found)
  doc.total = doc.total + n
  d.annotations = d.annotations + n
  M.add_counts(doc.labels, store:crosstab('target', 'stance', 'doclabel'), targets_found, stances_found)
end

--- How a document is named in a figure: its title when the metadata has one, else its path.
---@param doc stance.ReportDoc
---@return string
function M.name(doc)
  return doc.meta.title or doc.path
end

--- How a target is named: "(no target)" for annotations without one.
function M.target_name(t)
  return t == '' and '(no target)' or t
end

return M
