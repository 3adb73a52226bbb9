--- Colors for 256-color terminals, derived from the schema's: each stance gets a
--- background tint and each target a text color (an "ink") from the xterm palette (16-255;
--- 0-15 are the terminal's own) that keep the schema's hues, stay readable on the terminal's
--- background, and stay apart from one another. Nearest-color matching does not: a tint
--- blended into a dark or light background is nearest to a gray, and every stance became
--- the same gray. Pure Lua (no Neovim), so that it is tested in any host.
---
--- Distances are in OKLab (a perceptual color space: L lightness 0-1, a and b the hue
--- plane, chroma sqrt(a²+b²)).
local M = {}
local H = {}

---@param hex string "#rrggbb"
---@return number r, number g, number b 0-255
function M.rgb(hex)
  return tonumber(hex:sub(2, 3), 16), tonumber(hex:sub(4, 5), 16), tonumber(hex:sub(6, 7), 16)
end

---@return string "#rrggbb"
function M.hex(r, g, b)
  local function c(v) return math.max(0, math.min(255, math.floor(v + 0.5))) end
  return ('#%02x%02x%02x'):format(c(r), c(g), c(b))
end

--- `color` mixed into `bg` with weight `alpha` (0: bg, 1: color).
function M.blend(color, bg, alpha)
  local r1, g1, b1 = M.rgb(color)
  local r2, g2, b2 = M.rgb(bg)
  return M.hex(r2 + (r1 - r2) * alpha, g2 + (g1 - g2) * alpha, b2 + (b1 - b2) * alpha)
end

H.levels = { 0, 95, 135, 175, 215, 255 }

--- The color of xterm palette entry `n` (16-255: the 6x6x6 cube, then the gray ramp).
---@param n integer
---@return string "#rrggbb"
function M.xterm(n)
  if n >= 232 then
    local v = 8 + 10 * (n - 232)
    return M.hex(v, v, v)
  end
  local i = n - 16
  return M.hex(H.levels[math.floor(i / 36) + 1], H.levels[math.floor(i / 6) % 6 + 1], H.levels[i % 6 + 1])
end

local function linear(c)
  c = c / 255
  if c <= 0.04045 then return c / 12.92 end
  return ((c + 0.055) / 1.055) ^ 2.4
end

local function cbrt(x)
  return x < 0 and -((-x) ^ (1 / 3)) or x ^ (1 / 3)
end

--- OKLab of a color: { L, a, b }.
---@param hex string
---@return number[]
function M.lab(hex)
  local r, g, b = M.rgb(hex)
  r, g, b = linear(r), linear(g), linear(b)
  local l = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
  local m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
  local s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
  return {
    0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
    1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s,
  }
end

--- The perceptual distance of two colors (OKLab; 0.02 is about the smallest difference
--- one sees side by side).
---@param x string|number[] a color or its OKLab
---@param y string|number[]
---@return number
function M.distance(x, y)
  if type(x) == 'string' then x = M.lab(x) end
  if type(y) == 'string' then y = M.lab(y) end
  return math.sqrt((x[1] - y[1]) ^ 2 + (x[2] - y[2]) ^ 2 + (x[3] - y[3]) ^ 2)
end

--- Chroma and hue (radians) of an OKLab color.
function M.chroma(lab)
  return math.sqrt(lab[2] ^ 2 + lab[3] ^ 2), math.atan2 and math.atan2(lab[3], lab[2]) or math.atan(lab[3], lab[2])
end

--- The angle between two hues, 0 to pi.
local function hue_gap(h1, h2)
  local d = math.abs(h1 - h2) % (2 * math.pi)
  return d > math.pi and 2 * math.pi - d or d
end

--- The nearest palette entry (16-255) to `color`.
---@param color string
---@return integer
function M.nearest(color)
  local lab = M.lab(color)
  local best, bd = 16, math.huge
  for n = 16, 255 do
    local d = M.distance(lab, H.lab_of(n))
    if d < bd then best, bd = n, d end
  end
  return best
end

H.cache = {}
function H.lab_of(n)
  local l = H.cache[n]
  if not l then
    l = M.lab(M.xterm(n))
    H.cache[n] = l
  end
  return l
end

-- A color is chromatic from this chroma on; a palette entry standing for one needs at least
-- CHROMA_MIN, and a hue near its own.
local CHROMATIC = 0.04
local CHROMA_MIN = 0.025
-- What is tried in turn until a color has an entry: { distance kept from the entries chosen
-- before, largest hue difference (degrees) }. The hue gives way last.
local ATTEMPTS = {
  { 0.09, 35 }, { 0.07, 35 }, { 0.09, 60 }, { 0.07, 60 }, { 0.05, 35 }, { 0.05, 60 },
  { 0.09, 100 }, { 0.07, 100 }, { 0.05, 100 }, { 0.035, 60 }, { 0.035, 100 }, { 0.02, 100 },
  { 0.035, 180 }, { 0.02, 180 }, { 0, 180 },
}

--- Choose one palette entry per color of `colors`, in order: among the entries `fits`
--- accepts, the nearest to `want(i)`, with the schema's hue, at least a separation from those
--- chosen before (and from `taken`).
local function choose(colors, want, fits, taken)
  local chosen = {}
  local used = {}
  for _, n in ipairs(taken or {}) do
    used[#used + 1] = H.lab_of(n)
  end
  for i, color in ipairs(colors) do
    local lab = M.lab(color)
    local c, h = M.chroma(lab)
    local target = M.lab(want(i))
    local pick
    for _, try in ipairs(ATTEMPTS) do
      local sep, gap = try[1], math.rad(try[2])
      local bd = math.huge
      for n = 16, 255 do
        local cl = H.lab_of(n)
        local cc, ch = M.chroma(cl)
        local hue_ok
        if c >= CHROMATIC then
          hue_ok = cc >= CHROMA_MIN and hue_gap(h, ch) <= gap
        else
          hue_ok = cc < CHROMA_MIN or try[2] >= 180
        end
        if hue_ok and fits(cl) then
          local far = true
          for _, u in ipairs(used) do
            if M.distance(cl, u) < sep then
              far = false
              break
            end
          end
          if far then
            local d = M.distance(cl, target)
            if d < bd then pick, bd = n, d end
          end
        end
      end
      if pick then break end
    end
    pick = pick or M.nearest(want(i))
    chosen[i] = pick
    used[#used + 1] = H.lab_of(pick)
  end
  return chosen
end

--- Background tints for `colors` (the stances') on a terminal whose background is `bg`:
--- dark enough (dark background) or light enough (light) for the usual text to stay
--- readable on them, apart from the background, from one another and from `taken`.
---@param colors string[]
---@param bg string the terminal's background ("#000000" or "#ffffff" when unknown)
---@param dark boolean
---@param taken integer[]|nil entries already used for other backgrounds
---@return integer[]
function M.tints(colors, bg, dark, taken)
  local bgl = M.lab(bg)
  local alpha = dark and 0.45 or 0.35
  local function fits(cl)
    if M.distance(cl, bgl) < 0.05 then return false end
    if dark then return cl[1] <= math.max(0.56, bgl[1] + 0.2) end
    return cl[1] >= math.min(0.75, bgl[1] - 0.1)
  end
  return choose(colors, function(i) return M.blend(colors[i], bg, alpha) end, fits, taken)
end

--- Text colors for `colors` (the targets', the signs') readable on the background `bg`
--- and on each of the tints `on` (palette entries), apart from one another.
---@param colors string[]
---@param bg string
---@param dark boolean
---@param on integer[]|nil
---@return integer[]
function M.inks(colors, bg, dark, on)
  local grounds = { M.lab(bg) }
  for _, n in ipairs(on or {}) do
    grounds[#grounds + 1] = H.lab_of(n)
  end
  local function fits(cl)
    for _, g in ipairs(grounds) do
      if dark and cl[1] < g[1] + 0.3 then return false end
      if not dark and cl[1] > g[1] - 0.3 then return false end
    end
    return true
  end
  return choose(colors, function(i) return colors[i] end, fits, nil)
end

return M
