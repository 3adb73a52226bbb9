--- Web Annotations in and out of a corpus: `stance export --to w3c` and
--- `stance import --from w3c FILE`.
local M = {}

--- Every layer of the corpus (or of `names`) as Web Annotations: one AnnotationCollection,
--- or JSON Lines (one annotation per line) when `lines`.
---@return string text
---@return integer count
function M.export(c, names, lines, base)
  local w3c = require('stance.interop.w3c')
  local items = {}
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    for _, who in ipairs(doc:annotators()) do
      local keep = not names
      for _, n in ipairs(names or {}) do
        if n == who then keep = true end
      end
      if keep then
        local layer = assert(doc:layer(who))
        for _, a in ipairs(w3c.annotations(layer.file.store, doc:text(), path, who, base)) do
          items[#items + 1] = a
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
  for _, a in ipairs(items) do
    a['@context'] = nil -- the collection's
  end
  return w3c.encode(w3c.collection(items, 'stance annotations of ' .. c.root, base)) .. '\n', #items
end

--- Import the Web Annotations of `path` into corpus `c`: each into the layer of `who` (else
--- its creator, else "w3c"). Returns the exit status.
function M.import(c, path, who, base)
  local fs = require('stance.fs')
  local w3c = require('stance.interop.w3c')
  local text, err = fs.read(path)
  if not text then return nil, err end
  local by_doc, problems = w3c.read(text, base)
  local skipped = #problems
  for _, p in ipairs(problems) do
    io.stderr:write(('%s:%d:%d: warning: %s%s\n'):format(path, p.line, p.col, p.message,
      p.byte and (' (byte %d)'):format(p.byte) or ''))
  end
  -- relations go with the document of the annotation they start from
  local doc_of = {}
  for dpath, recs in pairs(by_doc) do
    if dpath ~= '_relations' then
      for _, r in ipairs(recs) do
        doc_of[r.id] = dpath
      end
    end
  end
  for _, rel in ipairs(by_doc._relations or {}) do
    local d = doc_of[rel.from]
    if d and doc_of[rel.to] == d then
      table.insert(by_doc[d], rel)
    else
      skipped = skipped + 1
      io.stderr:write(('%s: warning: relation %s skipped: its annotations are not imported from one document\n')
        :format(path, rel.id))
    end
  end
  by_doc._relations = nil
  local imported, orphans, docs = 0, 0, 0
  local paths = {}
  for dpath in pairs(by_doc) do
    paths[#paths + 1] = dpath
  end
  table.sort(paths)
  for _, dpath in ipairs(paths) do
    local doc_text = fs.read(c.root .. '/' .. dpath)
    if not doc_text then
      skipped = skipped + #by_doc[dpath]
      io.stderr:write(('%s: warning: %d annotation(s) of %s skipped: no such document in the corpus\n'):format(path,
        #by_doc[dpath], dpath))
    else
      local groups = {}
      for _, r in ipairs(by_doc[dpath]) do
        local name = who or r.author or 'w3c'
        if name == r.author then r.author = nil end
        groups[name] = groups[name] or {}
        table.insert(groups[name], r)
      end
      for name, recs in pairs(groups) do
        local layer_path = require('stance.root').annotation_path(c.root, name, dpath)
        if fs.exists(layer_path) then
          skipped = skipped + #recs
          io.stderr:write(('%s: warning: %s already has a layer of %s; its %d annotation(s) skipped (import with '
            .. '--annotator)\n'):format(path, dpath, name, #recs))
        else
          local store, res = w3c.place(recs, doc_text)
          for _, r in ipairs(recs) do
            if r.kind == 'relation' then
              local ok, rerr = store:add({ kind = 'relation', id = r.id, type = r.type, from = r.from, to = r.to,
                note = r.note, author = r.author, created = r.created })
              if not ok then
                skipped = skipped + 1
                io.stderr:write(('%s: warning: relation %s skipped: %s\n'):format(path, r.id, rerr))
              end
            end
            if r._error then
              skipped = skipped + 1
              io.stderr:write(('%s: warning: %s skipped: %s\n'):format(path, r.id, r._error))
            end
          end
          for _, id in ipairs(res.orphan_ids) do
            io.stderr:write(('%s: warning: %s: its text is not in %s; kept as an orphan\n'):format(path, id, dpath))
          end
          orphans = orphans + res.orphaned
          local ok, werr = require('stance.annfile').create(layer_path, store, dpath, name, doc_text)
          if not ok then return nil, werr end
          imported = imported + store:count('annotation') + store:count('relation') + store:count('doclabel')
          docs = docs + 1
        end
      end
    end
  end
  io.stdout:write(('imported %d record(s) into %d layer(s) from %s; %d skipped%s; %d orphan(s)\n'):format(imported,
    docs, path, skipped, skipped > 0 and ' (reasons above)' or '', orphans))
  return skipped > 0 and 1 or 0
end

return M
