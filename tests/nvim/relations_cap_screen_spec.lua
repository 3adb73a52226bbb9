-- Many relations ending at one place (the study, ../shared/study): at most
-- render.MAX_RELATION_MARKS (16) relation marks are drawn there, then one "+N more" for the
-- rest, not every mark piled up after the sentence. Read in tmux right after the document
-- opens and after scrolling to it (capture-pane -e, no redraw key in between).
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'
local N = 40

--- The study with ana's layer on DOC: the sentence "The U.S. also came under fire." a claim,
--- the next one annotated N times as a premise, each linked to the claim (supports). The
--- corpus's folder, nil without ../shared.
local function study()
  local d = require('helpers.study').corpus()
  if not d then return nil end
  local c = assert(require('stance').open(d))
  local doc = assert(c:document(DOC))
  local ss = assert(doc:sentences())
  local k
  for i, s in ipairs(ss) do
    if s.text:find('came under fire', 1, true) then k = i end
  end
  local claim = assert(doc:annotate({ start = ss[k].start, stop = ss[k].stop, label = 'human-rights-against',
    role = 'claim', annotator = 'ana' }))
  for _ = 1, N do
    local p = assert(doc:annotate({ start = ss[k + 1].start, stop = ss[k + 1].stop, label = 'engagement-favor',
      role = 'premise', annotator = 'ana' }))
    assert(doc:relate(p.id, claim.id, 'supports', { annotator = 'ana' }))
  end
  assert(c:save())
  return d
end

describe('relation marks at one place', function()
  after_each(T.cleanup)

  it('draws at most 16 of them, then "+N more"', function()
    local d = study()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 50, ready = 'came under fire', init = [[
require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })
vim.o.wrap = true
]] })
    tmux.driving(nv, function()
      local more = ("[+%d more]"):format(N - 16)
      local function check(screen, what)
        local plain = tmux.plain(screen)
        -- both ends: the claim's marks (→ i supports) and the premises' (i supports →); before
        -- Neovim 0.10 each end's marks stand in a virtual line under the row, cut at the
        -- window's width (stance.editor.under): the claim's "+N more" is past it
        local inline = nv:lua("return vim.fn.has('nvim-0.10')") == 1
        assert.are.equal(inline and 2 or 1, tmux.count(screen, more), what .. ': "' .. more .. '":\n' .. plain)
        local n = tmux.count(screen, 'supports')
        assert.is_true(n <= 32 and n >= (inline and 32 or 16), what .. ': at most 16 marks at each place (' .. n
          .. '):\n' .. plain)
      end
      check(nv:settle(), 'opened')
      nv:key('G')
      check(nv:key('gg'), 'after G gg')
    end)
  end)
end)
