-- Generate a synthetic corpus with realistic word statistics, deterministically.
--   lua5.4 tests/bench/gen_corpus.lua DIR [MEGABYTES=200] [DOCS=40000] [SEED=1]
-- Vocabulary: 60k invented words with Zipf-distributed frequencies (s = 1.07), plus the
-- policy vocabulary of the sample corpus, personal names, numbers, years and percentages;
-- sentences of 5 to 40 words with capitals and punctuation, paragraphs of 1 to 8
-- sentences, documents of varied length (0.3 to 1.7 times MEGABYTES/DOCS).
-- Shaped like a news archive: folders of 1000 articles by month and section
-- ("2015-01-world/"), each article named by its number and first words
-- ("00001-sanctions-failed-the.txt"); 200 MB in 37,718 documents gives articles of 1.5 to
-- 9 kB in 38 folders, 200 MB in 400 documents a few large files of about 500 kB.
local dir, mb, ndocs, seed = arg[1], tonumber(arg[2] or 200), tonumber(arg[3] or 40000), tonumber(arg[4] or 1)
assert(dir, 'usage: gen_corpus.lua DIR [MEGABYTES] [DOCS] [SEED]')

local state = seed * 2654435761 + 1
local function rand() -- xorshift64*, in [0, 1)
  state = state ~ (state << 13)
  state = state ~ (state >> 7)
  state = state ~ (state << 17)
  return ((state >> 11) & 0x1FFFFFFFFFFFFF) / 9007199254740992.0
end

local syll = { 'ka', 'ri', 'mo', 'sen', 'ta', 'lo', 'vin', 'dra', 'pe', 'su', 'ne', 'gor', 'al',
  'bi', 'ce', 'du', 'em', 'fo', 'ga', 'hu', 'is', 'jo', 'ke', 'lu', 'ma', 'no', 'or', 'pi',
  'qua', 'ro', 'sta', 'tu', 'ul', 've', 'wa', 'xe', 'yo', 'ze', 'tion', 'ment', 'ing', 'er' }
local real = { 'the', 'of', 'and', 'to', 'a', 'in', 'that', 'is', 'for', 'it', 'with', 'as',
  'on', 'be', 'by', 'this', 'not', 'are', 'was', 'but', 'have', 'has', 'will', 'would',
  'should', 'must', 'could', 'may', 'might', 'North', 'Korea', 'Pyongyang', 'Washington',
  'sanctions', 'engagement', 'diplomacy', 'denuclearization', 'human', 'rights', 'regime',
  'policy', 'nuclear', 'talks', 'summit', 'pressure', 'administration', 'peninsula',
  'failed', 'clearly', 'perhaps', 'United', 'States', 'China', 'Seoul', 'Beijing', 'Trump',
  'president', 'weapons', 'missile', 'treaty', 'allies', 'military', 'economic', 'war' }
local names = { 'Kim', 'Moon', 'Bandow', 'Okafor', 'Lindqvist', 'Raman', 'Haines', 'Moreau',
  'Park', 'Lee', 'Choi', 'Smith', 'Garcia', 'Nguyen', 'Müller', 'Dvořák', 'Søren', 'Zoë' }

local vocab = {}
for i = 1, #real do vocab[i] = real[i] end
local seen = {}
for _, w in ipairs(vocab) do seen[w] = true end
while #vocab < 60000 do
  local n = 1 + math.floor(rand() * 3.2)
  local w = {}
  for k = 1, n do w[k] = syll[1 + math.floor(rand() * #syll)] end
  local word = table.concat(w)
  if not seen[word] then
    seen[word] = true
    vocab[#vocab + 1] = word
  end
end

-- Zipf: cumulative weights 1/r^s, sampled by binary search.
local cum, total = {}, 0
for r = 1, #vocab do
  total = total + 1 / r ^ 1.07
  cum[r] = total
end
local function word()
  local x = rand() * total
  local lo, hi = 1, #cum
  while lo < hi do
    local mid = (lo + hi) // 2
    if cum[mid] < x then lo = mid + 1 else hi = mid end
  end
  return vocab[lo]
end

local function token()
  local r = rand()
  if r < 0.02 then return names[1 + math.floor(rand() * #names)] end
  if r < 0.03 then return tostring(1950 + math.floor(rand() * 75)) end
  if r < 0.035 then return ('%d.%d percent'):format(math.floor(rand() * 100), math.floor(rand() * 10)) end
  if r < 0.04 then return tostring(math.floor(rand() * 10000)) end
  return word()
end

local function sentence()
  local n = 5 + math.floor(rand() * rand() * 36)
  local w = {}
  for i = 1, n do
    w[i] = token()
    if i < n and rand() < 0.08 then w[i] = w[i] .. ',' end
  end
  w[1] = w[1]:gsub('^%l', string.upper)
  local r = rand()
  return table.concat(w, ' ') .. (r < 0.9 and '.' or r < 0.96 and '?' or '!')
end

-- Paths are made of letters, digits and '-' only: safe to pass to mkdir in quotes.
local sections = { 'world', 'politics', 'opinion', 'asia', 'economy', 'culture' }
local function folder(k)
  return ('%04d-%02d-%s'):format(2015 + k // 12, k % 12 + 1, sections[k % #sections + 1])
end
local function slug(text)
  local words = {}
  for w in text:gmatch('[%a%d]+') do
    words[#words + 1] = w:lower()
    if #words == 3 then break end
  end
  return table.concat(words, '-')
end

os.execute("mkdir -p '" .. dir .. "'")
local target = mb * 1000000
local avg = target / ndocs
local written = 0
for d = 1, ndocs do
  local remaining_docs = ndocs - d + 1
  local want = (target - written) / remaining_docs * (0.3 + 1.4 * rand())
  if d == ndocs then want = target - written end
  local parts = { sentence():gsub('[.?!]$', '') .. '\n\n' }
  local len = #parts[1]
  while len < want do
    local p = {}
    for _ = 1, 1 + math.floor(rand() * 8) do p[#p + 1] = sentence() end
    local para = table.concat(p, ' ') .. '\n\n'
    parts[#parts + 1] = para
    len = len + #para
  end
  local text = table.concat(parts)
  if #text > want and d == ndocs then text = text:sub(1, math.max(1, math.floor(want))) end
  local sub = ('%s/%s'):format(dir, folder((d - 1) // 1000))
  if (d - 1) % 1000 == 0 then os.execute("mkdir -p '" .. sub .. "'") end
  local f = assert(io.open(('%s/%05d-%s.txt'):format(sub, d, slug(parts[1])), 'wb'))
  f:write(text)
  f:close()
  written = written + #text
end
io.stderr:write(('generated %d documents, %.1f MB (%.0f bytes on average) in %s\n'):format(
  ndocs, written / 1e6, avg, dir))
