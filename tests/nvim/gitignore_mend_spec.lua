-- An older corpus (its .stance/.gitignore written by an older stance init, whose unanchored
-- `cache/`, `report/` hid the annotation files of folders so named from git): opening one of its
-- documents mends the file in place and says so once, on one line (no Press ENTER); opening
-- again says nothing. Neovim in tmux, the screen read, then the files and git.
local T = require('helpers')
local tmux = require('helpers.tmux')
local has = tmux.has

local git, is_ignored = T.git, T.git_ignores

describe('an older corpus opened in the editor', function()
  after_each(T.cleanup)

  it('has its .gitignore mended, said once on one line', function()
    local top = T.tmpdir()
    git(top, 'init -q')
    local d = top .. '/c'
    T.write(d .. '/.stance/schema.stance', require('stance.templates').schema)
    T.write(d .. '/.stance/.gitignore', '# older\nindex.bin\ncache/\nreport/\n.*.lock\n.*.tmp\nmine/\n')
    T.write(d .. '/report/q1.txt', 'hello world\n')
    local ann = '.stance/annotations/alice/report/q1.txt.stance'
    T.write(d .. '/' .. ann, '')
    git(top, 'add -A')
    git(top, 'commit -qm older')
    assert.is_true(is_ignored(top, 'c/' .. ann))
    local open = function()
      return T.tmux({ 'report/q1.txt' }, { cwd = d, width = 100, height = 20, ready = 'hello world',
        init = "require('stance').setup({ annotator = 'eve' })" })
    end
    local start = '(stance) ' .. d .. '/.stance/.gitignore updated, commit it'
    local nv = open()
    tmux.driving(nv, function()
      local screen = nv:wait(has(start), 'said on opening')
      local plain = tmux.plain(screen)
      assert.is_nil(plain:find('Press ENTER', 1, true), plain)
      local messages = nv:lua("return vim.fn.execute('messages')")
      assert.truthy(messages:find('(/index.bin, /cache/, /report/); 1 annotation file(s) it hid now show in git status', 1, true), messages)
    end)
    assert.are.equal('# older\n/index.bin\n/cache/\n/report/\n.*.lock\n.*.tmp\nmine/\n', T.read(d .. '/.stance/.gitignore'))
    assert.is_false(is_ignored(top, 'c/' .. ann))
    assert.is_true(is_ignored(top, 'c/.stance/cache/x'))
    -- opened again: nothing to mend, nothing said
    nv = open()
    tmux.driving(nv, function()
      nv:settle()
      local messages = nv:lua("return vim.fn.execute('messages')")
      assert.falsy(messages:find('gitignore', 1, true), messages)
      assert.falsy(tmux.plain(nv:screen()):find('gitignore', 1, true))
    end)
  end)
end)
