--- Names that read alike but differ (a collaborator's lookalike of a layer or of a schema
--- name): `ana` and `ana ` (a blank at the end), `ana` + U+200B (a zero-width space), U+202E +
--- `ana` (a right-to-left override), `café` in NFC and in NFD, `Ana`. Said by `stance check`
--- (doc/format.md 8.4). Both hosts.
local M = {}

--- What a name reads as: its Unicode canonical decomposition (equal for two names exactly
--- when their NFC is), without format characters (stance.utf8.FORMAT) nor blanks at either
--- end (spaces, tabs, U+00A0); with `fold`, ASCII letters in lower case too.
---@param name string
---@param fold boolean|nil
---@return string
function M.key(name, fold)
  local format = require('stance.utf8').FORMAT
  local function drop(seq) if format[seq] ~= nil then return '' end end
  local s = require('stance.nfd').nfd(name)
  s = s:gsub('[\194\216][\128-\191]', drop):gsub('[\225\226\239][\128-\191][\128-\191]', drop)
  local blank = '%s'
  repeat
    local before = s
    s = s:gsub('^' .. blank .. '+', ''):gsub(blank .. '+$', ''):gsub('^\194\160', ''):gsub('\194\160$', '')
  until s == before
  if not fold then return s end
  return (s:gsub('[A-Z]', function(c) return string.char(c:byte() + 32) end))
end

--- The names of `names` that read as an earlier one does: { name, like } for each, `like`
--- the first of the list that reads the same (a name met twice is not a lookalike); `fold`:
--- as M.key.
---@param names string[]
---@param fold boolean|nil
---@return {name: string, like: string}[]
function M.find(names, fold)
  local first, out, seen = {}, {}, {}
  for _, n in ipairs(names) do
    if not seen[n] then
      seen[n] = true
      local k = M.key(n, fold)
      if first[k] then
        out[#out + 1] = { name = n, like = first[k] }
      else
        first[k] = n
      end
    end
  end
  return out
end

--- What a lookalike is, said: `kind "NAME" reads as kind "LIKE"` and why.
---@param kind string
---@param name string
---@param like string
---@param where string|nil where `like` is ("line 12")
---@param fold boolean|nil case folded too
---@return string
function M.message(kind, name, like, where, fold)
  local u = require('stance.utf8')
  local nfd = require('stance.nfd').nfd
  if nfd(u.name(name)) == nfd(u.name(like)) then -- (letters composed otherwise: shown by code point)
    name, like = M.code_points(name), M.code_points(like)
  end
  return ('%s "%s" reads as %s "%s"%s: the same after Unicode normalization (NFC) without format characters'
    .. '%s, but another name (a lookalike: rename one)'):format(kind, u.name(name), kind, u.name(like),
    where and (' (%s)'):format(where) or '',
    fold and ', blanks at the ends and ASCII case' or ' and blanks at the ends')
end

--- `s` with each character that is not ASCII as \uXXXX (`fav\u00f6r`, `favo\u0308r`).
---@param s string
---@return string
function M.code_points(s)
  local out = {}
  for i, cp in ipairs(require('stance.nfd').decode(s)) do
    out[i] = cp < 0 and ('\\x%02x'):format(-cp) or cp < 128 and string.char(cp) or ('\\u%04x'):format(cp)
  end
  return table.concat(out)
end

--- The warnings of a parsed schema (stance.schema.parse): for each name of a kind (stance,
--- target, label, role, relation, attribute) that reads as an earlier one of that kind, at
--- its line. Case counts here: an import adds brat's `Claim` beside a `claim` of the schema.
---@param schema stance.Schema
---@return table[] problems { line, col, severity, message }
function M.schema_problems(schema)
  local problems = {}
  for _, kind in ipairs({ 'target', 'stance', 'label', 'role', 'relation', 'attribute' }) do
    local list = schema[kind .. 's'] or {}
    local names, line = {}, {}
    for i, e in ipairs(list) do
      names[i] = e.name
      line[e.name] = line[e.name] or e.line
    end
    for _, l in ipairs(M.find(names)) do
      problems[#problems + 1] = { line = line[l.name] or 1, col = #kind + 2, severity = 'warning',
        message = M.message(kind, l.name, l.like, ('line %d'):format(line[l.like] or 1)) }
    end
  end
  return problems
end

return M
