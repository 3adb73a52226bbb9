--- A document's curation state file (.stance/curation/DOC.json: the rejections, which leave
--- nothing in gold, and which version each gold record came from), read strictly: a file that
--- cannot be parsed (git's conflict markers, cut short) is an error with FILE:LINE:COL, never
--- taken as "nothing decided" (the next save would write over every earlier decision).
local M = {}

M.dir = '.stance/curation'

--- The state file of document `rel` (relative to the corpus root `root`).
---@param root string
---@param rel string
---@return string
function M.path(root, rel)
  return ('%s/%s/%s.json'):format(root, M.dir, rel)
end

--- The first problem of the text of a state file as { line, col, message }; nil and the
--- state when it reads.
---@param text string
---@return table|nil problem
---@return table|nil state the state when it reads
function M.problem(text)
  local u = require('stance.csv_reader')
  local n = 0
  for l in (text .. '\n'):gmatch('([^\n]*)\n') do
    n = n + 1
    local m = l:sub(1, 7)
    if (m == '<<<<<<<' or m == '=======' or m == '>>>>>>>' or m == '|||||||') and l:sub(8, 8):match('^ ?$') then
      return { line = n, col = 1, message = 'unresolved git merge conflict (conflict markers): keep the'
        .. ' rejections and based_on of both sides in one JSON object, or take one side (git checkout'
        .. ' --ours/--theirs)' }
    end
  end
  local t, err, off = require('stance.json').decode(text)
  if t == nil then
    local line, col = u.position(text, (off or 0) + 1)
    return { line = line, col = col, message = ('not valid JSON: %s'):format((err or '?'):gsub(' at byte %d+$', '')) }
  end
  if type(t) ~= 'table' or t[1] ~= nil then
    return { line = 1, col = 1, message = 'not a curation state (a JSON object with "rejected" and "based_on")' }
  end
  for _, k in ipairs({ 'rejected', 'based_on', 'accepted', 'conflicts' }) do
    if t[k] ~= nil and (type(t[k]) ~= 'table' or t[k][1] ~= nil) then
      return { line = 1, col = 1, message = ('"%s" is not an object'):format(k) }
    end
  end
  return nil, t
end

--- Where key `key` of object `section` ("conflicts", "accepted", ...) is in the text of a
--- state file: line, column (1, 1 when it is not found).
---@param text string
---@param section string
---@param key string
---@return integer line
---@return integer col
function M.position(text, section, key)
  local json = require('stance.json')
  local from = text:find(json.encode(section) .. '%s*:') or 1
  local at = text:find(json.encode(key), from, true)
  if not at then return 1, 1 end
  return require('stance.csv_reader').position(text, at)
end

--- The curation state of document `rel` of corpus `c`: { rejected = {...}, based_on = {...},
--- accepted = {...}|nil, conflicts = {...}|nil } ({} of the first two when there is no file yet),
--- or nil and "FILE:LINE:COL: message; curation of
--- DOC refused until it is fixed" when the file cannot be read or parsed. The third result is
--- the SHA-256 of the bytes read ("" when there is no file): a save writes only over them.
---@param c stance.Corpus
---@param rel string
---@return table|nil state
---@return string|nil err
---@return string|nil hash
function M.load(c, rel)
  local path = M.path(c.root, rel)
  local shown = ('%s/%s.json'):format(M.dir, rel)
  local text, rerr, code = require('stance.fs').read(path, c.root)
  local t, hash = {}, ''
  if text then
    hash = require('stance.core').sha256(text)
    local p, state = M.problem(text)
    if p then
      return nil, ('%s:%d:%d: %s; curation of %s refused until it is fixed (`stance check` says it too)'):format(
        shown, p.line, p.col, p.message, rel)
    end
    t = state
  elseif code ~= 'ENOENT' then
    return nil, ('%s:1:1: not read: %s; curation of %s refused until it is fixed'):format(shown, rerr, rel)
  end
  t.rejected = t.rejected or {}
  t.based_on = t.based_on or {}
  return t, nil, hash
end

return M
