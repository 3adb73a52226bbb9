-- A claim in two parts with other text between them is one annotation of two spans (brat's
-- discontinuous span): `+` in the label question of `gs` adds the motion's text to the
-- annotation made last, `-` takes it out, `:'<,'>Stance edit spans add|remove` does the same
-- for a selection; one undo step each. Looked at on the screen (tmux, the study's schema:
-- stances favor and against only) right after each key, and in the file written.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('adding a span to an annotation', function()
  after_each(T.cleanup)

  it('+ adds the text to the annotation made last, - takes it out, u undoes each, :Stance edit spans add|remove too',
    function()
      local d = require('helpers.study').corpus()
      if not d then return pending('../shared/study and ../shared/corpus are not here') end
      local nv = T.tmux({ DOC }, { cwd = d, width = 200, height = 40, ready = 'Doug Bandow',
        init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 60000 } })" })
      -- (the second part's sentence starts at the end of a screen row: its second row is looked at)
      local first, between, second = 'Despite the DPRK', 'In December Washington', 'president stopped talking'
      local function plain_colored(text, screen) return tmux.colored(text)(screen or nv:screen()) end
      local function not_colored(text) return function(sc) return not tmux.colored(text)(sc) end end
      local function spans()
        return nv:lua([[
          local recs = require('stance.editor.session').get().store:records('annotation')
          return #recs == 1 and #recs[1].spans or -#recs]])
      end
      tmux.driving_to_quit(nv, function()
        nv:keys(':call search("Despite the DPRK")', 'Enter')
        local screen = nv:key('gsis', '1 engagement-favor', 'the label question')
        -- (nothing made yet: no annotation to add the sentence to, none to take it out of)
        assert.is_nil(tmux.plain(screen):find('+ add to', 1, true))
        nv:key('1', 'role:', 'the role question')
        nv:key('c', tmux.colored(first), 'the first part annotated')
        -- the second part, two sentences on: + adds it to the annotation just made
        nv:keys(':call search("In fact, the president")', 'Enter')
        screen = nv:key('gsis', '+ add to it', 'the label question offers to add the sentence')
        assert.truthy(tmux.plain(screen):find('1 engagement-favor', 1, true))
        screen = nv:key('+', tmux.colored(second), 'the second part drawn')
        assert.truthy(plain_colored(first, screen))
        assert.falsy(plain_colored(between, screen), 'the sentence between stays out')
        assert.truthy(tmux.plain(screen):find('added to engagement%-favor [^\n]*: 2 spans, "Despite the DPRK'),
          tmux.plain(screen))
        assert.are.equal(2, spans())
        -- one undo step
        screen = nv:key('u', not_colored(second), 'the second part undone')
        assert.truthy(plain_colored(first, screen))
        assert.are.equal(1, spans())
        -- :'<,'>Stance edit spans add over a selection (the cursor in it: the one made last)
        nv:keys('vis')
        screen = nv:key(':Stance edit spans add\r', tmux.colored(second), 'added by the command')
        assert.falsy(plain_colored(between, screen))
        assert.are.equal(2, spans())
        -- - in the label question takes the sentence out again
        nv:key('gsis', '- take out of it', 'the label question offers to take it out')
        screen = nv:key('-', not_colored(second), 'taken out')
        assert.truthy(plain_colored(first, screen))
        assert.truthy(tmux.plain(screen):find('took text out of engagement%-favor [^\n]*: 1 span, "'), tmux.plain(screen))
        assert.are.equal(1, spans())
        -- all of it cannot be taken out (gX deletes an annotation), nor added where it is already
        nv:keys(':call search("Despite the DPRK")', 'Enter')
        screen = nv:key('gsis', '1 engagement-favor', 'the label question over the first part')
        assert.is_nil(tmux.plain(screen):find('- take out', 1, true))
        assert.is_nil(tmux.plain(screen):find('+ add to', 1, true))
        nv:key('\27', function(sc) return not tmux.plain(sc):find('1 engagement-favor', 1, true) end, 'cancelled')
        assert.are.equal(1, nv:lua([[return #require('stance.editor.session').get().store:records('annotation')]]))
        -- the command with a selection inside the annotation: taken out there
        nv:keys(':call search("fulminations")', 'Enter', 'viw')
        screen = nv:key(':Stance edit spans remove\r', tmux.has('took text out of'), 'a word taken out')
        assert.truthy(plain_colored(first, screen))
        assert.falsy(plain_colored('fulminations', screen))
        assert.are.equal(2, spans())
        -- written: one annotation of two spans
        nv:key(':w\r', tmux.has('written'), 'written')
        local file = assert(T.read(d .. '/.stance/annotations/ana/' .. DOC .. '.stance'))
        assert.truthy(file:find('\n  span %d+%-%d+ %d+%-%d+\n'), file)
        assert.is_nil((nv:deprecated()))
      end)
    end)
end)
