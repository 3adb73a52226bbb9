--- Highlight groups of the editor, made from the schema's colors (blended into the
--- background, so that text stays readable on light and dark color schemes, in GUI and
--- 256-color terminals alike). Every group is defined with `default`: link or redefine any of
--- them in your config (:help stance-highlight).
local M = {}
local H = {}

--- Colors for stances the schema gives none for.
H.fallback = { favor = '#2e7d32', against = '#c62828', neutral = '#757575' }
H.palette = { '#1565c0', '#ef6c00', '#00838f', '#6a1b9a', '#ad1457', '#558b2f', '#4e342e', '#283593' }

local function rgb(hex)
  return tonumber(hex:sub(2, 3), 16), tonumber(hex:sub(4, 5), 16), tonumber(hex:sub(6, 7), 16)
end

local function hex(r, g, b)
  return ('#%02x%02x%02x'):format(math.floor(r + 0.5), math.floor(g + 0.5), math.floor(b + 0.5))
end

--- `color` mixed into `bg` with weight `alpha`.
function M.blend(color, bg, alpha)
  local r1, g1, b1 = rgb(color)
  local r2, g2, b2 = rgb(bg)
  return hex(r2 + (r1 - r2) * alpha, g2 + (g1 - g2) * alpha, b2 + (b1 - b2) * alpha)
end

--- The nearest of the xterm 256 colors (the 6x6x6 cube and the gray ramp).
function M.to_256(color)
  local r, g, b = rgb(color)
  local levels = { 0, 95, 135, 175, 215, 255 }
  local function nearest_level(v)
    local best, bi = math.huge, 1
    for i, l in ipairs(levels) do
      if math.abs(l - v) < best then best, bi = math.abs(l - v), i end
    end
    return bi - 1
  end
  local ri, gi, bi = nearest_level(r), nearest_level(g), nearest_level(b)
  local cube = 16 + 36 * ri + 6 * gi + bi
  local cr, cg, cb = levels[ri + 1], levels[gi + 1], levels[bi + 1]
  local dcube = (cr - r) ^ 2 + (cg - g) ^ 2 + (cb - b) ^ 2
  local gray = math.floor(((r + g + b) / 3 - 8) / 10 + 0.5)
  gray = math.max(0, math.min(23, gray))
  local gv = 8 + gray * 10
  local dgray = (gv - r) ^ 2 + (gv - g) ^ 2 + (gv - b) ^ 2
  return dgray < dcube and 232 + gray or cube
end

local function background()
  local normal = require('stance.compat').hl_colors('Normal')
  if normal.bg then return ('#%06x'):format(normal.bg) end
  return vim.o.background == 'dark' and '#000000' or '#ffffff'
end

local function name_part(name)
  return (name:gsub('[^%w_]', '_'))
end

--- The group of spans with stance `name`, of the underline of target `name`, of the sign.
function M.stance_group(name) return 'StanceStance_' .. name_part(name) end
function M.target_group(name) return 'StanceTarget_' .. name_part(name) end
function M.sign_group(name) return 'StanceSign_' .. name_part(name) end
--- The group of a suggestion's ghost text toward target `name` (in the target's color).
function M.ghost_group(name) return 'StanceGhost_' .. name_part(name) end

local function define(group, spec)
  spec.default = true
  vim.api.nvim_set_hl(0, group, spec)
end

--- (Re)define every group for `schema` (may be nil).
---@param schema table|nil
function M.define(schema)
  local bg = background()
  local dark = vim.o.background == 'dark'
  local alpha = dark and 0.35 or 0.25
  local stances = {}
  for _, st in ipairs(schema and schema.stances or {}) do
    stances[st.name] = st.color or H.fallback[st.name]
  end
  for name, color in pairs(H.fallback) do
    if stances[name] == nil then stances[name] = color end
  end
  local i = 0
  for name, color in pairs(stances) do
    i = i + 1
    color = color or H.palette[(i - 1) % #H.palette + 1]
    local mixed = M.blend(color, bg, alpha)
    define(M.stance_group(name), { bg = mixed, ctermbg = M.to_256(mixed) })
    define(M.sign_group(name), { fg = color, ctermfg = M.to_256(color), bold = true })
  end
  for j, t in ipairs(schema and schema.targets or {}) do
    local color = t.color or H.palette[(j - 1) % #H.palette + 1]
    define(M.target_group(t.name), { sp = color, underline = true, cterm = { underline = true } })
    define(M.ghost_group(t.name), { fg = color, ctermfg = M.to_256(color), italic = true, cterm = { italic = true } })
  end
  local plain = M.blend(dark and '#ffffff' or '#000000', bg, dark and 0.14 or 0.08)
  define('StanceLabel', { bg = plain, ctermbg = M.to_256(plain) })
  define('StanceOverlap', { bold = true, underline = true, cterm = { bold = true, underline = true } })
  define('StanceOther', { undercurl = true, sp = dark and '#b39ddb' or '#5e35b1', cterm = { underline = true } })
  define('StanceConflict', { link = 'DiffText' })
  define('StanceVirtText', { link = 'Comment' })
  define('StanceSign', { link = 'SignColumn' })
  define('StanceCue', { italic = true, cterm = { italic = true } })
  define('StanceSuggestion', { link = 'Comment' })
  define('StanceSuggestionText', { link = 'NonText' })
  define('StanceCurate', { link = 'IncSearch' })
end

--- The groups of an annotation record: its span's, and its target underline (or nil).
---@param rec table
---@return string span_group
---@return string|nil target_group
---@return string sign_group
function M.for_record(rec)
  local span = rec.stance and M.stance_group(rec.stance) or 'StanceLabel'
  if rec.conflict then span = 'StanceConflict' end
  if rec.stance and vim.fn.hlexists(span) == 0 then span = 'StanceLabel' end
  local target = rec.target and M.target_group(rec.target) or nil
  if target and vim.fn.hlexists(target) == 0 then target = nil end
  local sign = rec.stance and M.sign_group(rec.stance) or 'StanceSign'
  if vim.fn.hlexists(sign) == 0 then sign = 'StanceSign' end
  return span, target, sign
end

return M
