-- A concordance of a term (any search query: a word, "a phrase", prefix*) with the
-- stance of the sentence each hit is in: the annotations that cover that sentence.
--
--   stance run concordance.lua QUERY [DIR] [--width N]
local query = arg[1]
if not query then
  io.stderr:write('usage: stance run concordance.lua QUERY [DIR] [--width N]\n')
  os.exit(2)
end
local dir, width = '.', 30
local i = 2
while arg[i] do
  if arg[i] == '--width' then
    width = assert(tonumber(arg[i + 1]), '--width needs a number')
    i = i + 2
  else
    dir = arg[i]
    i = i + 1
  end
end

local corpus = assert(stance.open(dir))
local hits, total = assert(corpus:search(query, { context = width }))

--- The sentence of doc around code point `at`, and the stances over it.
local function stance_at(doc, at)
  for _, s in ipairs(doc:sentences()) do
    if s.start <= at and at < s.stop then
      local seen, out = {}, {}
      for _, a in ipairs(doc:annotations({ range = { s.start, s.stop } })) do
        if a.stance then
          local v = (a.target and a.target .. ':' or '') .. a.stance
          if not seen[v] then
            seen[v] = true
            out[#out + 1] = v
          end
        end
      end
      table.sort(out)
      return #out > 0 and table.concat(out, ' ') or '-'
    end
  end
  return '-'
end

local function fit(s, n, left)
  s = s:gsub('%s+', ' ')
  local len = utf8.len(s) or #s
  if len > n then
    if left then return s:sub(utf8.offset(s, len - n + 1)) end
    return s:sub(1, utf8.offset(s, n + 1) - 1)
  end
  local pad = (' '):rep(n - len)
  return left and pad .. s or s .. pad
end

local where, w = {}, 0
for k, h in ipairs(hits) do
  where[k] = ('%s:%d:%d'):format(h.path, h.line, h.col)
  w = math.max(w, #where[k])
end
for k, h in ipairs(hits) do
  local doc = corpus:document(h.path)
  print(('%-' .. w .. 's  %s [%s] %s  %s'):format(where[k], fit(h.left, width, true), h.match,
    fit(h.right, width, false), stance_at(doc, h.start)))
end
print(('%d hits'):format(total))
