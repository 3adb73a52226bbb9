-- A save that fails in the background (the autosave: a full disk, a quota, a folder made
-- read-only; here the layer's folder made immutable with chattr) must not lose the change at
-- :q (it did: the autosave said "could not save" and :q quit, the annotation gone). Read on
-- the screen (tmux) on the study: the buffer shows [+], :q refuses with E37 and says why; the
-- write is tried again every few seconds and saves once it can ("are saved"); a :q right after
-- the folder is writable again tries once more and quits with everything written.
local T = require('helpers')
local tmux = require('helpers.tmux')

local DOC = '000_6358a7516b2472dd.txt'

describe('a background save that fails', function()
  after_each(T.cleanup)

  it('holds the changes: :q refuses (E37), the write is tried again, a later :q saves and quits', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    local folder = d .. '/.stance/annotations/ana'
    os.execute('mkdir -p ' .. T.q(folder))
    if not os.execute('chattr +i ' .. T.q(folder) .. ' 2>/dev/null') then
      return pending('chattr +i is not possible here (not root, or a file system without it)')
    end
    os.execute('chattr -i ' .. T.q(folder))
    local file = folder .. '/' .. DOC .. '.stance'
    local nv = T.tmux({ DOC }, { cwd = d, width = 120, height = 30, ready = 'Doug Bandow',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 200 } })" })
    local ok, err = pcall(function()
      local function written(word)
        local deadline = os.time() + 20
        repeat
          local text = T.exists(file) and T.read(file)
          if text and text:find(word, 1, true) then return true end
          vim.loop.sleep(100)
        until os.time() > deadline
        return false
      end
      nv:keys(':call search("sensitive")', 'Enter', 'gsis1c')
      assert.is_true(written('sensitive'), 'the first annotation saved')
      os.execute('chattr +i ' .. T.q(folder))
      nv:keys(':call search("ambassador")', 'Enter')
      local screen = nv:key('gsis2c', 'could not save the annotations', 'the failed save said')
      assert.truthy(tmux.plain(screen):find(DOC .. ' [+]', 1, true), 'held: ' .. tmux.plain(screen))
      screen = nv:key(':q\r', 'E37', ':q refused')
      assert.truthy(tmux.plain(screen):find('your annotation changes are', 1, true), tmux.plain(screen))
      assert.is_false(nv:dead())
      -- writable again: saved by the next try, without a key
      os.execute('chattr -i ' .. T.q(folder))
      screen = nv:wait(tmux.has('are saved'), 'saved again')
      assert.is_true(written('ambassador'))
      assert.is_nil(tmux.plain(screen):find(DOC .. ' [+]', 1, true), tmux.plain(screen))
      -- again, and :q at once once it is writable: the quit writes it and quits
      os.execute('chattr +i ' .. T.q(folder))
      nv:keys(':call search("spokesman")', 'Enter')
      nv:key('gsis2c', 'could not save the annotations', 'the failed save said')
      os.execute('chattr -i ' .. T.q(folder))
      nv:keys(':q', 'Enter')
      local deadline = os.time() + 20
      while not nv:dead() and os.time() < deadline do
        vim.loop.sleep(100)
      end
      assert.is_true(nv:dead(), 'quit')
      assert.is_true(written('spokesman'), 'written by the quit')
    end)
    os.execute('chattr -i ' .. T.q(folder) .. ' 2>/dev/null')
    if not ok then
      if not nv:dead() then nv:close() end
      error(err, 0)
    end
  end)

  it('another process holding the layer\'s lock: said at once, the keys answered, saved once it lets go', function()
    local d = require('helpers.study').corpus()
    if not d then return pending('../shared/study and ../shared/corpus are not here') end
    if not os.execute('command -v flock >/dev/null 2>&1') then return pending('no flock(1) here') end
    local folder = d .. '/.stance/annotations/ana'
    local file = folder .. '/' .. DOC .. '.stance'
    local nv = T.tmux({ DOC }, { cwd = d, width = 160, height = 30, ready = 'Doug Bandow',
      init = "require('stance').setup({ annotator = 'ana', autosave = { delay = 200 } })" })
    local ok, err = pcall(function()
      local function written(word)
        local deadline = os.time() + 30
        repeat
          local text = T.exists(file) and T.read(file)
          if text and text:find(word, 1, true) then return true end
          vim.loop.sleep(100)
        until os.time() > deadline
        return false
      end
      nv:keys(':call search("sensitive")', 'Enter', 'gsis1c')
      assert.is_true(written('sensitive'), 'the first annotation saved')
      -- another writer (a script, stance fmt, a merge) holds the lock for 10 s: the editor
      -- waited 15 s on it per save, frozen; now it says so at once and goes on
      os.execute(('flock -x %s -c "sleep 10" >/dev/null 2>&1 &'):format(T.q(folder .. '/.' .. DOC .. '.stance.lock')))
      vim.loop.sleep(300)
      nv:keys(':call search("ambassador")', 'Enter')
      local screen = nv:key('gsis2c', 'another process is writing your layer', 'the busy lock said')
      assert.truthy(tmux.plain(screen):find(DOC .. ' [+]', 1, true), 'held: ' .. tmux.plain(screen))
      -- keys answered meanwhile: another annotation drawn while the lock is still held
      nv:keys(':call search("spokesman")', 'Enter')
      nv:key('gsis2c', tmux.colored('spokesman'), 'drawn while the lock is held')
      assert.is_false(T.read(file):find('spokesman', 1, true) ~= nil, 'not written through the lock')
      nv:wait(tmux.has('are saved'), 'saved once the lock is free', 40)
      assert.is_true(written('ambassador') and written('spokesman'))
      assert.is_nil((nv:deprecated()))
    end)
    if not ok then
      nv:close()
      error(err, 0)
    end
    nv:quit()
  end)
end)
