-- A corpus of one post per line (the schema's `unit line`, targets' `documents`) on the
-- screen (tmux, read after each key): `gsis` annotates one line, never the start of the next;
-- `]u` goes line by line; `]u` toward a target the document is not one of says so. Generated
-- posts (no end punctuation, an unclosed parenthesis). Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local DOC = 'atheism_01.txt'
local POSTS = {
  'we should all pray more today #faith #SemST',
  'no god needed for a good life (seriously #SemST',
  'Faith keeps me going every morning #blessed #SemST',
}

local function corpus()
  local d = T.tmpdir()
  T.write(d .. '/.stance/schema.stance', require('helpers.tweets').schema(true))
  T.write(d .. '/' .. DOC, table.concat(POSTS, '\n') .. '\n')
  T.write(d .. '/climate_01.txt', 'the climate is warming faster than models said #SemST\n')
  return d
end

describe('a corpus of one post per line on the screen', function()
  after_each(T.cleanup)

  it('gsis takes one line, ]u goes line by line, ]u toward another target\'s documents says so', function()
    local d = corpus()
    local nv = T.tmux({ DOC }, { cwd = d, width = 100, height = 12, ready = 'we should all pray',
      env = { STANCE_ANNOTATOR = 'ana' }, init = "require('stance').setup({ annotator = 'ana' })" })
    tmux.driving_to_quit(nv, function()
      nv:keys('g', 's', 'i', 's')
      local screen = nv:key('1', tmux.colored(POSTS[1]), 'the first post annotated')
      assert.is_falsy(tmux.colored(POSTS[2])(screen), 'the second post is not annotated:\n' .. tmux.plain(screen))
      nv:key(']', nil)
      screen = nv:key('u', nil)
      assert.are.equal(2, select(1, nv:cursor()), tmux.plain(screen))
      nv:keys('v', 'i', 's')
      nv:keys('g', 's')
      nv:key('2', tmux.colored(POSTS[2]), 'the second post annotated')
      screen = nv:settle()
      assert.is_falsy(tmux.colored(POSTS[3])(screen), 'the third post is not annotated:\n' .. tmux.plain(screen))
      nv:keys(':Stance next-unannotated climate', 'Enter')
      nv:wait(has("not one of climate's documents"), 'the message')
      nv:keys(':w', 'Enter')
      nv:wait(function()
        local text = T.read(d .. '/.stance/annotations/ana/' .. DOC .. '.stance')
        return text and require('stance.core').read(text):count('annotation') == 2
      end, 'two annotations written')
    end)
    local l = require('stance.core').read(assert(T.read(d .. '/.stance/annotations/ana/' .. DOC .. '.stance')))
    local quotes = {}
    for _, r in ipairs(l:records('annotation')) do
      quotes[#quotes + 1] = r.quote
    end
    table.sort(quotes)
    assert.are.same({ POSTS[2], POSTS[1] }, quotes) -- sorted: "no ..." before "we ..."
  end)
end)
