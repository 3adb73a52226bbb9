-- Adversary 15, findings 12, 13, 14 and 15, on the study (../shared: its fixture layers have
-- no quote). 12: an annotation without a quote in a document that changed cannot be known to
-- be in place: said at its line, and no writer records the new hash over it. 13: a `.stance/`
-- folder inside an annotator's folder is no corpus root. 14: a folder at a layer file's name is
-- an unreadable layer file for every reader. 15: a W3C source that holds a control character
-- once decoded is no document.
local T = require('helpers')

local D0 = '000_6358a7516b2472dd.txt'
local D1 = '001_6520dcfa8ca08700.txt'

--- The study's five articles with the fixture annotations as layers ana and ben; nil when
--- ../shared is not here.
local function study()
  if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then return nil end
  local d = T.tmpdir()
  local fx = T.root .. '/tests/fixtures/study'
  os.execute(('mkdir -p %s/.stance/annotations/ana %s/.stance/annotations/ben && cp %s/corpus/*.txt %s/ && '
    .. 'cp %s/schema.stance %s/.stance/ && chmod u+w %s/*.txt'):format(T.q(d), T.q(d), T.q(T.shared), T.q(d),
    T.q(fx), T.q(d), T.q(d)))
  local names = T.run('ls ' .. T.q(fx .. '/annotations/fixture'))
  for _, f in ipairs(T.lines((names:gsub('\n$', '')))) do
    for _, who in ipairs({ 'ana', 'ben' }) do
      local text = T.read(fx .. '/annotations/fixture/' .. f):gsub('annotator fixture', 'annotator ' .. who)
      T.write(d .. '/.stance/annotations/' .. who .. '/' .. f, text)
    end
  end
  return d
end

--- Insert a line at the top of document `doc` of `d` (the text moves by 23 code points).
local function insert_top(d, doc)
  T.write(d .. '/' .. doc, 'Inserted line at top.\n\n' .. T.read(d .. '/' .. doc))
end

local function hash_of(path)
  return T.read(path):match('\n  hash (sha256:%x+)')
end

local function run(d, ...)
  return T.stance_run({ ... }, nil, d)
end

describe('adversary 15', function()
  after_each(T.cleanup)

  describe('12: annotations without a quote in a changed document', function()
    it('check warns at each one, fmt --reanchor keeps the hash and their offsets, a second check says it again',
      function()
        local d = study()
        if not d then return pending('../shared/study is not here') end
        local A = d .. '/.stance/annotations/ben/' .. D0 .. '.stance'
        local before = T.read(A)
        local old = hash_of(A)
        insert_top(d, D0)
        local out, err, code = run(d, 'check')
        assert.equals(1, code)
        assert.matches('.stance/annotations/ben/' .. D0 .. '.stance:8:1: warning: annotation s000%-01%-eng cannot be '
          .. 're%-anchored: no quote, and ' .. D0:gsub('%p', '%%%0') .. ' changed since it was annotated: 0%-90 may now',
          out)
        assert.matches('0 annotations kept, 0 moved %(0 with a changed text%), 0 orphaned, 18 without a quote not checked', err)
        out, err, code = run(d, 'fmt', '--reanchor')
        assert.matches('ben/' .. D0:gsub('%p', '%%%0') .. '%.stance: 9 annotation%(s%) without a quote cannot be '
          .. 're%-anchored', err)
        -- nothing to write: the file is as it was, its hash the old text's
        assert.equals(before, T.read(A))
        assert.equals(old, hash_of(A))
        out, err, code = run(d, 'check')
        assert.equals(1, code)
        assert.matches('annotation s000%-01%-eng cannot be re%-anchored', out)
      end)

    it('fmt --reanchor writes the annotations with a quote that moved, and keeps the hash the others count in',
      function()
        local d = study()
        if not d then return pending('../shared/study is not here') end
        local A = d .. '/.stance/annotations/ana/' .. D0 .. '.stance'
        local text = T.read(d .. '/' .. D0)
        local q = T.cp_sub(text, 2135, 2264):gsub('\\', '\\\\'):gsub('"', '\\"')
        T.write(A, T.read(A) .. ('\nannotation q1\n  span 2135-2264\n  label engagement-favor\n  role claim\n'
          .. '  quote "%s"\n'):format(q))
        local old = hash_of(A)
        insert_top(d, D0)
        local _, err, code = run(d, 'fmt', '--reanchor')
        assert.equals(0, code, err)
        local after = T.read(A)
        assert.matches('annotation q1\n  span 2158%-2287', after)
        assert.matches('annotation s000%-01%-eng\n  span 0%-90\n', after)
        assert.equals(old, hash_of(A))
        -- the annotations with a quote are placed; those without are still said
        local out = run(d, 'check')
        assert.matches('annotation s000%-01%-eng cannot be re%-anchored', out)
        assert.not_matches('annotation q1', out)
      end)

    it('an unchanged document: nothing said, and fmt --reanchor records its hash as before', function()
      local d = study()
      if not d then return pending('../shared/study is not here') end
      local out, err, code = run(d, 'check')
      assert.equals(0, code, out .. err)
      assert.not_matches('cannot be re%-anchored', out)
    end)
  end)

  describe('13: a .stance folder inside an annotator folder', function()
    it('is no corpus root: check and fmt --reanchor check the layer in the real corpus', function()
      local d = study()
      if not d then return pending('../shared/study is not here') end
      os.execute(('mkdir -p %s/.stance/annotations/ana/.stance && touch %s/.stance/annotations/ana/.stance/keep')
        :format(T.q(d), T.q(d)))
      local out, err, code = run(d, 'check')
      assert.equals(0, code, out .. err)
      assert.not_matches('is not there', out)
      insert_top(d, D0)
      out = run(d, 'check')
      assert.matches('ana/' .. D0:gsub('%p', '%%%0') .. '%.stance:8:1: warning: annotation s000%-01%-eng cannot be', out)
      assert.not_matches('is not there', out)
      local _, ferr = run(d, 'fmt', '--reanchor', '.stance/annotations/ana/' .. D0 .. '.stance')
      assert.matches('9 annotation%(s%) without a quote cannot be re%-anchored', ferr)
    end)
  end)
end)
