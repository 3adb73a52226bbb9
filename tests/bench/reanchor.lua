-- make bench (section "reanchor"): a 1.6 MB document whose N annotations were all edited
-- after they were made (a paragraph inserted at the start moves every one, and a word inside
-- each quote changed: each must be found approximately), written as a corpus in DIR/cN.
--   stance run tests/bench/reanchor.lua DIR N [SIZE_BYTES [STANCE]]
-- With STANCE (the executable), the figures: the re-anchoring itself (frame:anchor, in this
-- process), `stance check` and `stance warm` (fresh processes), each next to ripgrep finding
-- the same N quotes exactly in the text they were taken from (`rg -F -f`: a multi-pattern
-- search of as many strings in as much text). Without, it prints what it found (the tests use
-- it to make a corpus).
local core = require('stance.core')
local dir, n, size, stance = arg[1], tonumber(arg[2] or '100'), tonumber(arg[3] or '1600000'), arg[4]

-- A vocabulary shaped like English: frequent short words, and many rarer ones of random
-- letters with a Zipf-like use (what makes grams of a real text varied or common).
local seed = 12345
local function rnd(m) -- deterministic, the same corpus every run
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % m
end
local small = { 'the', 'of', 'and', 'to', 'a', 'in', 'that', 'is', 'was', 'for', 'on', 'with', 'as', 'by', 'it',
  'he', 'she', 'they', 'we', 'not', 'but', 'be', 'are', 'have', 'has', 'had', 'at', 'from', 'this', 'which', 'or',
  'an', 'were', 'their', 'his', 'her', 'its', 'will', 'would', 'there', 'been', 'more', 'said', 'one', 'all' }
local vocab = {}
for i = 1, 30000 do
  local w = {}
  for k = 1, 3 + rnd(8) do w[k] = string.char(97 + (rnd(26) + rnd(26) * (k % 2)) % 26) end
  vocab[i] = table.concat(w)
end
local function word()
  if rnd(5) < 2 then return small[rnd(#small) + 1] end
  local u = rnd(100000) / 100000
  return vocab[math.floor(#vocab * u * u) + 1]
end

local parts, len = {}, 0
while len < size do
  local s = {}
  for k = 1, 8 + rnd(18) do s[k] = word() end
  local sentence = s[1]:sub(1, 1):upper() .. s[1]:sub(2) .. ' ' .. table.concat(s, ' ', 2) .. '.'
  parts[#parts + 1] = sentence
  len = len + #sentence + 1
  if rnd(6) == 0 then
    parts[#parts + 1] = '\n'
    len = len + 1
  end
end
local old = table.concat(parts, ' '):gsub(' \n ', '\n\n')

-- N annotations spread over the text, 40 to 160 bytes each, on word boundaries (ASCII: bytes
-- are code points here).
local store = core.store()
store:set_header('document', 'doc.txt')
store:set_header('annotator', 'bench')
store:set_header('hash', 'sha256:' .. core.sha256(old))
local spans = {}
local step = math.floor(#old / n)
for i = 1, n do
  local a = (i - 1) * step + rnd(math.max(1, step - 200))
  a = (old:find(' ', a + 1, true) or a)
  local b = old:find(' ', a + 40 + rnd(120), true) or (a + 60)
  spans[i] = { a, b - 1 }
  assert(store:add({ kind = 'annotation', id = ('a%05d'):format(i), spans = { { a, b - 1 } }, label = 'claim',
    quote = old:sub(a + 1, b - 1), prefix = old:sub(math.max(1, a - 31), a),
    suffix = old:sub(b, b + 31) }))
end

-- The edit: a paragraph at the start, and in each quote one word replaced by another.
local pieces, at = { 'A new first paragraph, written after the annotations were made, moves them all.\n\n' }, 1
for _, sp in ipairs(spans) do
  local a, b = sp[1], sp[2]
  local mid = old:find(' ', a + math.floor((b - a) / 2), true)
  local wend = mid and old:find('[ .]', mid + 1)
  if mid and wend and wend <= b then
    pieces[#pieces + 1] = old:sub(at, mid)
    pieces[#pieces + 1] = 'changed'
    at = wend
  end
end
pieces[#pieces + 1] = old:sub(at)
local new = table.concat(pieces)

local root = ('%s/c%d'):format(dir, n)
os.execute(('rm -rf %q && mkdir -p %q'):format(root, root .. '/.stance/annotations/bench'))
local function write(path, data)
  local f = assert(io.open(path, 'wb'))
  f:write(data)
  f:close()
end
write(root .. '/.stance/schema.stance', 'format stance 1\nlabel claim\n')
write(root .. '/doc.txt', new)
write(root .. '/.stance/annotations/bench/doc.txt.stance', store:write())
local quotes = {}
for _, r in ipairs(store:records('annotation')) do quotes[#quotes + 1] = r.quote end
write(root .. '/quotes.txt', table.concat(quotes, '\n') .. '\n')

write(dir .. '/old-' .. n .. '.txt', old) -- beside the corpus, for the peer
local text = store:write()
local function anchor()
  local s = core.read(text)
  local t0 = core.hrtime()
  local r = core.frame(new):anchor(s)
  return (core.hrtime() - t0) / 1e9, r
end
if not stance then
  local t, res = anchor()
  print(('anchor_s %.4f'):format(t))
  print(('bytes %d'):format(#new))
  print(('annotations %d'):format(n))
  print(('moved %d'):format(res.moved))
  print(('fuzzy %d'):format(res.fuzzy or 0))
  print(('orphaned %d'):format(res.orphaned))
  return
end
local report = require('bench.report')
report.section('reanchor')
local times, res = {}, nil
for i = 1, 3 do
  times[i], res = anchor()
end
table.sort(times)
local rg = report.median(3, function()
  return report.run({ 'rg', '-F', '-c', '-f', root .. '/quotes.txt', dir .. '/old-' .. n .. '.txt' })
end)
local peer = ('rg -F -f: the %d quotes, exact, in the old text'):format(n)
print(('   %d of %d annotations found again (%d approximately), %d orphans'):format(res.moved, n, res.fuzzy or 0,
  res.orphaned))
report.figure({ name = ('re-anchor %d edited annotations'):format(n), time = times[2], bytes = #new, peer = peer,
  peer_time = rg, target = '<= 10x' })
local function in_corpus(argv)
  return function()
    local words = {}
    for i, a in ipairs(argv) do words[i] = report.quote(a) end
    local t0 = report.now()
    os.execute('cd ' .. report.quote(root) .. ' && ' .. table.concat(words, ' ') .. ' >/dev/null 2>&1')
    return report.now() - t0
  end
end
local check = report.median(3, in_corpus({ stance, 'check', '--quiet' })) -- exits 1: it reports what moved
report.figure({ name = ('stance check, %d edited annotations'):format(n), time = check, bytes = #new, peer = peer,
  peer_time = rg, target = '<= 20x' })
local warm = report.median(3, in_corpus({ 'sh', '-c', 'rm -rf .stance/cache && "$0" warm --quiet', stance }))
report.figure({ name = ('stance warm, %d edited annotations'):format(n), time = warm, bytes = #new, peer = peer,
  peer_time = rg, target = '<= 20x' })
