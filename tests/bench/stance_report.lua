-- make bench (section "report"): `stance report` of the 200 MB corpus (40 000 documents)
-- with 100k stance annotations, next to `wc -l` reading the same inputs (the documents, the
-- annotation files and the metadata): the figures, the page and its SVG files, and agreement
-- on the double-annotated sample.
--   stance run tests/bench/stance_report.lua CORPUS BENCH_DIR
-- (tests/bench/report.lua is not this: it is how every section prints its figures.)
-- The annotated corpus is made once in BENCH_DIR/report-200mb: the documents hard-linked
-- from CORPUS, a schema of 4 targets and 3 stances, documents.csv (title, author, outlet,
-- date over ten years), annotator `a` on every document (about 97k annotations) and `b` on
-- a 2.5% sample (about 3k), both marked done (a team's double-annotated sample for agreement).
local core = require('stance.core')
local report = require('bench.report')
local corpus_dir = assert(arg[1], 'usage: stance_report.lua CORPUS BENCH_DIR')
local bench_dir = assert(arg[2], 'usage: stance_report.lua CORPUS BENCH_DIR')
local dir = bench_dir .. '/report-200mb'

local TARGETS = { 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }
local STANCES = { 'favor', 'against', 'neutral' }
local ANNOTATIONS, SAMPLE = 100000, 40 -- every 40th document is annotated by b too

local x = 7
local function rand(n) -- a linear congruential generator: the same corpus every time
  x = (x * 1103515245 + 12345) % 2147483648
  return math.floor(x / 65536) % n + 1
end

--- One annotation file: `n` annotations at sentence starts of `text`.
local function layer(path, text, who, n, salt)
  local s = core.store()
  s:set_header('document', path)
  s:set_header('hash', 'sha256:' .. core.sha256(text))
  s:set_header('annotator', who)
  s:set_header('status', 'done')
  local t = core.text(text)
  local sentences = t:sentences()
  for i = 1, math.min(n, #sentences) do
    local sp = sentences[(i * 7 + salt) % #sentences + 1]
    local stance = STANCES[(i + salt) % #STANCES + 1]
    s:add({ id = core.new_id(), spans = { { sp.cp_start, sp.cp_stop } }, label = stance,
      target = TARGETS[(i * 3 + salt) % #TARGETS + 1], stance = stance })
  end
  return s:write()
end

local function build()
  -- made again when the way it is made changes: bump the version then
  local stamp = ('report-corpus 1 %d %d'):format(ANNOTATIONS, SAMPLE)
  local f = io.open(dir .. '/.complete')
  if f and f:read('a') == stamp then
    f:close()
    return
  end
  if f then f:close() end
  report.say('   making the annotated corpus in %s (once) ...', dir)
  report.run({ 'rm', '-rf', dir })
  report.run({ 'cp', '-al', corpus_dir, dir })
  report.run({ 'rm', '-rf', dir .. '/.stance' })
  local c = assert(require('stance').open(corpus_dir))
  local paths = c:paths()
  core.mkdir(dir .. '/.stance')
  local schema = { 'format stance 1', '', 'corpus', '  include "*.txt"', '' }
  for i, t in ipairs(TARGETS) do
    schema[#schema + 1] = ('target %s\n  key %d'):format(t, i)
  end
  for _, s in ipairs(STANCES) do
    schema[#schema + 1] = ('stance %s\nlabel %s\n  stance %s\n  ask target'):format(s, s, s)
  end
  assert(core.write_atomic(dir .. '/.stance/schema.stance', table.concat(schema, '\n') .. '\n'))
  local rows = { 'document,title,author,outlet,date' }
  for i, p in ipairs(paths) do
    rows[#rows + 1] = ('%s,"Opinion number %d, on policy",Author %d,Outlet %d,%d-%02d-%02d'):format(p, i, rand(500),
      rand(30), 2015 + rand(10) - 1, rand(12), rand(28))
  end
  assert(core.write_atomic(dir .. '/.stance/documents.csv', table.concat(rows, '\n') .. '\n'))
  local per = ANNOTATIONS / #paths
  local made = 0
  for i, p in ipairs(paths) do
    local text = assert(core.readfile(dir .. '/' .. p))
    local want = math.floor(per * i + 0.5) - made
    local double = i % SAMPLE == 0
    local na = double and math.max(1, want - 3) or want
    for _, who in ipairs(double and { 'a', 'b' } or { 'a' }) do
      local out = ('%s/.stance/annotations/%s/%s.stance'):format(dir, who, p)
      assert(require('stance.fs').mkdir_p(out:match('^(.*)/')))
      assert(core.write_atomic(out, layer(p, text, who, who == 'a' and na or 3, who == 'a' and i or i + 1)))
    end
    made = made + want
  end
  assert(core.write_atomic(dir .. '/.complete', stamp))
end

build()
report.section('report')
local c = assert(require('stance').open(dir))
local anns, text_bytes = 0, 0
for _, fpath in ipairs(require('stance.root').annotation_files(dir)) do
  anns = anns + assert(core.read_file(fpath)):count('annotation')
end
for _, p in ipairs(c:paths()) do
  text_bytes = text_bytes + core.stat(dir .. '/' .. p).size
end
report.say('== report: stance report of %d documents (%.0f MB) with %d annotations (median of 3)', #c:paths(),
  text_bytes / 1e6, anns)

local out = bench_dir .. '/report-out'
local stance = os.getenv('ROOT') .. '/build/bin/stance'
local t_report = report.median(3, function()
  -- its summary line on stderr is not a figure
  report.run({ 'sh', '-c', '"$@" 2>/dev/null', 'sh', stance, 'report', '--output', out, dir })
end)
-- the peer: every byte the report could read, read once
local inputs = {}
for _, p in ipairs(c:paths()) do
  inputs[#inputs + 1] = dir .. '/' .. p
end
for _, fpath in ipairs(require('stance.root').annotation_files(dir)) do
  inputs[#inputs + 1] = fpath
end
inputs[#inputs + 1] = dir .. '/.stance/documents.csv'
local list = out .. '.inputs'
assert(core.write_atomic(list, table.concat(inputs, '\0') .. '\0'))
local bytes = 0
for _, p in ipairs(inputs) do
  bytes = bytes + (core.stat(p) or { size = 0 }).size
end
local t_wc = report.median(3, function()
  report.run({ 'sh', '-c', 'xargs -0 cat < "$1" | wc -l', 'sh', list })
end)
local html = core.stat(out .. '/report.html')
-- "a few seconds" is what a person waits for: the target is that time; the ratio to the peer
-- (every input read once) is shown beside it
report.figure({ name = 'report with agreement of a and b on their sample', time = t_report,
  peer = 'cat | wc -l, same inputs', peer_time = t_wc, target = '<= 5 s', bytes = bytes,
  note = ('%.1f MB of HTML'):format((html and html.size or 0) / 1e6) })
os.remove(list)
