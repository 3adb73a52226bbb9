--- brat folders in and out of a corpus: `stance import --from brat DIR` and
--- `stance export --to brat DIR`.
local M = {}
local H = {}

local function out(fmt, ...) io.stdout:write(fmt:format(...), '\n') end
local function warn(fmt, ...) io.stderr:write(fmt:format(...), '\n') end

--- .ann files below `dir` with their .txt: list of { ann, txt, rel } (rel: the .txt's path
--- relative to `dir`).
function H.pairs(dir)
  local fs = require('stance.fs')
  local list = {}
  for _, e in ipairs(fs.list(dir, { 'ann' }) or {}) do
    local rel = e.path:gsub('%.ann$', '.txt')
    list[#list + 1] = { ann = dir .. '/' .. e.path, txt = dir .. '/' .. rel, rel = rel }
  end
  return list
end

--- Add the labels and relation types the corpus's schema does not know (from the data and
--- annotation.conf) at the end of its schema file. Returns how many of each were added.
function H.extend_schema(c, labels, relations)
  local core = require('stance.core')
  local fs = require('stance.fs')
  local schema = c:schema()
  local path = c.root .. '/' .. require('stance.schema').path
  local text = fs.read(path) or 'format stance 1\n'
  local add, nl, nr = {}, 0, 0
  local function sorted(t)
    local o = {}
    for k in pairs(t) do
      o[#o + 1] = k
    end
    table.sort(o)
    return o
  end
  for _, l in ipairs(sorted(labels)) do
    if not (schema and schema.by.label[l]) then
      add[#add + 1] = 'label ' .. (core.is_word(l) and l or core.quote(l))
      nl = nl + 1
    end
  end
  for _, r in ipairs(sorted(relations)) do
    if not (schema and schema.by.relation[r]) then
      add[#add + 1] = 'relation ' .. (core.is_word(r) and r or core.quote(r))
      nr = nr + 1
    end
  end
  if #add > 0 then
    local new = text .. (text:sub(-1) == '\n' and '' or '\n') .. '\n# imported from brat\n' .. table.concat(add, '\n')
      .. '\n'
    local ok, err = core.write_atomic(path, new, core.sha256(text))
    if not ok then return nil, err end
    c._schema = nil
  end
  return nl, nr
end

--- Import the brat folder `dir` into corpus `c` as annotator `who`.
---@return integer status
function M.import(c, dir, who)
  local core = require('stance.core')
  local fs = require('stance.fs')
  local brat = require('stance.interop.brat')
  local root = require('stance.root')
  local labels, relations = {}, {}
  local conf = fs.read(dir .. '/annotation.conf')
  if conf then
    local cf = brat.parse_conf(conf)
    for _, e in ipairs(cf.entities) do labels[e] = true end
    for _, r in ipairs(cf.relations) do relations[r] = true end
    for _, e in ipairs(cf.events) do labels[e] = true end
  end
  local docs, records, skipped = 0, 0, 0
  local list = H.pairs(dir)
  for _, p in ipairs(list) do
    local text = fs.read(p.txt)
    local ann, aerr = fs.read(p.ann)
    local target = c.root .. '/' .. p.rel
    local layer_path = root.annotation_path(c.root, who, p.rel)
    local why
    if not text then
      why = ('%s: no %s next to it; skipped'):format(p.ann, p.rel)
    elseif not ann then
      why = ('%s: %s; skipped'):format(p.ann, aerr)
    elseif fs.exists(layer_path) then
      why = ('%s: %s already has a layer of %s; skipped (import with another --annotator)'):format(p.ann, p.rel, who)
    elseif fs.exists(target) and fs.read(target) ~= text then
      why = ('%s: the corpus has a different %s; skipped'):format(p.ann, p.rel)
    end
    if why then
      warn('stance import: %s', why)
      skipped = skipped + 1
    else
      local d = brat.parse(ann)
      local recs, problems = brat.records(d, text)
      for _, pr in ipairs(problems) do
        warn('%s:%d:%d: warning: %s', p.ann, pr.line, pr.col, pr.message)
        skipped = skipped + 1
      end
      local store = core.store()
      local model = core.text(text)
      for _, r in ipairs(recs) do
        if r.kind == 'annotation' then
          labels[r.label] = true
          local first, last = r.spans[1][1], r.spans[#r.spans][2]
          r.prefix = text:sub(model:cp_to_byte(math.max(0, first - 32)) + 1, model:cp_to_byte(first))
          r.suffix = text:sub(model:cp_to_byte(last) + 1, model:cp_to_byte(math.min(model:cps(), last + 32)))
        else
          relations[r.type] = true
        end
        local ok, err = store:add(r)
        if not ok then
          warn('%s: warning: %s skipped: %s', p.ann, r.id, err)
          skipped = skipped + 1
        else
          records = records + 1
        end
      end
      if not fs.exists(target) then
        fs.mkdir_p(fs.dirname(target))
        local ok, err = core.write_atomic(target, text, '')
        if not ok then return nil, err end
      end
      local ok, err = require('stance.annfile').create(layer_path, store, p.rel, who, text)
      if not ok then return nil, err end
      docs = docs + 1
    end
  end
  local nl, nr = H.extend_schema(c, labels, relations)
  if not nl then return nil, nr end
  out('imported %d document(s), %d record(s) as %s from %s; %d skipped%s; schema: %d label(s), %d relation type(s)'
    .. ' added', docs, records, who, dir, skipped, skipped > 0 and ' (reasons above)' or '', nl, nr)
  return (skipped > 0 or #list == 0) and 1 or 0
end

--- Export the layers of `who` (default: every annotator but one file per document: the
--- first) to `dir`: DOC.txt, DOC.ann and annotation.conf.
---@return integer status
function M.export(c, dir, names)
  local core = require('stance.core')
  local fs = require('stance.fs')
  local brat = require('stance.interop.brat')
  local used = { entities = {}, relations = {}, attributes = {}, events = {} }
  local n = 0
  local ok, err = fs.mkdir_p(dir)
  if not ok then return nil, err end
  for _, path in ipairs(c:paths()) do
    local doc = assert(c:document(path))
    local have = doc:annotators()
    local who
    for _, a in ipairs(names or have) do
      for _, h in ipairs(have) do
        if h == a and not who then who = a end
      end
    end
    if who then
      local text = doc:text()
      local layer = assert(doc:layer(who))
      local ann = brat.write(layer.file.store, text, used)
      local base = dir .. '/' .. path:gsub('%.[^./]*$', '')
      fs.mkdir_p(fs.dirname(base .. '.txt'))
      ok, err = core.write_atomic(base .. '.txt', text)
      if ok then ok, err = core.write_atomic(base .. '.ann', ann) end
      if not ok then return nil, err end
      n = n + 1
    end
  end
  ok, err = core.write_atomic(dir .. '/annotation.conf', brat.conf(used))
  if not ok then return nil, err end
  out('exported %d document(s) to %s (with annotation.conf)', n, dir)
  return 0
end

return M
