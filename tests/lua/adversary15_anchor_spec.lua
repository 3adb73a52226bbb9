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
  return require('helpers.study').annotated_as({ 'ana', 'ben' })
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
        assert.equals(0, code, out .. err)
        assert.matches('ben/' .. D0:gsub('%p', '%%%0') .. '%.stance: 9 annotation%(s%) without a quote cannot be '
          .. 're%-anchored', err)
        -- nothing to write: the file is as it was, its hash the old text's
        assert.equals(before, T.read(A))
        assert.equals(old, hash_of(A))
        out, err, code = run(d, 'check')
        assert.equals(1, code, err)
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
        assert.not_matches('annotation q1 cannot', out)
      end)

    it('agreement and exports take them as orphans: left out, marked, never read at other words', function()
      local d = study()
      if not d then return pending('../shared/study is not here') end
      insert_top(d, D0)
      local out, err = run(d, 'agree')
      assert.matches('not counted: 18 annotation%(s%)', out .. err)
      local csv = T.tmpdir() .. '/o.csv'
      local _, xerr = run(d, 'export', '--to', 'csv', '--annotator', 'ana', '--output', csv)
      assert.matches('ana/' .. D0:gsub('%p', '%%%0') .. '%.stance:8:1: warning: annotation s000%-01%-eng is an orphan',
        xerr)
    end)

    it('the writer keeps the hash of a file holding an orphan when it holds an annotation without a quote',
      function()
        local core = require('stance.core')
        local H = 'sha256:' .. ('ab'):rep(32)
        local function file(with_unquoted)
          return 'format stance 1\n\ndocument "a.txt"\n  hash ' .. H .. '\n\nannotation q\n  span 0-5\n  label x\n'
            .. '  quote "Hello"\n' .. (with_unquoted and '\nannotation n\n  span 6-11\n  label x\n' or '')
        end
        for _, with in ipairs({ true, false }) do
          local store = assert(core.read(file(with)))
          local res = core.frame('Other words here.'):anchor(store)
          assert.equals(1, res.orphaned)
          local out = store:write()
          if with then
            assert.truthy(out:find('hash ' .. H, 1, true), out)
          else
            assert.falsy(out:find('hash', 1, true), out)
          end
        end
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

  describe('15: a W3C source or layer with a control character once decoded', function()
    it('is skipped at its place in the JSON, the rest imported; nothing written under a cut name', function()
      local d = study()
      if not d then return pending('../shared/study is not here') end
      run(d, 'export', '--to', 'w3c', '--annotator', 'ana', '--output', 'ana.json')
      local items = require('stance.json').decode(T.read(d .. '/ana.json')).first.items
      local json = require('stance.json')
      local function copy(a, id, layer, source)
        local b = json.decode(json.encode(a))
        b.id, b['stance:layer'] = id, layer
        if source then b.target.source = source end
        return b
      end
      local list = { copy(items[1], 'urn:x:nul', 'zed', D0 .. '%00.png'), copy(items[2], 'urn:x:ok', 'zed'),
        copy(items[3], 'urn:x:lay', 'qq\0x'), copy(items[4], 'urn:x:nl', 'qq\nx'),
        copy(items[5], 'urn:x:cr', 'zed', D0 .. '%0D') }
      T.write(d .. '/in.json', json.encode(list))
      local out, err, code = run(d, 'import', '--from', 'w3c', 'in.json')
      assert.equals(1, code, out .. err)
      assert.matches('in%.json:%d+:%d+: warning: annotation 1 %(urn:x:nul%) skipped: its target ' .. D0:gsub('%p', '%%%0')
        .. '%%00%.png names a path with a control character once decoded', err)
      assert.matches('annotation 3 %(urn:x:lay%) skipped: its layer .* holds a control character', err)
      assert.matches('annotation 4 %(urn:x:nl%) skipped: its layer .* holds a control character', err)
      assert.matches('annotation 5 %(urn:x:cr%) skipped: its target .* control character', err)
      assert.matches('imported 1 record%(s%) into 1 layer%(s%)', out)
      local ls = T.run('cd ' .. T.q(d) .. ' && ls -A .stance/annotations .stance/annotations/zed')
      assert.equals('.stance/annotations:\nana\nben\nzed\n\n.stance/annotations/zed:\n' .. items[2].target.source
        :match('([^:]+)$') .. '.stance\n', ls)
    end)

    it('a stance:layers entry naming such a document is skipped at its place', function()
      local d = study()
      if not d then return pending('../shared/study is not here') end
      T.write(d .. '/in.json', '{"type": "AnnotationCollection", "stance:layers": [\n  {"document": '
        .. '"urn:stance:document:' .. D1 .. '%00zz", "layer": "qq", "status": "done"}],\n'
        .. ' "first": {"type": "AnnotationPage", "items": []}}')
      local out, err = run(d, 'import', '--from', 'w3c', 'in.json')
      assert.matches('in%.json:2:3: warning: stance:layers entry 1 skipped: its document .* control character', err)
      assert.matches('0 annotation file%(s%) written', out)
      assert.is_false(T.exists(d .. '/.stance/annotations/qq/' .. D1))
    end)

    it('the path functions refuse a name holding a NUL', function()
      local core = require('stance.core')
      local d = T.tmpdir()
      local ok, err = pcall(core.write_atomic, d .. '/a.stance\0.png', 'x')
      assert.is_false(ok)
      assert.matches('holds a NUL byte', err)
      assert.is_false(T.exists(d .. '/a.stance'))
      local w, werr, wcode, at = core.write_files({ { d .. '/b.txt', 'b' }, { d .. '/c\0d', 'c' } })
      assert.is_nil(w)
      assert.matches('holds a NUL byte', werr)
      assert.equals('EINVAL', wcode)
      assert.equals(2, at)
      assert.is_false(T.exists(d .. '/c'))
    end)
  end)

  describe('14: a folder at a layer file name', function()
    local FOLDER = 'a folder, not an annotation file: nothing in it is read as this layer; remove or rename it'
    local function folder_corpus()
      local d = study()
      if not d then return nil end
      local A = d .. '/.stance/annotations/ana/' .. D0 .. '.stance'
      os.execute('rm ' .. T.q(A) .. ' && mkdir ' .. T.q(A))
      T.write(A .. '/x.stance', T.read(d .. '/.stance/annotations/ben/' .. D1 .. '.stance'))
      return d, '.stance/annotations/ana/' .. D0 .. '.stance:1:1: '
    end

    it('check: an error at its line 1; agree: ana left out of that document, incomplete (exit 3)', function()
      local d, at = folder_corpus()
      if not d then return pending('../shared/study is not here') end
      local out, _, code = run(d, 'check')
      assert.equals(1, code)
      assert.truthy(out:find(at .. 'error: ' .. FOLDER, 1, true), out)
      local err
      out, err, code = run(d, 'agree')
      assert.equals(3, code, err)
      assert.truthy(err:find('incomplete: ana left out of ' .. D0 .. ': ' .. at .. FOLDER, 1, true), err)
      assert.matches('ben', out)
    end)

    it('a script: corpus:agreement() goes on, the layer named; doc:errors() lists it', function()
      local d, at = folder_corpus()
      if not d then return pending('../shared/study is not here') end
      T.write(d .. '/s.lua', [[
local c = assert(stance.open('.'))
local r = assert(c:agreement({ annotators = { 'ana', 'ben' }, fields = { 'stance' } }))
print('agreement', type(r))
local doc = c:document(']] .. D0 .. [[')
doc:annotations()
for _, e in ipairs(doc:errors() or {}) do print('E', e.where) end
]])
      local out, err, code = run(d, 'run', 's.lua')
      -- (as for any layer file with errors a script met: said, exit 1)
      assert.equals(1, code, err)
      assert.matches('agreement\ttable', out)
      assert.truthy(out:find('E\t' .. at .. FOLDER, 1, true), out)
      assert.truthy(err:find('1 layer file(s) with errors or an unresolved merge conflict met', 1, true), err)
      assert.not_matches('traceback', err)
    end)

    it('eval, suggest and report name it (report: exit 3, as for a file with errors)', function()
      local d, at = folder_corpus()
      if not d then return pending('../shared/study is not here') end
      local said = "ana's file has 1 error(s), the first at " .. at .. FOLDER .. '; left out of ' .. D0
      for _, cmd in ipairs({ 'eval', 'suggest' }) do
        local _, err = run(d, cmd)
        assert.truthy(err:find(said, 1, true), cmd .. ': ' .. err)
      end
      local _, err, code = run(d, 'report')
      assert.equals(3, code, err)
      assert.truthy(err:find(said, 1, true), err)
      local _, xerr, xcode = run(d, 'export', '--to', 'csv', '--output', T.tmpdir() .. '/o.csv')
      assert.equals(1, xcode)
      assert.truthy(xerr:find(at, 1, true), xerr)
    end)
  end)
end)
