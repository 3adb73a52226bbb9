-- The check of layer names a user gives (the command line's --annotator, the agreement's
-- annotators): each must be a layer of the corpus, and the error names those it has.
local T = require('helpers')
local layer_names = require('stance.layer_names')

local function corpus_with(layers)
  local d = T.tmpdir()
  local _, err, code = T.stance_run({ 'init', d })
  assert(code == 0, err)
  T.write(d .. '/a.txt', 'One sentence.\n')
  for _, name in ipairs(layers) do
    T.write(d .. '/' .. require('stance.root').annotations .. '/' .. name .. '/a.stance', '')
  end
  return assert(require('stance').open(d))
end

describe('layer_names.check', function()
  it('gives every layer of the corpus when each name is one', function()
    local c = corpus_with({ 'ben', 'ana' })
    assert.are.same({ 'ana', 'ben' }, layer_names.check(c, { 'ben' }))
    assert.are.same({ 'ana', 'ben' }, layer_names.check(c, { 'ana', 'ben', 'ana' }))
    assert.are.same({ 'ana', 'ben' }, layer_names.check(c, {}))
  end)

  it('names the first unknown layer and those the corpus has', function()
    local c = corpus_with({ 'ben', 'ana' })
    local all, err = layer_names.check(c, { 'ana', 'nobody', 'else' })
    assert.is_nil(all)
    assert.are.equal("no layer 'nobody' in the corpus (it has ana, ben)", err)
  end)

  it('says "none" for a corpus without layers', function()
    local _, err = layer_names.check(corpus_with({}), { 'ana' })
    assert.are.equal("no layer 'ana' in the corpus (it has none)", err)
  end)
end)
