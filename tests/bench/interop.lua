-- make bench (section "interop"): import and export of a generated brat corpus of 400
-- argumentative essays (the shape of the public corpus of 402: ~15 spans, ~10 relations and
-- ~4 attributes each), and of the same annotations as W3C Web Annotations (one JSON-LD
-- collection), next to `cp -r` of the brat files, fresh processes, median of 3; and
-- the 800 files written durably at once next to one durable write after the other (the same
-- files, each run into a fresh folder, in turns, wall and CPU time). The
-- targets: import and export within 40x a plain copy (they parse, check, place and write
-- every record, the schema too, each file flushed to disk: cp flushes nothing); the batch at
-- least 3x faster than a flush per file. Also one document of 100k spans (a large data set
-- exported whole), next to cp of its two files and wc -l of its .ann, and 50k to show growth.
--   stance run tests/bench/interop.lua DIR STANCE
local core = require('stance.core')
local dir = (arg[1] or '/tmp/stance-bench') .. '/interop'
local stance = arg[2] or 'stance'

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
local function sh(cmd)
  local ok = os.execute(cmd)
  assert(ok, cmd)
end
local function now() return core.hrtime() / 1e9 end
local function put(path, data)
  local f = assert(io.open(path, 'wb'))
  f:write(data)
  f:close()
end

local WORDS = { 'students', 'should', 'learn', 'because', 'technology', 'society', 'however', 'the', 'of', 'and',
  'important', 'argue', 'that', 'many', 'people', 'believe', 'school', 'university', 'life', 'work', 'public',
  'benefit', 'therefore', 'evidence', 'clearly', 'government', 'money', 'time', 'family', 'children' }

-- One essay: paragraphs of sentences; every sentence a span, claims with a Stance, premises
-- supporting or attacking them.
local function essay(k)
  local sentences, text, pos = {}, {}, 0
  local seed = k * 7919
  local function rnd(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n + 1
  end
  for p = 1, 5 do
    for _ = 1, 3 + rnd(2) do
      local w = {}
      for i = 1, 12 + rnd(14) do
        w[i] = WORDS[rnd(#WORDS)]
      end
      w[1] = w[1]:sub(1, 1):upper() .. w[1]:sub(2)
      local s = table.concat(w, ' ') .. '.'
      sentences[#sentences + 1] = { pos, pos + #s, s }
      text[#text + 1] = s
      pos = pos + #s + 1
      text[#text + 1] = ' '
    end
    text[#text] = p < 5 and '\n\n' or '\n'
    pos = pos + (p < 5 and 1 or 0)
  end
  local ann, t, r, a = {}, 0, 0, 0
  local claims = {}
  for i, s in ipairs(sentences) do
    if i % 5 ~= 0 then
      t = t + 1
      local typ = i == 1 and 'MajorClaim' or (i % 4 == 1 and 'Claim' or 'Premise')
      ann[#ann + 1] = ('T%d\t%s %d %d\t%s'):format(t, typ, s[1], s[2], s[3])
      if typ ~= 'Premise' then
        claims[#claims + 1] = t
        if typ == 'Claim' then
          a = a + 1
          ann[#ann + 1] = ('A%d\tStance T%d %s'):format(a, t, i % 3 == 0 and 'Against' or 'For')
        end
      elseif #claims > 0 then
        r = r + 1
        ann[#ann + 1] = ('R%d\t%s Arg1:T%d Arg2:T%d\t'):format(r, i % 7 == 0 and 'attacks' or 'supports', t,
          claims[#claims])
      end
    end
  end
  return table.concat(text), table.concat(ann, '\n') .. '\n', t, r, a
end

local src = dir .. '/brat-400'
local totals = { t = 0, r = 0, a = 0, bytes = 0 }
if not io.open(src .. '/.complete') then
  sh('rm -rf ' .. q(src) .. ' && mkdir -p ' .. q(src))
  for k = 1, 400 do
    local text, ann = essay(k)
    local name = ('%s/essay%03d'):format(src, k)
    put(name .. '.txt', text)
    put(name .. '.ann', ann)
  end
  put(src .. '/annotation.conf', '[entities]\nMajorClaim\nClaim\nPremise\n[relations]\nsupports\tArg1:Premise, Arg2:Claim|MajorClaim\n'
    .. 'attacks\tArg1:Premise, Arg2:Claim|MajorClaim\n[events]\n[attributes]\nStance\tArg:Claim, Value:For|Against\n')
  io.open(src .. '/.complete', 'wb'):close()
end
for k = 1, 400 do
  local text, ann, t, r, a = essay(k)
  totals.t, totals.r, totals.a = totals.t + t, totals.r + r, totals.a + a
  totals.bytes = totals.bytes + #text + #ann
end

local function median3(f)
  local t = {}
  for i = 1, 3 do
    t[i] = f()
  end
  table.sort(t)
  return t[2]
end

local function timed(cmd)
  local t0 = now()
  sh(cmd .. ' >/dev/null 2>&1')
  return now() - t0
end

local work = dir .. '/work'
local t_cp = median3(function()
  sh('rm -rf ' .. q(work) .. ' && mkdir -p ' .. q(work))
  return timed('cp -r ' .. q(src) .. ' ' .. q(work .. '/copy'))
end)
local t_import = median3(function()
  sh('rm -rf ' .. q(work) .. ' && mkdir -p ' .. q(work) .. ' && ' .. q(stance) .. ' init ' .. q(work)
    .. ' >/dev/null')
  return timed('cd ' .. q(work) .. ' && ' .. q(stance) .. ' import --from brat ' .. q(src))
end)
local t_export = median3(function()
  sh('rm -rf ' .. q(dir .. '/out'))
  return timed('cd ' .. q(work) .. ' && ' .. q(stance) .. ' export --to brat ' .. q(dir .. '/out'))
end)
-- the same annotations as W3C Web Annotations (one JSON-LD collection): exported from the
-- corpus the brat import made, imported into a corpus holding the same texts
local w3c = dir .. '/essays.jsonld'
local t_w3c_export = median3(function()
  os.remove(w3c)
  return timed('cd ' .. q(work) .. ' && ' .. q(stance) .. ' export --to w3c --output ' .. q(w3c))
end)
local w3c_work = dir .. '/work-w3c'
local t_w3c_import = median3(function()
  sh('rm -rf ' .. q(w3c_work) .. ' && mkdir -p ' .. q(w3c_work) .. ' && ' .. q(stance) .. ' init ' .. q(w3c_work)
    .. ' >/dev/null && cp ' .. q(src) .. '/*.txt ' .. q(w3c_work))
  return timed('cd ' .. q(w3c_work) .. ' && ' .. q(stance) .. ' import --from w3c ' .. q(w3c))
end)
local w3c_bytes = assert(core.stat(w3c)).size
-- the 800 files written durably at once, next to one write_atomic (and its fsyncs) after the
-- other: the same files, each run into a fresh folder of its own (a folder just emptied would
-- hold the inodes its files had: ext4 without a journal, as on some virtual machines, steps
-- over each inode freed in the last 30 s one by one when it makes a file, 0.7 ms a file after
-- 800 were removed, whoever removed them); `chattr +T` makes ext2/3/4 put each new folder in a
-- block group of its own (Orlov); the disk given everything written before (sync -f) ahead of
-- each run; the two ways in turns; their CPU time (os.clock: the process, its threads) too
local texts = {}
for k = 1, 400 do
  local text, ann = essay(k)
  texts[k] = { text, ann }
end
local function files_in(folder)
  local list = {}
  for k = 1, 400 do
    list[#list + 1] = { ('%s/essay%03d.txt'):format(folder, k), texts[k][1] }
    list[#list + 1] = { ('%s/essay%03d.ann'):format(folder, k), texts[k][2] }
  end
  return list
end
local durable = work .. '/durable'
sh('rm -rf ' .. q(durable) .. ' && mkdir -p ' .. q(durable))
os.execute('chattr +T ' .. q(durable) .. ' >/dev/null 2>&1')
local runs = { seq = {}, batch = {}, seq_cpu = {}, batch_cpu = {} }
for r = 1, 3 do
  for _, how in ipairs({ 'seq', 'batch' }) do
    local folder = ('%s/%s-%d'):format(durable, how, r)
    sh('mkdir -p ' .. q(folder) .. ' && (sync -f ' .. q(folder) .. ' 2>/dev/null || sync)')
    local list = files_in(folder)
    local c0, t0 = os.clock(), now()
    if how == 'seq' then
      for _, f in ipairs(list) do
        assert(core.write_atomic(f[1], f[2]))
      end
    else
      assert(core.write_files(list))
    end
    runs[how][r], runs[how .. '_cpu'][r] = now() - t0, os.clock() - c0
  end
end
sh('rm -rf ' .. q(durable))
local function median(t)
  local c = { t[1], t[2], t[3] }
  table.sort(c)
  return c[2]
end
local t_seq, t_batch = median(runs.seq), median(runs.batch)
local cpu_seq, cpu_batch = median(runs.seq_cpu), median(runs.batch_cpu)
-- what came out is what went in
local same = os.execute(('cd %s && for f in *.txt; do cmp -s "$f" %s/"$f" || exit 1; done'):format(q(src),
  q(dir .. '/out')))

-- One large document: N sentences, each a span (a claim with a Stance, or a premise
-- supporting the claim before it): the shape of a big brat data set exported whole.
local function big_document(n)
  local seed = 12345
  local function rnd(k)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % k + 1
  end
  local text, ann, pos, claim = {}, {}, 0, nil
  local a, r = 0, 0
  for i = 1, n do
    local w = {}
    for k = 1, 6 + rnd(10) do
      w[k] = WORDS[rnd(#WORDS)]
    end
    local s = table.concat(w, ' ') .. '.'
    text[#text + 1] = s
    text[#text + 1] = i % 5 == 0 and '\n' or ' '
    if i % 4 == 1 then
      claim, a = i, a + 1
      ann[#ann + 1] = ('T%d\tClaim %d %d\t%s\nA%d\tStance T%d %s'):format(i, pos, pos + #s, s, a, i,
        i % 3 == 0 and 'Against' or 'For')
    else
      r = r + 1
      ann[#ann + 1] = ('T%d\tPremise %d %d\t%s\nR%d\t%s Arg1:T%d Arg2:T%d\t'):format(i, pos, pos + #s, s, r,
        i % 7 == 0 and 'attacks' or 'supports', i, claim)
    end
    pos = pos + #s + 1
  end
  return table.concat(text), table.concat(ann, '\n') .. '\n', a, r
end

local big = {}
for _, n in ipairs({ 50000, 100000 }) do
  local folder = ('%s/brat-one-%d'):format(dir, n)
  local text, ann, a, r = big_document(n)
  if not io.open(folder .. '/.complete') then
    sh('rm -rf ' .. q(folder) .. ' && mkdir -p ' .. q(folder))
    put(folder .. '/big.txt', text)
    put(folder .. '/big.ann', ann)
    put(folder .. '/annotation.conf', '[entities]\nClaim\nPremise\n[relations]\nsupports\tArg1:Premise, Arg2:Claim\n'
      .. 'attacks\tArg1:Premise, Arg2:Claim\n[events]\n[attributes]\nStance\tArg:Claim, Value:For|Against\n')
    io.open(folder .. '/.complete', 'wb'):close()
  end
  local one = dir .. '/work-one'
  big[n] = { bytes = #text + #ann, ann_bytes = #ann, a = a, r = r }
  big[n].cp = median3(function()
    sh('rm -rf ' .. q(one) .. ' && mkdir -p ' .. q(one))
    return timed('cp ' .. q(folder .. '/big.txt') .. ' ' .. q(folder .. '/big.ann') .. ' ' .. q(one))
  end)
  big[n].wc = median3(function() return timed('wc -l ' .. q(folder .. '/big.ann')) end)
  big[n].import = median3(function()
    sh('rm -rf ' .. q(one) .. ' && mkdir -p ' .. q(one) .. ' && ' .. q(stance) .. ' init ' .. q(one) .. ' >/dev/null')
    return timed('cd ' .. q(one) .. ' && ' .. q(stance) .. ' import --from brat ' .. q(folder))
  end)
end

local mb = totals.bytes / 1e6
local report = require('bench.report')
report.section('interop')
report.say(('== interop: brat import and export of 400 generated essays (%.1f MB, %d spans, %d relations, %d'
  .. ' attributes; fresh processes, median of 3)'):format(mb, totals.t, totals.r, totals.a))
report.figure({ name = 'stance import --from brat, 400 essays', time = t_import, bytes = totals.bytes,
  peer = 'cp -r, same folder', peer_time = t_cp, target = '<= 40x' })
report.figure({ name = 'stance export --to brat, 400 essays', time = t_export, bytes = totals.bytes,
  peer = 'cp -r, same folder', peer_time = t_cp, target = '<= 40x' })
report.figure({ name = 'stance export --to w3c, 400 essays (one collection)', time = t_w3c_export, bytes = w3c_bytes,
  peer = 'cp -r, same folder', peer_time = t_cp, target = '<= 40x' })
report.figure({ name = 'stance import --from w3c, 400 essays', time = t_w3c_import, bytes = w3c_bytes,
  peer = 'cp -r, same folder', peer_time = t_cp, target = '<= 40x' })
local b = big[100000]
report.say(('   one document of 100000 spans (%.1f MB with its .ann; %d attributes, %d relations):'):format(b.bytes / 1e6,
  b.a, b.r))
report.figure({ name = 'stance import --from brat, one document of 100k spans', time = b.import, bytes = b.bytes,
  peer = 'cp of its .txt and .ann', peer_time = b.cp, target = '<= 40x' })
report.say(('   the same .ann read by wc -l: %s; 50k spans imported in %s (100k: %.2fx that)'):format(
  report.time(b.wc), report.time(big[50000].import), b.import / big[50000].import))
report.figure({ name = '800 files written durably at once (core.write_files)', time = t_batch,
  peer = 'one write_atomic after the other', peer_time = t_seq, target = '>= 3x' })
report.say(('   their CPU time: at once %s, one after the other %s (%.1fx); each run into a fresh folder, in turns')
  :format(report.time(cpu_batch), report.time(cpu_seq), cpu_seq / cpu_batch))
report.say(('   documents out identical to those in: %s'):format(same and 'yes' or 'NO'))
-- what brat itself says of what went in and what came out (../shared/interop/brat-tools)
local tools = (os.getenv('ROOT') or '.') .. '/../shared/interop/brat-tools'
if io.open(tools .. '/brat-verify') then
  local function said(tool, folder)
    local p = io.popen(('python3 %s %s 2>&1'):format(q(tools .. '/' .. tool), q(folder)))
    local text = p:read('a')
    p:close()
    return text:match('(%d+ of %d+ documents [^\n]*)') or text:gsub('\n', ' ')
  end
  report.say(('   brat checker on the essays in: %s'):format(said('brat-verify', src)))
  report.say(('   brat parser on the export: %s'):format(said('brat-load', dir .. '/out')))
  report.say(('   brat checker on the export: %s'):format(said('brat-verify', dir .. '/out')))
else
  report.say('   (brat\'s parser and checker not run: ../shared/interop/brat-tools is not there)')
end
assert(same, 'the exported documents differ from those imported')
