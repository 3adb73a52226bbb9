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
    local tmux = require('helpers.tmux')
    -- the style of the first characters of `text` on the screen (nil when not shown)
    local function style(screen, text)
      local r = tmux.row(screen, text)
      return r and tmux.style_of(r, text)
    end
    local function colored(text)
      return function(screen)
        local st = style(screen, text)
        return st and st.bg ~= nil
      end
    end
    local nv = T.tmux({ doc }, { cwd = d, init = "require('stance').setup({ annotator = 'e2e' }) vim.o.wrap = true",
      ready = sample.plain })
    local ok, err = pcall(function()
      nv:keys(sample.line)
      nv:keys('gsis')
      nv:keys('f')
      -- the label and the target: the sentence is drawn at once, no redraw key
      local screen = nv:key(sample.target_key, colored(sample.annotated), 'the new annotation drawn')
      assert.is_nil(style(screen, sample.plain).bg, 'a line without annotation stays plain')
      nv:mark()
      nv:keys('gg')
      nv:key(']a', function() return (select(2, tmux.row(nv:screen(), sample.annotated))) == nv:cursor() end,
        ']a on the annotation')
      nv:keys(')')
      local second = sample.second:gsub('^%^', '')
      screen = nv:key('.', colored(second:sub(1, 20)), 'the repeated annotation drawn')
      assert.truthy(colored(sample.annotated)(screen), 'the first annotation still drawn')
      local _, cleared = nv:redrawn()
      assert.is_false(cleared, 'no cleared screen')
      -- nothing deprecated called on the way (Neovim 0.11's own report)
      assert.is_nil((nv:deprecated()))
    end)
    if not ok then
      nv:close()
      error(err, 0)
    end
    nv:quit()
    local path = d .. '/.stance/annotations/e2e/' .. doc .. '.stance'
    local text = assert(T.read(path), 'no annotation file after :qa')
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
