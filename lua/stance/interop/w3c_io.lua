--- Web Annotations in and out of a corpus: `stance export --to w3c` and
--- `stance import --from w3c FILE`. An import reads and places everything before it writes
--- anything: the schema first (what the annotations use), then every layer at once.
local M = {}
local H = {}

--- Every layer of the corpus (or of `names`) as Web Annotations: one AnnotationCollection,
--- or JSON Lines (one annotation per line) when `lines`; each annotation carries its
--- @context, so that it stands alone. A layer that cannot be exported is reported to
--- `report` and left out.
---@return string text
---@return integer count
function M.export(c, names, lines, base, report)
  local w3c = require('stance.interop.w3c')
  local items = {}
  local warn = report:as_warn()
  require('stance.export.rows').warn_unlisted(c, warn)
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local text, terr = doc:text()
    for _, who in ipairs(names or doc:annotators()) do
      local layer = text and require('stance.export.rows').layer(doc, who, warn)
      if not text then
        report:warn(path, nil, nil, '%s; not exported', terr)
        break
      elseif layer then
        local ok, got = pcall(function()
          local placed = require('stance.export.placed').layer(layer, text)
          for _, id in ipairs(require('stance.interop.declare').sorted(placed.orphans)) do
            local rec = layer.file.store:get(id)
            report:warn(layer.file.path, rec and rec.line, 1, 'annotation %s is an orphan (its text is no longer in '
              .. '%s): exported with its TextQuoteSelector only', id, path)
          end
          return w3c.annotations(placed.store, text, path, who, base, placed.orphans)
        end)
        if ok then
          for _, a in ipairs(got) do
            items[#items + 1] = a
          end
        else
          report:warn(layer.file.path, nil, nil, '%s; not exported', tostring(got))
        end
      end
    end
  end
  if lines then
    local out = {}
    for i, a in ipairs(items) do
      out[i] = w3c.encode(a)
    end
    return table.concat(out, '\n') .. (#out > 0 and '\n' or ''), #items
  end
  local name = c.root:match('([^/]+)/*$') or c.root
  return w3c.encode(w3c.collection(items, 'stance annotations of ' .. name, base)) .. '\n', #items
end

--- The document `dpath` names (from an IRI: data), as a path of the corpus: a regular file
--- inside the root that the corpus counts as a document; else nil and why.
function H.document(c, dpath)
  local core = require('stance.core')
  local ok, why = require('stance.fs').inside(c.root, dpath)
  if not ok then return nil, why end
  local st = core.stat(c.root .. '/' .. dpath)
  if not st then return nil, 'no such document in the corpus' end
  if st.type ~= 'file' then return nil, 'not a regular file' end
  if not c:is_document(dpath) then return nil, 'not a document of the corpus (see its include and exclude globs)' end
  return dpath
end

--- Import the Web Annotations of `path` into corpus `c`: each into the layer of `who` (else
--- the layer its `stance:layer` names, else its creator, else "w3c"), with `status` (done or
--- in-progress, may be nil) on every layer.
--- Returns the exit status.
---@return integer|nil status
---@return string|nil err
function M.import(c, path, who, base, status)
  local fs = require('stance.fs')
  local w3c = require('stance.interop.w3c')
  local declare = require('stance.interop.declare')
  local report = require('stance.interop.report').new()
  local text, err = fs.read(path)
  if not text then return nil, err end
  local by_doc, relations, problems = w3c.read(text, base)
  local skipped = #problems
  for _, p in ipairs(problems) do
    report:warn(path, p.line, p.col, '%s', p.message)
  end
  -- relations go with the document of the annotation they start from
  local doc_of = {}
  for dpath, recs in pairs(by_doc) do
    for _, r in ipairs(recs) do
      doc_of[r.id] = dpath
    end
  end
  for _, rel in ipairs(relations) do
    local d = doc_of[rel.from]
    if d and doc_of[rel.to] == d then
      table.insert(by_doc[d], rel)
    else
      skipped = skipped + 1
      report:warn(path, nil, nil, 'relation %s skipped: its annotations are not imported from one document', rel.id)
    end
  end
  -- read (and written, declare.write) only inside the corpus: a committed link is not followed
  local schema_text = fs.read(c.root .. '/' .. require('stance.schema').path, c.root)
  local wanted = declare.new()
  local batch = require('stance.interop.batch').new(c.root)
  local imported, orphans, layers = 0, 0, 0
  for _, dpath in ipairs(require('stance.interop.declare').sorted(by_doc)) do
    local n, o, s, l = H.document_layers(c, path, dpath, by_doc[dpath], who, report, wanted, batch, status)
    imported, orphans, skipped, layers = imported + n, orphans + o, skipped + s, layers + l
  end
  -- nothing was written so far: the schema first, then every layer at once
  local new_schema, counts = declare.plan(schema_text, wanted, 'W3C ' .. path)
  local ok, werr = declare.write(c, schema_text, new_schema)
  if ok then ok, werr = batch:commit() end
  if not ok then return nil, werr end
  io.stdout:write(('imported %d record(s) into %d layer(s) from %s; %d skipped%s; %d orphan(s); schema: %s added\n')
    :format(imported, layers, path, skipped, skipped > 0 and ' (reasons above)' or '', orphans,
      declare.summary(counts)))
  return skipped > 0 and 1 or 0
end

--- The layers of one document, planned into `batch`: records imported, orphans, skipped,
--- layers.
function H.document_layers(c, path, dpath, recs, who, report, wanted, batch, status)
  local fs = require('stance.fs')
  local w3c = require('stance.interop.w3c')
  local rel, why = H.document(c, dpath)
  if not rel then
    report:warn(path, nil, nil, '%d annotation(s) of %s skipped: %s', #recs, dpath, why)
    return 0, 0, #recs, 0
  end
  local doc_text = fs.read(c.root .. '/' .. rel, c.root)
  local groups = {}
  for _, r in ipairs(recs) do
    -- --annotator, else the layer the annotation says (its creator stays its author), else
    -- its creator (another tool's annotation), else w3c
    local name = who or r._layer or r.author or 'w3c'
    if name == r.author then r.author = nil end
    groups[name] = groups[name] or {}
    table.insert(groups[name], r)
  end
  local imported, orphans, skipped, layers = 0, 0, 0, 0
  for _, name in ipairs(require('stance.interop.declare').sorted(groups)) do
    local group = groups[name]
    local layer_rel = require('stance.root').annotations .. '/' .. require('stance.root').slug(name) .. '/' .. rel
      .. '.stance'
    if fs.exists(c.root .. '/' .. layer_rel) then
      skipped = skipped + #group
      report:warn(path, nil, nil, '%s already has a layer of %s; its %d annotation(s) skipped (import with '
        .. '--annotator)', rel, name, #group)
    else
      local store, res = w3c.place(group, doc_text)
      for _, r in ipairs(group) do
        if r.kind == 'relation' then
          local ok, rerr = store:add({ kind = 'relation', id = r.id, type = r.type, from = r.from, to = r.to,
            note = r.note, author = r.author, created = r.created })
          if not ok then
            skipped = skipped + 1
            report:warn(path, r._line, 1, 'relation %s skipped: %s', r.id, rerr)
          end
        end
        if r._error then
          skipped = skipped + 1
          report:warn(path, r._line, 1, '%s skipped: %s', r.id, r._error)
        end
      end
      for _, id in ipairs(res.orphan_ids) do
        report:warn(path, nil, nil, '%s: its text is not in %s; kept as an orphan', id, rel)
      end
      orphans = orphans + res.orphaned
      for _, kind in ipairs({ 'annotation', 'relation', 'doclabel' }) do
        for _, r in ipairs(store:records(kind)) do
          require('stance.interop.declare').record(wanted, r)
        end
      end
      if status then store:set_header('status', status) end
      local ok, berr = batch:add(layer_rel, require('stance.annfile').render(store, rel, name, doc_text), '')
      if not ok then
        skipped = skipped + #group
        report:warn(path, nil, nil, 'the layer of %s on %s: %s; skipped', name, rel, berr)
      else
        imported = imported + store:count('annotation') + store:count('relation') + store:count('doclabel')
        layers = layers + 1
      end
    end
  end
  return imported, orphans, skipped, layers
end

return M
