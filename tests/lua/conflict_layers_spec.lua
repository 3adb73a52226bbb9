-- A layer file that still holds records of an unresolved merge conflict (`conflict ours` /
-- `conflict theirs`, doc/format.md 7) is not its annotator's word yet: stance agree and
-- stance report leave that annotator out of that document (as for a file with errors: never
-- "no stance" where the conflict is), name the file and why, and exit 3; the model, stance
-- eval and stance suggest learn nothing from it, say so, and exit 3. On the study (STANCE_SHARED),
-- annotated by two people with a fixed plan (helpers.study_layers).
local T = require('helpers')
local core = require('stance.core')
local json = require('stance.json')
local study = require('helpers.study_layers')

--- Put a conflict into `file`: its first annotation with a stance kept twice, `conflict ours`
--- as it was and `conflict theirs` with the other stance.
local function conflict(file)
  local s = assert(core.read(assert(T.read(file))))
  local rec
  for _, r in ipairs(s:records('annotation')) do
    if r.stance then
      rec = r
      break
    end
  end
  assert(rec, 'an annotation with a stance')
  assert(s:remove(rec.id))
  rec.conflict = 'ours'
  assert(s:add(rec))
  local label, stance = rec.label, rec.stance
  rec.conflict, rec.label, rec.stance = 'theirs', nil, stance == 'favor' and 'against' or 'favor'
  rec.label = label:gsub(stance .. '$', rec.stance)
  assert(s:add(rec))
  T.write(file, s:write())
  return rec.id
end

--- A copy of the corpus `d` without the file `rel` (what the figures and exports must be).
local function without(d, rel)
  local ref = T.tmpdir()
  os.execute(('cp -r %s/. %s/'):format(T.q(d), T.q(ref)))
  os.remove(ref .. '/' .. rel)
  return ref
end

describe('a layer holding an unresolved merge conflict', function()
  after_each(T.cleanup)

  it('is left out of agreement (the figures as without it), named with file:line:col, and agree exits 3',
    function()
      local d, paths = study.make()
      if not d then return pending('../shared is absent: the study cannot be tried') end
      local rel = '.stance/annotations/ben/' .. paths[1] .. '.stance'
      -- the same corpus without ben's file of the first document: the figures it must give
      local ref = without(d, rel)
      local want = json.decode((T.stance_run({ 'agree', '--json' }, nil, ref)))
      local id = conflict(d .. '/' .. rel)
      local out, err, code = T.stance_run({ 'agree', '--json' }, nil, d)
      assert.are.equal(3, code, err)
      local r = json.decode(out)
      assert.are.equal(1, #r.incomplete)
      assert.are.equal('ben', r.incomplete[1].annotator)
      assert.are.equal(paths[1], r.incomplete[1].path)
      assert.truthy(r.incomplete[1].where:find(rel:gsub('%p', '%%%0') .. ':%d+:1: annotation ' .. id
        .. " is in conflict %(the 'ours' version of a merge%)"), r.incomplete[1].where)
      assert.are.same(want.fields, r.fields)
      for _, e in ipairs(r.documents) do
        if e.path == paths[1] then
          assert.truthy(e.left_out:find("ben's file holds an unresolved merge conflict", 1, true), e.left_out)
          assert.truthy(e.warnings[1]:find("ben's file holds 2 record(s) in an unresolved merge conflict", 1, true),
            e.warnings[1])
        end
      end
      out, err, code = T.stance_run({ 'agree' }, nil, d)
      assert.are.equal(3, code)
      assert.truthy(out:find('INCOMPLETE: 1 annotation file(s) with errors or unresolved merge conflicts', 1, true),
        out)
      assert.truthy(err:find('stance agree: incomplete: ben left out of ' .. paths[1] .. ': ' .. rel .. ':', 1, true),
        err)
      -- --unit span too
      local _, serr, scode = T.stance_run({ 'agree', '--unit', 'span' }, nil, d)
      assert.are.equal(3, scode, serr)
    end)

  it('counts in no figure of stance report, which says the file and exits 3', function()
    local d, paths = study.make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local rel = '.stance/annotations/ana/' .. paths[2] .. '.stance'
    conflict(d .. '/' .. rel)
    local _, err, code = T.stance_run({ 'report', '--no-model' }, nil, d)
    assert.are.equal(3, code, err)
    assert.truthy(err:find("stance report: ana's file holds 2 record(s) in an unresolved merge conflict"
      .. ' (resolve it: keep one version), the first at ' .. rel .. ':', 1, true), err)
    assert.truthy(err:find('left out of ' .. paths[2] .. ': none of it counted', 1, true), err)
    assert.truthy(err:find('stance report: agreement incomplete: ana left out of ' .. paths[2], 1, true), err)
    local page = assert(T.read(d .. '/.stance/report/report.html'))
    assert.truthy(page:find('LEFT OUT: 1 annotation file(s) with unresolved merge conflicts count in no figure', 1,
      true))
    assert.truthy(page:find('INCOMPLETE: 1 annotation file(s) with errors or unresolved merge conflicts', 1, true))
  end)

  it('teaches the model nothing: stance eval and stance suggest learn as without the file, and say it', function()
    local fixture = require('helpers.study')
    local d = fixture.annotated('none')
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local doc = '001_6520dcfa8ca08700.txt'
    local rel = '.stance/annotations/fixture/' .. doc .. '.stance'
    local ref = without(d, rel)
    local want = T.stance_run({ 'eval' }, nil, ref)
    local id = conflict(d .. '/' .. rel)
    local out, err, code = T.stance_run({ 'eval' }, nil, d)
    assert.are.equal(3, code, err) -- figures without a file: not complete ones
    -- the examples learnt per target, as without the file (the document, without labels,
    -- still takes a fold: the figures may move, as for a file with errors)
    local function examples(text)
      local list = {}
      for l in text:gmatch('\n(%S+ %(none %d+, [^;]+);') do
        list[#list + 1] = l
      end
      return list
    end
    assert.are.equal(4, #examples(want), want)
    assert.are.same(examples(want), examples(out))
    local said = "fixture's file holds 2 record(s) in an unresolved merge conflict (resolve it: keep one version),"
      .. ' the first at ' .. rel .. ':'
    assert.truthy(err:find('stance eval: ' .. said, 1, true), err)
    assert.truthy(err:find(": annotation " .. id .. " is in conflict (the 'ours' version of a merge): keep one"
      .. ' version, delete the other (a version alone: the other side deleted it; keep it or delete it); left out of '
      .. doc .. ': none of it learnt', 1, true), err)
    -- suggestions: the model layer written as without the file (the document itself gets some)
    local _, rerr, rcode = T.stance_run({ 'suggest' }, nil, ref)
    assert.are.equal(0, rcode, rerr)
    local sout, serr, scode = T.stance_run({ 'suggest' }, nil, d)
    assert.are.equal(3, scode, serr) -- written, but learnt without a file
    assert.truthy(serr:find('stance suggest: ' .. said, 1, true), serr)
    local function layer_of(root)
      local list = {}
      for _, f in ipairs({ '000_6358a7516b2472dd.txt', '001_6520dcfa8ca08700.txt', '002_c6bce5e05bd0fd45.txt',
        '003_7e305a588b2246b7.txt', '004_e35aa5ebcc029514.txt' }) do
        local path = root .. '/.stance/annotations/model/' .. f .. '.stance'
        local s = T.exists(path) and core.read(T.read(path))
        for _, r in ipairs(s and s:records('annotation') or {}) do
          list[#list + 1] = ('%s %d %s %s %s'):format(f, r.spans[1][1], r.target, r.stance, r.confidence)
        end
      end
      table.sort(list) -- (records of one sentence are in the order of their random IDs)
      return list
    end
    assert.truthy(#layer_of(ref) > 0, sout)
    assert.are.same(layer_of(ref), layer_of(d), sout)
  end)
  it('is in no export nor in stance stats: left out whole, said at its first record in conflict, exit 1', function()
    local d, paths = study.make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local rel = '.stance/annotations/ben/' .. paths[1] .. '.stance'
    -- the corpus without ben's file of the first document: what every export must hold
    local ref = without(d, rel)
    local id = conflict(d .. '/' .. rel)
    local said = rel .. ':%d+:%d+: warning: annotation ' .. id .. " is in conflict %(the 'ours' version of a merge%):"
      .. ' keep one version, delete the other %(a version alone: the other side deleted it; keep it or delete it%);'
      .. " ben's file holds 2 record%(s%) in an unresolved merge conflict %(resolve"
      .. ' it: keep one version%): left out of ' .. paths[1]:gsub('%p', '%%%0') .. ', none of it '
    for _, args in ipairs({ { 'export', '--to', 'csv' }, { 'export', '--to', 'jsonl' },
      { 'export', '--to', 'csv', '--unit', 'sentence' }, { 'export', '--to', 'jsonl', '--unit', 'sentence-target' },
      { 'export', '--to', 'w3c' }, { 'stats', '--json' }, { 'stats' } }) do
      local want, werr, wcode = T.stance_run(args, nil, ref)
      assert.are.equal(0, wcode, werr)
      local out, err, code = T.stance_run(args, nil, d)
      local what = table.concat(args, ' ')
      assert.are.equal(1, code, what .. ': ' .. err) -- the old code: 0, both versions in
      assert.truthy(err:find(said .. (args[1] == 'stats' and 'counted' or 'exported')), what .. ': ' .. err)
      assert.falsy(out:find(id, 1, true), what)
      if args[3] ~= 'w3c' then assert.is_true(want == out, what) end -- (w3c: the collection's label is the folder's)
    end
    -- brat: the document's .ann without ben's annotations
    local function brat(dir)
      local to = T.tmpdir()
      local _, err, code = T.stance_run({ 'export', '--to', 'brat', '--annotator', 'ben', to }, nil, dir)
      return to, err, code
    end
    local wto = brat(ref)
    local to, err, code = brat(d)
    assert.are.equal(1, code, err)
    assert.truthy(err:find(said .. 'exported'), err)
    -- the same files with the same bytes as without ben's file of the document (the old code
    -- wrote both versions into its .ann)
    local function files(dir)
      local list = {}
      local p = io.popen(('cd %s && find . -type f | sort'):format(T.q(dir)))
      for f in p:lines() do
        local bytes = T.read(dir .. '/' .. f)
        list[#list + 1] = f .. ' ' .. #bytes .. ' ' .. (bytes:find(id, 1, true) and 'conflict' or '')
      end
      p:close()
      return list
    end
    assert.truthy(#files(wto) > 0)
    assert.are.same(files(wto), files(to))
  end)
  it('is said once to a stance run script that reads it, which gets both versions marked, and exits 1', function()
    local d, paths = study.make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    local rel = '.stance/annotations/ben/' .. paths[1] .. '.stance'
    local id = conflict(d .. '/' .. rel)
    local script = ([[
local c = assert(stance.open('.'))
local doc = assert(c:document(%q))
for _ = 1, 2 do -- read twice: said once
  for _, a in ipairs(doc:annotations({ annotator = 'ben' })) do
    if a.id == %q then print(a.id, a.stance, a.conflict) end
  end
end
%%s
]]):format(paths[1], id)
    T.write(d .. '/s.lua', script:format(''))
    local out, err, code = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, code, err) -- the old code: 0, nothing said
    local said = "ben's file holds 2 record(s) in an unresolved merge conflict (resolve it: keep one version), the first"
      .. ' at ' .. rel .. ':'
    assert.are.equal(1, select(2, err:gsub(said:gsub('%p', '%%%0'), '')), err)
    assert.truthy(err:find('; its annotations of ' .. paths[1] .. ' come as both versions, each with its `conflict`\n',
      1, true), err)
    assert.truthy(err:find('stance run: 1 layer file(s) with errors or an unresolved merge conflict met', 1, true), err)
    assert.are.equal(2, select(2, out:gsub('\tours\n', '')), out)
    assert.are.equal(2, select(2, out:gsub('\ttheirs\n', '')), out)
    -- a script that returns its status has handled them
    T.write(d .. '/s.lua', script:format('return 0'))
    local _, err2, code2 = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code2, err2)
    assert.truthy(err2:find(said, 1, true), err2)
  end)
end)
