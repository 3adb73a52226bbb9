-- :Stance suggest {min-prob} on the screen (tmux, read right after each key), on the study
-- (our annotation of ../shared's five articles, the study's schema; one article nobody has
-- read): without the argument the model's decisions (all of them, whatever their probability:
-- what `stance suggest` writes and `stance eval` scores), with it what `stance
-- suggest --min-prob P` writes, the likeliest stance of every unread sentence and target at P
-- or more, decided or not: the same (sentence, target, stance, probability) as the command
-- writes for that document. Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')

local UNREAD = '004_e35aa5ebcc029514.txt'

--- What `stance suggest [--min-prob MIN]` writes for UNREAD, run on a corpus of its own:
--- { ["START:TARGET:STANCE"] = confidence } and how many.
local function written(min)
  local d = require('helpers.study').annotated(UNREAD)
  local args = { 'suggest' }
  if min then args[2], args[3] = '--min-prob', tostring(min) end
  local _, err, code = T.stance_run(args, nil, d)
  assert.are.equal(0, code, err)
  local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/model/' .. UNREAD
    .. '.stance'))))
  local set, n = {}, 0
  for _, r in ipairs(store:records('annotation')) do
    set[('%d:%s:%s'):format(r.spans[1][1], r.target, r.stance)] = r.confidence
    n = n + 1
  end
  return set, n
end

--- The editor's ghosts: { ["START:TARGET:STANCE"] = probability ("%.3f") }, how many, and
--- the list in text order ({ key, p, label, line, group }).
local function ghosts(nv)
  local list = nv:lua([[
    local s = require('stance.editor.session').get()
    local out = {}
    for _, g in ipairs(s.suggestions) do
      out[#out + 1] = { key = ('%d:%s:%s'):format(g.cp[1], g.target, g.class), p = g.p,
        label = ('%s %s %.2f?'):format(g.target, g.class, g.p),
        line = require('stance.editor.where').pos(s.buf, g.stop) + 1,
        group = 'StanceGhost_' .. g.target:gsub('%-', '_') }
    end
    return out]])
  local set = {}
  for _, g in ipairs(list) do
    set[g.key] = ('%.3f'):format(g.p)
  end
  return set, #list, list
end

describe(':Stance suggest {min-prob} on the screen', function()
  after_each(T.cleanup)

  it('without it the model\'s decisions; with it the likeliest stance of every sentence and target at P or more,'
    .. ' as stance suggest --min-prob P writes', function()
    if not T.shared then return pending('../shared/study and ../shared/corpus are not here') end
    local decided = written(nil)
    local at3, n3 = written(0.3)
    local _, n0 = written(0)
    local d = require('helpers.study').annotated(UNREAD)
    local nv = tmux.open({ UNREAD }, { cwd = d, width = 200, height = 40, ready = 'Washington Post',
      init = "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true" })
    tmux.driving_to_quit(nv, function()
      -- no argument: the model's decisions, every one that stance suggest writes
      nv:keys(':Stance suggest')
      local screen = nv:key('Enter', 'suggestion(s), learnt from', 'the decisions')
      local set, n = ghosts(nv)
      assert.truthy(tmux.plain(screen):find(('stance: %d suggestion(s), learnt from'):format(n), 1, true),
        tmux.plain(screen))
      assert.are.same(decided, set)
      -- 0.3: what stance suggest --min-prob 0.3 writes, more than the decisions
      nv:keys(':Stance suggest 0.3')
      screen = nv:key('Enter', ('stance: %d suggestion(s), learnt from'):format(n3), 'the suggestions at 0.3')
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      local ndecided = n
      local list
      set, n, list = ghosts(nv)
      assert.are.same(at3, set)
      assert.are.equal(n3, n)
      assert.is_true(n3 > ndecided, ('%d at 0.3, %d decisions'):format(n3, ndecided))
      -- a ghost no decision shows, on the screen in its target's color
      local new
      for _, g in ipairs(list) do
        if not new and not decided[g.key] then new = g end
      end
      assert.truthy(new, 'a suggestion at 0.3 that is no decision')
      nv:keys(tostring(new.line) .. 'G')
      nv:key('z', nil)
      screen = nv:key('t', tmux.has(new.label), 'the ghost ' .. new.label)
      local row = tmux.row(screen, new.label)
      local style = tmux.style_of(row, new.label)
      local fg = nv:lua(("return vim.fn.synIDattr(vim.fn.synIDtrans(vim.fn.hlID(%q)), 'fg', 'cterm')"):format(new.group))
      assert.are.equal(tonumber(fg), style.fg, row)
      -- 0: one for every unread sentence of prose and target
      nv:keys(':Stance suggest 0')
      screen = nv:key('Enter', ('stance: %d suggestion(s), learnt from'):format(n0), 'the suggestions at 0')
      assert.is_nil(tmux.plain(screen):find('Press ENTER', 1, true), tmux.plain(screen))
      local _, all = ghosts(nv)
      assert.are.equal(n0, all)
      assert.is_nil((nv:deprecated()))
    end)
  end)
end)
