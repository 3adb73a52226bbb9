-- Where two annotators disagree: the sentences of documents both annotated to which they
-- gave different stances (target:stance of the annotations covering the sentence),
-- one per line as path:line:col, for the quickfix list.
--
--   stance run disagreements.lua A B [DIR]
local a_name, b_name, dir = arg[1], arg[2], arg[3] or '.'
if not a_name or not b_name then
  io.stderr:write('usage: stance run disagreements.lua ANNOTATOR_A ANNOTATOR_B [DIR]\n')
  os.exit(2)
end

local corpus = assert(stance.open(dir))

--- "target:stance" values over the sentence, sorted and joined, "-" for none.
local function stances(doc, who, s)
  local seen, out = {}, {}
  for _, a in ipairs(doc:annotations({ annotator = who, range = { s.start, s.stop } })) do
    if a.stance then
      local v = (a.target or '?') .. ':' .. a.stance
      if not seen[v] then
        seen[v] = true
        out[#out + 1] = v
      end
    end
  end
  table.sort(out)
  return #out > 0 and table.concat(out, ' ') or '-'
end

local both, sentences, differ = 0, 0, 0
for doc in corpus:documents() do
  local has = {}
  for _, name in ipairs(doc:annotators()) do
    has[name] = true
  end
  if has[a_name] and has[b_name] then
    both = both + 1
    for _, s in ipairs(doc:sentences()) do
      sentences = sentences + 1
      local sa, sb = stances(doc, a_name, s), stances(doc, b_name, s)
      if sa ~= sb then
        differ = differ + 1
        local text = s.text:gsub('%s+', ' ')
        if #text > 70 then text = text:sub(1, utf8.offset(text, 68) - 1) .. '...' end
        print(('%s:%d:%d: %s: %s | %s: %s | %s'):format(doc.path, s.line, s.col, a_name, sa, b_name, sb, text))
      end
    end
  end
end
print(('%d of %d sentences differ in %d documents annotated by both %s and %s'):format(differ, sentences, both,
  a_name, b_name))
