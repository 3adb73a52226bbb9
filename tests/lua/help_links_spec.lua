-- Every |link| of doc/stance.txt leads somewhere (no E426 on CTRL-]): to a tag of
-- doc/stance.txt (doc/tags, made by :helptags) or to one of Neovim's own, in the help of
-- every Neovim found (Debian's and ../shared's: the link works on each version we support).
local T = require('helpers')

--- The tags of a tags file: a set, or nil when the file is absent.
local function tags_of(path)
  local f = io.open(path, 'rb')
  if not f then return nil end
  local set = {}
  for line in f:lines() do
    local name = line:match('^([^\t]+)\t')
    if name then set[name] = true end
  end
  f:close()
  return set
end

--- The runtimes' tags files of the Neovims the tests know (each a set).
local function runtimes()
  local out, seen = {}, {}
  local function add(path)
    if seen[path] then return end
    seen[path] = true
    local set = tags_of(path)
    if set then out[#out + 1] = { path = path, tags = set } end
  end
  add('/usr/share/nvim/runtime/doc/tags')
  local shared = T.shared
  if shared then
    local p = io.popen(("ls -d '%s'/nvim/*/share/nvim/runtime/doc/tags 2>/dev/null"):format(shared))
    for line in p:lines() do
      add(line)
    end
    p:close()
  end
  return out
end

describe('the help', function()
  it('has no link that leads nowhere', function()
    local ours = assert(tags_of('doc/tags'), 'doc/tags: run make')
    local rts = runtimes()
    assert.is_true(#rts > 0, 'no Neovim runtime help found')
    local f = assert(io.open('doc/stance.txt', 'rb'))
    local bad, n = {}, 0
    for line in f:lines() do
      n = n + 1
      -- a link: |name| after a blank, an opening bracket or punctuation (not `all|annotation|`
      -- of a synopsis); as Vim's help syntax, not after a backslash
      for before, name in line:gmatch('()|([#-{}~!]+)|') do
        local prev = before > 1 and line:sub(before - 1, before - 1) or ' '
        if not prev:match('[%w\\]') and not ours[name] then
          for _, rt in ipairs(rts) do
            if not rt.tags[name] then
              bad[#bad + 1] = ('doc/stance.txt:%d: |%s| is no tag of doc/stance.txt nor of %s'):format(n, name, rt.path)
            end
          end
        end
      end
    end
    f:close()
    assert.are.same({}, bad)
  end)
end)
