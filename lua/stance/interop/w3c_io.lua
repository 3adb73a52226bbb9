--- Web Annotations in and out of a corpus: `stance export --to w3c` and
--- `stance import --from w3c FILE`. An import reads and places everything before it writes
--- anything: the schema first (what the annotations use), then every layer at once.
local M = {}
local H = {}

--- The layers `names` of the corpus (nil: every one) as Web Annotations: one AnnotationCollection,
--- or JSON Lines (one annotation per line) when `lines`; each annotation carries its
--- @context, so that it stands alone. A layer that cannot be exported is reported to
--- `report` and left out.
---@return string text
---@return integer count
function M.export(c, names, lines, base, report)
  local w3c = require('stance.interop.w3c')
  local items, layers = {}, {}
  local from = {} -- the layer file of each item
  local warn = report:as_warn()
  require('stance.export.rows').warn_unlisted(c, warn, names)
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local text, terr = doc:text()
    for _, who in ipairs(require('stance.export.suggestions').of(doc, names)) do
      local layer = text and require('stance.export.rows').layer(doc, who, warn)
      if not text then
        report:warn(path, nil, nil, '%s; not exported', terr)
        break
      elseif layer then
        local status = layer.file.store:header('status')
        local ok, got = pcall(function()
          local placed = require('stance.export.suggestions').placed(layer, text)
          for _, id in ipairs(require('stance.interop.declare').sorted(placed.orphans)) do
            local rec = layer.file.store:get(id)
            report:warn(layer.file.path, rec and rec.line, 1, 'annotation %s is an orphan (its text is no longer in '
              .. '%s): exported with its TextQuoteSelector only', id, path)
          end
          return w3c.annotations(placed.store, text, path, who, base, placed.orphans, status, placed.suggestions)
        end)
        if ok then
          for _, a in ipairs(got) do
            items[#items + 1] = a
            from[#items] = layer.file
          end
          if status then layers[#layers + 1] = { document = path, layer = who, status = status } end
        else
          report:warn(layer.file.path, nil, nil, '%s; not exported', tostring(got))
        end
      end
    end
  end
  local lossy = report:lossy_once()
  if lines then
    local out = {}
    for i, a in ipairs(items) do
      local bad
      out[i], bad = w3c.encode(a)
      if bad > 0 then H.lossy(a, from[i], bad, lossy) end
    end
    return table.concat(out, '\n') .. (#out > 0 and '\n' or ''), #items
  end
  local name = c.root:match('([^/]+)/*$') or c.root
  local text, bad = w3c.encode(w3c.collection(items, 'stance annotations of ' .. name, base, layers))
  -- JSON is UTF-8: bytes that are not were written as U+FFFD; the first item holding any said
  for i = 1, bad > 0 and #items or 0 do
    local _, n = w3c.encode(items[i])
    if n > 0 then
      H.lossy(items[i], from[i], n, lossy)
      break
    end
  end
  return text .. '\n', #items
end

--- Say (once, through `lossy`) that annotation `a` of layer file `file` held bytes of
--- invalid UTF-8, at its record's line.
function H.lossy(a, file, n, lossy)
  local id = tostring(a.id or ''):match('annotation:(.*)$') or ''
  id = id:gsub('%%(%x%x)', function(h) return string.char(tonumber(h, 16)) end)
  local rec = id ~= '' and file.store:get(id) or nil
  lossy(file.path, rec and rec.line, 'annotation ' .. id, n)
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
--- in-progress, may be nil) on every layer, else the status the file gives the layer.
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
  -- a collection's pages in other files are read from the folder of FILE, never from elsewhere
  local fs_dir, fs_name = path:match('^(.*)/([^/]*)$')
  local by_doc, relations, problems, said, refused = w3c.read(text, base,
    { root = fs_dir == '' and '/' or fs_dir or '.', rel = fs_name or path })
  local skipped, unlabeled = 0, 0
  for _, p in ipairs(problems) do
    if p.severity == 'error' then
      report:error(p.file or path, p.line, p.col, '%s', p.message)
    else
      report:warn(p.file or path, p.line, p.col, '%s', p.message)
    end
    if p.kept then
      unlabeled = unlabeled + 1
    elseif not p.warn_only then
      skipped = skipped + 1
    end
  end
  if refused then return nil, ('%s: nothing imported: %s'):format(path, refused) end
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
      report:warn(rel._file or path, rel._line, rel._col,
        'relation %s skipped: its annotations are not imported from one document', rel.id)
    end
  end
  -- the layers a collection lists (with their status), those without a record too
  local status_of = {}
  for _, l in ipairs(said) do
    local name = who or l.layer
    status_of[l.document] = status_of[l.document] or {}
    status_of[l.document][name] = status_of[l.document][name] or l.status
    by_doc[l.document] = by_doc[l.document] or {}
  end
  -- read (and written, declare.write) only inside the corpus: a committed link is not followed
  local schema_text = fs.read(c.root .. '/' .. require('stance.schema').path, c.root)
  local ctx = { path = path, who = who, status = status, report = report, wanted = declare.new(),
    batch = require('stance.interop.batch').new(c.root), schema = c:schema() }
  local imported, orphans, files = 0, 0, 0
  ctx.layer_names = {} -- the layers written into, by name: a layer is one annotator's, over documents
  for _, dpath in ipairs(declare.sorted(by_doc)) do
    ctx.said = status_of[dpath] or {}
    local n, o, s, l = H.document_layers(c, ctx, dpath, by_doc[dpath])
    imported, orphans, skipped, files = imported + n, orphans + o, skipped + s, files + l
  end
  local layers = 0
  for _ in pairs(ctx.layer_names) do
    layers = layers + 1
  end
  skipped = skipped + (ctx.skipped_in_layers or 0)
  -- nothing was written so far: the schema first, then every layer at once
  local new_schema, counts = declare.plan(schema_text, ctx.wanted, 'W3C ' .. path)
  local ok, werr = declare.write(c, schema_text, new_schema)
  if ok then ok, werr = ctx.batch:commit() end
  if not ok then return nil, werr end
  io.stdout:write(('imported %d record(s) into %d layer(s) from %s; %d skipped%s; %d orphan(s);%s schema: %s added;'
    .. ' %d annotation file(s) written\n')
    :format(imported, layers, path, skipped, skipped > 0 and ' (reasons above)' or '', orphans,
      unlabeled > 0 and (' %d kept unlabeled (said above);'):format(unlabeled) or '', declare.summary(counts), files))
  return skipped > 0 and 1 or 0
end

--- The records of a layer that can be written: each annotation and document label given what
--- its label sets in the schema (one that contradicts its label is refused, as every writer
--- refuses it), an annotation placed by its positions alone only inside the document, a
--- relation only when both its ends are kept. Returns the records kept and how many were
--- skipped (reported).
function H.writable(ctx, group, rel, cps)
  local validate = require('stance.validate')
  local kept, gone, skipped = {}, {}, 0
  local function skip(r, fmt, ...)
    skipped = skipped + 1
    gone[r.id] = true
    ctx.report:warn(r._file or ctx.path, r._line, r._col, '%s %s skipped: ' .. fmt, r.kind, r.id, ...)
  end
  for _, r in ipairs(group) do
    if r.kind ~= 'relation' then
      local ok, why = validate.apply_label(r, ctx.schema, r.kind)
      local past
      for _, sp in ipairs(r._positions_only and r._spans or {}) do
        if sp and sp[2] > cps then past = sp end
      end
      if not ok then
        skip(r, '%s', why)
      elseif past then
        skip(r, 'its TextPositionSelector %d-%d is past the end of %s (%d characters) and it has no quote', past[1],
          past[2], rel, cps)
      else
        kept[#kept + 1] = r
      end
    end
  end
  for _, r in ipairs(group) do
    if r.kind == 'relation' then
      local lost = gone[r.from] and r.from or gone[r.to] and r.to
      if lost then skip(r, 'its annotation %s is skipped', lost) else kept[#kept + 1] = r end
    end
  end
  return kept, skipped
end

--- The layers of one document, planned into `ctx.batch`: records imported, orphans,
--- skipped, layers.
function H.document_layers(c, ctx, dpath, recs)
  local fs = require('stance.fs')
  local declare = require('stance.interop.declare')
  local report, path = ctx.report, ctx.path
  local rel, why = H.document(c, dpath)
  if not rel then
    local r1 = recs[1] or {}
    report:warn(r1._file or path, r1._line, r1._col, '%d annotation(s) of %s skipped: %s', #recs, dpath, why)
    return 0, 0, #recs, 0
  end
  local doc_text = fs.read(c.root .. '/' .. rel, c.root)
  local cps = require('stance.core').text(doc_text):cps()
  local groups = {}
  for _, r in ipairs(recs) do
    -- --annotator, else the layer the annotation says (its creator stays its author), else
    -- its creator (another tool's annotation), else w3c
    local name = ctx.who or r._layer or r.author or 'w3c'
    if name == r.author then r.author = nil end
    groups[name] = groups[name] or {}
    table.insert(groups[name], r)
  end
  for name in pairs(ctx.said) do
    groups[name] = groups[name] or {}
  end
  local imported, orphans, skipped, layers = 0, 0, 0, 0
  for _, name in ipairs(declare.sorted(groups)) do
    local group = groups[name]
    local layer_rel = require('stance.root').annotations .. '/' .. require('stance.root').slug(name) .. '/' .. rel
      .. '.stance'
    local first = group[1] or {}
    local inside, iwhy = fs.inside(c.root, layer_rel)
    -- a link in the layer's place is never replaced (stance.layer_link)
    local link = inside and require('stance.layer_link').refusal(c.root .. '/' .. layer_rel, c.root, true)
    if link then
      skipped = skipped + #group
      report:warn(first._file or path, first._line, first._col, '%s; its %d record(s) skipped', link, #group)
    elseif not inside then
      skipped = skipped + #group
      report:warn(first._file or path, first._line, first._col, 'the layer of %s on %s: %s; its %d record(s) skipped',
        name, rel, iwhy, #group)
    elseif fs.exists(c.root .. '/' .. layer_rel) then
      skipped = skipped + #group
      report:warn(first._file or path, first._line, first._col, '%s already has a layer of %s; its %d record(s) '
        .. 'skipped (import with --annotator)', rel, name, #group)
    else
      local kept, n_skipped = H.writable(ctx, group, rel, cps)
      skipped = skipped + n_skipped
      local status = ctx.status or ctx.said[name]
      for _, r in ipairs(group) do
        status = status or r._status
      end
      local n, o = H.layer(ctx, kept, name, rel, layer_rel, doc_text, status, #group)
      if n then
        imported, orphans, layers = imported + n, orphans + o, layers + 1
        if ctx.layer_names then ctx.layer_names[name] = true end
      elseif n == false then
        skipped = skipped + #kept
      end
    end
  end
  return imported, orphans, skipped, layers
end

--- One layer placed into `ctx.batch`: records imported and orphans; nil when there is
--- nothing to write (every record skipped, no status); false when it is refused (reported).
function H.layer(ctx, kept, name, rel, layer_rel, doc_text, status, given)
  local declare = require('stance.interop.declare')
  local report, path = ctx.report, ctx.path
  if #kept == 0 and (not status or given > 0) then return nil end
  local store, res = require('stance.interop.w3c').place(kept, doc_text)
  local skipped = {}
  for _, r in ipairs(kept) do
    if r.kind == 'relation' then
      local ok, rerr = store:add({ kind = 'relation', id = r.id, type = r.type, from = r.from, to = r.to,
        note = r.note, author = r.author, created = r.created, modified = r.modified, extras = r.extras })
      if not ok then skipped[#skipped + 1] = { r, rerr } end
    end
    if r._error then skipped[#skipped + 1] = { r, r._error } end
  end
  for _, s in ipairs(skipped) do
    report:warn(s[1]._file or path, s[1]._line, s[1]._col, '%s %s skipped: %s', s[1].kind, s[1].id, s[2])
  end
  local by_id = {}
  for _, x in ipairs(kept) do
    by_id[x.id] = x
  end
  for _, id in ipairs(res.orphan_ids) do
    local r = by_id[id]
    report:warn(r and r._file or path, r and r._line, r and r._col, 'annotation %s: its text is not in %s; kept as an '
      .. 'orphan', id, rel)
  end
  -- an annotation over a NUL byte of the document: skipped, as the editor and scripts refuse it
  local nul = require('stance.layer').drop_nul(store, doc_text, function(r, why)
    local x = by_id[r.id]
    report:warn(x and x._file or path, x and x._line, x and x._col, 'annotation %s skipped: %s', r.id, why)
  end)
  if nul > 0 then
    ctx.skipped_in_layers = (ctx.skipped_in_layers or 0) + nul
    if not status and store:count('annotation') + store:count('relation') + store:count('doclabel') == 0 then
      return nil
    end
  end
  if status then store:set_header('status', status) end
  local ok, berr = ctx.batch:add(layer_rel, require('stance.annfile').render(store, rel, name, doc_text), '')
  if not ok then
    report:warn(path, nil, nil, 'the layer of %s on %s: %s; skipped', name, rel, berr)
    return false
  end
  for _, kind in ipairs({ 'annotation', 'relation', 'doclabel' }) do
    for _, r in ipairs(store:records(kind)) do
      declare.record(ctx.wanted, r)
    end
  end
  ctx.skipped_in_layers = (ctx.skipped_in_layers or 0) + #skipped
  return store:count('annotation') + store:count('relation') + store:count('doclabel'), res.orphaned
end

return M
