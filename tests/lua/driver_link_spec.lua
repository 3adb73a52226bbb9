-- `stance merge` and `stance diff` (git's merge and diff drivers) and an annotation file
-- reached through a link below .stance/annotations/NAME/ (ana's folder `sub` a link to ben's,
-- ana's file of another document a link to ben's file): named on the command line, neither
-- is read nor written through (exit 2, the link and where it leads said as `stance check`
-- says it; ben's file untouched), as by every other command (stance.layer_link). As git runs
-- them they never get such a path: git passes its own temporary files to the merge driver,
-- and /dev/null to the diff driver for a file beyond a link (tried here).
local T = require('helpers')
local unpack_ = rawget(table, 'unpack') or rawget(_G, 'unpack')

local DOC = 'The charge works. Traffic fell by a fifth. Buses run on time. Shops did not empty.\n'
local BEN = '.stance/annotations/ben/sub/doc.txt.stance'
local VIA_FOLDER = '.stance/annotations/ana/sub/doc.txt.stance' -- ana/sub -> ../ben/sub
local VIA_FILE = '.stance/annotations/ana/other.txt.stance' -- -> ../ben/sub/doc.txt.stance

local FOLDER_SAID = VIA_FOLDER .. ':1:1: in .stance/annotations/ana/sub, a link to .stance/annotations/ben/sub: '
  .. "a layer's folders must be its own; nothing in it read as ana's nor written through"
local FILE_SAID = VIA_FILE .. ':1:1: a link to .stance/annotations/ben/sub/doc.txt.stance: a layer must be a file '
  .. "of its own; never read as ana's nor written through"

local function layer(who, doc, role)
  return ('format stance 1\n\ndocument "%s"\n  annotator %s\n\nannotation a1\n  span 0-17\n  label favor\n'
    .. '  role %s\n'):format(doc, who, role)
end

--- A corpus with ben's layer on sub/doc.txt and ana's links to it.
local function corpus()
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/sub %s/.stance/annotations/ben/sub %s/.stance/annotations/ana'):format(T.q(d), T.q(d),
    T.q(d)))
  T.write(d .. '/.stance/schema.stance', 'format stance 1\nstance favor\nrole claim\nrole premise\nlabel favor\n')
  T.write(d .. '/sub/doc.txt', DOC)
  T.write(d .. '/other.txt', DOC)
  T.write(d .. '/' .. BEN, layer('ben', 'sub/doc.txt', 'claim'))
  os.execute(('ln -s ../ben/sub %s && ln -s ../ben/sub/doc.txt.stance %s'):format(
    T.q(d .. '/.stance/annotations/ana/sub'), T.q(d .. '/' .. VIA_FILE)))
  T.write(d .. '/base.stance', layer('ben', 'sub/doc.txt', 'claim'))
  T.write(d .. '/theirs.stance', layer('ben', 'sub/doc.txt', 'premise'))
  return d
end

local function git(dir, args)
  return T.run(('git -C %s %s'):format(T.q(dir), args))
end

describe('the merge and diff drivers and a link below an annotator\'s folder', function()
  after_each(T.cleanup)

  it('stance merge neither reads nor writes through one: exit 2, said, ben\'s file untouched', function()
    local d = corpus()
    local before = T.read(d .. '/' .. BEN)
    for _, case in ipairs({
      { { 'base.stance', VIA_FOLDER, 'theirs.stance' }, FOLDER_SAID }, -- OURS, written over
      { { 'base.stance', VIA_FILE, 'theirs.stance' }, FILE_SAID },
      { { 'base.stance', 'base.stance', VIA_FOLDER }, FOLDER_SAID }, -- THEIRS, read
      { { VIA_FILE, 'base.stance', 'theirs.stance' }, FILE_SAID }, -- BASE, read
    }) do
      local out, err, code = T.stance_run({ 'merge', unpack_(case[1]) }, nil, d)
      assert.are.equal(2, code, out .. err)
      assert.are.equal('stance merge: ' .. case[2] .. '; not merged\n', err)
      assert.are.equal(before, T.read(d .. '/' .. BEN))
    end
    -- (the same merge into ben's own file: merged)
    local _, err, code = T.stance_run({ 'merge', 'base.stance', BEN, 'theirs.stance' }, nil, d)
    assert.are.equal(0, code, err)
    assert.truthy(T.read(d .. '/' .. BEN):find('role premise', 1, true))
  end)

  it('stance diff does not read through one: exit 2 alone, "not compared" under git (exit 0)', function()
    local d = corpus()
    for _, case in ipairs({ { VIA_FOLDER, FOLDER_SAID }, { VIA_FILE, FILE_SAID } }) do
      local out, err, code = T.stance_run({ 'diff', 'theirs.stance', case[1] }, nil, d)
      assert.are.equal(2, code, out .. err)
      assert.are.equal('', out)
      assert.are.equal('stance diff: ' .. case[2] .. '\n', err)
      -- git's seven arguments
      out, err, code = T.stance_run({ 'diff', case[1], 'theirs.stance', '0000', '100644', case[1], '0000', '100644' },
        nil, d)
      assert.are.equal(0, code, err)
      assert.are.equal(('stance diff %s: not compared: %s\n'):format(case[1], case[2]), out)
    end
    -- ben's own file: compared
    local out, _, code = T.stance_run({ 'diff', 'theirs.stance', BEN }, nil, d)
    assert.are.equal(1, code)
    assert.truthy(out:find('role premise -> claim', 1, true), out)
  end)

  it('as git runs the diff driver: a file beyond a link is /dev/null to it, never read through the link',
    function()
      if not (T.run('git --version')):find('git version', 1, true) then return pending('no git') end
      local d = corpus()
      os.remove(d .. '/' .. VIA_FILE)
      os.remove(d .. '/.stance/annotations/ana/sub')
      -- ana's own folder sub with her own file, committed
      os.execute('mkdir -p ' .. T.q(d .. '/.stance/annotations/ana/sub'))
      T.write(d .. '/' .. VIA_FOLDER, layer('ana', 'sub/doc.txt', 'premise'))
      git(d, 'init -q -b main')
      git(d, 'config user.email t@example.org')
      git(d, 'config user.name tester')
      local _, err, code = T.run(('cd %s && %s init --git .'):format(T.q(d), T.q(T.stance)))
      assert.are.equal(0, code, err)
      git(d, 'add -A')
      git(d, 'commit -q -m base')
      -- in the worktree, ana's folder replaced by a link to ben's
      os.execute(('rm -r %s && ln -s ../ben/sub %s'):format(T.q(d .. '/.stance/annotations/ana/sub'),
        T.q(d .. '/.stance/annotations/ana/sub')))
      local out
      out, err, code = git(d, 'diff')
      assert.are.equal(0, code, err)
      -- her annotation gone (the driver got /dev/null), not ben's read as hers
      assert.truthy(out:find('stance diff ' .. VIA_FOLDER .. '\n- annotation a1 favor', 1, true), out)
      assert.falsy(out:find('not compared', 1, true), out)
    end)
end)
