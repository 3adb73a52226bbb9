-- Re-anchoring: copies of the example articles edited (an insertion before the spans, an
-- edit inside one, a deleted paragraph, paragraphs swapped), then every annotation's fate
-- checked through the API, `stance check` and `stance fmt --reanchor`.
local T = require('helpers')
local core = require('stance.core')
local reanchor = require('stance.reanchor')

local DOC = '01_charge_works.txt'
local ANA = '.stance/annotations/ana/' .. DOC .. '.stance'

local function corpus()
  local d = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
  os.execute('rm -f ' .. T.q(d .. '/.stance/index.bin'))
  return d
end

local function paragraphs(text)
  local out = {}
  for p in (text .. '\n\n'):gmatch('(.-)\n\n+') do
    out[#out + 1] = p
  end
  return out
end

--- Edit the document with `fn(text)`, re-anchor ana's layer; returns outcomes by ID, the
--- result, and the store as read before.
local function edit(d, fn)
  local path = d .. '/' .. DOC
  local text = fn(assert(T.read(path)))
  T.write(path, text)
  local store = assert(core.read(assert(T.read(d .. '/' .. ANA))))
  local before = {}
  for _, r in ipairs(store:records('annotation')) do
    before[r.id] = r
  end
  local res = reanchor.run(d, store)
  local fate = {}
  for id in pairs(before) do
    fate[id] = 'kept'
  end
  for _, o in ipairs(res.outcomes) do
    fate[o.id] = o.outcome
  end
  return fate, res, before, text
end

--- After `stance fmt --reanchor`: every placed annotation's quote is the text at its span.
local function check_written(d, text, orphans, doc)
  doc = doc or DOC
  local out, err, code = T.run(('cd %s && %s fmt --reanchor'):format(T.q(d), T.q(T.stance)))
  assert.are.equal(0, code, err)
  assert.truthy(out:find('ana/' .. doc .. '.stance: ', 1, true), out)
  local store = assert(core.read(assert(T.read(d .. '/.stance/annotations/ana/' .. doc .. '.stance'))))
  local model = core.text(text)
  for _, r in ipairs(store:records('annotation')) do
    if not orphans[r.id] then
      local parts = {}
      for i, sp in ipairs(r.spans) do
        parts[i] = text:sub(model:cp_to_byte(sp[1]) + 1, model:cp_to_byte(sp[2]))
      end
      assert.are.equal(r.quote, table.concat(parts, ' '), r.id)
    end
  end
  -- the hash of the text its offsets count in; none while an orphan's count in no text
  if next(orphans) then
    assert.is_nil(store:header().hash)
  else
    assert.are.equal('sha256:' .. core.sha256(text), store:header().hash)
  end
  -- and the check is clean again, but for orphans
  local cout = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
  local n, want = 0, 0
  for _ in cout:gmatch('kept as an orphan') do
    n = n + 1
  end
  for _ in pairs(orphans) do
    want = want + 1
  end
  assert.are.equal(want, n, cout)
  assert.falsy(cout:find(' moved', 1, true), cout)
  return store
end

describe('re-anchoring', function()
  after_each(T.cleanup)

  it('moves every annotation after text inserted before them, by the same number of code points', function()
    local d = corpus()
    local fate, res, before = edit(d, function(t) return 'Éditorial — a note added later.\n\n' .. t end)
    assert.is_true(res.checked)
    for id, f in pairs(fate) do
      assert.are.equal('moved', f, id)
    end
    for _, o in ipairs(res.outcomes) do
      assert.are.equal(before[o.id].spans[1][1] + 33, o.to[1])
    end
    check_written(d, T.read(d .. '/' .. DOC), {})
  end)

  it('finds an annotation whose text was edited, approximately, and keeps the others', function()
    local d = corpus()
    local fate, res = edit(d, function(t)
      return (t:gsub('The council should keep the charge and extend it to weekends%.',
        'The council should keep the charge and also extend it to Sundays.'))
    end)
    local edited
    for id, f in pairs(fate) do
      if f == 'fuzzy' then edited = id end
    end
    assert.truthy(edited, 'one annotation found with a changed text')
    assert.are.equal(1, res.fuzzy)
    assert.are.equal(0, res.orphaned)
    local o
    for _, x in ipairs(res.outcomes) do
      if x.id == edited then o = x end
    end
    local text = T.read(d .. '/' .. DOC)
    local model = core.text(text)
    assert.are.equal('The council should keep the charge and also extend it to Sundays.',
      text:sub(model:cp_to_byte(o.to[1]) + 1, model:cp_to_byte(o.to[2])))
    local store = check_written(d, text, {})
    assert.are.equal('The council should keep the charge and also extend it to Sundays.', store:get(edited).quote)
  end)

  it('keeps the annotations of a deleted paragraph as orphans, listed and written back unchanged', function()
    local d = corpus()
    local fate, res, before = edit(d, function(t)
      local ps = paragraphs(t)
      table.remove(ps, 4) -- "Critics said the charge would empty the shops. ..."
      return table.concat(ps, '\n\n') .. '\n'
    end)
    assert.is_true(res.orphaned >= 1)
    local orphans = {}
    for id, f in pairs(fate) do
      if f == 'orphan' then
        orphans[id] = true
        assert.truthy(before[id].quote:find('Retail footfall', 1, true) or before[id].quote:find('shops', 1, true), id)
      else
        assert.truthy(f == 'moved' or f == 'kept', id .. ' ' .. tostring(before[id].quote))
      end
    end
    local out = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
    assert.truthy(out:find('kept as an orphan', 1, true), out)
    local store = check_written(d, T.read(d .. '/' .. DOC), orphans)
    for id in pairs(orphans) do
      local r = store:get(id)
      assert.truthy(r, 'the orphan is still in the file')
      assert.are.equal(before[id].quote, r.quote)
      assert.are.same(before[id].spans, r.spans)
    end
    -- written back, they stay orphans for every reader: a script, an export (the file's hash
    -- would have vouched for offsets that now point at other words)
    local script = d .. '.orphans.lua'
    T.write(script, [[
local c = assert(require('stance').open(arg[1]))
for _, a in ipairs(c:document(arg[2]):annotations()) do
  if a.orphan then print(a.id) end
end
]])
    local out2, err2, code2 = T.stance_run({ 'run', script, d, DOC })
    assert.are.equal(0, code2, err2)
    local seen = {}
    for id in out2:gmatch('%S+') do
      seen[id] = true
    end
    assert.are.same(orphans, seen)
    local jsonl, _, ccode = T.run(('cd %s && %s export --to jsonl 2>/dev/null'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, ccode) -- something reported: the orphans
    local exported = {}
    for line in jsonl:gmatch('[^\n]+') do
      if line:find('"orphan":true', 1, true) then exported[line:match('"id":"([^"]+)"')] = true end
    end
    assert.are.same(orphans, exported)
  end)

  it('follows paragraphs that were swapped', function()
    local d = corpus()
    local fate, res, before, text = edit(d, function(t)
      local ps = paragraphs(t)
      ps[3], ps[5] = ps[5], ps[3]
      return table.concat(ps, '\n\n') .. '\n'
    end)
    assert.are.equal(0, res.orphaned)
    local model = core.text(text)
    for _, o in ipairs(res.outcomes) do
      assert.are.equal('moved', o.outcome)
      local q = text:sub(model:cp_to_byte(o.to[1]) + 1, model:cp_to_byte(o.to[2]))
      assert.are.equal(before[o.id].quote, q)
    end
    local moved = 0
    for _, f in pairs(fate) do
      if f == 'moved' then moved = moved + 1 end
    end
    assert.is_true(moved >= 2)
    check_written(d, text, {})
  end)

  it('does nothing when the document has the hash the file recorded', function()
    local d = corpus()
    local store = assert(core.read(assert(T.read(d .. '/' .. ANA))))
    local text = T.read(d .. '/' .. DOC)
    store:set_header('hash', 'sha256:' .. core.sha256(text))
    local res = reanchor.run(d, store)
    assert.is_false(res.checked)
    assert.are.equal(0, #res.outcomes)
  end)
end)

-- The same edits, made generically, on an article of the project's sample corpus (US policy
-- toward North Korea) with ana's annotations, when the sample corpus is there.
describe('re-anchoring many edited annotations', function()
  after_each(T.cleanup)

  it('finds them all, says how it goes on a terminal, and states the budget when it runs out', function()
    local dir = T.tmpdir()
    -- 300 kB, 150 annotations, a paragraph inserted before them and a word changed in each
    local out, err, code = T.run(('%s run %s %s 150 300000'):format(T.q(T.stance),
      T.q(T.root .. '/tests/bench/reanchor.lua'), T.q(dir)))
    assert.are.equal(0, code, err)
    assert.truthy(out:find('\nmoved 150\n', 1, true), out)
    local root = dir .. '/c150'
    -- on a terminal (script(1) gives it one), a progress bar on stderr
    local screen = T.run(('cd %s && script -qec %s /dev/null'):format(T.q(root),
      T.q(T.q(T.stance) .. ' check >/dev/null')))
    assert.truthy(screen:find('stance check [', 1, true), screen)
    assert.truthy(screen:find('%', 1, true), screen)
    -- without one, none
    local _, plain = T.run(('cd %s && %s check >/dev/null'):format(T.q(root), T.q(T.stance)))
    assert.falsy(plain:find('[', 1, true), plain)
    -- a budget too small for the searches: what was not searched is an orphan, and said so
    local s = assert(core.read(T.read(root .. '/.stance/annotations/bench/doc.txt.stance')))
    local frame = core.frame(T.read(root .. '/doc.txt'))
    local res = frame:anchor(s, { budget = 20000 })
    assert.is_true(res.unsearched > 0)
    assert.are.equal(150, res.placed + res.moved + res.orphaned)
    local r2 = reanchor.problems({ outcomes = {}, unsearched = res.unsearched, document = 'doc.txt' })
    assert.truthy(r2[1].message:find('not searched for in doc.txt', 1, true))
  end)
end)

describe('re-anchoring on the sample corpus', function()
  after_each(T.cleanup)
  local doc = '000_6358a7516b2472dd.txt'
  local ann_file = T.root .. '/doc/example/shared-corpus/' .. doc .. '.stance'
  local run = T.shared and it or pending

  local function setup(edit_fn)
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/annotations/ana && cp %s %s/ && cp %s %s/.stance/annotations/ana/'):format(
      T.q(d), T.q(T.shared .. '/corpus/' .. doc), T.q(d), T.q(ann_file), T.q(d)))
    local store = assert(core.read(assert(T.read(ann_file))))
    local recs = store:records('annotation')
    table.sort(recs, function(a, b) return a.spans[1][1] < b.spans[1][1] end)
    local text = edit_fn(assert(T.read(d .. '/' .. doc)), recs)
    T.write(d .. '/' .. doc, text)
    local res = reanchor.run(d, store)
    local fate = {}
    for _, r in ipairs(recs) do
      fate[r.id] = 'kept'
    end
    for _, o in ipairs(res.outcomes) do
      fate[o.id] = o.outcome
    end
    return d, text, recs, fate, res
  end

  run('an insertion, an edit inside a span, a deleted paragraph, swapped paragraphs: every fate', function()
    -- insertion at the top: all move by its length
    local _, _, recs, fate = setup(function(t) return 'Editor\'s note.\n\n' .. t end)
    for _, r in ipairs(recs) do
      assert.are.equal('moved', fate[r.id], r.id)
    end
    -- a word changed inside the longest annotation: found approximately; the rest kept
    local longest
    local d, text, _, fate2 = setup(function(t, rs)
      for _, r in ipairs(rs) do
        if not longest or #r.quote > #longest.quote then longest = r end
      end
      local a, b = t:find(longest.quote, 1, true)
      local changed = longest.quote:gsub('(%a%a%a%a+)', function(w) return w:upper() end, 1)
      return t:sub(1, a - 1) .. changed .. t:sub(b + 1)
    end)
    for _, r in ipairs(recs) do
      assert.are.equal(r.id == longest.id and 'fuzzy' or 'kept', fate2[r.id], r.id)
    end
    check_written(d, text, {}, doc)
    -- the paragraph of the last annotation deleted: it is an orphan, kept in the file
    local last = recs[#recs]
    local d3, text3, _, fate3 = setup(function(t)
      local ps = paragraphs(t)
      for i, p in ipairs(ps) do
        if p:find(last.quote, 1, true) then table.remove(ps, i) break end
      end
      return table.concat(ps, '\n\n') .. '\n'
    end)
    assert.are.equal('orphan', fate3[last.id])
    local store = check_written(d3, text3, { [last.id] = true }, doc)
    assert.are.equal(last.quote, store:get(last.id).quote)
    -- the paragraphs of the first and last annotations swapped: both move, quotes intact
    local d4, text4, _, fate4 = setup(function(t)
      local ps = paragraphs(t)
      local i1, i2
      for i, p in ipairs(ps) do
        if not i1 and p:find(recs[2].quote, 1, true) then i1 = i end
        if p:find(last.quote, 1, true) then i2 = i end
      end
      ps[i1], ps[i2] = ps[i2], ps[i1]
      return table.concat(ps, '\n\n') .. '\n'
    end)
    assert.are.equal('moved', fate4[last.id])
    assert.are_not.equal('orphan', fate4[recs[2].id])
    check_written(d4, text4, {}, doc)
  end)
end)

-- A large and repetitive document (the bench's editor document in small: a few words, the
-- same sentences again and again) whose annotations were all moved by a line inserted at its
-- top: each is found near where it was, at the place a search of the whole text for each
-- would choose; a larger insertion sends them to the one search of the whole text for all.
describe('re-anchoring a repetitive document after an insertion at its top', function()
  after_each(T.cleanup)

  local WORDS = { 'the', 'policy', 'sanctions', 'talks', 'regime', 'must', 'never', 'café', 'Seoul', 'deal' }

  local function document()
    local seed, parts, size = 42, {}, 0
    local function rand(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n + 1
    end
    local block = {}
    for i = 1, 60 do
      local w = {}
      for k = 1, 4 + rand(10) do w[k] = WORDS[rand(#WORDS)] end
      block[i] = table.concat(w, ' ') .. '.' .. (i % 5 == 0 and '\n\n' or ' ')
    end
    while size < 200000 do -- the block again and again, a sentence changed in some copies
      local copy = {}
      for i, s in ipairs(block) do copy[i] = s end
      if rand(3) == 1 then copy[rand(#copy)] = 'A changed sentence. ' end
      parts[#parts + 1] = table.concat(copy)
      size = size + #parts[#parts]
    end
    return table.concat(parts)
  end

  local function layer(text, n)
    local model, store = core.text(text), core.store()
    store:set_header('document', 'big.txt')
    store:set_header('annotator', 'ana')
    store:set_header('hash', 'sha256:' .. core.sha256(text))
    local starts, pos = {}, 1
    while true do
      local a, b = text:find('[^ \n][^.]*%.', pos)
      if not a then break end
      starts[#starts + 1] = { a - 1, b }
      pos = b + 1
    end
    for i = 1, n do
      local sp = starts[math.floor((i - 1) * #starts / n) + 1]
      local a, b = sp[1], sp[2]
      assert(store:add({ kind = 'annotation', id = ('a%05d'):format(i), label = 'claim',
        spans = { { model:byte_to_cp(a), model:byte_to_cp(b) } }, quote = text:sub(a + 1, b),
        prefix = text:sub(math.max(1, a - 31), a), suffix = text:sub(b + 1, b + 32) }))
    end
    return store:write()
  end

  local function spans(store)
    local out = {}
    for _, r in ipairs(store:records('annotation')) do
      out[r.id] = r.spans[1][1] .. '-' .. r.spans[1][2] .. (r.orphan and ' orphan' or '')
    end
    return out
  end

  it('finds every one moved by the line, where a search for each would, and stance check says so', function()
    local text = document()
    local ann = layer(text, 2000)
    local line = 'A line inserted at the top, après coup.\n'
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/annotations/ana'):format(T.q(d)))
    T.write(d .. '/.stance/schema.stance', 'format stance 1\nlabel claim\n')
    T.write(d .. '/.stance/annotations/ana/big.txt.stance', ann)
    for _, edited in ipairs({ line .. text, ('new text, '):rep(1000) .. '\n\n' .. text }) do
      T.write(d .. '/big.txt', edited)
      local frame = core.frame(edited)
      local once, each = assert(core.read(ann)), assert(core.read(ann))
      local r1, r2 = frame:anchor(once), frame:anchor(each, { each = true })
      assert.are.equal(2000, r1.moved)
      assert.are.equal(0, r1.orphaned)
      assert.are.same({ r2.moved, r2.fuzzy, r2.orphaned, r2.unsearched }, { r1.moved, r1.fuzzy, r1.orphaned, r1.unsearched })
      assert.are.same(spans(each), spans(once))
      assert.are.same(r2.moved_ids, r1.moved_ids)
    end
    -- the line: every annotation moved by its length (code points), nothing left unsearched
    T.write(d .. '/big.txt', line .. text)
    local out, _, code = T.run(('cd %s && %s check'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, code, out)
    local n, shift = 0, core.text(line):byte_to_cp(#line)
    for from, to in out:gmatch('moved: (%d+)%-%d+ is now (%d+)%-%d+') do
      n = n + 1
      assert.are.equal(tonumber(from) + shift, tonumber(to))
    end
    assert.are.equal(2000, n)
    assert.falsy(out:find('not searched', 1, true), out)
  end)
end)
