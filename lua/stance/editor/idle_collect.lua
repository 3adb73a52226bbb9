--- The garbage a large result leaves, collected in short steps while Neovim is idle. The
--- model's predictions for a long document are hundreds of megabytes of tables made and
--- dropped at once: left to Lua's incremental collector, every allocation after it pays a
--- step of that cycle, and the first screen updates after suggestions for a 10 MB document
--- arrived spent 5 to 13 ms in the plugin, two thirds of it in the collector, instead of
--- 0.05 ms once the cycle was over (tests/bench/editor.lua). Here the cycle is finished by a
--- timer, a step every few milliseconds while nothing else runs (each step takes about a
--- millisecond: keys typed meanwhile wait no longer than that).
local M = {}
local H = { timer = nil }

--- Milliseconds between two steps, and the work of a step (collectgarbage's step size).
M.every, M.step = 2, 1024

--- Whether a collection started by M.start() is still going.
---@return boolean
function M.running()
  return H.timer ~= nil
end

--- Finish the collector's current cycle in steps while idle (nothing when one is going).
function M.start()
  if H.timer then return end
  H.timer = require('stance.compat').uv.new_timer()
  H.timer:start(M.every, M.every, function()
    -- (a luv callback: only Lua here, no Neovim API)
    if collectgarbage('step', M.step) then
      H.timer:stop()
      H.timer:close()
      H.timer = nil
    end
  end)
end

return M
