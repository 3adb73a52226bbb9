-- Suggestions as an annotator sees them: Neovim in tmux on the study (../shared/study's schema,
-- our annotation of four of the five articles, tests/fixtures/study), the fifth article
-- opened, `:Stance suggest`, then g+ and g- on ghosts; the screen read (with its colors) right
-- after each key, with no redraw key in between; then the files on disk.
local T = require('helpers')

local ESC = '\27%[[%d;]*m'

--- A Neovim in a tmux session of 120x30, and the screen after each key.
local function session(cwd, args, init)
  local rnd = io.open('/dev/urandom', 'rb')
  local name = 'stance-sg-' .. rnd:read(6):gsub('.', function(c) return ('%02x'):format(c:byte()) end)
  rnd:close()
  local file = T.tmpdir() .. '/init.lua'
  T.write(file, ('vim.opt.rtp:prepend(%q)\nvim.opt.swapfile = false\nvim.opt.shortmess:append("I")\n%s\n')
    :format(T.root, init or ''))
  local cmd = { 'nvim', '-u', file, '-i', 'NONE' }
  for _, a in ipairs(args) do
    cmd[#cmd + 1] = a
  end
  for i, a in ipairs(cmd) do
    cmd[i] = T.q(a)
  end
  os.execute(('tmux -L stance-tests new-session -d -s %s -x 120 -y 30 %s'):format(name,
    T.q('cd ' .. T.q(cwd) .. ' && TERM=xterm-256color ' .. table.concat(cmd, ' '))))
  local s = {}
  function s.screen()
    local p = io.popen(('tmux -L stance-tests capture-pane -e -p -t %s'):format(name))
    local out = p:read('*a')
    p:close()
    return out
  end
  function s.plain() return (s.screen():gsub(ESC, '')) end
  --- Wait (up to `secs`) until `cond(screen)` holds; the screen.
  function s.wait(cond, secs, what)
    local screen
    for _ = 1, (secs or 30) * 10 do
      screen = s.screen()
      if cond(screen, (screen:gsub(ESC, ''))) then return screen end
      os.execute('sleep 0.1')
    end
    error(('%s: not on screen after %d s:\n%s'):format(what or 'condition', secs or 30, screen:gsub(ESC, '')))
  end
  function s.keys(...)
    for _, k in ipairs({ ... }) do
      os.execute(('tmux -L stance-tests send-keys -t %s %s'):format(name, T.q(k)))
    end
  end
  function s.close()
    os.execute(('tmux -L stance-tests kill-session -t %s 2>/dev/null'):format(name))
  end
  return s
end

describe('suggestions in a terminal', function()
  after_each(T.cleanup)

  local run = T.shared and it or pending
  run('show ghosts for the study schema, and g+ makes a complete annotation, g- a rejection', function()
    local d = T.tmpdir()
    os.execute(('mkdir -p %s/.stance/annotations && cp %s/corpus/*.txt %s/ && cp %s %s/.stance/ && cp -r %s %s/.stance/annotations/')
      :format(T.q(d), T.q(T.shared), T.q(d), T.q(T.root .. '/tests/fixtures/study/schema.stance'), T.q(d),
        T.q(T.root .. '/tests/fixtures/study/annotations/fixture'), T.q(d)))
    local doc = '004_e35aa5ebcc029514.txt'
    os.remove(d .. '/.stance/annotations/fixture/' .. doc .. '.stance') -- nobody has read it
    local s = session(d, { doc }, "require('stance').setup({ annotator = 'tester' }) vim.o.wrap = true")
    local ok, err = pcall(function()
      s.wait(function(_, p) return p:find('Washington Post', 1, true) end, 30, 'the document')
      s.keys(':Stance suggest', 'Enter')
      s.wait(function(_, p) return p:find('suggestion%(s%)') end, 60, 'the suggestions')
      -- next-suggestion: the model's guesses where it would learn most
      s.keys(':Stance next-suggestion', 'Enter')
      s.wait(function(_, p) return p:find('most to learn here:', 1, true) end, 10, 'next-suggestion')
      -- to the first suggestion (as a motion would): its ghost, target, stance and probability
      s.keys(':lua local x = require("stance.editor.session").get() require("stance.editor.where").jump(x.suggestions[1].start)'
        .. ' vim.g.sg = x.suggestions[1].target .. " " .. x.suggestions[1].class'
        .. ' vim.g.gl = ("%s %s %.2f?"):format(x.suggestions[1].target, x.suggestions[1].class, x.suggestions[1].p)', 'Enter')
      s.keys(':echo "SG " .. g:sg', 'Enter')
      local want = s.wait(function(_, p) return p:find('SG [%w-]+ [%w-]+') end, 10, 'the suggestion'):gsub(ESC, '')
      local target, stance = want:match('SG ([%w-]+) ([%w-]+)')
      local screen = s.screen()
      local ghost = screen:gsub(ESC, ''):find(target .. ' ' .. stance .. ' 0%.%d%d%?')
      assert.truthy(ghost, screen:gsub(ESC, ''))
      -- in the target's color (the study's colors are truecolor: 256 colors in the terminal)
      assert.truthy(screen:find('38;5;%d+m[^\27]*' .. target:gsub('%-', '%%-') .. ' ' .. stance), screen)
      assert.is_nil(screen:gsub(ESC, ''):find('Press ENTER', 1, true))
      local function count(text, plain)
        local n, at = 0, 1
        while true do
          local i = plain:find(text, at, true)
          if not i then return n end
          n, at = n + 1, i + 1
        end
      end
      s.keys(':echo "GL " .. g:gl', 'Enter')
      local label = s.wait(function(_, p) return p:find('GL [^\n]-%?') end, 10, 'the label'):gsub(ESC, ''):match('GL ([^\n]-%?)')
      s.keys(':echo ""', 'Enter')
      local shown = count(label, s.plain())
      assert.is_true(shown >= 1, s.plain())
      s.keys('g', '+')
      screen = s.wait(function(_, p) return p:find('role:', 1, true) end, 10, 'the role prompt')
      assert.truthy(screen:gsub(ESC, ''):find('c claim', 1, true))
      s.keys('c')
      -- right after the key: the annotation is drawn in its stance's color, its ghost gone
      screen = s.wait(function(_, p) return not p:find('role:', 1, true) end, 10, 'the annotation')
      assert.truthy(screen:find('48;[25];'), screen:gsub(ESC, '')) -- a background color: the annotation
      assert.are.equal(shown - 1, count(label, screen:gsub(ESC, ''))) -- its ghost is gone, right away
      -- g- on another suggestion: its ghost goes at once
      s.keys(':lua local x = require("stance.editor.session").get() require("stance.editor.where").jump(x.suggestions[1].start)'
        .. ' vim.g.gh = #vim.api.nvim_buf_get_extmarks(0, require("stance.editor.suggest").ns, 0, -1, {})', 'Enter')
      s.keys(':echo "ghosts " .. g:gh', 'Enter')
      local before = tonumber(s.wait(function(_, p) return p:find('ghosts %d+') end, 10, 'ghosts'):gsub(ESC, '')
        :match('ghosts (%d+)'))
      s.keys(':echo ""', 'Enter')
      local plain_before = s.plain()
      s.keys('g', '-')
      local plain_after = s.wait(function(_, p) return p ~= plain_before end, 10, 'the rejection')
      assert.are_not.equal(plain_before, plain_after) -- the screen changed at once: the ghost went
      s.keys(':echo "ghosts now " .. len(nvim_buf_get_extmarks(0, luaeval("require(\'stance.editor.suggest\').ns"), 0, -1, {}))',
        'Enter')
      local after = tonumber(s.wait(function(_, p) return p:find('ghosts now %d+') end, 10, 'ghosts now'):gsub(ESC, '')
        :match('ghosts now (%d+)'))
      assert.are.equal(before - 1, after)
      s.keys(':wa', 'Enter', ':qa!', 'Enter')
      os.execute('sleep 1')
      -- the files: a complete annotation of the study schema, and the rejection in the model layer
      local store = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/tester/' .. doc .. '.stance'))))
      local rec = store:records('annotation')[1]
      assert.are.same({ target .. '-' .. stance, target, stance, 'claim' }, { rec.label, rec.target, rec.stance, rec.role })
      local model = assert(require('stance.core').read(assert(T.read(d .. '/.stance/annotations/model/' .. doc .. '.stance'))))
      local rej = model:records('annotation')[1]
      assert.truthy(rej.note:find('^rejected by tester'))
      assert.truthy(rej.target and rej.stance)
    end)
    s.close()
    assert(ok, err)
  end)
end)
