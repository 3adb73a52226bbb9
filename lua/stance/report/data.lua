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
---@field counts table<string, table<string, number>> target -> stance -> annotations (the mean of
--- its sources' when several annotated it: a document counts once)
---@field total number stance annotations (likewise)
---@field labels table<string, table<string, number>> target -> stance -> document labels
---@field source string[] the layers its figures come from (none: not started)
---@field status string 'done' (every source marked it done), 'in-progress' or 'not-started'
---@field by_layer table<string, table> per source layer: { counts, total, status }
---@field undecided integer|nil counted from a gold marked done with this many places left to decide since
--- (an annotator's layer changed after the curation, stance.curation_stale)
---@field not_done string[]|nil counted from a gold marked done while these annotators are in progress, with no
--- curator's word for it

---@class stance.ReportData
---@field root string
---@field layers string[] the layers considered
---@field counted string what is counted, in words (for the page's title)
---@field docs stance.ReportDoc[]
---@field targets string[]
---@field stances string[]
---@field columns string[] metadata columns
---@field dated integer documents with a date
---@field annotations number stance annotations counted (a document annotated by several: their mean)
---@field read integer stance annotations in the files the counts come from (whole: no mean taken)
---@field averaged integer documents counted as the mean of several annotators
---@field counted_from {gold: number, one: number, several: number, several_read: integer} what the figures
--- count from gold, from documents of one annotator, as the mean of several (and how many their files hold)
---@field sources table<string, integer> documents per kind of source: gold, one, several, not-started
---@field problems string[] what could not be read (a file, and why)
---@field stale stance.StaleGold[] documents counted from a gold marked done with places left to decide
---@field left_out {annotator: string, path: string, where: string, errors: integer}[] layer files with errors
---@field meta_error {path: string, line: integer, col: integer, message: string}|nil the document
--- metadata's first error (with how many), when it has any: its values are used as far as read
--- (where: PATH:LINE:COL: message of the first): each counts for nothing on its document, as in stance agree

--- The layers a report considers: `names` when given; else `gold` (when the corpus has it) and
--- every person's layer: a document curated into gold (its gold file marked done) is counted
--- from gold, every other one (a curation in progress too) from the people who annotated it.
---@param c stance.Corpus
---@param names string[]|nil
---@return string[]
function M.layers(c, names)
  if names and #names > 0 then return names end
  local out = {}
  for _, n in ipairs(c:annotators()) do
    if n == 'gold' then out[1] = 'gold' end
  end
  for _, n in ipairs(c:people()) do
    out[#out + 1] = n
  end
  return out
end

--- A count as a figure shows it: whole, or with one decimal (a mean of several annotators').
---@param n number
---@return string
function M.num(n)
  local whole = math.floor(n + 0.5)
  if math.abs(n - whole) < 1e-9 then return ('%d'):format(whole) end
  return ('%.1f'):format(n)
end

--- Gather the data of corpus `c`. A document's figures come from one source: with
--- `opts.annotators`, those of them who have a file for it; else gold when its file there is
--- marked done (the curated truth), else every person who annotated it. Several sources (two coders of one
--- document) are averaged, so that a document counts once and no sentence twice; each one's
--- own counts are in doc.by_layer.
---@param c stance.Corpus
---@param opts {annotators: string[]|nil}|nil
---@return stance.ReportData
function M.collect(c, opts)
  opts = opts or {}
  local root_mod = require('stance.root')
  local core = require('stance.core')
  local docmeta = require('stance.docmeta')
  local meta = c:metadata()
  local named = opts.annotators and #opts.annotators > 0
  local layers = M.layers(c, opts.annotators)
  local d = { root = c.root, layers = layers, docs = {}, columns = meta.columns, dated = 0, annotations = 0,
    read = 0, averaged = 0, problems = {}, left_out = {},
    sources = { gold = 0, one = 0, several = 0, ['not-started'] = 0 } }
  -- a table with errors (git's conflict markers, a quote never closed) is used as read, said
  -- (as stats --by and the exports say it): on the page and stderr, with its first error's place
  docmeta.warn_errors(meta, function(path, line, message, col)
    d.meta_error = { path = path, line = line or 1, col = col or 1, message = message }
  end)
  local by_path = {}
  for i, path in ipairs(c:paths()) do
    local row = meta.rows[path] or {}
    local doc = { path = path, meta = row, date = row.date and docmeta.date_key(row.date), counts = {}, total = 0,
      labels = {}, order = i, by_layer = {}, source = {} }
    if doc.date then d.dated = d.dated + 1 end
    d.docs[i], by_path[path] = doc, doc
  end
  -- a link is never read as a layer, whoever's folder it is in (stance.layer_link): said, not counted
  local links = {}
  for _, l in ipairs(require('stance.layer_link').scan(c.root)) do
    links[l.path] = true
    d.problems[#d.problems + 1] = l.said .. '; not counted'
  end
  -- a folder at a layer file's name: that layer's file of the document cannot be read (said,
  -- left out, as a file with errors is)
  local annfile = require('stance.annfile')
  local asked = {}
  for _, layer in ipairs(layers) do
    asked[root_mod.slug(layer)] = layer
  end
  for _, f in ipairs(annfile.folders_at(c.root)) do
    local layer = asked[f.annotator]
    if layer and by_path[f.document] then
      local where = ('%s:1:1: %s'):format(require('stance.fs').relative(f.path, c.root), annfile.FOLDER)
      d.left_out[#d.left_out + 1] = { annotator = layer, path = f.document, where = where, errors = 1 }
      d.problems[#d.problems + 1] = annfile.errors_said(layer, where, 1,
        ('left out of %s: none of it counted (stance check lists them)'):format(f.document))
    end
  end
  for _, layer in ipairs(layers) do
    local dir = ('%s/%s/%s'):format(c.root, root_mod.annotations, root_mod.slug(layer))
    for _, e in ipairs(require('stance.fs').list(dir, { 'stance' }) or {}) do
      local doc = by_path[e.path:sub(1, -8)]
      if doc and not links[dir .. '/' .. e.path] then
        local store, problems = core.read_file(dir .. '/' .. e.path)
        if not store then
          d.problems[#d.problems + 1] = ('%s/%s: %s'):format(dir, e.path, tostring(problems))
        else
          local where, errors = annfile.first_error(dir .. '/' .. e.path, problems, c.root)
          local cwhere, cn
          if not where then
            cwhere, cn = require('stance.layer_conflicts').first(dir .. '/' .. e.path, problems, c.root)
          end
          if cwhere then
            -- records of an unresolved merge conflict: both versions are not the annotator's
            -- word (stance.layer_conflicts); left out as a file with errors is
            d.left_out[#d.left_out + 1] = { annotator = layer, path = doc.path, where = cwhere, errors = 0,
              conflicts = cn }
            d.problems[#d.problems + 1] = require('stance.layer_conflicts').said(layer, cwhere, cn,
              ('left out of %s: none of it counted'):format(doc.path))
          elseif where then
            -- as stance agree does: a file with errors counts for nothing on its document (what
            -- it lets us read is not all there is), whose figures come from its other layers
            d.left_out[#d.left_out + 1] = { annotator = layer, path = doc.path, where = where, errors = errors }
            require('stance.layer_errors').meet({ annotator = layer, path = doc.path, file = dir .. '/' .. e.path,
              where = where, errors = errors })
            d.problems[#d.problems + 1] = annfile.errors_said(layer, where, errors,
              ('left out of %s: none of it counted (stance check lists them)'):format(doc.path))
          else
            local counts, labels = {}, {}
            local n = M.add_counts(counts, store:crosstab('target', 'stance', 'annotation'))
            M.add_counts(labels, store:crosstab('target', 'stance', 'doclabel'))
            doc.by_layer[layer] = { counts = counts, labels = labels, total = n,
              status = store:header().status == 'done' and 'done' or 'in-progress' }
          end
          -- its memory is C's, which the collector does not see: freed now, not at some later cycle
          store:close()
        end
      end
    end
  end
  local targets_found, stances_found = {}, {}
  d.stale = {}
  for _, doc in ipairs(d.docs) do
    H.combine(d, doc, layers, named, targets_found, stances_found)
    -- counted from a gold marked done that no longer decides everything: said, on the page too
    if doc.source[1] == 'gold' and not named then
      local stale = require('stance.curation_stale').of(c, doc.path)
      if stale then
        if stale.unknown then
          doc.unknown = true
        elseif stale.undecided > 0 then
          doc.undecided = stale.undecided
        else
          doc.not_done = stale.not_done
        end
        d.stale[#d.stale + 1] = stale
        d.problems[#d.problems + 1] = ('gold of %s %s'):format(doc.path, require('stance.curation_stale').said(stale))
      end
    end
  end
  d.counted = H.counted(layers, named, d.sources)
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

--- A document's source, status and counts from the layers read for it (see M.collect).
function H.combine(d, doc, layers, named, targets_found, stances_found)
  if not named and doc.by_layer.gold and doc.by_layer.gold.status == 'done' then
    doc.source = { 'gold' }
  else
    for _, l in ipairs(layers) do
      if doc.by_layer[l] and (named or l ~= 'gold') then doc.source[#doc.source + 1] = l end
    end
  end
  local k = #doc.source
  doc.status = k == 0 and 'not-started' or 'done'
  for _, l in ipairs(doc.source) do
    local b = doc.by_layer[l]
    if b.status ~= 'done' then doc.status = 'in-progress' end
    doc.total = doc.total + M.add_counts(doc.counts, b.counts, targets_found, stances_found, 1 / k)
    d.read = d.read + b.total
    M.add_counts(doc.labels, b.labels, targets_found, stances_found, 1 / k)
  end
  d.annotations = d.annotations + doc.total
  if k > 1 then d.averaged = d.averaged + 1 end
  local kind = k == 0 and 'not-started' or doc.source[1] == 'gold' and k == 1 and not named and 'gold'
    or k == 1 and 'one' or 'several'
  d.sources[kind] = d.sources[kind] + 1
  -- what the figures count from each kind of source (for annotations_said)
  d.counted_from = d.counted_from or { gold = 0, one = 0, several = 0, several_read = 0 }
  if kind ~= 'not-started' then d.counted_from[kind] = d.counted_from[kind] + doc.total end
  if kind == 'several' then
    for _, l in ipairs(doc.source) do
      d.counted_from.several_read = d.counted_from.several_read + doc.by_layer[l].total
    end
  end
end

--- How many stance annotations a report counts, in words: a whole count of those in the files
--- its figures come from, and, when some documents count as the mean of their annotators, what
--- the figures count and where it comes from ("22 stance annotations in the files read; the
--- figures count 15.0 of them: 4 from gold, 5 from documents one annotator coded, 6.0 as the
--- mean of the annotators of 2 documents (12 in their files)").
---@param d stance.ReportData
---@return string
function M.annotations_said(d)
  local said = ('%d stance annotation%s'):format(d.read, d.read == 1 and '' or 's')
  if d.averaged == 0 then return said .. ' counted' end
  local from, f = {}, d.counted_from or { gold = 0, one = 0, several = d.annotations, several_read = d.read }
  if d.sources.gold > 0 then from[#from + 1] = ('%d from gold'):format(f.gold) end
  if d.sources.one > 0 then from[#from + 1] = ('%d from documents one annotator coded'):format(f.one) end
  from[#from + 1] = ('%.1f as the mean of the annotators of %d document%s (%d in their files)'):format(f.several,
    d.averaged, d.averaged == 1 and '' or 's', f.several_read)
  return ('%s in the files read; the figures count %.1f of them, each document once: %s'):format(said, d.annotations,
    table.concat(from, ', '))
end

--- What a report counts, in words: its title says it.
function H.counted(layers, named, sources)
  local people = {}
  for _, l in ipairs(layers) do
    if named or l ~= 'gold' then people[#people + 1] = l end
  end
  local who = #people == 0 and 'no annotator' or table.concat(people, ', ')
  local mean = #people > 1 and ' (the mean where several annotated a document)' or ''
  if named then return who .. mean end
  if sources.gold > 0 then
    return ('gold where curated (%d document%s), else each document\'s annotators: %s%s'):format(sources.gold,
      sources.gold == 1 and '' or 's', who, mean)
  end
  return ('each document\'s annotators: %s%s'):format(who, mean)
end

--- How a document's source and status read in a figure: "gold, done", "mean of ana, ben, in
--- progress", "not started".
---@param doc stance.ReportDoc
---@return string
function M.source_said(doc)
  if doc.status == 'not-started' then return 'not started' end
  local status = doc.status == 'done' and 'done' or 'in progress'
  if doc.undecided then status = ('%s, %d place(s) undecided since'):format(status, doc.undecided) end
  if doc.not_done then status = ('%s, %s not done'):format(status, table.concat(doc.not_done, ', ')) end
  if doc.unknown then status = status .. ', current? (a layer with errors)' end
  if #doc.source == 1 then return doc.source[1] .. ', ' .. status end
  return 'mean of ' .. table.concat(doc.source, ', ') .. ', ' .. status
end

--- Add `counts` (target -> stance -> n) into `into`, the same shape; note each target and
--- stance met in `targets_found` / `stances_found` when given.
---@param into table<string, table<string, integer>>
---@param counts table<string, table<string, integer>>
---@param targets_found? table<string, boolean>
---@param stances_found? table<string, boolean>
---@param weight? number each count is added times this (default 1)
---@return number added the sum of what was added
function M.add_counts(into, counts, targets_found, stances_found, weight)
  local added, w = 0, weight or 1
  for t, per in pairs(counts) do
    if targets_found then targets_found[t] = true end
    local dst = into[t]
    if not dst then
      dst = {}
      into[t] = dst
    end
    for st, n in pairs(per) do
      if stances_found then stances_found[st] = true end
      dst[st] = (dst[st] or 0) + n * w
      added = added + n * w
    end
  end
  return added
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
