-- 256-color tints and inks (stance.editor.colors256) for schemas we did not write: the
-- study's, the example's, generated ones (random colors, near-identical colors, many
-- stances, grays), on dark and light backgrounds.
local T = require('helpers')
local C = require('stance.editor.colors256')

local BACKGROUNDS = { { '#000000', true }, { '#14161b', true }, { '#303030', true }, { '#ffffff', false },
  { '#e0e2ea', false }, { '#d7d7af', false } }

local function schema_colors(path)
  local text = T.read(path)
  local stances, targets = {}, {}
  local kind
  for line in (text .. '\n'):gmatch('(.-)\n') do
    local k = line:match('^(%a+) ')
    if k then kind = k end
    local color = line:match('^%s+color (#%x%x%x%x%x%x)')
    if color and kind == 'stance' then stances[#stances + 1] = color end
    if color and kind == 'target' then targets[#targets + 1] = color end
  end
  return stances, targets
end

-- a generator of colors that gives the same sequence in every Lua
local function generator(seed)
  local x = seed
  return function()
    x = (x * 1103515245 + 12345) % 2147483648
    return ('#%06x'):format(x % 16777216)
  end
end

local function check(stances, targets, bg, dark, what)
  local tints = C.tints(stances, bg, dark)
  local inks = C.inks(targets, bg, dark, tints)
  local bgl = C.lab(bg)
  for i, n in ipairs(tints) do
    assert.is_true(n >= 16 and n <= 255, what)
    local l = C.lab(C.xterm(n))
    -- readable under the usual text, and seen against the background
    if dark then
      assert.is_true(l[1] <= math.max(0.56, bgl[1] + 0.2) + 1e-9, ('%s: tint %d too light'):format(what, n))
    else
      assert.is_true(l[1] >= math.min(0.75, bgl[1] - 0.1) - 1e-9, ('%s: tint %d too dark'):format(what, n))
    end
    assert.is_true(C.distance(l, bgl) >= 0.05, ('%s: tint %d is the background'):format(what, n))
    -- a color with a hue keeps a hue
    local c = C.chroma(C.lab(stances[i]))
    if c >= 0.04 then
      assert.is_true(C.chroma(l) >= 0.025, ('%s: %s became a gray (%d)'):format(what, stances[i], n))
    end
    for j = 1, i - 1 do
      assert.are_not.equal(tints[j], n, ('%s: two stances share tint %d'):format(what, n))
    end
  end
  for i, n in ipairs(inks) do
    local l = C.lab(C.xterm(n))
    for _, g in ipairs(tints) do
      local gl = C.lab(C.xterm(g))
      local contrast = dark and l[1] - gl[1] or gl[1] - l[1]
      assert.is_true(contrast >= 0.3 - 1e-9, ('%s: ink %d unreadable on tint %d'):format(what, n, g))
    end
    for j = 1, i - 1 do
      assert.are_not.equal(inks[j], n, ('%s: two targets share ink %d'):format(what, n))
    end
  end
  return tints, inks
end

describe('256-color tints and inks', function()
  it("keep the study's favor and against apart, with their hues, and its four targets apart", function()
    local stances, targets = schema_colors(T.root .. '/tests/fixtures/study/schema.stance')
    assert.are.same({ '#2e7d32', '#c62828' }, stances)
    assert.are.equal(4, #targets)
    for _, b in ipairs(BACKGROUNDS) do
      local tints = check(stances, targets, b[1], b[2], 'study on ' .. b[1])
      -- favor stays green and against red: hues a third of a turn apart at least
      local _, h1 = C.chroma(C.lab(C.xterm(tints[1])))
      local _, h2 = C.chroma(C.lab(C.xterm(tints[2])))
      local gap = math.abs(h1 - h2) % (2 * math.pi)
      if gap > math.pi then gap = 2 * math.pi - gap end
      assert.is_true(gap > 2 * math.pi / 6, b[1])
    end
  end)

  it("serve the example's schema (with a gray neutral) and generated schemas", function()
    local stances, targets = schema_colors(T.root .. '/doc/example/corpus/.stance/schema.stance')
    for _, b in ipairs(BACKGROUNDS) do
      check(stances, targets, b[1], b[2], 'example on ' .. b[1])
    end
    for seed = 1, 30 do
      local next_color = generator(seed)
      local ns, nt = 2 + seed % 4, 1 + seed % 6
      local st, tg = {}, {}
      for i = 1, ns do
        st[i] = next_color()
      end
      for i = 1, nt do
        tg[i] = next_color()
      end
      for _, b in ipairs(BACKGROUNDS) do
        check(st, tg, b[1], b[2], ('seed %d on %s'):format(seed, b[1]))
      end
    end
  end)

  it('tell near-identical colors apart, and many of them', function()
    for _, b in ipairs(BACKGROUNDS) do
      check({ '#2e7d32', '#2f7e33', '#1b5e20', '#43a047' }, { '#1565c0', '#1565c1', '#0d47a1' }, b[1], b[2],
        'greens and blues on ' .. b[1])
      check({ '#1565c0', '#ef6c00', '#00838f', '#6a1b9a', '#ad1457', '#558b2f', '#4e342e', '#283593' },
        { '#c62828', '#2e7d32' }, b[1], b[2], 'eight stances on ' .. b[1])
      check({ '#757575', '#9e9e9e', '#000000', '#ffffff' }, { '#808080' }, b[1], b[2], 'grays on ' .. b[1])
    end
  end)

  it('name the xterm palette and measure colors as documented', function()
    assert.are.equal('#000000', C.xterm(16))
    assert.are.equal('#ffffff', C.xterm(231))
    assert.are.equal('#5f8700', C.xterm(64))
    assert.are.equal('#080808', C.xterm(232))
    assert.are.equal('#eeeeee', C.xterm(255))
    assert.is_true(math.abs(C.lab('#ffffff')[1] - 1) < 1e-3)
    assert.is_true(C.distance('#000000', '#ffffff') > 0.99)
    assert.are.equal(196, C.nearest('#ff0000'))
    assert.are.equal('#808080', C.blend('#ffffff', '#000000', 0.5))
  end)
end)
