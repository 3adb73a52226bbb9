-- Highlight group names made from schema names of any length and spelling (adversary15 #4):
-- a 300-character stance broke every document (E1249, a traceback, nothing drawn), and `a-b`,
-- `a_b`, `a.b` (or two non-ASCII names of one length) shared one group, so one color.
local T = require('helpers')
local tmux = require('helpers.tmux')
local hl = require('stance.editor.highlight')

local LONG_S, LONG_T = 's' .. ('x'):rep(299), 't' .. ('y'):rep(299)
local STANCES = { LONG_S, 'a-b', 'a_b', 'a.b', 'fav\195\182r', 'fav\195\175r', 'a__b', '', 'favor' }
local TARGETS = { LONG_T, 'human-rights', 'human_rights', 'human.rights' }

local function schema()
  local s = { stances = {}, targets = {} }
  for i, n in ipairs(STANCES) do
    s.stances[i] = { name = n, color = ('#%02x4020'):format(i * 25) }
  end
  for i, n in ipairs(TARGETS) do
    s.targets[i] = { name = n, color = ('#20%02x40'):format(i * 40) }
  end
  return s
end

describe('highlight group names', function()
  it('never go over 200 bytes, never collide, keep plain names as they are', function()
    assert(pcall(hl.define, schema()))
    local seen = {}
    for _, make in ipairs({ hl.stance_group, hl.sign_group, hl.target_group, hl.ghost_group, hl.cue_group }) do
      for _, n in ipairs((make == hl.target_group or make == hl.ghost_group) and TARGETS or STANCES) do
        local g = make(n)
        assert.is_true(#g <= 200, g)
        assert.truthy(g:find('^Stance[A-Za-z]+_[A-Za-z0-9_]*$'), g)
        assert.is_nil(seen[g], ('%q and %q share %s'):format(tostring(seen[g]), n, g))
        seen[g] = n
        assert.are.equal(g, make(n)) -- the same at each call
      end
    end
    for _, n in ipairs(STANCES) do
      assert.are.equal(1, vim.fn.hlexists(hl.stance_group(n)), n)
      assert.are.equal(1, vim.fn.hlexists(hl.sign_group(n)), n)
      assert.are_not.equal('StanceOther', hl.other_group(n), n)
    end
    for _, n in ipairs(TARGETS) do
      assert.are.equal(1, vim.fn.hlexists(hl.target_group(n)), n)
    end
    -- the names a config links stay as they were; of two names that would share one, the one
    -- spelt as the group is keeps it
    assert.are.equal('StanceStance_favor', hl.stance_group('favor'))
    assert.are.equal('StanceStance_a_b', hl.stance_group('a_b'))
    assert.are.equal('StanceTarget_human_rights', hl.target_group('human_rights'))
    assert.truthy(hl.target_group('human-rights'):find('^StanceTarget_human_rights__%x+$'))
    -- the others: a readable start, "__", 16 hex digits of the name's SHA-256 (the same in
    -- every session: sha256("a-b") = d44362d67d921091...)
    assert.are.equal('StanceStance_a_b__d44362d67d921091', hl.stance_group('a-b'))
    assert.are.equal('StanceTarget_t' .. ('y'):rep(31) .. '__', hl.target_group(LONG_T):sub(1, 47))
    -- a record with the long stance is drawn in its own group, not as a plain label
    local span, tg, sign = hl.groups_of(LONG_S, LONG_T, nil)
    assert.are.equal(hl.stance_group(LONG_S), span)
    assert.are.equal(hl.target_group(LONG_T), tg)
    assert.are.equal(hl.sign_group(LONG_S), sign)
  end)
end)

describe('highlight group names of the usual schemas', function()
  it('are the names with "-" as "_", as before', function()
    hl.define({ stances = { { name = 'favor' }, { name = 'pro-choice' } },
      targets = { { name = 'congestion-charge' }, { name = 'human-rights' }, { name = 'x_y' } } })
    assert.are.equal('StanceTarget_congestion_charge', hl.target_group('congestion-charge'))
    assert.are.equal('StanceTarget_human_rights', hl.target_group('human-rights'))
    assert.are.equal('StanceGhost_human_rights', hl.ghost_group('human-rights'))
    assert.are.equal('StanceStance_pro_choice', hl.stance_group('pro-choice'))
    assert.are.equal('StanceSign_pro_choice', hl.sign_group('pro-choice'))
    assert.are.equal('StanceTarget_x_y', hl.target_group('x_y'))
    assert.are.equal(1, vim.fn.hlexists('StanceTarget_congestion_charge'))
    -- a name the schema has not: as before when it has only letters, digits and "_"
    assert.are.equal('StanceStance_other', hl.stance_group('other'))
    assert.truthy(hl.stance_group('other-one'):find('^StanceStance_other_one__%x+$'))
    -- cue categories: the lexicon's names, apart from the schema's
    hl.names({ 'deontic-modal', 'booster', 'a-b', 'a_b' }, 'cue')
    assert.are.equal('StanceCue_deontic_modal', hl.cue_group('deontic-modal'))
    assert.are.equal('StanceCue_booster', hl.cue_group('booster'))
    assert.are.equal('StanceCue_a_b', hl.cue_group('a_b'))
    assert.truthy(hl.cue_group('a-b'):find('^StanceCue_a_b__%x+$'))
  end)
end)

local CREATE = [[
local marks = ...
local s = require('stance.editor.session').get()
local ops = require('stance.editor.ops')
for _, m in ipairs(marks) do
  local a = vim.api.nvim_buf_get_offset(0, m[1] - 1)
  local b = a + #vim.fn.getline(m[1])
  assert(ops.create(s, { { a, b } }, { label = 'claim', stance = m[2], target = 'engagement' }))
end
return s.store:count('annotation')
]]

describe('a schema with a 300-character stance and stances a-b and a_b, in a terminal', function()
  after_each(T.cleanup)

  it('draws every annotation, the two stances in two colors, no error', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local f = assert(io.open(d .. '/.stance/schema.stance', 'a'))
    f:write(('\nstance %s\n  color #654321\nstance a-b\n  color #c62828\nstance a_b\n  color #1565c0\n'):format(LONG_S))
    f:close()
    local doc = require('helpers.study').DOC
    local nv = T.tmux({ doc }, { cwd = d, width = 160, height = 40, ready = doc,
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } }) vim.o.wrap = false" })
    tmux.driving(nv, function()
      local lines = nv:lua('return vim.api.nvim_buf_get_lines(0, 0, 12, false)')
      local rows = {}
      for i, l in ipairs(lines) do
        if #l > 30 and #rows < 3 then rows[#rows + 1] = { i, l:sub(1, 20) } end
      end
      assert.are.equal(3, #rows)
      local marks = { { rows[1][1], LONG_S }, { rows[2][1], 'a-b' }, { rows[3][1], 'a_b' } }
      assert.are.equal(3, nv:lua(CREATE, marks))
      local screen = nv:wait(function(s)
        for _, r in ipairs(rows) do
          local row = tmux.row(s, r[2])
          local st = row and tmux.style_of(row, r[2])
          if not (st and st.bg) then return false end
        end
        return true
      end, 'the three annotations drawn')
      local plain = tmux.plain(screen)
      assert.is_nil(plain:find('E1249', 1, true), plain)
      assert.is_nil(plain:find('traceback', 1, true), plain)
      assert.is_nil(plain:find('Error', 1, true), plain)
      local bg = {}
      for i, r in ipairs(rows) do
        bg[i] = tmux.style_of(tmux.row(screen, r[2]), r[2]).bg
      end
      assert.are_not.equal(bg[2], bg[3], 'a-b and a_b in one color')
      assert.are_not.equal(bg[1], bg[2])
    end)
  end)
end)
