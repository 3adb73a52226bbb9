-- make bench (section "index"): what a `stance run` script pays to open a corpus and go
-- through every document's annotations, next to finding and reading the same annotation
-- files (and, apart, to reading them from a list made beforehand); with
-- `first`, without the cache of parsed layers (.stance/cache/layers.bin, made by that pass).
-- `vouched` is how many annotation files a running watcher vouched for (no stat of them).
--   stance run tests/bench/scripts.lua CORPUS [ANNOTATORS=2] [PER_FILE=6] [first]
-- Annotation files are made once (for every document, each annotator) and kept. Prints
-- "key value" lines.
local core = require('stance.core')
local dir, nann, per, first = arg[1], tonumber(arg[2] or 2), tonumber(arg[3] or 6), arg[4]
assert(dir, 'usage: scripts.lua CORPUS [ANNOTATORS] [PER_FILE]')

local function now() return core.hrtime() / 1e9 end
-- (and CPU time: on a shared machine the wall time is mostly the wait for a core)
local cpu = os.clock

-- the annotation files, once
local marker = dir .. '/.stance/annotations/.bench-complete'
if not core.stat(marker) then
  local c = assert(stance.open(dir))
  local root = require('stance.root')
  local labels, stances = { 'claim', 'premise', 'evidence' }, { 'favor', 'against' }
  local n = 0
  for _, p in ipairs(c:paths()) do
    local text = assert(require('stance.fs').read(dir .. '/' .. p))
    local hash = 'sha256:' .. core.sha256(text)
    for a = 1, nann do
      local who = 'annotator' .. a
      local s = core.store()
      s:set_header('document', p)
      s:set_header('hash', hash)
      s:set_header('annotator', who)
      for k = 1, per do
        local start = (k * 97 + a * 13) % math.max(1, #text - 40)
        assert(s:add({
          id = core.new_id(), spans = { { start, start + 30 } }, label = labels[k % #labels + 1],
          target = 'sanctions', stance = stances[(k + a) % 2 + 1], quote = text:sub(start + 1, start + 30),
          created = '2026-11-22T10:31:07Z',
        }))
      end
      local path = root.annotation_path(dir, who, p)
      assert(require('stance.fs').mkdir_p(require('stance.fs').dirname(path)))
      assert(core.write_atomic(path, s:write()))
      s:close()
      n = n + 1
    end
  end
  assert(core.write_atomic(marker, tostring(n)))
  io.stderr:write(('made %d annotation files in %s\n'):format(n, dir))
end

-- the peer: what a script without stance does, find every annotation file and read it (as
-- `find .stance/annotations -type f -name '*.stance' -exec cat`: a walk of the folders by name,
-- no stat of each file, then each file read whole); our side pays for finding everything too
local adir = dir .. '/' .. require('stance.root').annotations
local function read_all(names)
  local bytes = 0
  for _, p in ipairs(names) do
    local f = assert(io.open(adir .. '/' .. p, 'rb'))
    bytes = bytes + #f:read('a')
    f:close()
  end
  return bytes
end
collectgarbage()
local t0, c0 = now(), cpu()
local files = core.list(adir, { names = true, ext = { 'stance' } }) or {}
local bytes = read_all(files)
local find_read_s, find_read_cpu = now() - t0, cpu() - c0
-- and, apart, reading them from a list made before the clock starts (the peer of sessions
-- 11 and 12, which left the finding out)
collectgarbage()
t0, c0 = now(), cpu()
assert(read_all(files) == bytes)
local read_s, read_cpu = now() - t0, cpu() - c0

-- stance: open the corpus, every document, its annotations (each record as an object)
local function iterate()
  collectgarbage()
  local t, tc = now(), cpu()
  local c = assert(stance.open(dir))
  local docs, anns = 0, 0
  for d in c:documents() do
    docs = docs + 1
    for _, a in ipairs(d:annotations()) do
      if a.label then anns = anns + 1 end
    end
  end
  local s, sc = now() - t, cpu() - tc
  -- how many files a watcher vouched for (taken from the cache without a stat)
  local lc = c:layer_cache()
  return s, docs, anns, sc, lc and lc:stats().vouched or 0
end
-- with FIRST, as a script runs the first time: no cache of parsed layers yet (the pass parses
-- every file and saves the cache); else as it runs once that cache exists (the steady state)
if first == 'first' then os.remove(dir .. '/' .. require('stance.corpus').LAYER_CACHE) end
local iterate_s, docs, anns, iterate_cpu, vouched = iterate()
print(('files %d'):format(#files))
print(('bytes %d'):format(bytes))
print(('docs %d'):format(docs))
print(('annotations %d'):format(anns))
print(('find_read_s %.3f'):format(find_read_s))
print(('read_s %.3f'):format(read_s))
print(('iterate_s %.3f'):format(iterate_s))
print(('find_read_cpu_s %.3f'):format(find_read_cpu))
print(('read_cpu_s %.3f'):format(read_cpu))
print(('iterate_cpu_s %.3f'):format(iterate_cpu))
print(('vouched %d'):format(vouched))
