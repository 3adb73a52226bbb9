-- Neovim in a real terminal for the tests: the Neovim under test (helpers.nvim) runs in a
-- tmux pane of its own tmux server; keys are typed with send-keys, the screen is read with
-- its colors (capture-pane -e), and what Neovim wrote to the terminal is recorded
-- (pipe-pane) so that a test can tell which rows a key redrew.
--
-- Nothing waits a fixed time: every wait polls for a condition until a deadline
-- (STANCE_TMUX_TIMEOUT seconds, 30 by default), so that a loaded machine is slow, not flaky.
--
--   local nv = tmux.open({ 'doc.txt' }, { cwd = dir, init = 'require("stance").setup{}' })
--   nv:keys('14G')                         -- typed; returns once Neovim has settled
--   local screen = nv:key('f', function(s) return s:find('favor') end)
--   nv:quit()
local M = {}
local S = {}
S.__index = S

local T -- helpers, loaded lazily (it loads this module)
local unpack_ = rawget(table, 'unpack') or rawget(_G, 'unpack')

local uv = vim and (vim.uv or vim.loop)

local function now_ms()
  if uv then return uv.hrtime() / 1e6 end
  return os.time() * 1000
end

local function sleep_ms(ms)
  if uv then
    uv.sleep(ms)
  else
    os.execute(('sleep %.3f'):format(ms / 1000))
  end
end

--- Seconds every wait may take at most.
M.timeout = tonumber(os.getenv('STANCE_TMUX_TIMEOUT') or '') or 30

local function random_name()
  local rnd = assert(io.open('/dev/urandom', 'rb'))
  local name = rnd:read(6):gsub('.', function(c) return ('%02x'):format(c:byte()) end)
  rnd:close()
  return name
end

--- The screen without its colors.
---@param screen string
---@return string
function M.plain(screen)
  return (screen:gsub('\27%[[%d;:]*m', ''))
end

--- The screen's rows (with their colors), 1-based.
---@param screen string
---@return string[]
function M.rows(screen)
  local out = {}
  for l in (screen:gsub('\n$', '') .. '\n'):gmatch('(.-)\n') do
    out[#out + 1] = l
  end
  return out
end

--- The first row (with colors) whose text contains `text` (plain), and its number (1-based).
---@param screen string
---@param text string
---@return string|nil row
---@return integer|nil number
function M.row(screen, text)
  for i, l in ipairs(M.rows(screen)) do
    if M.plain(l):find(text, 1, true) then return l, i end
  end
end

--- The 256-color background codes (48;5;N) on a row, in order of appearance.
---@param row string
---@return integer[]
function M.backgrounds(row)
  local out = {}
  for n in row:gmatch('48;5;(%d+)') do
    out[#out + 1] = tonumber(n)
  end
  return out
end

--- A row cut into runs of text of one style: { text, fg, bg (256-color indexes, or
--- "#rrggbb"), bold, italic, underline (any underline style), reverse }, from its SGR
--- sequences.
---@param row string
---@return table[]
function M.styled(row)
  local out = {}
  local st = {}
  local function apply(params)
    local p = {}
    for v in (params .. ';'):gmatch('([^;]*);') do
      p[#p + 1] = v
    end
    local i = 1
    while i <= #p do
      local v = p[i]
      local n = tonumber(v:match('^%d+') or '0')
      if n == 0 then
        st = {}
      elseif n == 1 then st.bold = true
      elseif n == 3 then st.italic = true
      elseif n == 4 then st.underline = true -- 4:3 (curly) and the like too
      elseif n == 7 then st.reverse = true
      elseif n == 22 then st.bold = nil
      elseif n == 23 then st.italic = nil
      elseif n == 24 then st.underline = nil
      elseif n == 27 then st.reverse = nil
      elseif n == 38 or n == 48 or n == 58 then
        local key = n == 38 and 'fg' or (n == 48 and 'bg' or 'sp')
        if p[i + 1] == '5' then
          st[key] = tonumber(p[i + 2])
          i = i + 2
        elseif p[i + 1] == '2' then
          st[key] = ('#%02x%02x%02x'):format(tonumber(p[i + 2]) or 0, tonumber(p[i + 3]) or 0, tonumber(p[i + 4]) or 0)
          i = i + 4
        end
      elseif n == 39 then st.fg = nil
      elseif n == 49 then st.bg = nil
      elseif n >= 30 and n <= 37 then st.fg = n - 30
      elseif n >= 40 and n <= 47 then st.bg = n - 40
      elseif n >= 90 and n <= 97 then st.fg = n - 82
      elseif n >= 100 and n <= 107 then st.bg = n - 92
      end
      i = i + 1
    end
  end
  local pos = 1
  while pos <= #row do
    local a, b, params = row:find('\27%[([%d;:]*)m', pos)
    local text = row:sub(pos, (a or #row + 1) - 1)
    if text ~= '' then
      local run = { text = text }
      for k, v in pairs(st) do
        run[k] = v
      end
      out[#out + 1] = run
    end
    if not a then break end
    apply(params)
    pos = b + 1
  end
  return out
end

--- The style of the text `text` on `row` (the run it starts in), or nil when it is not there.
---@param row string
---@param text string
---@return table|nil
function M.style_of(row, text)
  local runs = M.styled(row)
  local plain = ''
  for _, r in ipairs(runs) do
    plain = plain .. r.text
  end
  local at = plain:find(text, 1, true)
  if not at then return nil end
  local len = 0
  for _, r in ipairs(runs) do
    if at <= len + #r.text then return r end
    len = len + #r.text
  end
end

--- Run `cmd` (a list of words, quoted here) in a shell; returns its stdout.
local function sh(words)
  local quoted = {}
  for i, w in ipairs(words) do
    quoted[i] = T.q(w)
  end
  local p = assert(io.popen(table.concat(quoted, ' ') .. ' 2>/dev/null'))
  local out = p:read('*a')
  p:close()
  return out
end

function S:tmux(...)
  return sh({ 'tmux', '-L', self.socket, ... })
end

--- Start the Neovim under test in a new tmux server and wait until it has drawn its first
--- screen and answers on its socket.
---@param args string[]|nil more nvim arguments (files to open)
---@param opts table|nil cwd, init (Lua run by the init file after the checkout is put on
---  'runtimepath'), width (100), height (30), env (table of more variables), ready (text or
---  function(screen) that says the first screen is there), typeahead (send-keys words typed
---  into the terminal before Neovim starts: keys a person types while it opens)
---@return table session
function M.open(args, opts)
  T = T or require('helpers')
  opts = opts or {}
  local dir = T.tmpdir()
  local self = setmetatable({
    socket = 'stance-test-' .. random_name(), name = 'nvim', dir = dir, out = dir .. '/terminal.out',
    rpc_path = dir .. '/nvim.sock', mark_at = 0,
  }, S)
  local init = dir .. '/init.lua'
  T.write(init, ([[
vim.opt.rtp:prepend(%q)
vim.opt.swapfile = false
vim.opt.shortmess:append('I')
%s
]]):format(T.root, opts.init or ''))
  local cmd = { T.nvim, '-u', init, '-i', 'NONE', '--listen', self.rpc_path }
  for _, a in ipairs(args or {}) do
    cmd[#cmd + 1] = a
  end
  local quoted = {}
  for i, a in ipairs(cmd) do
    quoted[i] = T.q(a)
  end
  -- The user's configuration, data and colors stay out: the folders of XDG are the test's,
  -- and COLORTERM is unset (Neovim 0.10+ would turn on 'termguicolors' with it).
  local env = { 'TERM=xterm-256color' }
  for _, x in ipairs({ 'CONFIG', 'DATA', 'STATE', 'CACHE' }) do
    env[#env + 1] = ('XDG_%s_HOME=%s'):format(x, T.q(dir .. '/' .. x:lower()))
  end
  for k, v in pairs(opts.env or {}) do
    env[#env + 1] = k .. '=' .. T.q(v)
  end
  local line = ('cd %s && unset COLORTERM && exec env %s %s'):format(T.q(opts.cwd or T.root),
    table.concat(env, ' '), table.concat(quoted, ' '))
  -- The pane stays after Neovim exits (remain-on-exit), so that its last screen can be read;
  -- Neovim starts once the terminal's output is being recorded.
  local go = dir .. '/go'
  self:tmux('-f', '/dev/null', 'new-session', '-d', '-s', self.name, '-x', tostring(opts.width or 100),
    '-y', tostring(opts.height or 30), 'sh', '-c',
    ('while [ ! -e %s ]; do sleep 0.02; done; %s'):format(T.q(go), line))
  self:tmux('set-option', '-t', self.name, 'status', 'off')
  self:tmux('set-window-option', '-t', self.name, 'remain-on-exit', 'on')
  self:tmux('pipe-pane', '-t', self.name, '-o', 'cat >> ' .. T.q(self.out))
  if opts.typeahead then
    -- held by the terminal until Neovim reads its input: before its first screen, its
    -- autocommands and anything it schedules
    self:tmux('send-keys', '-t', self.name, unpack_(opts.typeahead))
  end
  T.write(go, '')
  local ok, err = pcall(function()
    self:wait(function(screen)
      if not self:listening() and not self:dead() then return false end
      if opts.ready then return M.check(opts.ready, screen) end
      return M.plain(screen):find('%S') ~= nil
    end, 'Neovim started')
    self:settle()
  end)
  if not ok then
    self:close()
    error(err, 0)
  end
  return self
end

--- Whether Neovim's socket is there.
function S:listening()
  if uv then return uv.fs_stat(self.rpc_path) ~= nil end
  local ok = os.execute('test -S ' .. T.q(self.rpc_path))
  return ok == true or ok == 0
end

--- A condition for `wait`/`key`: the screen (its plain text) holds `text`.
---@param text string
---@return fun(screen: string): boolean
function M.has(text)
  return function(screen) return M.plain(screen):find(text, 1, true) ~= nil end
end

--- A condition for `wait`/`key`: the first characters of `text` on the screen have a
--- background (an annotation drawn there).
---@param text string
---@return fun(screen: string): boolean
function M.colored(text)
  return function(screen)
    local r = M.row(screen, text)
    local st = r and M.style_of(r, text)
    return st and st.bg ~= nil
  end
end

--- How many times `text` is on the plain screen.
---@param screen string
---@param text string
---@return integer
function M.count(screen, text)
  local plain, n, at = M.plain(screen), 0, 1
  while true do
    local i = plain:find(text, at, true)
    if not i then return n end
    n, at = n + 1, i + 1
  end
end

--- Assert a message said on one line, never a "Press ENTER" prompt (stance.notify.line):
--- `start` on one row of `screen`, with "(stance) " before it; `whole` in :messages of `nv`.
---@param nv table the session
---@param screen string
---@param start string
---@param whole string
function M.one_line(nv, screen, start, whole)
  local plain = M.plain(screen)
  assert(plain:find('Press ENTER', 1, true) == nil, plain)
  assert(M.has('(stance) ' .. start)(screen), plain)
  local messages = nv:lua("return vim.fn.execute('messages')")
  assert(messages:find(whole, 1, true), messages)
end

--- Run `fn(nv)`, then close the session `nv` either way (an error raised again, with its screen).
function M.driving(nv, fn)
  local ok, e = pcall(fn, nv)
  nv:close()
  if not ok then error(e, 0) end
end

--- Run `fn(nv)`, then end Neovim with `nv:quit()` (its last screen returned); on an error,
--- close the session and raise the error again (with its screen).
---@return string screen
function M.driving_to_quit(nv, fn)
  local ok, e = pcall(fn, nv)
  if not ok then
    nv:close()
    error(e, 0)
  end
  return nv:quit()
end

--- Whether `cond` (text to find on the plain screen, or a function of the screen) holds.
function M.check(cond, screen)
  if type(cond) == 'string' then return M.plain(screen):find(cond, 1, true) ~= nil end
  return cond(screen)
end

--- Whether Neovim has exited (its pane is dead).
function S:dead()
  return self:tmux('display-message', '-p', '-t', self.name, '#{pane_dead}'):match('1') ~= nil
end

--- The screen now, with its colors.
---@return string
function S:screen()
  return self:tmux('capture-pane', '-e', '-p', '-t', self.name)
end

--- The cursor's screen row and column, 1-based.
---@return integer row
---@return integer col
function S:cursor()
  local y, x = self:tmux('display-message', '-p', '-t', self.name, '#{cursor_y} #{cursor_x}'):match('(%d+) (%d+)')
  return tonumber(y) + 1, tonumber(x) + 1
end

--- Poll the screen until `cond` holds, for at most `timeout` seconds; returns the screen.
--- On time out, raises an error that shows the screen and says what was awaited.
---@param cond string|fun(screen: string): any
---@param what string|nil what is awaited, for the error
---@param timeout number|nil seconds
---@return string screen
function S:wait(cond, what, timeout)
  local deadline = now_ms() + (timeout or M.timeout) * 1000
  local screen
  repeat
    screen = self:screen()
    if M.check(cond, screen) then return screen end
    sleep_ms(30)
  until now_ms() > deadline
  error(('tmux: timed out after %g s waiting for %s; the screen:\n%s'):format(timeout or M.timeout,
    what or (type(cond) == 'string' and ('"' .. cond .. '"') or 'a condition'), M.plain(screen)), 2)
end

--- Wait until the screen stays the same for `quiet_ms` (150) and the terminal receives
--- nothing more; returns the screen. For keys whose effect cannot be named in advance
--- (a test checks the screen afterwards).
---@param quiet_ms integer|nil
---@return string screen
function S:settle(quiet_ms)
  quiet_ms = quiet_ms or 150
  local deadline = now_ms() + M.timeout * 1000
  local last, last_size, since = nil, nil, now_ms()
  while true do
    local screen, size = self:screen(), self:out_size()
    local t = now_ms()
    if screen ~= last or size ~= last_size then
      last, last_size, since = screen, size, t
    elseif t - since >= quiet_ms then
      return screen
    end
    if t > deadline then return screen end
    sleep_ms(30)
  end
end

--- Type `keys`: each argument is one send-keys word (a key name such as Enter or Escape,
--- or text: 'gsis' types four keys). Waits until the screen settles; returns it.
---@return string screen
function S:keys(...)
  for _, k in ipairs({ ... }) do
    self:tmux('send-keys', '-t', self.name, k)
  end
  return self:settle()
end

--- Type one key (or word) and wait until `cond` holds on the screen (else until it
--- settles): the screen right after that key, with no redraw key in between.
---@param key string
---@param cond string|fun(screen: string): any|nil
---@param what string|nil
---@return string screen
function S:key(key, cond, what)
  self:mark()
  self:tmux('send-keys', '-t', self.name, key)
  if cond then return self:wait(cond, what) end
  return self:settle()
end

--- Type literal text (no key names).
---@param text string
---@return string screen
function S:type(text)
  self:tmux('send-keys', '-t', self.name, '-l', text)
  return self:settle()
end

function S:out_size()
  local f = io.open(self.out, 'rb')
  if not f then return 0 end
  local n = f:seek('end')
  f:close()
  return n
end

--- Remember where the terminal's output is: `output()` returns what came after.
function S:mark()
  self.mark_at = self:out_size()
end

--- What Neovim wrote to the terminal since `mark()` (escape sequences and all), once
--- nothing more arrives for 150 ms.
---@return string
function S:output()
  self:settle()
  local f = io.open(self.out, 'rb')
  if not f then return '' end
  f:seek('set', self.mark_at)
  local s = f:read('*a') or ''
  f:close()
  return s
end

--- The screen rows (1-based) that terminal output `s` wrote to or erased, and whether it
--- cleared the whole screen. Follows the cursor through the sequences a terminal program
--- uses (absolute and relative moves, line feeds, erasing, scrolling, inserting and deleting
--- lines); `height` is the screen's.
---@param s string
---@param height integer
---@return table<integer, boolean> rows
---@return boolean cleared
function M.rows_written(s, height)
  local rows, cleared = {}, false
  local row, top, bot = 1, 1, height
  local saved = 1
  local function clamp(r) return math.max(1, math.min(height, r)) end
  local function touch(a, b)
    for r = a, b or a do
      rows[r] = true
    end
  end
  local i, n = 1, #s
  while i <= n do
    local c = s:sub(i, i)
    if c == '\27' then
      local nx = s:sub(i + 1, i + 1)
      if nx == '[' then
        local params, final, j = s:match('^([%d;:?<>=!]*)[ -/]*([@-~])()', i + 2)
        if not final then break end
        local p = {}
        for v in (params:gsub('^[?<>=!]', '') .. ';'):gmatch('([^;]*);') do
          p[#p + 1] = tonumber(v:match('^%d+'))
        end
        local p1 = p[1] or 0
        local private = params:match('^[?<>=!]') ~= nil
        if private then
          -- DEC private modes (cursor, mouse, synchronized output, ...): nothing drawn
          final = ''
        end
        if final == 'H' or final == 'f' then
          row = clamp(p1 == 0 and 1 or p1)
        elseif final == 'd' then
          row = clamp(p1 == 0 and 1 or p1)
        elseif final == 'A' or final == 'F' then
          row = clamp(row - math.max(p1, 1))
        elseif final == 'B' or final == 'E' then
          row = clamp(row + math.max(p1, 1))
        elseif final == 'K' or final == 'X' or final == '@' or final == 'P' then
          touch(row)
        elseif final == 'J' then
          if p1 == 2 or p1 == 3 then
            cleared = true
            touch(1, height)
          elseif p1 == 1 then
            touch(1, row)
          else
            touch(row, height)
          end
        elseif final == 'r' then
          top, bot = p[1] or 1, p[2] or height
          row = 1
        elseif final == 'L' or final == 'M' then
          touch(row, bot)
        elseif final == 'S' or final == 'T' then
          touch(top, bot)
        end
        i = j
      elseif nx == ']' or nx == 'P' or nx == '_' or nx == '^' then
        -- OSC, DCS, APC, PM: up to BEL or ST
        local j = s:find('[\7]', i + 2) or n
        local st = s:find('\27\\', i + 2, true)
        if st and st < j then j = st + 1 end
        i = j + 1
      elseif nx == 'M' then -- reverse index
        if row == top then touch(top, bot) else row = clamp(row - 1) end
        i = i + 2
      elseif nx == 'D' or nx == 'E' then -- index, next line
        if row == bot then touch(top, bot) else row = clamp(row + 1) end
        i = i + 2
      elseif nx == '7' then
        saved = row
        i = i + 2
      elseif nx == '8' then
        row = saved
        i = i + 2
      elseif nx == '(' or nx == ')' or nx == '#' then
        i = i + 3
      else
        i = i + 2
      end
    elseif c == '\n' or c == '\11' or c == '\12' then
      if row == bot then touch(top, bot) else row = clamp(row + 1) end
      i = i + 1
    elseif c == '\r' or c == '\8' or c == '\7' or c == '\t' or c == '\0' then
      i = i + 1
    else
      touch(row)
      i = i + 1
    end
  end
  return rows, cleared
end

--- The rows (1-based) this session's Neovim redrew since `mark()`, as a sorted list, and
--- whether it cleared the screen.
---@return integer[] rows
---@return boolean cleared
function S:redrawn()
  local height = tonumber(self:tmux('display-message', '-p', '-t', self.name, '#{pane_height}'):match('%d+'))
  local set, cleared = M.rows_written(self:output(), height)
  local list = {}
  for r in pairs(set) do
    list[#list + 1] = r
  end
  table.sort(list)
  return list, cleared
end

--- Run Lua in the Neovim under test through its socket (only when the tests run inside
--- Neovim) and return its result.
---@param code string Lua code that may `return` a value
function S:lua(code, ...)
  assert(vim and vim.fn, 'tmux session: :lua() needs the tests to run inside Neovim')
  if not self.chan then self.chan = vim.fn.sockconnect('pipe', self.rpc_path, { rpc = true }) end
  return vim.rpcrequest(self.chan, 'nvim_exec_lua', code, { ... })
end

--- What `:checkhealth vim.deprecated` says in this Neovim (0.11+, where it lists every
--- deprecated function called since the start, with where from): nil when nothing was
--- called, else its report (plain text). Neovim before 0.11 has no such report: returns
--- nil and why (the headless suites watch every API function such a Neovim deprecates).
--- Leaves the report's tab open.
---@return string|nil report
---@return string|nil why there is none to read
function S:deprecated()
  if self:lua("return vim.fn.has('nvim-0.11')") ~= 1 then
    return nil, 'Neovim before 0.11 has no :checkhealth vim.deprecated'
  end
  self:keys(':checkhealth vim.deprecated', 'Enter')
  local screen = self:wait(function(s)
    local p = M.plain(s)
    return p:find('No deprecated functions detected', 1, true) or p:find('is deprecated', 1, true)
  end, ':checkhealth vim.deprecated')
  if M.plain(screen):find('No deprecated functions detected', 1, true) then return nil end
  return M.plain(screen)
end

--- Type `keys` (send-keys words) that end Neovim (by default :qa) and wait until it has
--- exited; returns its last screen.
---@return string screen
function S:quit(...)
  local keys = { ... }
  if #keys == 0 then keys = { 'Escape', ':qa', 'Enter' } end
  if self.chan then
    pcall(vim.fn.chanclose, self.chan)
    self.chan = nil
  end
  for _, k in ipairs(keys) do
    self:tmux('send-keys', '-t', self.name, k)
  end
  local screen = self:wait(function() return self:dead() end, 'Neovim to exit')
  self:close()
  return screen
end

--- End the tmux server (and Neovim with it, if still running).
function S:close()
  if self.chan then
    pcall(vim.fn.chanclose, self.chan)
    self.chan = nil
  end
  self:tmux('kill-server')
end

return M
