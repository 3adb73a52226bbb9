-- Curation of a document into gold (stance.curation, under :Stance curate): agreed places
-- in gold as soon as it opens, disputed annotations per target, document stances and
-- relations decided, your own version keeping what you do not change, on the study.
local T = require('helpers')
local study = require('helpers.study_layers')
local C = require('stance.curation')

local function kinds(list)
  local out = {}
  for _, p in ipairs(list) do
    out[#out + 1] = p.kind .. ':' .. tostring(p.target or (p.from and p.from.target .. '>' .. p.to.target))
  end
  return out
end

describe('curation', function()
  after_each(T.cleanup)

  it('writes the agreed places at once, then each decision, and marks gold done when nothing is left', function()
    local d, path = study.curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    local cur = assert(C.open(c, path, nil, 'cora'))
    assert.are.same({ 'ana', 'ben' }, cur.names)
    assert.are.equal(1, cur.outside) -- ben's annotation past the end of the text
    assert.are.same({ 'annotation:engagement', 'annotation:sanctions', 'relation:sanctions>engagement',
      'relation:engagement>engagement' }, kinds(cur.agreed))
    assert.are.same({ 'doclabel:engagement', 'annotation:human-rights', 'annotation:engagement',
      'annotation:denuclearization-first', 'relation:human-rights>engagement' }, kinds(cur.disputed))
    -- agreed: two annotations and one relation now; the other relation waits for its end
    assert.are.equal(3, cur:apply_agreed())
    local n = cur:counts()
    assert.are.same({ 0, 5, 3, 4, 1, false }, { n.resolved, n.disputed, n.in_gold, n.agreed, n.pending, n.done })
    assert(cur:save())
    local gold = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/gold/' .. path .. '.stance')))
    assert.are.equal(2, gold:count('annotation'))
    assert.are.equal(1, gold:count('relation'))
    assert.are.equal('in-progress', gold:header().status)
    local note = gold:find({ target = 'engagement' })[1]
    assert.are.equal('the headline', note.note)
    -- the document's stance: ben's
    local p = cur.disputed
    assert(cur:accept(p[1], 'ben'))
    assert.are.equal('against', cur.gold:records('doclabel')[1].stance)
    -- taken as ben made it: ben is its author
    assert.are.equal('ben', cur.gold:records('doclabel')[1].author)
    assert.is_nil(cur:based_on(cur.gold:records('doclabel')[1].id))
    -- human rights on sentence 2: nothing
    cur:reject(p[2])
    assert.are.equal('rejected', cur:resolved(p[2]))
    -- engagement on sentence 3: ben's version as a claim; target, stance and note kept; the
    -- curator (cora) made this record, from ben's version; the label must agree with what
    -- it sets, so a contradiction is refused first
    local _, err = cur:own(p[3], 'ben', { label = 'engagement-favor' })
    assert.truthy(err:find("sets stance favor", 1, true), err)
    assert(cur:own(p[3], 'ben', { label = 'claim', role = 'claim' }))
    local own
    for _, r in ipairs(cur.gold:records('annotation')) do
      if r.label == 'claim' then own = r end
    end
    assert.are.same({ 'engagement', 'against', 'claim', 'ben thinks so', 'cora', 'ben' },
      { own.target, own.stance, own.role, own.note, own.author, cur:based_on(own.id) })
    -- its agreed relation to sentence 1 follows at once
    assert.are.equal(2, #cur.gold:records('relation'))
    -- ana's relation from sentence 2 lost its start (rejected): dropped, so decided
    n = cur:counts()
    assert.are.same({ 4, 0 }, { n.resolved, n.pending })
    -- denuclearization-first on sentence 4, as sanctions instead: that place keeps nothing
    assert(cur:own(p[4], 'ben', { label = 'sanctions-favor', target = 'sanctions' }))
    assert.are.equal('rejected', cur:resolved(p[4]))
    assert.are.equal(1, #cur.gold.file.store:find({ target = 'sanctions', stance = 'favor', role = 'premise' }))
    assert(cur:accept(p[4], 'ben'))
    assert.are.equal('dropped', cur:resolved(p[5]))
    n = cur:counts()
    assert.is_true(n.done)
    assert.are.same({ 5, 5, 4 }, { n.resolved, n.disputed, n.in_gold })
    assert(cur:save())
    gold = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/gold/' .. path .. '.stance')))
    assert.are.equal('done', gold:header().status)
    -- decisions stay: a new curation finds them
    local again = assert(C.open(assert(require('stance').open(d)), path))
    assert.are.equal(0, again:apply_agreed())
    assert.is_true(again:counts().done)
    assert.are.equal('ben', again:based_on(own.id))
    assert.are.equal('cora', assert(gold:get(own.id)).author)
    -- gold is not a person: agreement leaves it out, and curation does not compare it
    assert.are.same({ 'ana', 'ben' }, again.names)
  end)

  it('refuses a relation whose ends are not decided, and a document with one annotator', function()
    local d, path = study.curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    local cur = assert(C.open(c, path))
    cur:apply_agreed()
    local rel = cur.disputed[5]
    local ok, err = cur:accept(rel, 'ana')
    assert.is_nil(ok)
    assert.truthy(err:find('decide them first', 1, true), err)
    local _, e2 = C.open(c, '001_6520dcfa8ca08700.txt')
    assert.truthy(e2:find('two annotators or more', 1, true), e2)
  end)

  it('refuses a document while a layer file has errors, saying where, and curates the others when named', function()
    local d, path = study.curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local ann = d .. '/.stance/annotations/'
    -- carl: a third annotator (ana's reading); then ben's file cut short, as a bad pull leaves it
    os.execute(('mkdir -p %s'):format(T.q(ann .. 'carl')))
    T.write(ann .. 'carl/' .. path .. '.stance', (T.read(ann .. 'ana/' .. path .. '.stance'):gsub('annotator ana',
      'annotator carl')))
    local ben = ann .. 'ben/' .. path .. '.stance'
    local whole = T.read(ben)
    local cut = whole:sub(1, 400)
    T.write(ben, cut)
    local problems = select(2, require('stance.core').read(cut))
    local first
    for _, p in ipairs(problems) do
      if p.severity == 'error' and not first then first = p end
    end
    assert(first, 'the cut file has an error')
    local where = ('.stance/annotations/ben/%s.stance:%d:%d: %s'):format(path, first.line, first.col, first.message)
    local c = assert(require('stance').open(d))
    local cur, err, bad = C.open(c, path)
    assert.is_nil(cur)
    assert.truthy(err:find("ben's file has 1 error(s), the first at " .. where, 1, true), err)
    assert.truthy(err:find('or curate without it: only ana,carl', 1, true), err)
    assert.are.same({ 'ana', 'carl' }, bad.others)
    assert.are.equal('ben', bad.unreadable[1].name)
    -- nothing written: no gold, no state
    assert.is_false(T.exists(ann .. 'gold/' .. path .. '.stance'))
    assert.is_false(T.exists(d .. '/.stance/curation/' .. path .. '.json'))
    -- named without ben: curated
    cur = assert(C.open(c, path, { 'ana', 'carl' }))
    assert.are.equal(0, #cur.disputed)
    -- only two annotators, one of them broken: no one to curate without it
    os.execute(('rm -rf %s'):format(T.q(ann .. 'carl')))
    c = assert(require('stance').open(d))
    err = select(2, C.open(c, path))
    assert.truthy(err:find("ben's file has 1 error(s)", 1, true), err)
    assert.is_nil(err:find('curate without', 1, true), err)
    -- gold's own file with errors: refused too (a save would not overwrite it)
    T.write(ben, whole)
    os.execute(('mkdir -p %s'):format(T.q(ann .. 'gold')))
    T.write(ann .. 'gold/' .. path .. '.stance', cut:gsub('annotator ben', 'annotator gold'))
    c = assert(require('stance').open(d))
    err = select(2, C.open(c, path))
    assert.truthy(err:find("gold's file has 1 error(s), the first at .stance/annotations/gold/" .. path, 1, true), err)
  end)

  it('makes the curator the author of what they change, and the annotator of what they take as it was', function()
    local d, path = study.curation()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local c = assert(require('stance').open(d))
    local cur = assert(C.open(c, path, nil, 'cora'))
    cur:apply_agreed()
    -- every agreed record is an annotator's
    for _, kind in ipairs({ 'annotation', 'relation' }) do
      for _, r in ipairs(cur.gold:records(kind)) do
        assert.are.equal('ana', r.author, kind)
      end
    end
    local p = cur.disputed[1] -- the document's stance: favor (ana), against (ben)
    local anas = p.versions.ana[1]
    -- "your own" version that changes nothing is ana's
    assert(cur:own(p, 'ana', { stance = 'favor' }))
    local g = cur.gold:records('doclabel')[1]
    assert.are.same({ 'favor', 'ana', anas.created }, { g.stance, g.author, g.created })
    assert.is_nil(cur:based_on(g.id))
    -- one that changes it is cora's, made now, from ana's
    assert(cur:own(p, 'ana', { stance = 'against' }))
    g = cur.gold:records('doclabel')[1]
    assert.are.same({ 'against', 'cora', 'ana' }, { g.stance, g.author, cur:based_on(g.id) })
    assert.is_string(g.created)
    -- on an annotation: ben's engagement against/premise on sentence 3, as a claim
    local q = cur.disputed[3]
    assert(cur:own(q, 'ben', { label = 'engagement-against', role = 'claim' }))
    local a = cur.gold.file.store:find({ target = 'engagement', role = 'claim', stance = 'against' })[1]
    assert.are.same({ 'cora', 'ben thinks so', 'ben' }, { a.author, a.note, cur:based_on(a.id) })
    -- an accepted version replaces it: ana's, by ana, no longer based on anyone's
    assert(cur:accept(q, 'ana'))
    assert.is_nil(cur:based_on(a.id))
    local kept = cur.gold.file.store:find({ target = 'engagement', role = 'claim', stance = 'favor' })
    for _, r in ipairs(kept) do
      assert.are.equal('ana', r.author)
    end
    assert(cur:save())
    local state = require('stance.json').decode(T.read(d .. '/.stance/curation/' .. path .. '.json'))
    assert.are.same({ [g.id] = 'ana' }, state.based_on)
  end)

  it('counts a layer that arrived (a git pull) after the corpus listed its annotators, in the same process', function()
    local d = T.tmpdir()
    if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
      return pending('../shared is absent: the study cannot be tried')
    end
    local DOC = '000_6358a7516b2472dd.txt'
    os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/%s %s/ && cp %s/study/schema.stance %s/.stance/')
      :format(T.q(d), T.q(T.shared), DOC, T.q(d), T.q(T.shared), T.q(d)))
    local function annotate(c, who, label)
      local doc = assert(c:document(DOC))
      local ss = doc:sentences()
      assert(doc:annotate({ start = ss[2].start, stop = ss[2].stop, label = label, role = 'claim', annotator = who }))
      assert(doc:set_status('done', who))
      assert(c:save())
    end
    -- the long-lived corpus (the editor's) reads ana's and ben's layers, and curates them
    local c = assert(require('stance').open(d))
    annotate(c, 'ana', 'engagement-favor')
    annotate(c, 'ben', 'engagement-favor')
    assert.are.same({ 'ana', 'ben' }, assert(C.open(c, DOC, nil, 'cora')).names)
    assert.are.equal('not-started', assert(c:document(DOC)):status('cy'))
    -- cy's layer arrives from elsewhere
    local other = assert(require('stance').open(d))
    annotate(other, 'cy', 'sanctions-against')
    assert.are.same({ 'ana', 'ben', 'cy' }, c:annotators())
    local cur = assert(C.open(c, DOC, nil, 'cora'))
    assert.are.same({ 'ana', 'ben', 'cy' }, cur.names)
    assert.are.equal('done', assert(c:document(DOC)):status('cy'))
  end)
  it('names the same first error as stance check for a layer with git conflict markers, the marker as its cause',
    function()
      local d, path = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local rel = '.stance/annotations/ben/' .. path .. '.stance'
      local text = assert(T.read(d .. '/' .. rel))
      local span = assert(text:match('\n(  span [%d%-]+\n)'))
      local G = require('helpers.gitconflict')
      local marker = G.make(d, rel, span, '  span 0-1\n', '  span 0-2\n')
      -- stance check: the first line is the record the marker cuts, and says so
      local out = T.stance_run({ 'check' }, nil, d)
      local first = assert(out:match('([^\n]*' .. rel:gsub('%p', '%%%0') .. ':[^\n]*)'))
      local line = assert(tonumber(first:match(':(%d+):1: error: ')))
      assert.is_true(line < marker, first)
      assert.truthy(first:find(('because a git conflict marker cuts its record (line %d: %s)'):format(marker,
        G.MESSAGE), 1, true), first)
      -- curation names that one, with the same words
      local c = assert(require('stance').open(d))
      local cur, err = C.open(c, path, nil, 'cora')
      assert.is_nil(cur)
      local where = first:match('^(.-): error: (.*)$')
      local said = select(2, first:match('^(.-): error: (.*)$'))
      assert.truthy(err:find(('the first at %s: %s'):format(where, said), 1, true), err)
    end)

  it('refuses a curation state file it cannot parse (conflict markers, cut short), FILE:LINE:COL, never writes over it',
    function()
      local d, path = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local c = assert(require('stance').open(d))
      local cur = assert(C.open(c, path, nil, 'cora'))
      cur:reject(cur.disputed[2])
      assert(cur:save())
      local rel = '.stance/curation/' .. path .. '.json'
      local file = d .. '/' .. rel
      local saved = assert(T.read(file))
      assert.truthy(saved:find('"rejected"', 1, true), saved)
      for _, case in ipairs({
        -- what git leaves when two curators' decisions meet (no driver for *.json)
        { '<<<<<<< HEAD\n' .. saved .. '=======\n{"rejected":{"zzz":true},"based_on":{}}\n>>>>>>> theirs\n', 1, 1,
          'unresolved git merge conflict' },
        { saved:sub(1, 16), 1, 16, 'not valid JSON: unterminated string' },
      }) do
        T.write(file, case[1])
        local none, err = C.open(c, path, nil, 'cora')
        assert.is_nil(none)
        assert.truthy(err:find(('^%s:%d:%d: %s'):format(rel:gsub('%p', '%%%0'), case[2], case[3], case[4])), err)
        assert.truthy(err:find('refused until it is fixed', 1, true), err)
        -- a curation opened before the file broke does not write over it either
        local _, serr = cur:save()
        assert.truthy(serr and serr:find(rel, 1, true), serr)
        assert.are.equal(case[1], T.read(file))
        -- stance check names it
        local out, _, code = T.stance_run({ 'check' }, nil, d)
        assert.are.equal(1, code)
        assert.truthy(out:find(('%s:%d:%d: error: %s'):format(rel, case[2], case[3], case[4]), 1, true), out)
      end
      T.write(file, saved)
      assert(C.open(c, path, nil, 'cora'))
    end)

  it('merges its state with what the file has at a save: another curator\'s decisions kept, never written over',
    function()
      local d, path = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local file = d .. '/.stance/curation/' .. path .. '.json'
      local json = require('stance.json')
      local function state() return json.decode(T.read(file)) end
      -- A opens first (a session open across another's save, or a pull through stance merge)
      local a = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
      local b = assert(C.open(assert(require('stance').open(d)), path, nil, 'dan'))
      local k2, k3, k4 = b.disputed[2].key, b.disputed[3].key, b.disputed[4].key
      b:reject(b.disputed[2])
      assert(b:save())
      assert.are.same({ [k2] = true }, state().rejected)
      a:reject(a.disputed[3])
      local ok, said = a:save()
      assert.is_true(ok)
      assert.is_nil(said)
      -- both rejections: the union, in the file and in A's session
      assert.are.same({ [k2] = true, [k3] = true }, state().rejected)
      assert.are.same({ [k2] = true, [k3] = true }, a.state.rejected)
      assert.are.equal('rejected', a:resolved(a.disputed[2]))
      -- B lifts its rejection (takes ana's version); A, which has it now, does not bring it back
      b = assert(C.open(assert(require('stance').open(d)), path, nil, 'dan'))
      assert(b:accept(b.disputed[2], 'ana'))
      assert(b:save())
      a:reject(a.disputed[4])
      assert(a:save())
      assert.are.same({ [k3] = true, [k4] = true }, state().rejected)
      -- a script rewrote the file meanwhile (the same gold record from another version): ours
      -- kept, the conflict said
      local p = a.disputed[1] -- the document's stance toward engagement
      assert(a:own(p, 'ana', { stance = 'against' }))
      local id = next(a.state.based_on)
      assert.truthy(id)
      local other = state()
      other.based_on[id] = 'ben'
      other.rejected.zzz = true
      T.write(file, json.encode(other) .. '\n')
      ok, said = a:save()
      assert.is_true(ok)
      assert.truthy(said and said:find('1 conflict(s)', 1, true) and said:find('based_on ' .. id, 1, true), said)
      local now = state()
      assert.are.equal('ana', now.based_on[id])
      assert.is_true(now.rejected.zzz)
      assert.are.same(now, a.state)
    end)

  -- tryout15 #9: the study's rule: a sentence an annotator in progress has not annotated is
  -- not "no stance" yet (they may not have read it)
  it('keeps gold in progress while an annotator is in progress, nothing left to decide; the curator may mark it done',
    function()
      local d, path = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local function ana(status)
        local c = assert(require('stance').open(d))
        assert(assert(c:document(path)):set_status(status, 'ana'))
        assert(c:save())
        return assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
      end
      local cur = ana('in-progress')
      cur:apply_agreed()
      -- the curator may not mark done what is left to decide
      local ok, err = cur:mark('done')
      assert.is_nil(ok)
      assert.truthy(err:find('6 place(s) left to decide', 1, true), err) -- 5 disputed, 1 agreed relation
      for _, p in ipairs(cur.disputed) do
        cur:reject(p)
      end
      assert.is_true(cur:counts().done)
      assert.are.same({ 'in-progress', 'waiting' }, { cur:gold_status() })
      assert.are.same({ 'ana' }, cur:not_done())
      assert(cur:save())
      local function status()
        local g = assert(require('stance.core').read(T.read(d .. '/.stance/annotations/gold/' .. path .. '.stance')))
        return g:header().status
      end
      assert.are.equal('in-progress', status())
      -- ana finishes: the next opening marks it done (nothing left, everyone done)
      cur = ana('done')
      assert.are.same({ 'done', 'annotators-done' }, { cur:gold_status() })
      assert(cur:save())
      assert.are.equal('done', status())
      -- ana back in progress: a done gold stays done (the curation finished); the curator's
      -- word takes it back, and gives it again
      cur = ana('in-progress')
      assert.are.same({ 'done', 'kept' }, { cur:gold_status() })
      -- said by stance check (and report, :Stance progress): no curator's word for it
      local stale = require('stance.curation_stale')
      local st = stale.of(assert(require('stance').open(d)), path)
      assert.are.same({ 0, { 'ana' } }, { st.undecided, st.not_done })
      local out = T.stance_run({ 'check' }, nil, d)
      assert.truthy(out:find(('gold is marked done, but ana not done with %s and no curator said so'):format(path), 1,
        true), out)
      T.stance_run({ 'report', '--no-model' }, nil, d)
      assert.truthy(T.read(d .. '/.stance/report/report.html'):find('gold, done, ana not done', 1, true))
      assert(cur:mark('in-progress'))
      assert(cur:save())
      assert.are.equal('in-progress', status())
      assert(cur:mark('done'))
      assert(cur:save())
      assert.are.equal('done', status())
      -- the curator's word, kept in the state file: nothing to say any more
      assert.is_nil(stale.of(assert(require('stance').open(d)), path))
      assert.are.equal('cora', require('stance.json').decode(T.read(d .. '/.stance/curation/' .. path .. '.json')).done_by)
    end)

  -- tryout15 #11: an annotator's layer changed after the curation
  it('takes a gold no curation made (no state file: imported, a script) at its word: nothing said of its places',
    function()
      local d, path, s = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      -- a gold written by a script: one annotation, marked done; ana and ben (done) disagree elsewhere
      local c = assert(require('stance').open(d))
      local doc = assert(c:document(path))
      assert(doc:annotate({ start = s[1].start, stop = s[1].stop, label = 'engagement-favor', role = 'claim',
        annotator = 'gold' }))
      assert(doc:set_status('done', 'gold'))
      assert(c:save())
      assert.is_nil(require('stance.curation_stale').of(assert(require('stance').open(d)), path))
      local out = T.stance_run({ 'check' }, nil, d)
      assert.falsy(out:find('gold is marked done', 1, true), out)
      -- with an annotator in progress, that is said all the same (what they have not read is no "no stance")
      c = assert(require('stance').open(d))
      assert(assert(c:document(path)):set_status('in-progress', 'ben'))
      assert(c:save())
      local st = require('stance.curation_stale').of(assert(require('stance').open(d)), path)
      assert.are.same({ 'ben' }, st and st.not_done)
      assert.are.equal(0, st.undecided)
    end)

  it('says a gold marked done with places left since (check at its status line, report); the first decision sets it in progress',
    function()
      local d, path, s = study.curation()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
      cur:apply_agreed()
      for _, p in ipairs(cur.disputed) do
        cur:reject(p)
      end
      assert(cur:save())
      local gold_file = d .. '/.stance/annotations/gold/' .. path .. '.stance'
      local function status()
        return assert(require('stance.core').read(T.read(gold_file))):header().status
      end
      assert.are.equal('done', status())
      local stale = require('stance.curation_stale')
      assert.is_nil(stale.of(assert(require('stance').open(d)), path))
      local out, err = T.stance_run({ 'check' }, nil, d)
      assert.truthy(err:find('0 errors, 1 warning', 1, true), err) -- ben's orphan
      assert.falsy(out:find('gold is marked done', 1, true), out)
      -- ben adds a stance on sentences 5 and 6 afterwards
      local c = assert(require('stance').open(d))
      for _, i in ipairs({ 5, 6 }) do
        assert(assert(c:document(path)):annotate({ start = s[i].start, stop = s[i].stop, label = 'sanctions-favor',
          role = 'premise', annotator = 'ben' }))
      end
      assert(c:save())
      local st = stale.of(assert(require('stance').open(d)), path)
      -- only ben's layer changed: only ben is named (before: "a layer of ana, ben")
      assert.are.same({ path = path, undecided = 2, names = { 'ana', 'ben' }, not_done = {}, changed = { 'ben' } }, st)
      -- stance check: a warning at gold's status line, FILE:LINE:COL
      local line
      local n = 0
      for l in T.read(gold_file):gmatch('([^\n]*)\n') do
        n = n + 1
        if not line and l:match('^%s*status done$') then line = n end
      end
      out, err = T.stance_run({ 'check' }, nil, d)
      assert.truthy(out:find(('.stance/annotations/gold/%s.stance:%d:3: warning: gold is marked done, but 2 place(s)'
        .. ' are undecided: a layer of ben changed after the curation;'):format(path, line), 1, true), out)
      assert.truthy(err:find('0 errors, 2 warnings', 1, true), err)
      -- stance report: said on stderr, and on the page's row
      local _, rerr = T.stance_run({ 'report', '--no-model' }, nil, d)
      assert.truthy(rerr:find(('gold of %s is marked done, but 2 place(s) are undecided'):format(path), 1, true), rerr)
      local page = T.read(d .. '/.stance/report/report.html')
      assert.truthy(page:find('gold, done, 2 place(s) undecided since', 1, true))
      -- the curation: still done when it opens (nothing decided yet), in progress at the
      -- first decision, done again when the last is decided (the annotators are done)
      cur = assert(C.open(assert(require('stance').open(d)), path, nil, 'cora'))
      assert.are.same({ 'done', 'stale' }, { cur:gold_status() })
      cur:apply_agreed()
      assert(cur:save())
      assert.are.equal('done', status())
      local open = {}
      for _, p in ipairs(cur.disputed) do
        if not cur:resolved(p) then open[#open + 1] = p end
      end
      assert.are.equal(2, #open)
      assert(cur:accept(open[1], 'ben'))
      assert.are.same({ 'in-progress', 'open' }, { cur:gold_status() })
      assert(cur:save())
      assert.are.equal('in-progress', status())
      assert(cur:reject(open[2]) == nil)
      assert.are.same({ 'done', 'annotators-done' }, { cur:gold_status() })
      assert(cur:save())
      assert.are.equal('done', status())
      assert.is_nil(stale.of(assert(require('stance').open(d)), path))
    end)
end)
