-- Stances and targets kept apart in a 256-color terminal, on dark and light backgrounds, as
-- the screen shows them (tmux, capture-pane -e): the study's schema (favor and against only,
-- four targets), on the bundled example's documents.
local T = require('helpers')
local tmux = require('helpers.tmux')

local SCHEMA = T.root .. '/tests/fixtures/study/schema.stance'

-- three annotations, one per line: { line, stance, target }
local MARKS = { { 5, 'favor', 'engagement' }, { 10, 'against', 'sanctions' }, { 14, 'favor', 'human-rights' },
  { 18, 'against', 'denuclearization-first' } }

local CREATE = [[
local marks = ...
local s = require('stance.editor.session').get()
local ops = require('stance.editor.ops')
for _, m in ipairs(marks) do
  local a = vim.api.nvim_buf_get_offset(0, m[1] - 1)
  local b = a + #vim.fn.getline(m[1])
  assert(ops.create(s, { { a, b } }, { label = m[3] .. '-' .. m[2], stance = m[2], target = m[3] }))
end
return s.store:count('annotation')
]]

-- whether palette entry n is a gray (the ramp, or a cube entry with r = g = b)
local function gray(n)
  if n >= 232 then return true end
  local i = n - 16
  return n >= 16 and math.floor(i / 36) == math.floor(i / 6) % 6 and math.floor(i / 6) % 6 == i % 6
end

describe('colors in a 256-color terminal', function()
  after_each(T.cleanup)

  for _, background in ipairs({ 'dark', 'light' }) do
    it(('keeps the study schema\'s stances and targets apart (background=%s)'):format(background), function()
      local d = T.tmpdir()
      os.execute(('cp %s/*.txt %s/ && mkdir -p %s/.stance && cp %s %s/.stance/schema.stance'):format(
        T.q(T.root .. '/doc/example/corpus'), T.q(d), T.q(d), T.q(SCHEMA), T.q(d)))
      local nv = T.tmux({ '01_charge_works.txt' }, { cwd = d, ready = 'The Congestion Charge',
        init = ("require('stance').setup({ annotator = 'tester' }) vim.o.background = %q vim.o.wrap = false")
          :format(background) })
      local ok, err = pcall(function()
        assert.are.equal(#MARKS, nv:lua(CREATE, MARKS))
        local texts = { 'Two years after the city', 'Critics said the charge', 'The council should keep',
          'Mr. Okafor, the opposition' }
        local screen = nv:wait(function(s)
          for _, t in ipairs(texts) do
            local r = tmux.row(s, t)
            local st = r and tmux.style_of(r, t)
            if not (st and st.bg) then return false end
          end
          return true
        end, 'the four annotations drawn')
        local styles = {}
        for i, t in ipairs(texts) do
          styles[i] = tmux.style_of(tmux.row(screen, t), t)
          assert.is_number(styles[i].bg, t)
          assert.is_number(styles[i].fg, t .. ': the target shows as the color of the text')
          assert.is_false(gray(styles[i].bg), ('%s: a gray background (%d) for a stance with a hue'):format(t,
            styles[i].bg))
        end
        -- favor and against apart; the same stance, the same background
        assert.are_not.equal(styles[1].bg, styles[2].bg)
        assert.are.equal(styles[1].bg, styles[3].bg)
        assert.are.equal(styles[2].bg, styles[4].bg)
        -- four targets, four colors, none the stance's background
        for i = 1, 4 do
          for j = i + 1, 4 do
            assert.are_not.equal(styles[i].fg, styles[j].fg, texts[i] .. ' / ' .. texts[j])
          end
          assert.are_not.equal(styles[i].fg, styles[i].bg)
        end
      end)
      nv:close()
      assert(ok, err)
    end)
  end
end)
