-- Names from the data on the command line (adversary15 #3, #6): a committed file name with an
-- escape sequence and a line end is said escaped by every command that names it (fmt,
-- report, eval, suggest as check, stats, agree and search did), through stance.cli.say; and
-- names that read alike (a trailing blank, a zero-width space, a right-to-left override) are
-- shown apart.
local T = require('helpers')

local TEXT = 'The charge works. Traffic fell by a fifth. Buses run on time. The council should keep it.\n'
local EVIL = 'evil\27[2J\nx.txt'
local SHOWN = 'evil\\x1b[2J\\nx.txt'

local function layer(document, stance, extra)
  return ('format stance 1\n\ndocument "%s"\n  annotator ana\n  status done\n\nannotation a1\n  span 0-17\n'
    .. '  label claim\n  stance %s\n  target t\n\nannotation a2\n  span 18-42\n  label claim\n  stance against\n'
    .. '  target t\n%s'):format(document, stance, extra or '')
end

--- A corpus with two documents annotated by ana and a third, named EVIL, whose layer file has
--- one error (so that each command names it).
local function corpus()
  local root = T.tmpdir() .. '/c'
  local _, err, code = T.stance_run({ 'init', root })
  assert(code == 0, err)
  T.write(root .. '/.stance/schema.stance', 'format stance 1\n\ntarget t\nstance favor\nstance against\nlabel claim\n')
  for _, name in ipairs({ 'a.txt', 'b.txt', EVIL }) do
    T.write(root .. '/' .. name, TEXT)
  end
  T.write(root .. '/.stance/annotations/ana/a.txt.stance', layer('a.txt', 'favor'))
  T.write(root .. '/.stance/annotations/ana/b.txt.stance', layer('b.txt', 'against'))
  T.write(root .. '/.stance/annotations/ana/' .. EVIL .. '.stance',
    layer('evil\\x1b[2J\\nx.txt', 'favor', '\ngarbage\n'))
  return root
end

describe('a file name with an escape and a line end', function()
  after_each(T.cleanup)

  for _, args in ipairs({ { 'fmt' }, { 'fmt', '--check' }, { 'report' }, { 'eval', '--folds', '2' }, { 'suggest' } }) do
    it('is said escaped by stance ' .. table.concat(args, ' '), function()
      local root = corpus()
      local out, err = T.stance_run(args, nil, root)
      assert.falsy(err:find('\27', 1, true), err)
      assert.falsy(out:find('\27', 1, true), out)
      assert.truthy(err:find(SHOWN, 1, true), err)
      -- each line of stderr is one message of the command: none split by the name's line end
      for line in err:gmatch('[^\n]+') do
        assert.truthy(line:find('^stance ') or line:find('^/'), line)
      end
    end)
  end

  it('is said escaped when a command fails on it (stance.cli.say on every error)', function()
    local root = corpus()
    local _, err, code = T.stance_run({ 'fmt', root .. '/' .. EVIL .. '.nope.stance' }, nil, root)
    assert.are.equal(1, code)
    assert.falsy(err:find('\27', 1, true), err)
    assert.truthy(err:find(SHOWN, 1, true), err)
  end)
end)

describe('stance.cli.say', function()
  it('writes one line, its control characters escaped', function()
    local parts = {}
    local stream = { write = function(_, ...) for _, s in ipairs({ ... }) do parts[#parts + 1] = s end end }
    require('stance.cli').say(stream, 'stance x: ', EVIL, ': ', 3)
    assert.are.equal('stance x: ' .. SHOWN .. ': 3\n', table.concat(parts))
  end)
end)

local ZWSP, RLO, ZWJ = '\226\128\139', '\226\128\174', '\226\128\141'
local NFC, NFD = 'caf\195\169', 'cafe\204\129'

describe('names that read alike', function()
  local u = require('stance.utf8')

  it('are shown apart: format characters escaped, blanks at the ends of a name too', function()
    -- a name: every format character escaped; a path or a message: the bidirectional controls
    -- only (a zero-width non-joiner is part of a Persian file name: escaped, the path names no file)
    assert.are.equal('ana\\u200b', u.name('ana' .. ZWSP))
    assert.are.equal('ana' .. ZWSP, u.printable('ana' .. ZWSP))
    assert.are.equal('\\u202eana', u.printable(RLO .. 'ana'))
    assert.are.equal('\\ufeffx\\u2066y\\u00adz', u.name('\239\187\191x\226\129\166y\194\173z'))
    assert.are.equal('\239\187\191x\\u2066y\194\173z', u.printable('\239\187\191x\226\129\166y\194\173z'))
    -- a line of text keeps its joiners, never its bidirectional overrides
    assert.are.equal('a' .. ZWJ .. 'b\t\\u202ec', u.printable('a' .. ZWJ .. 'b\t' .. RLO .. 'c', true))
    assert.are.equal('caf\195\169 \194\160x', u.printable(NFC .. ' \194\160x')) -- letters, blanks: as they are
    assert.are.equal('ana\\x20', u.name('ana '))
    assert.are.equal('\\x20\\u00a0ana\\x20\\x20', u.name(' \194\160ana  '))
    assert.are.equal('a b', u.name('a b'))
    assert.are.equal('ana\\x20   ', u.pad('ana ', 10))
  end)

  it('have one key: NFC and NFD, format characters, blanks at the ends, ASCII case', function()
    local L = require('stance.lookalike')
    local nfd = require('stance.nfd').nfd
    assert.are.equal(NFD, nfd(NFC))
    assert.are.equal('\225\132\128\225\133\161', nfd('\234\176\128')) -- a Hangul syllable, by rule
    assert.are.equal('a\204\163\204\135', nfd('a\204\135\204\163')) -- marks in canonical order
    assert.are.equal('\255x', nfd('\255x')) -- invalid UTF-8 kept
    for _, n in ipairs({ 'ana ', ' ana', 'ana' .. ZWSP, RLO .. 'ana', 'ana\194\160' }) do
      assert.are.equal(L.key('ana'), L.key(n), n)
    end
    -- case only when asked (layer folders; a schema may have brat's Claim beside claim)
    assert.are_not.equal(L.key('claim'), L.key('Claim'))
    assert.are.equal(L.key('ana', true), L.key(' Ana', true))
    assert.are.equal(L.key(NFC), L.key(NFD))
    assert.are_not.equal(L.key('cafe'), L.key(NFC))
    assert.are_not.equal(L.key('si'), L.key('s\195\173'))
    assert.are.same({ { name = 'ana ', like = 'ana' }, { name = NFD, like = NFC } },
      L.find({ 'ana', 'ana ', 'ana', NFC, 'ben', NFD }))
  end)

  it('stance check warns about layer folders and schema names that read alike; agree and stats show them apart',
    function()
      local root = T.tmpdir() .. '/c'
      local _, err, code = T.stance_run({ 'init', root })
      assert(code == 0, err)
      T.write(root .. '/a.txt', TEXT)
      T.write(root .. '/.stance/schema.stance', 'format stance 1\n\ntarget t\nstance favor\nstance "fav\\u{f6}r"\n'
        .. 'stance "favo\\u{308}r"\nstance "against "\nlabel claim\nstance against\nlabel Claim\n')
      local layers = { 'ana', 'ana ', 'ana' .. ZWSP, RLO .. 'ana', NFC, NFD, 'Ana' }
      for _, who in ipairs(layers) do
        T.write(root .. '/.stance/annotations/' .. who .. '/a.txt.stance', layer('a.txt', 'favor')
          :gsub('annotator ana', 'annotator "' .. who .. '"'))
      end
      local out, cerr, ccode = T.stance_run({ 'check' }, nil, root)
      assert.are.equal(1, ccode, cerr)
      local function warned(pat)
        assert.truthy(out:find(pat, 1, true), pat .. '\n' .. out)
      end
      warned('.stance/annotations/ana' .. ZWSP .. ':1:1: warning: layer folder "ana\\u200b" reads as layer folder "Ana"')
      warned('.stance/annotations/\\u202eana:1:1: warning: layer folder "\\u202eana" reads as layer folder "Ana"')
      -- (the first in byte order is the one the others read as: NFD's e before NFC's \195)
      warned('.stance/annotations/' .. NFC .. ':1:1: warning: layer folder "caf\\u00e9" reads as layer folder "cafe\\u0301"')
      warned('.stance/annotations/ana :1:1: warning: layer folder "ana\\x20" reads as layer folder "Ana"')
      assert.falsy(out:find('schema.stance:10:', 1, true), out) -- label Claim beside claim: no warning
      warned('.stance/schema.stance:6:8: warning: stance "favo\\u0308r" reads as stance "fav\\u00f6r" (line 5)')
      warned('.stance/schema.stance:9:8: warning: stance "against" reads as stance "against\\x20" (line 7)')
      assert.falsy(out:find(RLO, 1, true), out) -- (a zero-width space stays in the path: it names the file)
      -- the tables: every layer told apart, nothing that reorders the line
      local aout = T.stance_run({ 'agree' }, nil, root)
      assert.truthy(aout:find('agreement of Ana, ana, "ana ", "ana\\u200b", ', 1, true), aout)
      assert.truthy(aout:find(', "\\u202eana" on 1 of 1 document', 1, true), aout)
      local sout = T.stance_run({ 'stats' }, nil, root)
      for _, shown in ipairs({ '\nana\\x20 ', '\nana\\u200b ', '\n\\u202eana ' }) do
        assert.truthy(sout:find(shown, 1, true), shown .. '\n' .. sout)
      end
      for _, o in ipairs({ aout, sout }) do
        assert.falsy(o:find(ZWSP, 1, true) or o:find(RLO, 1, true), o)
      end
    end)
end)
