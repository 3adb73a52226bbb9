-- stance.modules (the editor's modules, required at first use and kept) follows package.loaded:
-- a module loaded again is the one it gives from then on.
describe('stance.modules', function()
  local R = require('stance.modules')

  before_each(function()
    package.preload['stance.test_fake'] = function() return { made = {} } end
  end)
  after_each(function()
    package.loaded['stance.test_fake'], package.preload['stance.test_fake'] = nil, nil
  end)

  it('keeps a module: the same table at each use', function()
    local a = R['stance.test_fake']
    assert.are.equal(require('stance.test_fake'), a)
    assert.are.equal(a, R['stance.test_fake'])
    assert.are.equal(a, rawget(R, 'stance.test_fake')) -- one table lookup
  end)

  it('gives the module loaded again after a partial reload, not the one it kept', function()
    local a = R['stance.test_fake']
    package.loaded['stance.test_fake'] = nil -- (plenary's and lazy.nvim's reloads)
    local b = require('stance.test_fake')
    assert.are_not.equal(a, b)
    assert.are.equal(b, R['stance.test_fake'])
    -- stance.modules itself reloaded: the caches of both loads follow
    package.loaded['stance.modules'] = nil
    local R2 = require('stance.modules')
    assert.are_not.equal(R, R2)
    assert.are.equal(b, R2['stance.test_fake'])
    package.loaded['stance.test_fake'] = nil
    local c = require('stance.test_fake')
    assert.are.equal(c, R['stance.test_fake'])
    assert.are.equal(c, R2['stance.test_fake'])
  end)

  it('leaves package.loaded working for every other module', function()
    package.preload['stance.test_other'] = function() return 42 end
    assert.are.equal(42, require('stance.test_other'))
    assert.are.equal(42, package.loaded['stance.test_other'])
    package.loaded['stance.test_other'], package.preload['stance.test_other'] = nil, nil
    assert.is_nil(package.loaded['stance.test_other'])
  end)
end)
