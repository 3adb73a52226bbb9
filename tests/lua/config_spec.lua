-- Option validation: errors name the field; merging keeps defaults.
local config = require('stance.config')

describe('config', function()
  it('starts from the defaults', function()
    local c = config.setup()
    assert.are.equal(0, c.worker.tasks)
    assert.is_true(c.progress.enabled)
    assert.is_nil(c.annotator)
  end)

  it('merges deeply and may be called twice', function()
    config.setup({ worker = { tasks = 2 } })
    local c = config.setup({ annotator = 'ana' })
    assert.are.equal('ana', c.annotator)
    assert.are.equal(0, c.worker.tasks)
    assert.are.equal(c, config.get())
  end)

  for _, case in ipairs({
    { { worker = { tasks = 'two' } }, '(stance) worker.tasks should be a number, got string' },
    { { worker = { tasks = 1.5 } }, '(stance) worker.tasks should be a whole number from 0 to 256, got 1.5' },
    { { worker = 3 }, '(stance) worker should be a table, got number' },
    { { annotator = 42 }, '(stance) annotator should be a string, got number' },
    { { colour = true }, '(stance) unknown option colour' },
    { { progress = { enable = true } }, '(stance) unknown option progress.enable' },
    { 'yes', '(stance) setup() takes a table, got string' },
  }) do
    it('rejects ' .. case[2]:gsub('%(stance%) ', ''), function()
      local ok, err = pcall(config.setup, case[1])
      assert.is_false(ok)
      assert.are.equal(case[2], err)
    end)
  end
end)
