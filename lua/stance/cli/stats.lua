--- stance stats: the corpus in numbers.
local H = {}

local cmd = {
  summary = 'Documents, words, annotations per label, target, stance and annotator',
  usage = 'stance stats [--json] [--annotator A,B] [DIR]',
  flags = {
    json = { help = 'print one JSON object' },
    annotator = { arg = 'A,B', help = 'count only these annotators\' annotations' },
  },
  args = { min = 0, max = 1 },
}

function cmd.run(opts, args)
  local c, err = require('stance').open(args[1] or '.')
  if not c then return nil, err end
  local st, ierr = c:index()
  if not st then return nil, ierr end
  local ist = c.idx:stats()
  local counts = { label = {}, target = {}, stance = {}, role = {}, annotator = {} }
  local total, docs_annotated = 0, 0
  local names = require('stance.cli.args').list(opts.annotator)
  for doc in c:documents() do
    local anns = doc:annotations({ annotator = names })
    if #anns > 0 then docs_annotated = docs_annotated + 1 end
    for _, a in ipairs(anns) do
      total = total + 1
      for field, t in pairs(counts) do
        local v = a[field] or '(none)'
        t[v] = (t[v] or 0) + 1
      end
    end
  end
  local result = {
    documents = ist.docs, words = ist.words, bytes = ist.bytes, annotations = total,
    annotated_documents = docs_annotated, by = counts,
  }
  if opts.json then
    io.stdout:write(require('stance.json').encode(result), '\n')
  else
    io.stdout:write(H.table(result))
  end
  return 0
end

--- The aligned text form.
function H.table(r)
  local lines = {
    ('documents    %d (%d annotated)'):format(r.documents, r.annotated_documents),
    ('words        %d'):format(r.words),
    ('annotations  %d'):format(r.annotations),
  }
  for _, field in ipairs({ 'annotator', 'label', 'target', 'stance', 'role' }) do
    local t = r.by[field]
    local keys = {}
    for k in pairs(t) do
      keys[#keys + 1] = k
    end
    table.sort(keys, function(a, b)
      if t[a] ~= t[b] then return t[a] > t[b] end
      return a < b
    end)
    if #keys > 0 then
      -- values come from the files: any length, any character (shown, never acting)
      local u = require('stance.utf8')
      lines[#lines + 1] = ''
      local width = #field
      for _, k in ipairs(keys) do
        width = math.max(width, u.len(u.printable(k)))
      end
      lines[#lines + 1] = ('%s  %6s'):format(u.pad(field, width), 'count')
      for _, k in ipairs(keys) do
        lines[#lines + 1] = ('%s  %6d'):format(u.pad(k, width), t[k])
      end
    end
  end
  return table.concat(lines, '\n') .. '\n'
end

return cmd
