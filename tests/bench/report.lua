--- make bench: the one way a section prints a figure. Every figure is measured next to a peer
--- in the same run (a plain open of the same document, `wc -l` over the same file, a rebuild
--- of the same index, ...), printed as a ratio to it with the absolute times beside it, and
--- judged against a target stated as that ratio. Each figure is also appended to the file
--- $STANCE_BENCH_RESULTS, from which tests/bench/run prints the summary table at the end.
---
--- In a section (Lua 5.4 under `stance run`, or LuaJIT inside Neovim; tests/bench/run puts
--- tests/ on LUA_PATH):
---   local report = require('bench.report')
---   report.section('annotations')
---   report.figure({ name = 'read 1M annotations', time = 0.61, bytes = 326e6,
---     peer = 'wc -l, same file', peer_time = 0.095, target = '>= 10%' })
--- From a shell section: tests/bench/report.lua figure SECTION NAME TIME PEER PEER_TIME TARGET [BYTES]
--- (or: value SECTION NAME VALUE UNIT PEER PEER_VALUE TARGET)
--- The summary: tests/bench/report.lua summary FILE
local M = {}

-- ---- formatting ---------------------------------------------------------------------------

--- A duration in seconds, in the unit that reads best ("35.2 us", "612 ms", "1.23 s").
---@param s number seconds
---@return string
function M.time(s)
  if s ~= s then return 'n/a' end
  local a = math.abs(s)
  if a < 1e-3 then return ('%.1f us'):format(s * 1e6) end
  if a < 0.1 then return ('%.2f ms'):format(s * 1e3) end
  if a < 10 then return ('%.0f ms'):format(s * 1e3) end
  return ('%.1f s'):format(s)
end

--- A throughput ("533 MB/s", "3.4 GB/s").
---@param bytes number
---@param s number seconds
---@return string
function M.rate(bytes, s)
  local r = bytes / s
  if r >= 1e9 then return ('%.2f GB/s'):format(r / 1e9) end
  return ('%.0f MB/s'):format(r / 1e6)
end

--- A ratio as the target states it: "6.4x" or "15.5%".
local function show_ratio(r, percent)
  if r ~= r or r == math.huge then return 'n/a' end
  if percent then return ('%.1f%%'):format(r * 100) end
  if r >= 10 then return ('%.1fx'):format(r) end
  return ('%.2fx'):format(r)
end

--- Parse a target: a ratio to the peer ('<= 6x', '>= 10%', '<= 0.5x') or, for what a person
--- perceives whatever the machine (a redraw, the event loop's lag), a time ('<= 10 ms').
--- Returns op, limit (a fraction for %, seconds for a time), kind ('x', '%' or 'time').
---@param target string
---@return string op
---@return number limit
---@return string kind
function M.parse_target(target)
  local op, num, unit = tostring(target):match('^%s*([<>]=?)%s*([%d.]+)%s*([%a%%]+)%s*$')
  local scale = ({ x = 1, ['%'] = 0.01, s = 1, ms = 1e-3, us = 1e-6 })[unit or '']
  assert(op and tonumber(num) and scale,
    'a target is "<= Nx", ">= Nx", "> Nx" (beats), "<= N%", ">= N%" or a time ("<= 10 ms"): ' .. tostring(target))
  return op, tonumber(num) * scale, (unit == 'x' or unit == '%') and unit or 'time'
end

-- ---- measuring ----------------------------------------------------------------------------

local hrtime
do
  local ok, core = pcall(require, 'stance.core')
  if ok and core.hrtime then
    hrtime = core.hrtime
  else
    local uv = vim and (vim.uv or vim.loop) -- luacheck: ignore
    hrtime = uv and uv.hrtime or function() return os.clock() * 1e9 end
  end
end

--- Seconds since some point (monotonic).
---@return number
function M.now() return hrtime() / 1e9 end

--- The median and the best of `n` timings of `fn()` in seconds (and what the last call
--- returned). `before()`, when given, runs before each call, untimed: what the last call
--- left to free (a store closed, its memory collected) is not counted in the next one.
---@param n integer
---@param fn fun(): any
---@param before fun()|nil
---@return number median
---@return number best
---@return any result of the last call
function M.median(n, fn, before)
  local t, last = {}, nil
  for i = 1, n do
    if before then before() end
    local t0 = M.now()
    last = fn()
    t[i] = M.now() - t0
  end
  table.sort(t)
  return t[math.floor((n + 1) / 2)], t[1], last
end

--- A word for the shell, quoted so that nothing in it is special.
---@param s string
---@return string
function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Run a command (a list of words, quoted here: never a string built from data), its
--- output thrown away; the seconds it took. Raises if it fails.
---@param argv string[]
---@param stdin string|nil a file to read standard input from
---@return number seconds
function M.run(argv, stdin)
  local words = {}
  for i, a in ipairs(argv) do words[i] = M.quote(a) end
  local cmd = table.concat(words, ' ') .. ' >/dev/null' .. (stdin and (' <' .. M.quote(stdin)) or '')
  local t0 = M.now()
  local a, _, c = os.execute(cmd)
  local s = M.now() - t0
  -- Lua 5.1/LuaJIT: a number (0 = success); 5.2+: true|nil, 'exit', code
  assert(a == 0 or a == true, ('%s failed (%s)'):format(cmd, tostring(c or a)))
  return s
end

-- ---- figures ------------------------------------------------------------------------------

local H = { section = os.getenv('STANCE_BENCH_SECTION') or '?', out = io.write }

--- Set the section the next figures belong to (also STANCE_BENCH_SECTION).
---@param name string
function M.section(name) H.section = name end

--- Where lines go (default io.write; editor.lua writes to a file).
---@param fn fun(s: string)
function M.output(fn) H.out = fn end

--- Whether this run is pinned to one core (tests/bench/run sets STANCE_BENCH_CORES=1 when
--- it runs a section under `taskset -c 0` with STANCE_THREADS=1).
---@return boolean
function M.one_core() return os.getenv('STANCE_BENCH_CORES') == '1' end

---@class bench.Figure
---@field name string what is measured
---@field time number|nil seconds: ours
---@field peer string|nil what it is measured against
---@field peer_time number|nil seconds: the peer, in the same run
---@field value number|nil instead of times: any quantity (ratio = value / peer_value)
---@field peer_value number|nil
---@field unit string|nil the unit of value/peer_value
---@field bytes number|nil bytes processed by ours (throughput shown beside the time)
---@field peer_bytes number|nil bytes processed by the peer (default: bytes)
---@field target string|nil '<= Nx' / '<= N%': ours takes at most that of the peer's time ('< Nx', '> Nx':
---   strictly, as "beats");
---   '>= Nx' / '>= N%': ours goes at least that of the peer's speed (ratio = peer_time / time).
---   With value/peer_value the ratio is value / peer_value whatever the operator. A time
---   ('<= 10 ms') judges ours alone, for what people perceive; the ratio is still shown.
---@field speed boolean|nil without a target: show the speed ratio (peer_time / time)
---@field note string|nil printed after the figure

--- Print one figure next to its peer, as a ratio with its target, and record it for the
--- summary. Returns the ratio and whether the target is met (nil without a target).
---@param f bench.Figure
---@return number ratio
---@return boolean|nil met
function M.figure(f)
  assert(type(f.name) == 'string', 'a figure has a name')
  local op, limit, kind
  if f.target then op, limit, kind = M.parse_target(f.target) end
  local percent = kind == '%'
  local ratio, ours, theirs, judged
  if f.time then
    assert(f.peer_time, 'a timed figure has a peer_time: ' .. f.name)
    local speed = (op ~= nil and op:sub(1, 1) == '>' and kind ~= 'time') or (not op and f.speed)
    ratio = speed and (f.peer_time / f.time) or (f.time / f.peer_time)
    ours = M.time(f.time) .. (f.bytes and (' (' .. M.rate(f.bytes, f.time) .. ')') or '')
    local pb = f.peer_bytes or f.bytes
    theirs = M.time(f.peer_time) .. (pb and (' (' .. M.rate(pb, f.peer_time) .. ')') or '')
    judged = kind == 'time' and f.time or ratio
  else
    assert(f.value and f.peer_value, 'a figure has time/peer_time or value/peer_value: ' .. f.name)
    assert(kind ~= 'time', 'a time target needs time/peer_time: ' .. f.name)
    ratio = f.value / f.peer_value
    local u = f.unit and (' ' .. f.unit) or ''
    ours = ('%.4g%s'):format(f.value, u)
    theirs = ('%.4g%s'):format(f.peer_value, u)
    judged = ratio
  end
  local met
  if op == '<=' then
    met = judged <= limit
  elseif op == '>=' then
    met = judged >= limit
  elseif op == '<' then
    met = judged < limit
  elseif op == '>' then
    met = judged > limit
  end
  local verdict = met == nil and '' or (met and 'met' or 'NOT MET')
  H.out(('   %s: %s | %s %s | %s%s %s%s\n'):format(f.name, ours, f.peer or 'peer', theirs,
    show_ratio(ratio, percent), f.target and (' (target ' .. f.target .. ')') or '', verdict,
    f.note and ('; ' .. f.note) or ''))
  local path = os.getenv('STANCE_BENCH_RESULTS')
  if path then
    local fh = io.open(path, 'a')
    if fh then
      local function clean(s) return (tostring(s or '-'):gsub('[\t\n]', ' ')) end
      fh:write(table.concat({ clean(H.section), clean(f.name), clean(ours), clean(f.peer),
        clean(theirs), show_ratio(ratio, percent), clean(f.target), met == nil and '-' or (met and 'yes' or 'no') },
        '\t'), '\n')
      fh:close()
    end
  end
  return ratio, met
end

--- A line of its own (context for the figures that follow).
---@param fmt string
function M.say(fmt, ...)
  H.out(fmt:format(...) .. '\n')
end

-- ---- the summary --------------------------------------------------------------------------

--- The table of every figure recorded in `path`: figure, ratio, target, met or not.
--- Returns how many targets were not met.
---@param path string
---@return integer
function M.summary(path)
  local rows = {}
  local fh = io.open(path)
  if fh then
    for line in fh:lines() do
      local r = {}
      for field in (line .. '\t'):gmatch('([^\t]*)\t') do r[#r + 1] = field end
      if #r >= 8 then rows[#rows + 1] = r end
    end
    fh:close()
  end
  local w = 6
  for _, r in ipairs(rows) do
    local n = #(r[1] .. ': ' .. r[2]):gsub('[\128-\191]', '')
    if n > w then w = n end
  end
  w = math.min(w, 90)
  local notmet, met, none = 0, 0, 0
  H.out(('   %-' .. w .. 's %9s  %-10s %-7s %s\n'):format('figure', 'ratio', 'target', 'met', 'ours | peer'))
  for _, r in ipairs(rows) do
    local name = r[1] .. ': ' .. r[2]
    local pad = w - #name:gsub('[\128-\191]', '')
    H.out(('   %s%s %9s  %-10s %-7s %s | %s %s\n'):format(name, (' '):rep(math.max(0, pad)), r[6],
      r[7], r[8] == 'yes' and 'yes' or (r[8] == 'no' and 'NO' or '-'), r[3], r[4], r[5]))
    if r[8] == 'no' then notmet = notmet + 1 elseif r[8] == 'yes' then met = met + 1 else none = none + 1 end
  end
  H.out(('   %d figures: %d targets met, %d not met, %d without a target\n'):format(#rows, met, notmet, none))
  return notmet
end

-- ---- as a command (shell sections and tests/bench/run) -------------------------------------

local modname = ...
if modname ~= 'bench.report' and arg and arg[0] and arg[0]:match('report%.lua$') then
  local cmd = arg[1]
  if cmd == 'figure' then
    M.section(arg[2])
    M.figure({ name = arg[3], time = tonumber(arg[4]), peer = arg[5], peer_time = tonumber(arg[6]),
      target = arg[7] ~= '' and arg[7] or nil, bytes = tonumber(arg[8] or '') })
  elseif cmd == 'value' then
    M.section(arg[2])
    M.figure({ name = arg[3], value = tonumber(arg[4]), unit = arg[5] ~= '' and arg[5] or nil, peer = arg[6],
      peer_value = tonumber(arg[7]), target = arg[8] ~= '' and arg[8] or nil })
  elseif cmd == 'summary' then
    M.summary(assert(arg[2], 'usage: report.lua summary FILE'))
  else
    io.stderr:write('usage: report.lua figure SECTION NAME TIME PEER PEER_TIME TARGET [BYTES]\n'
      .. '     | value SECTION NAME VALUE UNIT PEER PEER_VALUE TARGET | summary FILE\n')
    os.exit(2)
  end
end

return M
