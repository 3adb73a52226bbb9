--- Highlight groups of the editor, made from the schema's colors (blended into the
--- background, so that text stays readable on light and dark color schemes, in GUI and
--- 256-color terminals alike). Every group is defined with `default`: link or redefine any of
--- them in your config (:help stance-highlight).
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

--- Colors for stances the schema gives none for.
H.fallback = { favor = '#2e7d32', against = '#c62828', neutral = '#757575' }
H.palette = { '#1565c0', '#ef6c00', '#00838f', '#6a1b9a', '#ad1457', '#558b2f', '#4e342e', '#283593' }

local colors256 = require('stance.editor.colors256')

--- `color` mixed into `bg` with weight `alpha`.
M.blend = colors256.blend

--- The background the GUI colors are blended into (Normal's), and the one of 256-color
--- terminals (Normal's ctermbg when it is one of 16-255; else, the terminal's own, taken as
--- black or white after 'background').
local function backgrounds()
  local normal = require('stance.compat').hl_colors('Normal')
  local dark = vim.o.background == 'dark'
  local plain = dark and '#000000' or '#ffffff'
  local cterm = normal.ctermbg
  return normal.bg and ('#%06x'):format(normal.bg) or plain,
    (cterm and cterm >= 16 and cterm <= 255) and colors256.xterm(cterm) or plain
end

--- The part of a group's name that names a stance, target (`space` nil) or cue category
--- (`space` 'cue'): the name with "-" as "_" when it is plain (ASCII letters, digits, "_" and
--- "-", at most 64 bytes, no "__" once mapped: `human-rights` is human_rights, the groups a
--- config links) and no other name of the schema (of the lexicon) maps to the same (`a-b`
--- beside `a_b`: the one spelt with "_" keeps it; a name neither has: only when spelt so);
--- any other name gives its first 32 bytes with every character but letters, digits and "_"
--- as "_", then "__" and 16 hex digits of its SHA-256, so that no group name is over Neovim's
--- 200 bytes and no two names share a group (a plain part has no "__"; the others differ in
--- their hash). The same in every session for the same schema.
---@param name string
---@param space string|nil
---@return string
function M.name_part(name, space)
  local ns = H.space(space)
  local part = ns.parts[name]
  if part then return part end
  local mapped = name:gsub('-', '_')
  local others = (ns.count[mapped] or 0) - (ns.spelt[name] and 1 or 0)
  local ok = #name <= 64 and name:find('^[A-Za-z0-9_-]+$') and not mapped:find('__', 1, true)
  if ns.spelt[name] then
    ok = ok and (others == 0 or mapped == name)
  else
    ok = ok and mapped == name and others == 0
  end
  if ok then
    part = mapped
  else
    part = name:sub(1, 32):gsub('[^A-Za-z0-9_]', '_') .. '__' .. require('stance.core').sha256(name):sub(1, 16)
  end
  ns.parts[name] = part
  return part
end

H.spaces = {}
function H.space(space)
  local key = space or 'schema'
  local ns = H.spaces[key]
  if not ns then
    ns = { parts = {}, spelt = {}, count = {} }
    H.spaces[key] = ns
  end
  return ns
end

--- Say which names the schema has (its stances and targets, and the usual stances; `space`
--- nil) or the lexicon (its categories, `space` 'cue'): a name whose part would be another's
--- (`a-b` beside `a_b`, `a-b_c` beside `a_b-c`) is then named by its hash, but for the one
--- spelt as its part, which keeps it.
---@param names string[]
---@param space string|nil
function M.names(names, space)
  local ns = { parts = {}, spelt = {}, count = {} }
  H.spaces[space or 'schema'] = ns
  for _, n in ipairs(names) do
    if not ns.spelt[n] then
      ns.spelt[n] = true
      local mapped = n:gsub('-', '_')
      ns.count[mapped] = (ns.count[mapped] or 0) + 1
    end
  end
end
local name_part = M.name_part

--- The group of spans with stance `name`, of the underline of target `name`, of the sign,
--- of spans of another annotator's layer shown over yours.
function M.stance_group(name) return 'StanceStance_' .. name_part(name) end
function M.target_group(name) return 'StanceTarget_' .. name_part(name) end
function M.sign_group(name) return 'StanceSign_' .. name_part(name) end
function M.other_group(name)
  local group = name and 'StanceOther_' .. name_part(name)
  if group and vim.fn.hlexists(group) == 1 then return group end
  return 'StanceOther'
end
--- The group of a suggestion's ghost text toward target `name` (in the target's color).
function M.ghost_group(name) return 'StanceGhost_' .. name_part(name) end
--- The group of the cues of lexicon category `name` (linked to StanceCue).
function M.cue_group(name) return 'StanceCue_' .. name_part(name, 'cue') end

--- Define `group` (with `default`); a group Neovim refuses is left undefined (the records
--- that would use it fall back to StanceLabel, StanceSign...), never an error on every redraw.
local function define(group, spec)
  spec.default = true
  pcall(vim.api.nvim_set_hl, 0, group, spec)
end

--- The color of each stance and target of `schema`, in the schema's order: its own, else
--- (stances) the usual one for its name, else the palette's next; always the same for the
--- same schema. Also the usual stances, for files that use them without a schema.
---@param schema table|nil
---@return table stances { {name, color}, ... }
---@return table targets { {name, color}, ... }
function M.colors(schema)
  local stances, seen, used = {}, {}, 0
  local function next_color()
    used = used + 1
    return H.palette[(used - 1) % #H.palette + 1]
  end
  for _, st in ipairs(schema and schema.stances or {}) do
    local color = st.color or H.fallback[st.name] or next_color()
    stances[#stances + 1] = { name = st.name, color = color }
    seen[st.name] = true
  end
  for _, name in ipairs({ 'favor', 'against', 'neutral' }) do
    if not seen[name] then stances[#stances + 1] = { name = name, color = H.fallback[name] } end
  end
  local targets = {}
  for j, t in ipairs(schema and schema.targets or {}) do
    targets[j] = { name = t.name, color = t.color or H.palette[(j - 1) % #H.palette + 1] }
  end
  return stances, targets
end

--- The 256-color entries of `schema`'s colors (stance.editor.colors256): each stance's tint
--- and sign, each target's ink, the tint of spans without a stance.
---@param schema table|nil
---@param cbg string the terminal's background
---@param dark boolean
---@return table { tints, signs, inks, label }
function M.colors256(schema, cbg, dark)
  local stances, targets = M.colors(schema)
  local sc, tc = {}, {}
  for i, st in ipairs(stances) do
    sc[i] = st.color
  end
  for j, t in ipairs(targets) do
    tc[j] = t.color
  end
  local label = colors256.tints({ dark and '#ffffff' or '#000000' }, cbg, dark)[1]
  local tints = colors256.tints(sc, cbg, dark, { label })
  local grounds = { label }
  for _, n in ipairs(tints) do
    grounds[#grounds + 1] = n
  end
  return { tints = tints, signs = colors256.inks(sc, cbg, dark), inks = colors256.inks(tc, cbg, dark, grounds),
    label = label }
end

--- (Re)define every group for `schema` (may be nil). In 256-color terminals the stances'
--- tints and the targets' inks (text colors: a 256-color underline has no color) come from
--- stance.editor.colors256.
---@param schema table|nil
function M.define(schema)
  H.groups = {}
  local bg, cbg = backgrounds()
  local dark = vim.o.background == 'dark'
  local alpha = dark and 0.35 or 0.25
  local stances, targets = M.colors(schema)
  local names = {}
  for _, e in ipairs(stances) do
    names[#names + 1] = e.name
  end
  for _, e in ipairs(targets) do
    names[#names + 1] = e.name
  end
  M.names(names)
  local cterm = M.colors256(schema, cbg, dark)
  for i, st in ipairs(stances) do
    define(M.stance_group(st.name), { bg = M.blend(st.color, bg, alpha), ctermbg = cterm.tints[i] })
    define(M.sign_group(st.name), { fg = st.color, ctermfg = cterm.signs[i], bold = true })
    -- another annotator's spans over yours: underlined in the stance's color (its text, in
    -- 256 colors, where an underline has none)
    define('StanceOther_' .. name_part(st.name), { undercurl = true, sp = st.color, ctermfg = cterm.signs[i],
      cterm = { underline = true } })
  end
  for j, t in ipairs(targets) do
    define(M.target_group(t.name), { sp = t.color, underline = true, ctermfg = cterm.inks[j],
      cterm = { underline = true } })
    define(M.ghost_group(t.name), { fg = t.color, ctermfg = cterm.inks[j], italic = true, cterm = { italic = true } })
  end
  local plain = M.blend(dark and '#ffffff' or '#000000', bg, dark and 0.14 or 0.08)
  define('StanceLabel', { bg = plain, ctermbg = cterm.label })
  define('StanceOverlap', { bold = true, underline = true, cterm = { bold = true, underline = true } })
  define('StanceOther', { undercurl = true, sp = dark and '#b39ddb' or '#5e35b1', cterm = { underline = true } })
  define('StanceConflict', { link = 'DiffText' })
  define('StanceVirtText', { link = 'Comment' })
  define('StanceRelation', { link = 'Special' })
  define('StanceSign', { link = 'SignColumn' })
  define('StanceCue', { italic = true, cterm = { italic = true } })
  define('StanceSuggestion', { link = 'Comment' })
  define('StanceSuggestionText', { link = 'NonText' })
  define('StanceCurate', { link = 'IncSearch' })
end

--- The groups of an annotation record: its span's, and its target underline (or nil).
--- Worked out once per stance, target and conflict until the groups are defined again
--- (M.define: a corpus's schema, :colorscheme): a group you define later for a stance the
--- schema does not list is used from the next :colorscheme on.
---@param rec table
---@return string span_group
---@return string|nil target_group
---@return string sign_group
function M.for_record(rec)
  return M.groups_of(rec.stance, rec.target, rec.conflict)
end

--- The same from a record's stance, target and conflict mark (each nil when it has none).
---@param stance string|nil
---@param target string|nil
---@param conflict string|nil
---@return string span
---@return string|nil target
---@return string sign
function M.groups_of(stance, target, conflict)
  local key = (conflict and 'c\0' or '\0') .. (stance or '\1') .. '\0' .. (target or '\1')
  local groups = H.groups or {}
  H.groups = groups
  local g = groups[key]
  if not g then
    local span = stance and M.stance_group(stance) or 'StanceLabel'
    if conflict then span = 'StanceConflict' end
    if stance and vim.fn.hlexists(span) == 0 then span = 'StanceLabel' end
    local tg = target and M.target_group(target) or nil
    if tg and vim.fn.hlexists(tg) == 0 then tg = nil end
    local sign = stance and M.sign_group(stance) or 'StanceSign'
    if vim.fn.hlexists(sign) == 0 then sign = 'StanceSign' end
    g = { span, tg or false, sign }
    groups[key] = g
  end
  return g[1], g[2] or nil, g[3]
end

return M
