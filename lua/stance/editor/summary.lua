--- :Stance summary: the stances of the document per target and paragraph (yours and, once
--- accepted, the model's), counts and shares, with a strip of one mark per paragraph
--- (▲ favor, ▼ against, ◆ both, · none) in a side window.
local M = {}

--- The summary lines of session `s`.
---@return string[] lines
---@return table strips { [target] = { marks per paragraph } }
function M.lines(s)
  local doc = assert(s.corpus:document(s.rel))
  local frame = s:get_frame()
  local paras = {}
  for i, p in ipairs(doc:paragraphs() or {}) do
    paras[i] = { frame:cp_to_buf(p.start), frame:cp_to_buf(p.stop) }
  end
  local by_target = {}
  for _, r in ipairs(s.store:records('annotation')) do
    if r.stance and not r.orphan then
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
  local targets = vim.tbl_keys(by_target)
  table.sort(targets)
  local lines, strips = { ('stance of %s, %d paragraphs'):format(s.rel, #paras) }, {}
  if #targets == 0 then lines[#lines + 1] = 'no annotation with a stance yet' end
  for _, t in ipairs(targets) do
    local bt = by_target[t]
    local f, a, n = bt.total.favor or 0, bt.total.against or 0, bt.total.neutral or 0
    local all = math.max(f + a + n, 1)
    lines[#lines + 1] = ''
    lines[#lines + 1] = ('%s: favor %d (%d%%), against %d (%d%%), neutral %d'):format(t, f,
      math.floor(100 * f / all + 0.5), a, math.floor(100 * a / all + 0.5), n)
    local strip = {}
    for i = 1, #paras do
      local p = bt.para[i] or {}
      local pf, pa = p.favor or 0, p.against or 0
      strip[i] = (pf > 0 and pa > 0) and '◆' or (pf > 0 and '▲') or (pa > 0 and '▼') or '·'
      if pf + pa + (p.neutral or 0) > 0 then
        lines[#lines + 1] = ('  ¶%-3d %s  favor %d, against %d, neutral %d'):format(i, strip[i], pf, pa, p.neutral or 0)
      end
    end
    strips[t] = strip
    lines[#lines + 1] = '  ' .. table.concat(strip)
  end
  return lines, strips
end

--- Show the summary in a side window. Returns its buffer.
function M.show()
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  local lines = M.lines(s)
  vim.cmd('botright vsplit')
  vim.cmd('vertical resize 48')
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  pcall(vim.api.nvim_buf_set_name, buf, 'stance://summary/' .. s.rel)
  local ns = vim.api.nvim_create_namespace('stance_summary')
  for i, l in ipairs(lines) do
    for pos, mark in l:gmatch('()([▲▼◆])') do
      local group = mark == '▲' and 'StanceSign_favor' or (mark == '▼' and 'StanceSign_against' or 'StanceOverlap')
      require('stance.compat').add_highlight(buf, ns, group, i - 1, pos - 1, pos - 1 + #mark)
    end
  end
  return buf
end

return M
