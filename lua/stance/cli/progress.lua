--- A one-line progress bar on stderr, drawn only when stderr is a terminal.
local M = {}

local function human(bytes)
  local units = { 'B', 'kB', 'MB', 'GB', 'TB' }
  local u = 1
  while bytes >= 1000 and u < #units do
    bytes, u = bytes / 1000, u + 1
  end
  return ('%.1f %s'):format(bytes, units[u])
end
M.human = human

---@class stance.ProgressBar
---@field label string
---@field start number seconds

--- A bar for `label`; nil when stderr is not a terminal (no output at all then).
---@param label string
---@return stance.ProgressBar|nil
function M.new(label)
  local core = require('stance.core')
  if not core.isatty(2) then return nil end
  return setmetatable({ label = label, start = core.hrtime() / 1e9 }, { __index = M })
end

--- Redraw from a job event (see stance.JobEvent).
---@param ev table
function M:update(ev)
  local core = require('stance.core')
  local frac = 0
  if ev.total_bytes and ev.total_bytes > 0 then
    frac = ev.bytes / ev.total_bytes
  elseif ev.total and ev.total > 0 then
    frac = ev.done / ev.total
  end
  frac = math.min(1, frac)
  local width = 30
  local fill = math.floor(frac * width + 0.5)
  local secs = math.max(1e-3, core.hrtime() / 1e9 - self.start)
  io.stderr:write(('\r%s [%s%s] %3d%%  %d/%d  %s/s '):format(self.label, ('#'):rep(fill),
    (' '):rep(width - fill), math.floor(frac * 100), ev.done or 0, ev.total or 0,
    human((ev.bytes or 0) / secs)))
  io.stderr:flush()
end

--- Erase the bar.
function M.finish(_)
  io.stderr:write('\r\027[K')
  io.stderr:flush()
end

return M
