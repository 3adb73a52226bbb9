-- A real git merge conflict in a file of a corpus: what a `git merge` without stance's merge
-- driver leaves (stance init --git registers it).
local T = require('helpers')
local M = {}

--- Make corpus `d` a git repository, change `from` in file `rel` to `ours` on main and to
--- `theirs` on another branch, and merge that one into main: the file is left with git's
--- conflict markers. Returns the line of its `<<<<<<< HEAD`.
---@param d string
---@param rel string
---@param from string
---@param ours string
---@param theirs string
---@return integer line
function M.make(d, rel, from, ours, theirs)
  local g = ('git -C %s -c user.name=t -c user.email=t@t '):format(T.q(d))
  local f = d .. '/' .. rel
  local base = T.read(f)
  assert(base:find(from, 1, true), from)
  local pat = from:gsub('%p', '%%%0')
  assert(T.run(('git -C %s init -q && %s checkout -qb main && %s add -A && %s commit -qm base && %s checkout -qb other')
    :format(T.q(d), g, g, g, g)))
  T.write(f, (base:gsub(pat, theirs, 1)))
  assert(T.run(('%s commit -qam theirs && %s checkout -q main'):format(g, g)))
  T.write(f, (base:gsub(pat, ours, 1)))
  T.run(('%s commit -qam ours && %s merge -q other'):format(g, g))
  local n = 0
  for l in T.read(f):gmatch('([^\n]*)\n') do
    n = n + 1
    if l == '<<<<<<< HEAD' then return n end
  end
  error('no conflict in ' .. f)
end

M.MESSAGE = 'unresolved git merge conflict: run `stance init --git` so the merge driver is registered, then'
  .. ' `git merge --abort` and merge again (or resolve by hand)'

return M
