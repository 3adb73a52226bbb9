-- A `stance run` script that reads a layer file with errors (cut short in a note, git's conflict
-- markers: tests/helpers/broken_layers.lua) on the study (stances favor and against only):
-- doc:annotations() gives what the file lets us read (one value) and doc:errors() each broken
-- file's first error; stance run says each file once on stderr (FILE:LINE:COL: message, never on
-- stdout) and exits 1 at the end unless the script returned its own exit status.
local T = require('helpers')
local B = require('helpers.broken_layers')

local SCRIPT = [[
local c = assert(stance.open('.'))
local total, files = 0, {}
for _, rel in ipairs({ %s }) do
  local doc = assert(c:document(rel))
  for _ = 1, 2 do -- read twice: said once
    local t = {}
    table.insert(t, doc:annotations({ annotator = 'ben' })) -- one value
    assert(select('#', doc:annotations({ annotator = 'ben' })) == 1)
    total = total + #t[1]
    for _, e in ipairs(doc:errors() or {}) do
      files[#files + 1] = ('%%s:%%s:%%s:%%s:%%s'):format(e.file, e.line, e.col, e.annotator, e.message)
    end
  end
end
print('annotations ' .. total)
for _, f in ipairs(files) do print('error ' .. f) end
%s
]]

local function docs_list()
  local q = {}
  for _, d in ipairs(B.DOCS) do q[#q + 1] = ('%q'):format(d) end
  return table.concat(q, ', ')
end

describe('stance run and layer files with errors', function()
  after_each(T.cleanup)

  local function corpus()
    local d = require('helpers.study').annotated('(none)')
    if not d then return nil end
    B.copy(d, 'ben', B.DOCS)
    B.cut_in_note(B.path(d, 'ben', B.DOCS[1]))
    B.conflict(B.path(d, 'ben', B.DOCS[2]))
    return d
  end

  it('says each broken file once on stderr, gives its first error to the script, and exits 1', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    T.write(d .. '/s.lua', SCRIPT:format(docs_list(), ''))
    local out, err, code = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(1, code, err)
    assert.truthy(out:find('^annotations %d+\n'), out)
    assert.falsy(out:find('stance run', 1, true), out)
    for i = 1, 2 do
      local rel = '.stance/annotations/ben/' .. B.DOCS[i] .. '.stance'
      local n = select(2, err:gsub(rel:gsub('%p', '%%%0') .. ':%d+:%d+: [^\n]+\n', ''))
      assert.are.equal(1, n, err)
      -- the script got it, twice (doc:errors() after each read: once per file), with its line and column
      assert.are.equal(2, select(2, out:gsub('error ' .. rel:gsub('%p', '%%%0') .. ':%d+:%d+:ben:', '')), out)
    end
    assert.falsy(err:find(B.DOCS[3], 1, true), err) -- read whole: nothing said
    assert.truthy(err:find('stance run: 2 layer file(s) with errors or an unresolved merge conflict met', 1, true), err)
  end)

  it('exits with the status the script returns (it handled them), the files still said', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    T.write(d .. '/s.lua', SCRIPT:format(docs_list(), 'return 0'))
    local _, err, code = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.truthy(err:find(B.DOCS[1] .. '.stance:%d+:%d+: '), err)
    assert.falsy(err:find('with errors met', 1, true), err)
  end)

  it('a script returning true counts as handled (exit 0), false as status 1', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    for ret, want in pairs({ ['return true'] = 0, ['return false'] = 1 }) do
      T.write(d .. '/s.lua', SCRIPT:format(docs_list(), ret))
      local _, err, code = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
      assert.are.equal(want, code, ret .. ': ' .. err)
      assert.truthy(err:find(B.DOCS[1] .. '.stance:%d+:%d+: '), err)
      assert.falsy(err:find('with errors met', 1, true), err)
    end
    -- a corpus read whole: true and false are the script's status all the same
    local whole = require('helpers.study').annotated('(none)')
    T.write(whole .. '/s.lua', 'return false')
    local _, err, code = T.run(('cd %s && %s run s.lua'):format(T.q(whole), T.q(T.stance)))
    assert.are.equal(1, code, err)
    assert.are.equal('', err)
  end)

  it('files left out by corpus:agreement (the bundled disagreements.lua) are said, exit 1', function()
    local d = corpus()
    if not d then return pending('../shared/corpus is not here') end
    local script = T.root .. '/doc/example/scripts/disagreements.lua'
    local out, err, code = T.run(('cd %s && %s run %s fixture ben'):format(T.q(d), T.q(T.stance), T.q(script)))
    assert.are.equal(1, code, err)
    for i = 1, 2 do
      local rel = '.stance/annotations/ben/' .. B.DOCS[i] .. '.stance'
      -- said once by stance run (a line of its own)
      assert.are.equal(1, select(2, ('\n' .. err):gsub('\n' .. rel:gsub('%p', '%%%0') .. ':%d+:%d+: ', '')), err)
      -- and the example lists the documents left out, with the file's first error
      assert.truthy(err:find('left out: ' .. B.DOCS[i] .. ": ben's file has %d+ error%(s%), the first at "
        .. rel:gsub('%p', '%%%0') .. ':%d+:%d+: '), err)
    end
    assert.truthy(err:find('stance run: 2 layer file(s) with errors or an unresolved merge conflict met', 1, true), err)
    assert.falsy(out:find('stance run', 1, true), out)
    -- a script that looks at report.documents[i].left_out and returns its status keeps it
    T.write(d .. '/s.lua', 'local r = assert(assert(stance.open(".")):agreement({ annotators = { "fixture", "ben" } }))\n'
      .. 'return #r.documents > 0\n')
    local _, err2, code2 = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code2, err2)
    assert.truthy(err2:find(B.DOCS[1] .. '.stance:%d+:%d+: '), err2)
  end)

  it('a corpus read whole: doc:errors() nil, exit 0', function()
    local d = require('helpers.study').annotated('(none)')
    if not d then return pending('../shared/corpus is not here') end
    B.copy(d, 'ben', B.DOCS)
    T.write(d .. '/s.lua', SCRIPT:format(docs_list(), ''))
    local out, err, code = T.run(('cd %s && %s run s.lua'):format(T.q(d), T.q(T.stance)))
    assert.are.equal(0, code, err)
    assert.are.equal('', err)
    assert.falsy(out:find('error', 1, true), out)
  end)
end)
