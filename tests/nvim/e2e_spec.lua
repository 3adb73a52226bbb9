-- End to end, as a person: Neovim in tmux on the sample corpus (US policy toward North
-- Korea), keys typed, the screen read with its colors, then the file on disk.
local T = require('helpers')

describe('annotating in a terminal', function()
  after_each(T.cleanup)

  -- the sample corpus of the project when it is there (../shared), else the bundled example
  local sample = T.shared and {
    name = 'the sample corpus', files = T.shared .. '/corpus', schema = T.root .. '/doc/example/shared-corpus/schema.stance',
    doc = '000_6358a7516b2472dd.txt', line = '5G', target_key = 'h', target = 'human-rights',
    first = '^The Democratic People’s Republic of Korea has grown quite sensitive',
    second = '^Before Christmas, the North’s UN ambassador', annotated = 'The Democratic People', plain = 'Doug Bandow',
  } or {
    name = 'the bundled example corpus', files = T.root .. '/doc/example/corpus',
    schema = T.root .. '/doc/example/corpus/.stance/schema.stance',
    doc = '01_charge_works.txt', line = '5G', target_key = 'c', target = 'congestion-charge',
    first = '^Two years after the city began charging drivers', second = '^Traffic inside the cordon has fallen',
    annotated = 'Two years after', plain = 'By Marta Lindqvist',
  }

  it('gsis, the label keys, ]a and . end up highlighted on screen and in the file (' .. sample.name .. ')', function()
    local d = T.tmpdir()
    os.execute(('cp %s/*.txt %s/ && mkdir -p %s/.stance && cp %s %s/.stance/schema.stance'):format(
      T.q(sample.files), T.q(d), T.q(d), T.q(sample.schema), T.q(d)))
    local doc = sample.doc
    local init = { cwd = d, init = "require('stance').setup({ annotator = 'e2e' }) vim.o.wrap = true", key_wait = 0.4,
      after = { ':qa', 'Enter' } }
    local screen = T.tmux_screen({ doc }, {
      sample.line, 'g', 's', 'i', 's', 'f', sample.target_key, -- the first sentence of the line: favor, the target
      'g', 'g', ']', 'a', -- back to the top, then to the annotation
      ')', '.', -- the next sentence, the same label and target
    }, init)
    local path = d .. '/.stance/annotations/e2e/' .. doc .. '.stance'
    local plain = screen:gsub('\27%[[%d;]*m', '')
    local function row(word)
      for l in screen:gmatch('[^\n]*') do
        if l:gsub('\27%[[%d;]*m', ''):find(word, 1, true) then return l end
      end
    end
    local annotated, other = row(sample.annotated), row(sample.plain)
    assert.truthy(annotated, plain)
    assert.truthy(other, plain)
    -- a background color where the annotation is, none on a line without one
    assert.truthy(annotated:find('\27%[[%d;]*48;5;%d+m'), annotated)
    assert.falsy(other:find('48;5;'), other)
    local text = assert(T.read(path), 'no annotation file after :qa\n' .. plain)
    local store = assert(require('stance.core').read(text))
    local recs = store:records('annotation')
    table.sort(recs, function(a, b) return a.spans[1][1] < b.spans[1][1] end)
    assert.are.equal(2, #recs)
    for _, r in ipairs(recs) do
      assert.are.same({ 'favor', sample.target, 'favor' }, { r.label, r.target, r.stance })
    end
    assert.truthy(recs[1].quote:find(sample.first), recs[1].quote)
    assert.truthy(recs[2].quote:find(sample.second), recs[2].quote)
    -- the spans are code points of the document
    local article = assert(T.read(d .. '/' .. doc))
    local model = require('stance.core').text(article)
    local a, b = model:cp_to_byte(recs[1].spans[1][1]), model:cp_to_byte(recs[1].spans[1][2])
    assert.are.equal(recs[1].quote, article:sub(a + 1, b))
  end)
end)
