-- Who annotates when nothing sets it: git's user.name as git reads it in the corpus's
-- folder, and the source says from which file (the global one in a folder that is in no
-- repository); a name with blanks is a layer like any other.
local T = require('helpers')

--- whoami.source(root) in a `stance run` with HOME = `home` and no system config.
local function source(home, root)
  local script = T.tmpdir() .. '/who.lua'
  T.write(script, "local n, s = require('stance.whoami').source(arg[1]) print(n) print(s)\n")
  local out, err, code = T.run(('cd %s && HOME=%s GIT_CONFIG_NOSYSTEM=1 STANCE_ANNOTATOR= %s run %s %s'):format(
    T.q(root), T.q(home), T.q(T.stance), T.q(script), T.q(root)))
  assert.are.equal(0, code, err)
  return T.lines(out:gsub('\n$', ''))
end

describe('the annotator\'s name', function()
  it('comes from the global git config in a corpus in no repository, and says so', function()
    local home, d = T.tmpdir(), T.tmpdir()
    T.write(home .. '/.gitconfig', '[user]\n\tname = Ana Lopez\n')
    assert.are.same({ 'Ana Lopez', 'your global git user.name (~/.gitconfig)' }, source(home, d))
    -- the corpus's repository's own name wins
    assert(T.run(('git -C %s init -q && git -C %s config user.name "Corpus Person"'):format(T.q(d), T.q(d))))
    assert.are.same({ 'Corpus Person', "the corpus's git user.name" }, source(home, d))
  end)

  it('may hold blanks: its layer is exported, counted and imported under that name', function()
    local d = T.tmpdir()
    os.execute('mkdir -p ' .. T.q(d .. '/.stance'))
    T.write(d .. '/.stance/schema.stance', 'format stance 1\ntarget tax\nstance favor\nstance against\n'
      .. 'label tax-favor\n  target tax\n  stance favor\n')
    T.write(d .. '/a.txt', 'Taxes are good. Taxes fund schools.\n')
    local c = assert(require('stance').open(d))
    local doc = c:document('a.txt')
    for _, who in ipairs({ 'Ana Lopez', 'ben' }) do
      assert(doc:annotate({ start = 0, stop = 15, label = 'tax-favor', annotator = who }))
      assert(doc:set_status('done', who))
    end
    assert(c:save())
    assert.truthy(T.read(d .. '/.stance/annotations/Ana Lopez/a.txt.stance'):find('annotator "Ana Lopez"', 1, true))
    local function stance(args)
      return T.run(('cd %s && %s %s'):format(T.q(d), T.q(T.stance), args))
    end
    local out, err, code = stance('check')
    assert.are.equal(0, code, out .. err)
    out, err, code = stance("export --to csv --annotator 'Ana Lopez'")
    assert.are.equal(0, code, err)
    assert.truthy(out:find('\na.txt,Ana Lopez,', 1, true), out)
    out, err, code = stance("agree --annotators 'Ana Lopez,ben'")
    assert.are.equal(0, code, out .. err)
    assert.truthy(out:find('agreement of Ana Lopez, ben', 1, true), out)
    local dst = T.tmpdir() .. '/brat'
    out, err, code = stance("export --to brat --annotator 'Ana Lopez' " .. T.q(dst))
    assert.are.equal(0, code, out .. err)
    assert.are.equal('document\tlayer\tstatus\na.txt\tAna Lopez\tdone\n', T.read(dst .. '/stance-status.tsv'))
    out, err, code = stance("export --to w3c --annotator 'Ana Lopez' --output " .. T.q(dst .. '.json'))
    assert.are.equal(0, code, out .. err)
    local e = T.tmpdir()
    os.execute(('cp -r %s/.stance %s/a.txt %s/'):format(T.q(d), T.q(d), T.q(e)))
    os.execute('rm -rf ' .. T.q(e .. '/.stance/annotations'))
    out, err, code = T.run(('cd %s && %s import --from w3c %s'):format(T.q(e), T.q(T.stance), T.q(dst .. '.json')))
    assert.are.equal(0, code, out .. err)
    assert.truthy(T.read(e .. '/.stance/annotations/Ana Lopez/a.txt.stance'):find('status done', 1, true))
  end)

  it('refuses model and gold (the layers of the suggestions and of the curation), saying how to choose', function()
    local home, d = T.tmpdir(), T.tmpdir()
    T.write(home .. '/.gitconfig', '[user]\n\tname = model\n')
    local got = source(home, d)
    assert.are.equal('nil', got[1])
    assert.truthy(got[2]:find('"model" (from your global git user.name (~/.gitconfig)) is reserved', 1, true), got[2])
    assert.truthy(got[2]:find("the model's suggestions", 1, true), got[2])
    assert.truthy(got[2]:find('$STANCE_ANNOTATOR, setup{annotator = "..."}', 1, true), got[2])
    assert(T.run(('git -C %s init -q && git -C %s config user.name Gold'):format(T.q(d), T.q(d))))
    got = source(home, d)
    assert.are.equal('nil', got[1])
    assert.truthy(got[2]:find('"Gold" (from the corpus\'s git user.name) is reserved: the layer gold holds the curation',
      1, true), got[2])
    -- another name set on purpose wins, and is taken
    local script = T.tmpdir() .. '/who.lua'
    T.write(script, "print(require('stance.whoami').name(arg[1]))\n")
    local out, err, code = T.run(('cd %s && HOME=%s STANCE_ANNOTATOR=ana %s run %s %s'):format(T.q(d), T.q(home),
      T.q(T.stance), T.q(script), T.q(d)))
    assert.are.equal(0, code, err)
    assert.are.equal('ana\n', out)
    -- $STANCE_ANNOTATOR=model too; a script writing in its own layer stops with the reason
    os.execute('mkdir -p ' .. T.q(d .. '/.stance'))
    T.write(d .. '/.stance/schema.stance', 'format stance 1\ntarget tax\nstance favor\nstance against\n'
      .. 'label tax-favor\n  target tax\n  stance favor\n')
    T.write(d .. '/a.txt', 'Taxes are good. Taxes fund schools.\n')
    T.write(script, "local c = assert(require('stance').open(arg[1]))\n"
      .. "assert(c:document('a.txt'):annotate({ start = 0, stop = 15, label = 'tax-favor' }))\nassert(c:save())\n")
    out, err, code = T.run(('cd %s && HOME=%s STANCE_ANNOTATOR=model %s run %s %s'):format(T.q(d), T.q(home),
      T.q(T.stance), T.q(script), T.q(d)))
    assert.are_not.equal(0, code, out .. err)
    assert.truthy(err:find('"model" (from $STANCE_ANNOTATOR) is reserved', 1, true), err)
    assert.falsy(T.exists(d .. '/.stance/annotations/model/a.txt.stance'))
  end)

  it('is git\'s plain user.name where git knows no --show-origin (before 2.8)', function()
    local home, d, bin = T.tmpdir(), T.tmpdir(), T.tmpdir()
    -- an old git: --show-origin is an unknown option (status 129)
    T.write(bin .. '/git', '#!/bin/sh\nfor a in "$@"; do [ "$a" = --show-origin ] && { echo "error: unknown option'
      .. ' show-origin" >&2; exit 129; }; done\necho "Old Git Person"\n')
    os.execute('chmod +x ' .. T.q(bin .. '/git'))
    local script = T.tmpdir() .. '/who.lua'
    T.write(script, "local n, s = require('stance.whoami').source(arg[1]) print(n) print(s)\n")
    local out, err, code = T.run(('cd %s && PATH=%s:"$PATH" HOME=%s STANCE_ANNOTATOR= %s run %s %s'):format(T.q(d),
      T.q(bin), T.q(home), T.q(T.stance), T.q(script), T.q(d)))
    assert.are.equal(0, code, err)
    assert.are.same({ 'Old Git Person', 'git config user.name' }, T.lines(out:gsub('\n$', '')))
  end)
end)

