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

--- Redraw with a fraction done and a text after the bar (at most ten times a second).
---@param frac number
---@param text string
function M:show(frac, text)
  local core = require('stance.core')
  local now = core.hrtime() / 1e9
  if self.shown and now - self.shown < 0.1 and frac < 1 then return end
  self.shown = now
  local width = 30
  local fill = math.floor(math.min(1, math.max(0, frac)) * width + 0.5)
  io.stderr:write(('\r%s [%s%s] %3d%%  %s\027[K'):format(self.label, ('#'):rep(fill), (' '):rep(width - fill),
    math.floor(frac * 100), require('stance.utf8').printable(text)))
  io.stderr:flush()
end

--- A bar over files of which each may take a while (re-anchoring): `file(i, n, name)` when
--- one starts, `within(done, total)` as it goes. Nothing when stderr is not a terminal.
---@param label string
---@return table|nil bar with file(self, i, n, name), within(self, done, total), finish(self)
function M.files(label)
  local bar = M.new(label)
  if not bar then return nil end
  local i, n, name = 0, 0, ''
  function bar.file(self, fi, fn, fname)
    i, n, name = fi, fn, fname
    self:show((i - 1) / math.max(1, n), ('%d/%d %s'):format(i, n, name))
  end
  function bar.within(self, done, total)
    local f = total > 0 and done / total or 0
    self:show((i - 1 + f) / math.max(1, n), ('%d/%d %s (%d%%)'):format(i, n, name, math.floor(f * 100)))
  end
  return bar
end

--- Erase the bar.
function M.finish(_)
  io.stderr:write('\r\027[K')
  io.stderr:flush()
end

return M
