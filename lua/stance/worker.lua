--- The process's background worker (C threads on a private libuv loop) and the routing of
--- its events to the callbacks of whoever started each job.
---
--- Neovim: the worker's file descriptor is watched with a libuv poll handle; events are
--- drained in that (fast) callback and handed to the job's callbacks through
--- vim.schedule, so callbacks may use any API and the editor never waits on a job.
--- The `stance` host: M.wait() blocks on the descriptor until a job ends.
local M = {}
local H = { worker = nil, poll = nil, handlers = {} }
if vim then require('stance.editor.events').define() end -- VimLeavePre shuts the worker down

---@class stance.JobEvent
---@field kind 'progress'|'done'
---@field state 'running'|'done'|'failed'|'cancelled'
---@field id integer
---@field job userdata the job object
---@field done integer items processed
---@field total integer items in all
---@field bytes integer bytes processed
---@field total_bytes integer bytes in all (0 if unknown)
---@field error string|nil why a failed job failed

---@class stance.JobHandlers
---@field on_progress fun(ev: stance.JobEvent)|nil
---@field on_done fun(ev: stance.JobEvent)|nil called once, whatever the outcome

--- The shared worker, started on first use.
---@return userdata|nil worker
---@return string|nil err
function M.get()
  if H.worker then return H.worker end
  local ok, core = pcall(require, 'stance.core')
  if not ok then return nil, core end
  local tasks = 0
  if vim then
    -- in Neovim every core but one: the editor's own thread keeps a core to itself
    tasks = require('stance.config').get().worker.tasks
    if tasks == 0 then tasks = math.max(1, core.cpus() - 1) end
  end
  local w, err = core.worker({ tasks = tasks })
  if not w then return nil, err end
  H.worker = w
  if vim then H.watch(w) end
  return w
end

--- Route the events of `job` to `handlers`.
---@param job userdata returned by a worker method
---@param handlers stance.JobHandlers
---@return userdata job
function M.track(job, handlers)
  H.handlers[job:id()] = handlers
  return job
end

--- Host only: dispatch events until `job` has ended (Ctrl-C raises "interrupted!").
---@param job userdata
---@return string state 'done', 'failed' or 'cancelled'
function M.wait(job)
  local w = assert(H.worker, 'no worker')
  while true do
    H.dispatch(w:wait(200))
    local state = job:state()
    if state ~= 'pending' and state ~= 'running' and H.handlers[job:id()] == nil then
      return state
    end
  end
end

--- Host only: dispatch events until `done()` returns true (for chains of jobs).
---@param done fun(): boolean
function M.run_until(done)
  local w = assert(H.worker, 'no worker')
  while not done() do
    H.dispatch(w:wait(200))
  end
end

--- Route "changed" events (file watching) to `fn(paths, overflow)`; nil stops.
---@param fn fun(paths: string[], overflow: boolean)|nil
function M.on_change(fn)
  H.on_change = fn
end

--- Stop every job and the worker (idempotent). The next M.get() starts a new one.
function M.shutdown()
  if H.poll then
    H.poll:stop()
    H.poll:close()
    H.poll = nil
  end
  if H.worker then
    H.worker:close()
    H.worker = nil
  end
  H.handlers = {}
  H.on_change = nil
end

function H.dispatch(events)
  for _, ev in ipairs(events) do
    if ev.kind == 'changed' then
      H.changed(ev)
    else
      H.job_event(ev)
    end
  end
end

function H.changed(ev)
  if not H.on_change then return end
  local ok, err = pcall(H.on_change, ev.paths, ev.overflow)
  if not ok then require('stance.notify').error('file watcher: ' .. tostring(err)) end
end

function H.job_event(ev)
  local handlers = H.handlers[ev.id]
  if not handlers then return end
  if ev.kind == 'done' then H.handlers[ev.id] = nil end
  local cb = ev.kind == 'done' and handlers.on_done or handlers.on_progress
  if cb then
    local ok, err = pcall(cb, ev)
    if not ok then require('stance.notify').error('job callback failed: ' .. tostring(err)) end
  end
end

function H.watch(w)
  local uv = require('stance.compat').uv
  H.poll = uv.new_poll(w:fd())
  H.poll:start('r', function()
    local worker = H.worker
    if not worker then return end
    local events = worker:poll()
    if #events > 0 then vim.schedule(function() H.dispatch(events) end) end
  end)
end

return M
