-- make bench (section "cues"): the default lexicon's cues counted in every document of the
-- generated corpus on the worker (files read too), next to ripgrep counting the same cues
-- (whole words, any case, phrases across white space) over the same files. Run again pinned
-- to one core: the worker on one task, rg -j1.
--   stance run tests/bench/cues.lua CORPUS
local core = require('stance.core')
local report = require('bench.report')
local dir = assert(arg and arg[1], 'usage: cues.lua CORPUS')
report.section('cues')
local one = report.one_core()
local lex = require('stance.lexicon').load(dir)

-- The same cues as one regular expression for rg: words joined by white space, `w*` a prefix.
local function rg_pattern(text)
  local alts = {}
  for _, l in ipairs(core.markup_lines(text)) do
    if l.kind == 'attribute' and l.name == 'cues' then
      for _, phrase in ipairs(l.values) do
        local words = {}
        for w in phrase:gmatch('%S+') do
          local prefix = w:sub(-1) == '*'
          if prefix then w = w:sub(1, -2) end
          w = w:gsub('[%^%$%(%)%%.%[%]%*%+%-%?{}|\\]', '\\%0')
          words[#words + 1] = w .. (prefix and '\\w*' or '')
        end
        alts[#alts + 1] = table.concat(words, '\\s+')
      end
    end
  end
  return table.concat(alts, '|')
end
local pattern = rg_pattern(require('stance.fs').read(dir .. '/' .. require('stance.lexicon').path)
  or require('stance.templates').lexicon)

local w = assert(core.worker({ tasks = one and 1 or 0 }))
local bytes, matches = 0, 0
local secs = report.median(3, function()
  local job = assert(w:cues(dir, lex.matcher, { ext = { 'txt' } }))
  while job:state() == 'pending' or job:state() == 'running' do w:wait(200) end
  assert(job:state() == 'done', job:error())
  bytes, matches = 0, 0
  for _, r in ipairs(job:results()) do
    bytes = bytes + r.size
    matches = matches + (r.matches or 0)
  end
end)
w:close()
local rg_argv = { 'rg', '-i', '-w', '-U', '--count-matches', '--no-filename', '--type-add', 'stance:*.txt',
  '-tstance', '-e', pattern, dir }
if one then table.insert(rg_argv, 2, '-j1') end
local rg = report.median(3, function() return report.run(rg_argv) end)
local p = io.popen(table.concat((function()
  local q = {}
  for i, a in ipairs(rg_argv) do q[i] = report.quote(a) end
  return q
end)(), ' '))
local rg_matches = 0
for line in p:lines() do rg_matches = rg_matches + (tonumber(line) or 0) end
p:close()
report.say('== cues%s: %d cues of the default lexicon, %d matches in %.0f MB (rg counts %d: it does not report'
  .. ' overlapping cues such as "should" in "we should")', one and ' (pinned to one core, STANCE_THREADS=1)' or '',
  lex.cues, matches, bytes / 1e6, rg_matches)
report.figure({ name = one and 'cue matching, files read, on one core' or 'cue matching on the worker, files read',
  time = secs, bytes = bytes, peer = one and 'rg -j1, same cues and files' or 'rg, same cues and files',
  peer_time = rg, target = '>= 1x' })
