-- Adversary 15, finding 12, in the editor (tmux, the screen read right after each key): a
-- document of the study changed since ana's layer was written, and the layer's annotations
-- have no quote (as the study fixture's): opening it says that they cannot be re-anchored,
-- and a save after a change (gX, :w) keeps the hash the file had, never the new text's (their
-- offsets count in the old text: doc/format.md 8.3).
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = '000_6358a7516b2472dd.txt'

local function count(path, what)
  local n = 0
  for _ in (T.read(path) or ''):gmatch('\n' .. what .. ' ') do n = n + 1 end
  return n
end

describe('a changed document whose layer has annotations without a quote', function()
  after_each(T.cleanup)

  it('is said on open, and :w after a change keeps the old hash', function()
    if not T.shared or not T.exists(T.shared .. '/study/schema.stance') then
      return pending('../shared/study is not here')
    end
    local d = T.tmpdir()
    local fx = T.root .. '/tests/fixtures/study'
    os.execute(('mkdir -p %s/.stance/annotations/ana && cp %s/corpus/*.txt %s/ && cp %s/schema.stance %s/.stance/'
      .. ' && chmod u+w %s/*.txt'):format(T.q(d), T.q(T.shared), T.q(d), T.q(fx), T.q(d), T.q(d)))
    local layer = d .. '/.stance/annotations/ana/' .. DOC .. '.stance'
    T.write(layer, (T.read(fx .. '/annotations/fixture/' .. DOC .. '.stance'):gsub('annotator fixture',
      'annotator ana')))
    local old = T.read(layer):match('\n  hash (sha256:%x+)')
    T.write(d .. '/' .. DOC, 'Inserted line at top.\n\n' .. T.read(d .. '/' .. DOC))
    local n = count(layer, 'annotation')
    local nv = T.tmux({ DOC }, { cwd = d, width = 220, height = 30, ready = 'Inserted',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
    tmux.driving_to_quit(nv, function()
      local screen = nv:wait(has(('%d annotation(s) without a quote, and %s changed since they were annotated'):format(n,
        DOC)), 'said on open')
      assert.falsy(has('E5108')(screen), tmux.plain(screen))
      local messages = nv:lua("return vim.fn.execute('messages')")
      assert.truthy(messages:find('cannot be re-anchored and may now cover other words', 1, true), messages)
      nv:keys('gg', ']a')
      nv:keys('gX')
      if has('delete which')(nv:screen()) then nv:keys('1') end
      nv:wait(function() return nv:lua("return require('stance.editor.session').get().dirty") end, 'the change')
      nv:keys(':w')
      screen = nv:key('Enter', has('written to your layer'), ':w writes the layer')
      assert.falsy(has('E5108')(screen), tmux.plain(screen))
    end)
    assert.are.equal(n - 1, count(layer, 'annotation'))
    assert.are.equal(old, T.read(layer):match('\n  hash (sha256:%x+)'), 'the hash the annotations count in')
  end)
end)
