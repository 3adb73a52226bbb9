-- stance agree with three annotators or more: a "-" or a partial Fleiss' κ says why, under
-- the table (it counts only the items every annotator rated).
local T = require('helpers')

local function corpus(layout)
  local d = T.tmpdir()
  os.execute('mkdir -p ' .. T.q(d .. '/.stance'))
  T.write(d .. '/.stance/schema.stance', 'format stance 1\ntarget tax\nstance favor\nstance against\n'
    .. 'label tax-favor\n  target tax\n  stance favor\n')
  T.write(d .. '/a.txt', 'Taxes are good. Taxes fund schools. Roads are long.\n')
  T.write(d .. '/b.txt', 'Taxes hurt. Nobody likes them. Rain falls.\n')
  local c = assert(require('stance').open(d))
  for path, people in pairs(layout) do
    local doc = c:document(path)
    for _, who in ipairs(people) do
      assert(doc:annotate({ start = 0, stop = 11, label = 'tax-favor', annotator = who }))
      -- (ben sees a second sentence so: the ratings differ, and κ is defined)
      if who == 'ben' then assert(doc:annotate({ start = 16, stop = 35, label = 'tax-favor', annotator = who })) end
      assert(doc:set_status('done', who))
    end
  end
  assert(c:save())
  return d
end

local function agree(d)
  local out, err, code = T.run(('cd %s && %s agree'):format(T.q(d), T.q(T.stance)))
  assert.are.equal(0, code, out .. err)
  return out
end

describe("stance agree's Fleiss' κ", function()
  it('says why it is "-": no item all rated, and who shares no document with the others', function()
    local out = agree(corpus({ ['a.txt'] = { 'ana', 'ben' }, ['b.txt'] = { 'dora' } }))
    assert.truthy(out:find('%(pooled%)%s+%d+%s+%S+%s+%-%s'), out)
    assert.truthy(out:find('fleiss -: no item was rated by all 3 annotators (dora shares no document done\n  with the '
      .. "others), and Fleiss' κ needs the same raters on every item;", 1, true), out)
  end)

  it('says over how many items it is, when not every one', function()
    local out = agree(corpus({ ['a.txt'] = { 'ana', 'ben', 'dora' }, ['b.txt'] = { 'ana', 'ben' } }))
    assert.truthy(out:find('fleiss: over the 3 of 6 items all 3 annotators rated', 1, true), out)
  end)

  it('says nothing when it counts every item', function()
    local out = agree(corpus({ ['a.txt'] = { 'ana', 'ben', 'dora' } }))
    assert.falsy(out:find('fleiss -:', 1, true), out)
    assert.falsy(out:find('fleiss: over', 1, true), out)
  end)
end)
