-- The study of ../shared/study on its five articles, annotated by two people through the
-- scripting API with a fixed plan (several targets in one sentence, disagreements on each
-- target), a curated `gold` and a `model` layer; for agreement tests in both hosts. The
-- plan is public, so that tests compute the expected figures from it on their own.
local T = require('helpers')
local M = {}

M.TARGETS = { 'engagement', 'sanctions', 'human-rights', 'denuclearization-first' }

--- What `who` says about sentence i (1-based) of document k (0-based): { {target, stance,
--- role}, ... }; several targets in one sentence are common.
function M.says(who, k, i)
  local out = {}
  local function add(t, s, r) out[#out + 1] = { t, s, r } end
  local j = i + k
  if who == 'ana' then
    if j % 4 == 1 then add('engagement', 'favor', 'claim') end
    if j % 5 == 2 then add('sanctions', 'against', 'premise') end
    if j % 7 == 3 then add('human-rights', 'favor', 'premise') end
    if j % 6 == 0 then add('denuclearization-first', 'against', 'claim') end
  else
    if j % 4 == 1 then add('engagement', j % 8 == 5 and 'against' or 'favor', 'claim') end
    if j % 5 == 2 or j % 9 == 4 then add('sanctions', 'against', 'premise') end
    if j % 7 == 3 and j ~= 3 then add('human-rights', 'favor', j % 2 == 0 and 'claim' or 'premise') end
    if j % 6 == 0 then add('denuclearization-first', j == 12 and 'favor' or 'against', 'claim') end
  end
  return out
end

--- Who marked which document (k) done: documents 0-2 both; 3 ben in progress; 4 ben never
--- opened.
function M.status(who, k)
  if who == 'ben' and k == 3 then return 'in-progress' end
  if who == 'ben' and k == 4 then return 'not-started' end
  return 'done'
end

--- A corpus of the study annotated by the plan, in a new folder; `reverse` adds everything
--- the other way round (other IDs, other order). Nil when ../shared is absent.
function M.make(reverse)
  if not T.shared then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
    T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
  local c = assert(require('stance').open(d))
  local paths = c:paths()
  table.sort(paths)
  local who = reverse and { 'ben', 'ana' } or { 'ana', 'ben' }
  for _, name in ipairs(who) do
    for k0 = 1, #paths do
      local k = reverse and (#paths - k0) or (k0 - 1)
      local doc = assert(c:document(paths[k + 1]))
      local st = M.status(name, k)
      if st ~= 'not-started' then
        local sentences = doc:sentences()
        local first, last, step = 1, #sentences, 1
        if reverse then first, last, step = #sentences, 1, -1 end
        for i = first, last, step do
          local s = sentences[i]
          for _, v in ipairs(M.says(name, k, i)) do
            assert(doc:annotate({ start = s.start, stop = s.stop, label = v[1] .. '-' .. v[2], target = v[1],
              stance = v[2], role = v[3], annotator = name }))
          end
        end
        assert(doc:set_label({ target = 'engagement', stance = (name == 'ben' and k == 2) and 'against' or 'favor',
          annotator = name }))
        assert(doc:set_status(st, name))
      end
    end
  end
  -- a curated gold layer and the model's suggestions: not people
  local first = assert(c:document(paths[1]))
  local s = first:sentences()[1]
  assert(first:annotate({ start = s.start, stop = s.stop, label = 'sanctions-favor', target = 'sanctions',
    stance = 'favor', annotator = 'gold' }))
  assert(first:set_status('done', 'gold'))
  assert(first:annotate({ start = s.start, stop = s.stop, label = 'human-rights-against', target = 'human-rights',
    stance = 'against', annotator = 'model' }))
  assert(c:save())
  return d, paths
end

--- A corpus of the study where ana and ben meet on the first article, for curation: on
--- sentence 1 they agree on engagement (favor, claim) and on sanctions (against, premise),
--- with a relation sanctions -> engagement (supports) both made; on sentence 2 only ana
--- has human rights (favor); on sentence 3 engagement is favor/claim for ana and
--- against/premise for ben, and both link it to sentence 1 (supports: an agreed relation
--- whose end is disputed); on sentence 4 only ben has denuclearization-first; ana links
--- sentence 2 to 3; the document's stance toward engagement is favor for ana, against for
--- ben; ben also has an annotation past the end of the text. Returns the folder, the
--- article's path and its sentences.
function M.curation()
  if not T.shared then return nil end
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance && cp %s/corpus/*.txt %s/ && cp %s/study/schema.stance %s/.stance/'):format(
    T.q(d), T.q(T.shared), T.q(d), T.q(T.shared), T.q(d)))
  local c = assert(require('stance').open(d))
  local path = '000_6358a7516b2472dd.txt'
  local doc = assert(c:document(path))
  local s = doc:sentences()
  local function add(who, i, target, stance, role, note)
    return assert(doc:annotate({ start = s[i].start, stop = s[i].stop, label = target .. '-' .. stance, target = target,
      stance = stance, role = role, note = note, annotator = who })).id
  end
  local a1 = add('ana', 1, 'engagement', 'favor', 'claim', 'the headline')
  local a2 = add('ana', 1, 'sanctions', 'against', 'premise')
  local a3 = add('ana', 2, 'human-rights', 'favor', 'premise')
  local a4 = add('ana', 3, 'engagement', 'favor', 'claim')
  assert(doc:relate(a2, a1, 'supports', { annotator = 'ana' }))
  assert(doc:relate(a4, a1, 'supports', { annotator = 'ana' }))
  assert(doc:relate(a3, a4, 'supports', { annotator = 'ana' }))
  assert(doc:set_label({ target = 'engagement', stance = 'favor', annotator = 'ana' }))
  local b1 = add('ben', 1, 'engagement', 'favor', 'claim', 'the headline')
  local b2 = add('ben', 1, 'sanctions', 'against', 'premise')
  local b4 = add('ben', 3, 'engagement', 'against', 'premise', 'ben thinks so')
  add('ben', 4, 'denuclearization-first', 'favor', 'premise')
  assert(doc:relate(b2, b1, 'supports', { annotator = 'ben' }))
  assert(doc:relate(b4, b1, 'supports', { annotator = 'ben' }))
  assert(doc:set_label({ target = 'engagement', stance = 'against', annotator = 'ben' }))
  assert(doc:set_status('done', 'ana'))
  assert(doc:set_status('done', 'ben'))
  assert(c:save())
  -- and one of ben's annotations whose text is gone (a span past the end): not curated
  local ben = d .. '/.stance/annotations/ben/' .. path .. '.stance'
  T.write(ben, T.read(ben) .. '\nannotation gone1\n  span 900000-900010\n  label engagement-favor\n'
    .. '  target engagement\n  stance favor\n  role claim\n')
  return d, path, s
end

return M
