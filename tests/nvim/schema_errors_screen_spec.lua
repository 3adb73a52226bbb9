-- A schema with errors (here git's conflict markers around a stance, the two sides' records
-- read at once) is used as far as it reads, never silently: opening a document says its
-- first error on one line (the place first, the conflict named as such, the advice to merge it
-- by hand), whole in :messages (tmux, read right after each key). Each Neovim of the matrix runs it.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('a schema with conflict markers, on opening a document', function()
  after_each(T.cleanup)

  it('is said on one line: FILE:LINE:COL, a merge conflict to resolve by hand', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local path = d .. '/.stance/schema.stance'
    local text = assert(T.read(path))
    local conflicted, n = text:gsub('stance favor\n  key f\n',
      '<<<<<<< HEAD\nstance favor\n  key f\n=======\nstance favour\n  key f\n>>>>>>> theirs\n', 1)
    assert.are.equal(1, n)
    T.write(path, conflicted)
    local line = select(2, text:sub(1, text:find('stance favor\n', 1, true)):gsub('\n', '')) + 1
    local nv = tmux.open({ DOC }, { cwd = d, width = 160, ready = 'Trump Should',
      init = "require('stance').setup({ annotator = 'ana' })" })
    tmux.driving_to_quit(nv, function()
      local start = ('.stance/schema.stance:%d:1: unresolved git merge conflict'):format(line)
      local screen = nv:wait(tmux.has('(stance) ' .. start), 'the schema\'s error said')
      tmux.one_line(nv, screen, start, start .. ': the schema is merged by hand (the merge driver does not merge '
        .. 'it): keep one side and remove the marker lines')
    end)
  end)
end)
