--- :Stance summary: the stances of the document per target and paragraph (yours and, once
--- accepted, the model's), counts and shares for each stance of the schema, with a strip of
--- one mark per paragraph (the stance's key in its color, ◆ where several stances meet,
--- · none) in a side window.
local M = {}

--- The stance names to report: the schema's, in its order, then any other the layer uses.
local function stance_names(s, used)
  local names, seen = {}, {}
  local schema = s.corpus:schema()
  for _, st in ipairs(schema and schema.stances or {}) do
    names[#names + 1] = st.name
    seen[st.name] = true
  end
  local rest = {}
  for name in pairs(used) do
    if not seen[name] then rest[#rest + 1] = name end
  end
  table.sort(rest)
  vim.list_extend(names, rest)
  return names
end

--- The mark of stance `name` in the strip: its key in the schema, else its first letter.
local function mark_of(s, name)
  local schema = s.corpus:schema()
  local e = schema and schema.by.stance[name]
  return (e and e.key) or vim.fn.strcharpart(name, 0, 1)
end

--- The summary lines of session `s`.
---@return string[] lines
---@return table strips { [target] = { marks per paragraph } }
---@return table marks { [line] = { {col, end, stance or false} } }: what to color
function M.lines(s)
  local doc = assert(s.corpus:document(s.rel))
  local frame = s:get_frame()
  local paras = {}
  for i, p in ipairs(doc:paragraphs() or {}) do
    paras[i] = { frame:cp_to_buf(p.start), frame:cp_to_buf(p.stop) }
  end
  local by_target, used = {}, {}
  for _, r in ipairs(s.store:records('annotation')) do
    if r.stance and not r.orphan then
      used[r.stance] = true
      local t = r.target or '(no target)'
      by_target[t] = by_target[t] or { total = {}, para = {} }
      local bt = by_target[t]
      bt.total[r.stance] = (bt.total[r.stance] or 0) + 1
      for i, p in ipairs(paras) do
        if r.spans[1][1] < p[2] and p[1] < r.spans[#r.spans][2] then
          bt.para[i] = bt.para[i] or {}
          bt.para[i][r.stance] = (bt.para[i][r.stance] or 0) + 1
        end
      end
    end
  end
  local names = stance_names(s, used)
  local targets = vim.tbl_keys(by_target)
  table.sort(targets)
  local lines, strips, marks = { ('stance of %s, %d paragraphs'):format(s.rel, #paras) }, {}, {}
  if #targets == 0 then lines[#lines + 1] = 'no annotation with a stance yet' end
  local function counts(tab, with_share)
    local all = 0
    for _, n in ipairs(names) do
      all = all + (tab[n] or 0)
    end
    local parts = {}
    for _, n in ipairs(names) do
      local c = tab[n] or 0
      parts[#parts + 1] = with_share and ('%s %d (%d%%)'):format(n, c, math.floor(100 * c / math.max(all, 1) + 0.5))
        or ('%s %d'):format(n, c)
    end
    return table.concat(parts, ', '), all
  end
  for _, t in ipairs(targets) do
    local bt = by_target[t]
    lines[#lines + 1] = ''
    lines[#lines + 1] = ('%s: %s'):format(t, (counts(bt.total, true)))
    local strip, strip_marks = {}, {}
    for i = 1, #paras do
      local p = bt.para[i] or {}
      local present = {}
      for _, n in ipairs(names) do
        if (p[n] or 0) > 0 then present[#present + 1] = n end
      end
      strip[i] = #present > 1 and '◆' or (#present == 1 and mark_of(s, present[1])) or '·'
      strip_marks[i] = #present == 1 and present[1] or (#present > 1)
      local text, all = counts(p, false)
      if all > 0 then
        lines[#lines + 1] = ('  ¶%-3d %s  %s'):format(i, strip[i], text)
        local col = #('  ¶' .. ('%-3d'):format(i) .. ' ')
        marks[#lines] = { { col, col + #strip[i], strip_marks[i] } }
      end
    end
    strips[t] = strip
    lines[#lines + 1] = '  ' .. table.concat(strip)
    local col, row = 2, {}
    for i = 1, #paras do
      row[#row + 1] = { col, col + #strip[i], strip_marks[i] }
      col = col + #strip[i]
    end
    marks[#lines] = row
  end
  return lines, strips, marks
end

--- Show the summary in a side window. Returns its buffer.
function M.show()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local lines, _, marks = M.lines(s)
  vim.cmd('botright vsplit')
  vim.cmd('vertical resize 48')
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  pcall(vim.api.nvim_buf_set_name, buf, 'stance://summary/' .. s.rel)
  local ns = vim.api.nvim_create_namespace('stance_summary')
  local hl = require('stance.editor.highlight')
  for line, list in pairs(marks) do
    for _, m in ipairs(list) do
      local group = m[3] == true and 'StanceOverlap' or (m[3] and hl.sign_group(m[3]))
      if group and vim.fn.hlexists(group) == 1 then
        require('stance.compat').add_highlight(buf, ns, group, line - 1, m[1], m[2])
      end
    end
  end
  return buf
end

return M
