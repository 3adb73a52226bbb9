-- Re-anchoring round trips: every annotation of the example's layers, of the study's fixture
-- layers (on ../shared/corpus) and of a document in é, CJK and emoji, each edited on its own
-- (its first word replaced by a longer and by a shorter phrase, or deleted; its last word
-- replaced; a word inserted in its middle), re-anchored and written as `stance fmt
-- --reanchor` writes; then the text put back and re-anchored again. The edited annotation is
-- exactly the edited text's extent (an orphan only when the edit is over the limit of
-- :help stance-reanchor, and then in both directions), every other one exactly where its
-- quote is, and after the revert every one exactly where it was (a deleted first word put
-- back stays out: the shorter quote is in the text, see below).
local T = require('helpers')
local core = require('stance.core')
local reanchor = require('stance.reanchor')

local WORD = '[%w\128-\255]' -- as the C side's word bytes: letters, digits, any non-ASCII byte

local function cps(s)
  return select(2, s:gsub('[^\128-\191]', ''))
end

--- Byte edits from a to b (both UTF-8 strings; an edit is an insertion, deletion or
--- replacement of a byte, as the C side counts), the common start and end left out.
local function edits(a, b)
  local i = 0
  while i < #a and i < #b and a:byte(i + 1) == b:byte(i + 1) do i = i + 1 end
  local j = 0
  while j < #a - i and j < #b - i and a:byte(#a - j) == b:byte(#b - j) do j = j + 1 end
  a, b = a:sub(i + 1, #a - j), b:sub(i + 1, #b - j)
  local prev = {}
  for k = 0, #b do prev[k] = k end
  for x = 1, #a do
    local cur = { [0] = x }
    for y = 1, #b do
      cur[y] = math.min(prev[y] + 1, cur[y - 1] + 1, prev[y - 1] + (a:byte(x) == b:byte(y) and 0 or 1))
    end
    prev = cur
  end
  return prev[#b]
end

--- Whether an annotation of quote `a` whose text became `b` between its unchanged prefix and
--- suffix is found (doc/stance.txt, stance-reanchor): at most a third of the longer of the
--- two, never more than 64, one of them 16 bytes or more.
local function within_limit(a, b)
  local longer = math.max(#a, #b)
  return longer >= 16 and edits(a, b) <= math.min(64, math.floor(longer / 3))
end

--- The edits of a quote: name -> edited quote (those that apply to it).
local function edited_quotes(q)
  local out = {}
  local first = q:match('^' .. WORD .. '+')
  if first then
    local rest = q:sub(#first + 1)
    out['first word replaced by a longer phrase'] = 'Insisting on' .. rest
    out['first word replaced by a shorter phrase'] = 'So' .. rest
    local deleted = rest:gsub('^%s+', '')
    if deleted ~= '' then out['first word deleted'] = deleted end
  end
  local a, b = q:find(WORD .. '+[^%w\128-\255]*$')
  if a and a > 1 then
    local last = q:sub(a, b):match('^' .. WORD .. '+')
    out['last word replaced'] = q:sub(1, a - 1) .. 'elsewhere' .. q:sub(a + #last)
  end
  local mid = q:find(' ', math.floor(#q / 2), true)
  if mid then out['a word inserted in the middle'] = q:sub(1, mid) .. 'indeed ' .. q:sub(mid + 1) end
  for name, e in pairs(out) do
    if e == q then out[name] = nil end
  end
  return out
end

--- The annotations of a layer text, by ID: { a, b (code points), quote, orphan (its quote is
--- not the text of `text` at its span: an orphan keeps its last offsets), n (spans) }.
local function spans_of(layer, text)
  local out, m = {}, core.text(text)
  for _, r in ipairs(assert(core.read(layer)):records('annotation')) do
    local a, b = r.spans[1][1], r.spans[#r.spans][2]
    local at = r.quote and #r.spans == 1 and b <= m:cps() and text:sub(m:cp_to_byte(a) + 1, m:cp_to_byte(b))
    out[r.id] = { a = a, b = b, quote = r.quote, orphan = r.quote ~= nil and at ~= r.quote, n = #r.spans }
  end
  return out
end

--- Write a file (the folders are there).
local function write(path, data)
  local f = assert(io.open(path, 'wb'))
  f:write(data)
  f:close()
end

--- Re-anchor the layer at `path` (root `d`) and write it back, as `stance fmt --reanchor`.
local function fmt_reanchor(d, path)
  local store = assert(core.read(assert(T.read(path))))
  local res = reanchor.run(d, store)
  assert(res.checked, path)
  local text = reanchor.write(res)
  write(path, text)
  return text, res
end

--- Every round trip of every annotation of the layer `layer` (a path below corpus `d`) on the
--- document `doc`: failures appended to `bad`, counts added to `count`.
local function round_trips(d, doc, layer, bad, count)
  local path = d .. '/' .. doc
  local original = assert(T.read(path))
  local original_layer = assert(T.read(layer))
  local model = core.text(original)
  local before = spans_of(original_layer, original)
  local function fail(fmt, ...)
    bad[#bad + 1] = ('%s %s: ' .. fmt):format(layer:match('annotations/(.*)$'), doc, ...)
  end
  local ids = {}
  for id in pairs(before) do ids[#ids + 1] = id end
  table.sort(ids)
  for _, id in ipairs(ids) do
    local r = before[id]
    local qa, qb = model:cp_to_byte(r.a), model:cp_to_byte(r.b)
    if r.n == 1 and r.quote and not r.orphan and original:sub(qa + 1, qb) == r.quote then
      local kinds = edited_quotes(r.quote)
      local names = {}
      for name in pairs(kinds) do names[#names + 1] = name end
      table.sort(names)
      for _, name in ipairs(names) do
        local e = kinds[name]
        local shift = cps(e) - cps(r.quote)
        count.cases = count.cases + 1
        local edited = original:sub(1, qa) .. e .. original:sub(qb + 1)
        write(path, edited)
        write(layer, original_layer)
        local after = spans_of((fmt_reanchor(d, layer)), edited)
        local got, want_found = after[id], within_limit(r.quote, e)
        if want_found then
          count.found = count.found + 1
          if got.orphan or got.a ~= r.a or got.b ~= r.b + shift then
            fail('%s %s: %s: %s-%s, want %d-%d (%q)', id, name, got.orphan and 'an orphan' or 'placed at', got.a, got.b,
              r.a, r.b + shift, e)
          end
        elseif not got.orphan then
          fail('%s %s: placed at %d-%d, want an orphan (%d edits of %q)', id, name, got.a, got.b, edits(r.quote, e), e)
        end
        -- the others where their quotes are: moved by the edit when after it
        for oid, o in pairs(before) do
          local g = after[oid]
          local overlaps = o.a < r.b and r.a < o.b
          if oid ~= id and not overlaps and not o.orphan and o.quote and o.n == 1 then
            local d0 = o.a >= r.b and shift or 0
            if g.orphan or g.a ~= o.a + d0 or g.b ~= o.b + d0 then
              fail('%s (not edited) after %s %s: %s-%s, want %d-%d', oid, id, name, g.a, g.b, o.a + d0, o.b + d0)
            end
          end
        end
        -- the text put back: every one where it was. But for a deleted first word: put back,
        -- it is a word written before the shorter quote, which is in the text as it is (as
        -- new text written before an annotation stays out of it); those that start there keep
        -- their shorter extent, whole words
        write(path, original)
        local back = spans_of((fmt_reanchor(d, layer)), original)
        local gone = name == 'first word deleted' and cps(r.quote) - cps(e) or 0
        for oid, o in pairs(before) do
          local g = back[oid]
          local wa = o.a == r.a and o.b > r.a + gone and o.a + gone or o.a
          if not o.orphan and (g.orphan or g.a ~= wa or g.b ~= o.b) then
            fail('%s after %s %s and its revert: %s %s-%s, want %d-%d', oid, id, name, g.orphan and 'orphan' or 'at',
              g.a, g.b, wa, o.b)
          end
        end
      end
    end
  end
  write(path, original)
  write(layer, original_layer)
end

local function layers_of(d)
  local out = {}
  local p = io.popen(('cd %s && find .stance/annotations -name "*.stance" | sort'):format(T.q(d)))
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

--- The layer at `path` (root `d`) with the quote and context of every annotation, and the
--- document's hash, as the editor writes them (the study's fixture has offsets only).
local function with_quotes(d, path)
  local old = assert(core.read(assert(T.read(path))))
  local text = assert(T.read(d .. '/' .. old:header().document))
  local m = core.text(text)
  local store = core.store()
  for k, v in pairs(old:header()) do store:set_header(k, v) end
  store:set_header('hash', 'sha256:' .. core.sha256(text))
  for _, r in ipairs(old:records('annotation')) do
    local ca, cb = r.spans[1][1], r.spans[#r.spans][2]
    local a, b = m:cp_to_byte(ca), m:cp_to_byte(cb)
    assert(store:add({ kind = 'annotation', id = r.id, spans = r.spans, label = r.label, target = r.target,
      stance = r.stance, role = r.role, quote = text:sub(a + 1, b),
      prefix = text:sub(m:cp_to_byte(math.max(0, ca - 32)) + 1, a),
      suffix = text:sub(b + 1, m:cp_to_byte(math.min(m:cps(), cb + 32))) }))
  end
  write(path, store:write())
end

local function all_round_trips(d)
  local bad, count = {}, { cases = 0, found = 0 }
  for _, rel in ipairs(layers_of(d)) do
    local doc = rel:match('^%.stance/annotations/[^/]+/(.+)%.stance$')
    round_trips(d, doc, d .. '/' .. rel, bad, count)
  end
  T.report('%d round trips, %d within the limit (found both ways), %d over it (orphans both ways)', count.cases,
    count.found, count.cases - count.found)
  return bad, count
end

local function report(bad)
  local shown = {}
  for i = 1, math.min(#bad, 12) do shown[i] = bad[i] end
  return ('%d wrong:\n%s'):format(#bad, table.concat(shown, '\n'))
end

describe('re-anchoring round trips', function()
  after_each(T.cleanup)

  it('every annotation of the example, edited at its start, middle and end, then put back', function()
    local d = T.example_corpus()
    os.execute('rm -f ' .. T.q(d .. '/.stance/index.bin'))
    local bad, count = all_round_trips(d)
    assert.are.same({}, bad, report(bad))
    assert.is_true(count.cases >= 100, tostring(count.cases))
    assert.is_true(count.found >= count.cases * 0.9, ('%d of %d'):format(count.found, count.cases))
  end)

  it('the two of the report: a first word replaced by "Insisting on", then put back, with stance fmt --reanchor',
    function()
      local d = T.example_corpus()
      local doc = d .. '/01_charge_works.txt'
      local layer = d .. '/.stance/annotations/ana/01_charge_works.txt.stance'
      local original = T.read(doc)
      for _, case in ipairs({ { 'ngxrdx2yvfea', 'Retail', 449, 537 }, { 'bjxpv4s7nmt5', 'Traffic', 200, 248 } }) do
        local id, word, a, b = case[1], case[2], case[3], case[4]
        T.write(doc, (original:gsub(word, 'Insisting on', 1)))
        local _, err, code = T.run(('cd %s && %s fmt --reanchor'):format(T.q(d), T.q(T.stance)))
        assert.are.equal(0, code, err)
        local s = spans_of(T.read(layer), T.read(doc))[id]
        assert.are.same({ a, b + 12 - #word, false }, { s.a, s.b, s.orphan }, id)
        assert.are.equal('Insisting on', s.quote:sub(1, 12))
        T.write(doc, original)
        _, err, code = T.run(('cd %s && %s fmt --reanchor'):format(T.q(d), T.q(T.stance)))
        assert.are.equal(0, code, err)
        s = spans_of(T.read(layer), original)[id]
        assert.are.same({ a, b, false }, { s.a, s.b, s.orphan }, id)
        assert.are.equal(word, s.quote:sub(1, #word))
      end
    end)

  local run = T.shared and it or pending
  run('every annotation of the study fixture on ../shared/corpus, edited, then put back', function()
    local d = require('helpers.study').annotated('none')
    for _, rel in ipairs(layers_of(d)) do with_quotes(d, d .. '/' .. rel) end
    local bad, count = all_round_trips(d)
    assert.are.same({}, bad, report(bad))
    assert.is_true(count.cases >= 500, tostring(count.cases))
  end)

  it('a document in é, CJK and emoji: offsets in code points, spans at paragraph starts and ends', function()
    local d = T.tmpdir()
    local paras = {
      'Été brûlant à Montréal. Les élèves étudient près du café où Zoë a écrit ses mémoires.',
      '東京 の 会議 は 成功 でした 。 参加者 は 新しい 政策 を 支持 し ました 。',
      'The festival 🎉 drew crowds 🎈 to the old town. Organisers 😀 called it a triumph for everyone.',
      'Naïve critics réfutent les données. Ils préfèrent l’anecdote à la preuve.',
    }
    local text = table.concat(paras, '\n\n') .. '\n'
    T.write(d .. '/doc.txt', text)
    T.write(d .. '/.stance/schema.stance', 'format stance 1\nlabel claim\n')
    local m = core.text(text)
    local store = core.store()
    store:set_header('document', 'doc.txt')
    store:set_header('annotator', 'ana')
    store:set_header('hash', 'sha256:' .. core.sha256(text))
    local n = 0
    local function add(a, b) -- bytes, 0-based, end exclusive
      local ca, cb = m:byte_to_cp(a), m:byte_to_cp(b)
      n = n + 1
      assert(store:add({ kind = 'annotation', id = ('u%03d'):format(n), spans = { { ca, cb } }, label = 'claim',
        quote = text:sub(a + 1, b), prefix = text:sub(m:cp_to_byte(math.max(0, ca - 32)) + 1, a),
        suffix = text:sub(b + 1, m:cp_to_byte(math.min(m:cps(), cb + 32))) }))
    end
    local at = 0
    for _, p in ipairs(paras) do
      add(at, at + #p) -- a whole paragraph: starts and ends one
      -- its first sentence, from the paragraph's start
      local dot, maru = p:find('. ', 1, true), p:find('。 ', 1, true)
      if dot then add(at, at + dot) elseif maru then add(at, at + maru + 2) end
      at = at + #p + 2
    end
    T.write(d .. '/.stance/annotations/ana/doc.txt.stance', store:write())
    local bad, count = all_round_trips(d)
    assert.are.same({}, bad, report(bad))
    assert.is_true(count.cases >= 30, tostring(count.cases))
  end)
end)
