-- A stance table: for each document, annotator and target, how many annotations take each
-- stance of the schema (a column per stance, in the schema's order), and the document's
-- overall stance for that annotator (their document label when they set one, else the
-- majority, "mixed" on a tie). Each annotator's layer is counted apart (two annotators'
-- readings of one sentence are not two sentences); the curation (gold) is a layer of its own;
-- the model's suggestions and the layers the schema names in `not-annotators` (a lexicon's
-- pre-annotations) are left out. The first line says which layers were counted and which
-- were left out. --annotator NAME counts that layer only, whatever it is.
--
--   stance run stance_table.lua [DIR] [--annotator NAME]
local dir, only = '.', nil
local i = 1
while arg[i] do
  if arg[i] == '--annotator' then
    only = assert(arg[i + 1], '--annotator needs a name')
    i = i + 2
  else
    dir = arg[i]
    i = i + 1
  end
end

local corpus = assert(stance.open(dir))
-- the columns: the schema's stances, then any other stance found in the files (a file
-- written under another schema)
local stances, known = {}, {}
local function column(name)
  if not known[name] then
    known[name] = true
    stances[#stances + 1] = name
  end
end
for _, s in ipairs(corpus:schema().stances or {}) do
  column(s.name)
end

-- the layers: one named, else every person's and the curation's
local layers, left = {}, {}
if only then
  layers[1] = only
else
  for _, name in ipairs(corpus:annotators()) do
    local person, what = corpus:is_person(name)
    if person or name == 'gold' then
      layers[#layers + 1] = name
    else
      left[#left + 1] = ('%s (%s)'):format(name, what)
    end
  end
end
print(('# layers counted, each apart: %s%s'):format(#layers > 0 and table.concat(layers, ', ') or 'none',
  #left > 0 and ('; left out: ' .. table.concat(left, ', ')) or ''))

local doc_rows = {}
for doc in corpus:documents() do
  for _, who in ipairs(layers) do
    local by_target, order = {}, {}
    local function entry(target)
      if not by_target[target] then
        by_target[target] = {}
        order[#order + 1] = target
      end
      return by_target[target]
    end
    for _, a in ipairs(doc:annotations({ annotator = who })) do
      if a.target and a.stance then
        local e = entry(a.target)
        column(a.stance)
        e[a.stance] = (e[a.stance] or 0) + 1
      end
    end
    for _, l in ipairs(doc:labels({ annotator = who })) do
      if l.target and l.stance then entry(l.target).label = l.stance end
    end
    table.sort(order)
    doc_rows[#doc_rows + 1] = { path = doc.path, annotator = who, targets = order, by_target = by_target }
  end
end

local rows = { { 'document', 'annotator', 'target' } }
for _, s in ipairs(stances) do
  rows[1][#rows[1] + 1] = s
end
rows[1][#rows[1] + 1] = 'overall'
for _, d in ipairs(doc_rows) do
  for _, target in ipairs(d.targets) do
    local e = d.by_target[target]
    local overall = e.label
    if not overall then
      local best, n, tie = nil, 0, false
      for _, s in ipairs(stances) do
        local k = e[s] or 0
        if k > n then best, n, tie = s, k, false
        elseif k == n and n > 0 then tie = true end
      end
      overall = tie and 'mixed' or best or '-'
    else
      overall = overall .. ' (label)'
    end
    local row = { d.path, d.annotator, target }
    for _, s in ipairs(stances) do
      row[#row + 1] = e[s] or 0
    end
    row[#row + 1] = overall
    rows[#rows + 1] = row
  end
end

-- an aligned table: text left, numbers right
local width = {}
for _, row in ipairs(rows) do
  for c, v in ipairs(row) do
    width[c] = math.max(width[c] or 0, #tostring(v))
  end
end
for _, row in ipairs(rows) do
  local cells = {}
  for c, v in ipairs(row) do
    local fmt = (type(v) == 'number') and ('%' .. width[c] .. 's') or ('%-' .. width[c] .. 's')
    cells[c] = fmt:format(tostring(v))
  end
  print((table.concat(cells, '  '):gsub('%s+$', '')))
end
