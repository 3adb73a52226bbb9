--- :Stance legend: the schema at a glance in a side window: each target, stance, role,
--- relation and label with its key, its color (drawn as in the text) and its title; the
--- labels with what they set and ask. Run again to close it.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = {}

H.name = 'stance://legend'

--- The lines of the legend of `schema`, and their highlights { line, col, end, group }.
---@param schema table
---@return string[] lines
---@return table[] highlights
function M.lines(schema)
  local hl = require('stance.editor.highlight')
  local lines, hls = {}, {}
  local function section(title, list, group_of, describe)
    if #list == 0 then return end
    if #lines > 0 then lines[#lines + 1] = '' end
    lines[#lines + 1] = title
    hls[#hls + 1] = { #lines - 1, 0, #title, 'Title' }
    local w = 0
    for _, e in ipairs(list) do
      w = math.max(w, vim.fn.strdisplaywidth(e.name))
    end
    for _, e in ipairs(list) do
      local key = e.key or ' '
      local line = ('  %s %s'):format(key, e.name)
      local at = 2 + #key + 1
      local group = group_of and group_of(e)
      if e.key then hls[#hls + 1] = { #lines, 2, 2 + #key, 'Special' } end
      if group and vim.fn.hlexists(group) == 1 then hls[#hls + 1] = { #lines, at, at + #e.name, group } end
      local extra = describe and describe(e) or e.title or e.description
      if extra and extra ~= '' then
        line = line .. (' '):rep(w - vim.fn.strdisplaywidth(e.name) + 2) .. extra
      end
      lines[#lines + 1] = line
    end
  end
  section('targets (underlined)', schema.targets, function(e) return hl.target_group(e.name) end)
  section('stances (background)', schema.stances, function(e) return hl.stance_group(e.name) end)
  section('roles', schema.roles)
  section('relations', schema.relations, function() return 'StanceRelation' end)
  section('labels (one key in the gs prompt)', schema.labels, function(e)
    return e.stance and hl.stance_group(e.stance) or nil
  end, function(e)
    local parts = {}
    for _, f in ipairs({ 'target', 'stance', 'role' }) do
      if e[f] then parts[#parts + 1] = e[f] end
    end
    local s = table.concat(parts, ' ')
    if e.ask and #e.ask > 0 then s = s .. (s ~= '' and ', ' or '') .. 'asks ' .. table.concat(e.ask, ' ') end
    return s
  end)
  if #lines == 0 then lines[1] = 'the schema (.stance/schema.stance) defines nothing yet' end
  return lines, hls
end

--- Open the legend of the current document's schema (or close it when it is open).
---@return integer|nil buf
function M.toggle()
  local old = vim.fn.bufnr(H.name)
  if old > 0 then
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_buf(win) == old then
        vim.api.nvim_buf_delete(old, { force = true })
        return nil
      end
    end
    vim.api.nvim_buf_delete(old, { force = true })
  end
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local schema = s.corpus:schema()
  if not schema then return require('stance.notify').error('this corpus has no schema (.stance/schema.stance)') end
  local lines, hls = M.lines(schema)
  local buf = require('stance.editor.panel').open(lines, H.name, math.floor(vim.o.columns / 2), 'legend')
  local ns = vim.api.nvim_create_namespace('stance_legend')
  for _, h in ipairs(hls) do
    vim.api.nvim_buf_set_extmark(buf, ns, h[1], h[2], { end_row = h[1], end_col = h[3], hl_group = h[4] })
  end
  return buf
end

return M
