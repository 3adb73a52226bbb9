-- End to end, as a person: Neovim in tmux on the sample corpus (US policy toward North
-- Korea), keys typed, the screen read with its colors, then the file on disk.
local T = require('helpers')

describe('annotating in a terminal', function()
  after_each(T.cleanup)

  it('gsis, the label keys, ]a and . end up highlighted on screen and in the file', function()
    local d = T.tmpdir()
    os.execute(('cp %s/*.txt %s/ && mkdir -p %s/.stance && cp %s %s/.stance/schema.stance'):format(
      T.q(T.shared .. '/corpus'), T.q(d), T.q(d), T.q(T.root .. '/doc/example/shared-corpus/schema.stance'), T.q(d)))
    local doc = '000_6358a7516b2472dd.txt'
    local init = { cwd = d, init = "require('stance').setup({ annotator = 'e2e' }) vim.o.wrap = true", key_wait = 0.4,
      after = { ':qa', 'Enter' } }
    local screen = T.tmux_screen({ doc }, {
      '5G', 'g', 's', 'i', 's', 'f', 'h', -- the first sentence of line 5: favor, human-rights
      'g', 'g', ']', 'a', -- back to the top, then to the annotation
      "')'", '.', -- the next sentence, the same label and target
    }, init)
    local path = d .. '/.stance/annotations/e2e/' .. doc .. '.stance'
    local plain = screen:gsub('\27%[[%d;]*m', '')
    local function row(word)
      local i = 0
      for l in screen:gmatch('[^\n]*') do
        i = i + 1
        if l:gsub('\27%[[%d;]*m', ''):find(word, 1, true) then return l end
      end
    end
    local annotated, other = row('The Democratic People'), row('Doug Bandow')
    assert.truthy(annotated, plain)
    -- a background color where the annotation is, none on a line without one
    assert.truthy(annotated:find('\27%[[%d;]*48;5;%d+m'), annotated)
    assert.falsy(other:find('48;5;'), other)
    local text = assert(T.read(path), 'no annotation file after :qa\n' .. plain)
    local store = assert(require('stance.core').read(text))
    local recs = store:records('annotation')
    table.sort(recs, function(a, b) return a.spans[1][1] < b.spans[1][1] end)
    assert.are.equal(2, #recs)
    for _, r in ipairs(recs) do
      assert.are.same({ 'favor', 'human-rights', 'favor' }, { r.label, r.target, r.stance })
    end
    assert.truthy(recs[1].quote:find('^The Democratic People’s Republic of Korea has grown quite sensitive'))
    assert.truthy(recs[2].quote:find('^Before Christmas, the North’s UN ambassador'))
    -- the spans are code points of the article
    local article = assert(T.read(d .. '/' .. doc))
    local model = require('stance.core').text(article)
    local a, b = model:cp_to_byte(recs[1].spans[1][1]), model:cp_to_byte(recs[1].spans[1][2])
    assert.are.equal(recs[1].quote, article:sub(a + 1, b))
  end)
end)
