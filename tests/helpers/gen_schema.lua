-- Generated schemas for the tests: schemas we did not write, from a seed. Targets, stances,
-- roles and labels with made-up names (lower case, digits, hyphens, letters beyond ASCII;
-- never favor/against unless drawn, sometimes a stance called "none"), one-character keys
-- unique per kind, colors at random; labels that fix a target and a stance and ask the role,
-- labels that fix a stance and ask the target, and labels that ask everything.
--
--   local g = require('helpers.gen_schema').new(4)
--   g.text        -- the schema, as .stance/schema.stance holds it
--   g.labels[1]   -- { name, key, target, stance, ask = { 'role' } }
--   g.keys(label) -- the keys a create types after the operator: the label's, then what it asks
local M = {}

local SYLLABLES = { 'ka', 'lo', 'mi', 'nu', 'pre', 'sto', 'vil', 'dra', 'ün', 'é', 'zor', 'qua', 'xi', 'ber', 'tal' }
local KEYS = 'abcdefghijklmnopqrstuvwxyz0123456789'

--- A deterministic generator of integers in 1..n (a linear congruential one).
local function rng(seed)
  local x = (seed * 7919 + 17) % 2147483647
  if x <= 0 then x = x + 2147483646 end
  return function(n)
    x = (x * 48271) % 2147483647
    return x % n + 1
  end
end

--- A schema from `seed`.
---@param seed integer
---@return table g { seed, text, targets, stances, roles, labels, keys = function(label) }
function M.new(seed)
  local r = rng(seed)
  local used = {}
  local function name(prefix)
    for _ = 1, 100 do
      local parts = {}
      for i = 1, r(3) do
        parts[i] = SYLLABLES[r(#SYLLABLES)] .. SYLLABLES[r(#SYLLABLES)]
      end
      local n = table.concat(parts, '-')
      if r(4) == 1 then n = n .. r(99) end
      if prefix then n = prefix .. n end
      if not used[n] then
        used[n] = true
        return n
      end
    end
    error('no fresh name')
  end
  local function keys_of()
    local free = {}
    for i = 1, #KEYS do
      free[i] = KEYS:sub(i, i)
    end
    return function()
      return table.remove(free, r(#free))
    end
  end
  local function color()
    return ('#%02x%02x%02x'):format(r(256) - 1, r(256) - 1, r(256) - 1)
  end
  local g = { seed = seed, targets = {}, stances = {}, roles = {}, labels = {} }
  local tkey, skey, rkey, lkey = keys_of(), keys_of(), keys_of(), keys_of()
  for _ = 1, r(4) do
    g.targets[#g.targets + 1] = { name = name(), key = tkey(), color = color() }
  end
  local nst = r(3) + 1 -- 2 to 4 stances
  for i = 1, nst do
    local n = (i == nst and r(3) == 1) and 'none' or name()
    used[n] = true
    g.stances[#g.stances + 1] = { name = n, key = skey(), color = color() }
  end
  for _ = 1, r(3) - 1 do -- 0 to 2 roles
    g.roles[#g.roles + 1] = { name = name(), key = rkey() }
  end
  local ask_role = #g.roles > 0 and { 'role' } or {}
  for _, t in ipairs(g.targets) do
    for _, s in ipairs(g.stances) do
      g.labels[#g.labels + 1] = { name = name('l-'), key = lkey(), target = t.name, stance = s.name, ask = ask_role }
    end
  end
  for _, s in ipairs(g.stances) do
    local ask = { 'target' }
    if #g.roles > 0 then ask[2] = 'role' end
    g.labels[#g.labels + 1] = { name = name('l-'), key = lkey(), stance = s.name, ask = ask }
  end
  g.labels[#g.labels + 1] = { name = name('l-'), key = lkey(), ask = #g.roles > 0 and { 'target', 'stance', 'role' }
    or { 'target', 'stance' } }
  local out = { 'format stance 1', '', ('# generated (tests/helpers/gen_schema.lua, seed %d)'):format(seed), '' }
  for _, t in ipairs(g.targets) do
    out[#out + 1] = 'target ' .. t.name
    out[#out + 1] = '  key ' .. t.key
    out[#out + 1] = '  color ' .. t.color
  end
  for _, s in ipairs(g.stances) do
    out[#out + 1] = 'stance ' .. s.name
    out[#out + 1] = '  key ' .. s.key
    out[#out + 1] = '  color ' .. s.color
  end
  for _, ro in ipairs(g.roles) do
    out[#out + 1] = 'role ' .. ro.name
    out[#out + 1] = '  key ' .. ro.key
  end
  for _, l in ipairs(g.labels) do
    out[#out + 1] = 'label ' .. l.name
    out[#out + 1] = '  key ' .. l.key
    if l.target then out[#out + 1] = '  target ' .. l.target end
    if l.stance then out[#out + 1] = '  stance ' .. l.stance end
    if #l.ask > 0 then out[#out + 1] = '  ask ' .. table.concat(l.ask, ' ') end
  end
  g.text = table.concat(out, '\n') .. '\n'
  local by = {}
  for _, kind in ipairs({ 'targets', 'stances', 'roles' }) do
    by[kind] = {}
    for _, x in ipairs(g[kind]) do
      by[kind][x.name] = x
    end
  end
  --- The keys typed after the operator to create an annotation with `label`, answering what it
  --- asks with `answers` ({ target = name, stance = name, role = name }; default the first of
  --- each).
  function g.keys(label, answers)
    answers = answers or {}
    local k = label.key
    for _, f in ipairs(label.ask) do
      local kind = f == 'target' and 'targets' or f == 'stance' and 'stances' or 'roles'
      local pick = answers[f] and by[kind][answers[f]] or g[kind][1]
      k = k .. pick.key
    end
    return k
  end
  return g
end

return M
