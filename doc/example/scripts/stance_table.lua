-- A stance table: for each document and target, how many annotations argue for, against
-- or neutrally, and the document's overall stance (its document label when an annotator
-- set one, else the majority, "mixed" on a tie).
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
local rows = { { 'document', 'target', 'favor', 'against', 'neutral', 'overall' } }

for doc in corpus:documents() do
  local by_target, order = {}, {}
  local function entry(target)
    if not by_target[target] then
      by_target[target] = { favor = 0, against = 0, neutral = 0 }
      order[#order + 1] = target
    end
    return by_target[target]
  end
  for _, a in ipairs(doc:annotations({ annotator = only })) do
    if a.target and a.stance then
      local e = entry(a.target)
      e[a.stance] = (e[a.stance] or 0) + 1
    end
  end
  for _, l in ipairs(doc:labels({ annotator = only })) do
    if l.target and l.stance then entry(l.target).label = l.stance end
  end
  table.sort(order)
  for _, target in ipairs(order) do
    local e = by_target[target]
    local overall = e.label
    if not overall then
      local best, n, tie = nil, 0, false
      for _, s in ipairs({ 'favor', 'against', 'neutral' }) do
        if e[s] > n then best, n, tie = s, e[s], false
        elseif e[s] == n and n > 0 then tie = true end
      end
      overall = tie and 'mixed' or best
    else
      overall = overall .. ' (label)'
    end
    rows[#rows + 1] = { doc.path, target, e.favor, e.against, e.neutral, overall }
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
