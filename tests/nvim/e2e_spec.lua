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
    local colored = tmux.colored
    local nv = T.tmux({ doc }, { cwd = d, init = "require('stance').setup({ annotator = 'e2e' }) vim.o.wrap = true",
      ready = sample.plain })
    tmux.driving_to_quit(nv, function()
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

  -- Keys typed while Neovim opens the document are held by the terminal and read before
  -- anything Neovim schedules: the buffer's keys must be there when the document is attached.
  -- ]a without ours: nothing on 0.7, Neovim's own :next on 0.11 ("E163: There is only one
  -- file to edit").
  local function typed_at_open(d, doc)
    local nv = T.tmux({ doc }, { cwd = d, init = "require('stance').setup({ annotator = 'ana' })",
      typeahead = { ']a' } })
    local ok, err = pcall(function()
      -- where ]a goes: the first annotation that starts after the start of the document
      local want = nv:lua([[
        local s = require('stance.editor.session').get()
        local first
        for _, r in ipairs(s.store:records('annotation')) do
          local a = r.spans and r.spans[1] and r.spans[1][1]
          if a and a > 0 and (not first or a < first) then first = a end
        end
        local row = vim.fn.byte2line(first + 1)
        return { row, first - vim.api.nvim_buf_get_offset(s.buf, row - 1) }
      ]])
      local ruler = ('%d,%d'):format(want[1], want[2] + 1)
      local screen = nv:wait(function(sc)
        return require('helpers.tmux').plain(sc):find(ruler, 1, true)
      end, 'the ruler at ' .. ruler)
      assert.falsy(screen:find('E163', 1, true), screen)
      assert.are.same(want, nv:lua('return vim.api.nvim_win_get_cursor(0)'))
    end)
    nv:close()
    assert(ok, err)
  end

  it('takes keys typed while the document opens: ]a goes to the next annotation (the example)', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    typed_at_open(d, '01_charge_works.txt')
  end)

  it("takes keys typed while the document opens: ]a goes to the next annotation (the study's schema)", function()
    local d, paths = require('helpers.study_layers').make()
    if not d then return pending('../shared is absent: the study cannot be tried') end
    typed_at_open(d, paths[1])
  end)
end)
