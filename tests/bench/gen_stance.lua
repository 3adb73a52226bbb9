-- A generated stance data set in the shape of SemEval-2016 task 6 (short texts, several
-- targets, favor / against / none): a corpus of "feeds" (documents of short posts, one per
-- paragraph), the schema (targets with terms, stances favor and against) and one annotator's
-- files marked done. Each post takes a stance toward one target or none, explicitly (the
-- target named, by phrase, hashtag or variant spelling) or implicitly (only its arguments),
-- with negation that turns a stance around, off-topic sentiment, other targets named without
-- a stance, noisy spelling, and a share of wrong labels (as real annotation has). Not the
-- real data: a check that the model generalizes across documents, not a score to quote.
--   lua5.4 tests/bench/gen_stance.lua DIR [POSTS] [SEED]
local dir = assert(arg[1], 'usage: gen_stance.lua DIR [POSTS] [SEED]')
local POSTS = tonumber(arg[2] or 3000)
local seed = tonumber(arg[3] or 1)
local PER_DOC, NOISE = 30, 0.08

local x = seed
local function rand(n) -- a linear congruential generator: the same data for the same seed
  x = (x * 1103515245 + 12345) % 2147483648
  return math.floor(x / 65536) % n + 1
end
local function pick(list) return list[rand(#list)] end
local function chance(p) return rand(10000) <= p * 10000 end

local T = {
  { name = 'nuclear-power', terms = { 'nuclear', 'reactor*', 'atomic energy' },
    names = { 'nuclear power', 'nuclear energy', 'nuclear plants', 'new reactors', 'atomic energy', '#nuclear',
      '#NuclearPower', 'nuclear' },
    pro = { 'clean baseload power', 'zero carbon electricity', 'a stable grid', 'energy independence',
      'the safest energy per kWh', 'thousands of skilled jobs', 'small modular designs' },
    con = { 'radioactive waste', 'meltdown risk', 'huge cost overruns', 'uranium mining', 'decades of delays',
      'terror targets', 'cooling water taken from rivers' },
    tags_pro = { '#NuclearNow', '#GoNuclear' }, tags_con = { '#NoNukes', '#ShutThemDown' } },
  { name = 'remote-work', terms = { 'remote work*', 'wfh', 'telework*' },
    names = { 'remote work', 'working from home', 'WFH', '#WFH', 'telework', 'home office', 'remote jobs' },
    pro = { 'no commute', 'more time with family', 'fewer pointless meetings', 'focus time', 'lower office costs',
      'hiring from anywhere' },
    con = { 'lonely days', 'no mentoring for juniors', 'endless video calls', 'blurred work hours',
      'empty city centres', 'weaker team culture' },
    tags_pro = { '#RemoteFirst', '#WFHforever' }, tags_con = { '#BackToOffice', '#RTO' } },
  { name = 'school-uniforms', terms = { 'uniform*', 'dress code*' },
    names = { 'school uniforms', 'uniforms', 'dress codes', 'the uniform rule', '#SchoolUniforms' },
    pro = { 'less bullying over clothes', 'equality between pupils', 'a sense of belonging', 'cheaper mornings',
      'focus on learning' },
    con = { 'no self expression', 'expensive blazers', 'gendered rules', 'uncomfortable clothes',
      'policing of girls bodies' },
    tags_pro = { '#UniformsWork', '#SameForAll' }, tags_con = { '#LetKidsChoose', '#DitchTheBlazer' } },
  { name = 'city-cycling', terms = { 'bike lane*', 'cycl*', 'bicycle*' },
    names = { 'bike lanes', 'cycle lanes', 'cycling', 'bicycles', 'the cycle network', '#BikeLanes' },
    pro = { 'safer streets', 'cleaner air', 'healthier commutes', 'quieter neighbourhoods', 'cheap transport',
      'thriving local shops' },
    con = { 'lost parking', 'traffic jams for drivers', 'empty lanes most of the year', 'reckless riders',
      'wasted road money', 'slower buses' },
    tags_pro = { '#BikeTheCity', '#SafeStreets' }, tags_con = { '#WarOnDrivers', '#ScrapTheLanes' } },
  { name = 'four-day-week', terms = { 'four day week', '4 day week', '32 hour*' },
    names = { 'the four day week', 'a 4 day week', 'a 32 hour week', '#4DayWeek', 'four day weeks' },
    pro = { 'rested workers', 'higher productivity', 'fewer sick days', 'time for care', 'better retention' },
    con = { 'lost output', 'coverage gaps for customers', 'longer days', 'costs for small firms',
      'pressure to cram work' },
    tags_pro = { '#4DayWeekNow', '#WorkLessLiveMore' }, tags_con = { '#FiveDaysWork', '#NotInThisEconomy' } },
}

local GOOD = { 'great', 'brilliant', 'the future', 'overdue', 'a no brainer', 'essential', 'smart', 'worth it' }
local BAD = { 'a disaster', 'a terrible idea', 'a mistake', 'overrated', 'a scam', 'pointless', 'dangerous',
  'a waste' }
local LOVE = { 'love', 'support', 'back', 'want more', 'welcome', 'cheer for' }
local HATE = { 'hate', 'oppose', 'am sick of', 'reject', 'cannot stand', 'am done with' }
local OPEN = { '', '', '', 'Honestly ', 'Hot take: ', 'Again, ', 'Reminder: ', 'So ', 'Truth is ', 'Look, ' }
local TAIL = { '', '', '', ' #fact', ' #opinion', ' 🙄', ' !!', ' http://t.co/x', ' @news', ' lol' }
local OFF = { 'worst traffic ever this morning', 'my coffee machine died again', 'great game last night',
  'the weather is lovely today', 'cannot believe this price of eggs', 'new phone who dis', 'love this song',
  'what a terrible movie', 'happy birthday to my sister', 'this queue is endless' }
local NEWS = { 'debate tonight at 8 on', 'new report out about', 'poll asks people about', 'panel discussion on',
  'council meeting discusses', 'podcast episode on', 'thread on the history of' }

local function noisy(s)
  if chance(0.15) then s = s:upper() end
  if chance(0.15) then s = s:gsub('(%a)(%a*)', function(a, b) return a:upper() .. b end, 2) end
  if chance(0.1) then s = s:gsub('o', 'oo', 1) end
  if chance(0.05) then s = s:gsub('e', '', 1) end
  return s
end

-- a post taking `stance` (1 favor, 2 against, 0 none) toward target t
local function post(t, stance)
  local tg = T[t]
  local name, pro, con = pick(tg.names), pick(tg.pro), pick(tg.con)
  local forms
  if stance == 1 then
    forms = {
      function() return ('%s is %s'):format(name, pick(GOOD)) end,
      function() return ('I %s %s, think of %s'):format(pick(LOVE), name, pro) end,
      function() return ('%s means %s %s'):format(name, pro, pick(tg.tags_pro)) end,
      function() return ('%s is not %s at all'):format(name, pick(BAD)) end,
      function() return ('people who fear %s never mention %s'):format(name, pro) end,
      function() return ('%s beats %s any day'):format(pro, con) end, -- implicit
      function() return ('%s, finally %s'):format(pick(tg.tags_pro), pro) end, -- implicit
      function() return ('we should have more of %s'):format(name) end,
      function() return ('%s is a myth spread by opponents of %s'):format(con, name) end,
    }
  elseif stance == 2 then
    forms = {
      function() return ('%s is %s'):format(name, pick(BAD)) end,
      function() return ('I %s %s because of %s'):format(pick(HATE), name, con) end,
      function() return ('%s means %s %s'):format(name, con, pick(tg.tags_con)) end,
      function() return ('%s is not %s'):format(name, pick(GOOD)) end,
      function() return ('nobody talks about %s when they praise %s'):format(con, name) end,
      function() return ('%s is not worth %s'):format(pro, con) end, -- implicit
      function() return ('%s, enough of %s'):format(pick(tg.tags_con), con) end, -- implicit
      function() return ('we should never have %s'):format(name) end,
      function() return ('%s will not fix %s'):format(name, con) end,
    }
  else
    forms = {
      function() return ('%s %s'):format(pick(NEWS), name) end,
      function() return pick(OFF) end,
      function() return ('%s, unrelated but %s'):format(pick(OFF), pick(NEWS)) end,
      function() return ('what do you think about %s'):format(name) end,
      function() return ('%s %s'):format(pick(NEWS), pick(T[rand(#T)].names)) end,
      function() return ('read a long piece on %s and %s'):format(pro, con) end,
    }
  end
  return noisy(pick(OPEN) .. pick(forms)() .. pick(TAIL))
end

os.execute(('mkdir -p %q'):format(dir .. '/.stance/annotations/gen'))
local function write(path, s)
  local f = assert(io.open(path, 'wb'))
  f:write(s)
  f:close()
end
local schema = { 'format stance 1', '', 'corpus', '  include "*.txt"', '' }
for _, tg in ipairs(T) do
  local terms = {}
  for _, w in ipairs(tg.terms) do
    terms[#terms + 1] = w:find(' ') and ('"' .. w .. '"') or w
  end
  schema[#schema + 1] = 'target ' .. tg.name
  schema[#schema + 1] = '  terms ' .. table.concat(terms, ' ')
end
for _, s in ipairs({ 'stance favor', 'stance against', 'label favor', '  stance favor', '  ask target',
  'label against', '  stance against', '  ask target' }) do
  schema[#schema + 1] = s
end
write(dir .. '/.stance/schema.stance', table.concat(schema, '\n') .. '\n')

local function utf8len(s) return utf8.len(s) or #s end
local n, d, ids = 0, 0, 0
while n < POSTS do
  d = d + 1
  local parts, recs, at = {}, {}, 0
  for _ = 1, PER_DOC do
    if n >= POSTS then break end
    n = n + 1
    local t = rand(#T)
    local r = rand(100)
    local stance = r <= 38 and 1 or r <= 76 and 2 or 0
    local text = post(t, stance)
    local label = stance
    if chance(NOISE) then label = (label + rand(2)) % 3 end -- a wrong label
    local len = utf8len(text)
    if label > 0 then
      ids = ids + 1
      local s = label == 1 and 'favor' or 'against'
      recs[#recs + 1] = ('annotation g%06d\n  span %d-%d\n  label %s\n  target %s\n  stance %s\n'):format(ids, at,
        at + len, s, T[t].name, s)
    end
    parts[#parts + 1] = text
    at = at + len + 2
  end
  local name = ('feed_%04d.txt'):format(d)
  local body = table.concat(parts, '\n\n') .. '\n'
  write(dir .. '/' .. name, body)
  write(dir .. '/.stance/annotations/gen/' .. name .. '.stance', ('format stance 1\n\ndocument %q\n  annotator gen\n'
    .. '  status done\n\n%s'):format(name, table.concat(recs, '\n')))
end
print(('%d posts in %d documents, %d stances: %s'):format(n, d, ids, dir))
