-- Schemas we did not write, on the screen (tmux, read after each key): generated schemas
-- (tests/helpers/gen_schema.lua: made-up names beyond ASCII, two to four stances that are not
-- favor/against, sometimes one called "none", keys and colors at random). For each: a
-- sentence annotated with a label that fixes target and stance (and asks the role when the
-- schema has roles), another with the same target's next stance, a third with a label that asks
-- the target; each drawn by the key that ends its create, the two stances of one target in
-- colors apart; written by :w with the target, stance and role the keys chose; the legend
-- names every target and stance; no deprecation message.
local T = require('helpers')
local tmux = require('helpers.tmux')
local gen = require('helpers.gen_schema')

describe('generated schemas on the screen', function()
  after_each(T.cleanup)

  local corpus = T.shared .. '/corpus'
  local doc = '000_6358a7516b2472dd.txt'

  local function style(screen, word)
    local row = tmux.row(screen, word)
    return row and tmux.style_of(row, word) or nil
  end
  local function colored(word)
    return function(screen)
      local st = style(screen, word)
      return st ~= nil and st.bg ~= nil
    end
  end

  local function on_disk(d)
    local text = T.read(d .. '/.stance/annotations/ana/' .. doc .. '.stance')
    return text and require('stance.core').read(text):records('annotation') or {}
  end

  for _, seed in ipairs({ 1, 4, 5, 6 }) do
    it('seed ' .. seed, function()
      if not T.exists(corpus .. '/' .. doc) then return pending('../shared/corpus is not here') end
      local g = gen.new(seed)
      local d = T.tmpdir()
      os.execute(('cp %s %s/ && mkdir -p %s/.stance'):format(T.q(corpus .. '/' .. doc), T.q(d), T.q(d)))
      T.write(d .. '/.stance/schema.stance', g.text)
      local nv = T.tmux({ doc }, { cwd = d, width = 160, height = 50, ready = 'Doug Bandow',
        init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })"
          .. " vim.o.wrap = true vim.o.linebreak = true vim.o.cmdheight = 3" })
      local ok, err = pcall(function()
        local first, second, asking = g.labels[1], g.labels[2], nil
        for _, l in ipairs(g.labels) do
          if not l.target and l.stance and not asking then asking = l end
        end
        local want = {
          sensitive = { target = first.target, stance = first.stance, role = g.roles[1] and g.roles[1].name },
          ambassador = { target = second.target, stance = second.stance, role = g.roles[1] and g.roles[1].name },
          spokesman = { target = g.targets[#g.targets].name, stance = asking.stance,
            role = g.roles[#g.roles] and g.roles[#g.roles].name },
        }
        local function create(word, label, answers)
          nv:keys(':call search(' .. "'\\<" .. word .. "\\>'" .. ')', 'Enter')
          return nv:key('gsis' .. g.keys(label, answers), colored(word), word .. "'s sentence drawn (" .. label.name .. ')')
        end
        create('sensitive', first)
        local screen = create('ambassador', second)
        local a, b = style(screen, 'sensitive'), style(screen, 'ambassador')
        assert.truthy(a and a.bg, 'the first sentence still drawn')
        assert.are_not.equal(a.bg, b.bg, ('stances %s and %s of %s drawn alike:\n%s'):format(first.stance,
          second.stance, first.target, tmux.plain(screen)))
        create('spokesman', asking, { target = want.spokesman.target, role = want.spokesman.role })
        -- written by :w, with what the keys chose
        nv:keys(':w', 'Enter')
        local deadline = os.time() + 20
        local found
        repeat
          found = {}
          for _, rec in ipairs(on_disk(d)) do
            for word in pairs(want) do
              if rec.quote and rec.quote:find(word, 1, true) then found[word] = rec end
            end
          end
        until (found.sensitive and found.ambassador and found.spokesman) or os.time() > deadline
        for word, w in pairs(want) do
          local rec = found[word]
          assert.truthy(rec, word .. "'s sentence not written")
          assert.are.same(w, { target = rec.target, stance = rec.stance, role = rec.role }, word)
        end
        -- the legend names every target and stance
        nv:keys(':Stance legend')
        screen = nv:key('Enter', g.stances[#g.stances].name, 'the legend')
        for _, x in ipairs(g.targets) do
          assert.truthy(tmux.plain(screen):find(x.name, 1, true), x.name .. ' not in the legend')
        end
        for _, x in ipairs(g.stances) do
          assert.truthy(tmux.plain(screen):find(x.name, 1, true), x.name .. ' not in the legend')
        end
        assert.is_nil((nv:deprecated()))
      end)
      if not ok then
        nv:close()
        error(('seed %d: %s\nschema:\n%s'):format(seed, tostring(err), g.text), 0)
      end
      nv:quit()
    end)
  end
end)
