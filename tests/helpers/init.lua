-- Shared by the Lua specs of both hosts (plain Lua and Neovim): paths, temp folders,
-- running commands.
local M = {}

local function dirname(p)
  return p:match('^(.*)/[^/]*$') or '.'
end

local src = debug.getinfo(1, 'S').source:sub(2)
if src:sub(1, 1) ~= '/' then src = (os.getenv('PWD') or '.') .. '/' .. src end
--- The checkout's root.
M.root = os.getenv('STANCE_ROOT') or dirname(dirname(dirname(src)))
M.stance = M.root .. '/build/bin/stance'
--- The project's shared test material (../shared), or nil when it is not there.
M.shared = os.getenv('STANCE_SHARED') or (M.root .. '/../shared')

--- Shell-quote a string.
function M.q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function M.exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() end
  return f ~= nil
end

if not M.exists(M.shared .. '/corpus/000_6358a7516b2472dd.txt') then M.shared = nil end
--- Interop test data (brat, W3C): the shared copy, else the one in tests/fixtures.
M.interop = M.shared and M.exists(M.shared .. '/interop/w3c/license.md') and (M.shared .. '/interop')
  or (M.root .. '/tests/fixtures')

function M.read(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('*a')
  f:close()
  return s
end

function M.write(path, data)
  os.execute('mkdir -p ' .. M.q(dirname(path)))
  local f = assert(io.open(path, 'wb'))
  f:write(data)
  f:close()
end

local tmp_count = 0
--- A new empty folder, removed by M.cleanup().
function M.tmpdir()
  tmp_count = tmp_count + 1
  local base = os.getenv('TMPDIR') or '/tmp'
  local p = io.popen('mktemp -d ' .. M.q(base .. '/stance-spec-XXXXXX'))
  local dir = p:read('*l')
  p:close()
  M.tmps = M.tmps or {}
  M.tmps[#M.tmps + 1] = dir
  return dir
end

--- A copy of the example corpus (doc/example/corpus) in a new folder, removed by M.cleanup().
function M.example_corpus()
  local d = M.tmpdir()
  os.execute(('cp -r %s/doc/example/corpus/. %s'):format(M.q(M.root), M.q(d)))
  return d
end

--- A fresh corpus (`stance init`) whose schema is `schema` and whose one document `doc.txt`
--- holds `text`: the folder.
---@param schema string
---@param text string
---@return string
function M.init_corpus(schema, text)
  local d = M.tmpdir()
  M.run(('%s init %s'):format(M.q(M.stance), M.q(d)))
  M.write(d .. '/.stance/schema.stance', schema)
  M.write(d .. '/doc.txt', text)
  return d
end

--- Run `stance ARGS` (a command line, already quoted) in folder `dir`: out, err, code.
function M.stance_in(dir, args)
  return M.run(('cd %s && %s %s'):format(M.q(dir), M.q(M.stance), args))
end

function M.cleanup()
  for _, d in ipairs(M.tmps or {}) do
    os.execute('rm -rf ' .. M.q(d))
  end
  M.tmps = {}
end

--- Run a shell command; returns stdout, stderr, exit status.
---@param cmd string
---@param input string|nil fed on stdin
function M.run(cmd, input)
  local dir = M.tmpdir()
  local err, inp = dir .. '/stderr', dir .. '/stdin'
  M.write(inp, input or '')
  local p = io.popen(('(%s) <%s 2>%s; echo "exit:$?"'):format(cmd, M.q(inp), M.q(err)))
  local out = p:read('*a')
  p:close()
  local code = tonumber(out:match('exit:(%d+)\n?$'))
  out = out:gsub('exit:%d+\n?$', '')
  local stderr = M.read(err)
  os.execute('rm -rf ' .. M.q(dir))
  return out, stderr, code
end

--- Run the stance executable with shell-quoted arguments.
function M.stance_run(args, input, cwd)
  local parts = {}
  for i, a in ipairs(args) do
    parts[i] = M.q(a)
  end
  local cmd = M.q(M.stance) .. ' ' .. table.concat(parts, ' ')
  if cwd then cmd = 'cd ' .. M.q(cwd) .. ' && ' .. cmd end
  return M.run(cmd, input)
end

--- sha256sum's view of a folder: "HASH  PATH" lines for every non-hidden file, PATH
--- relative, sorted bytewise.
function M.sha256sum(dir)
  local out = M.run(('cd %s && find . -type f ! -path "*/.*" | sed "s|^\\./||" | LC_ALL=C sort'
    .. ' | tr "\\n" "\\0" | xargs -0 -r sha256sum'):format(M.q(dir)))
  return out
end

--- Make `n` files of `size` bytes of varied text below `dir`.
function M.make_files(dir, n, size)
  local words = { 'engagement', 'sanctions', 'diplomacy', 'the', 'of', 'policy', 'rights',
    'talks', 'must', 'should', 'north', 'korea', 'and', 'pressure', 'summit' }
  local parts, len, i = {}, 0, 0
  while len < size do
    i = i + 1
    local w = words[(i * 7919) % #words + 1]
    parts[#parts + 1] = w
    len = len + #w + 1
  end
  local body = table.concat(parts, ' '):sub(1, size)
  for k = 1, n do
    M.write(('%s/doc%05d.txt'):format(dir, k), ('%05d '):format(k) .. body:sub(7))
  end
end

--- The text of code points [a, b) of the UTF-8 string s (0-based, end exclusive), in any
--- Lua: the offsets of annotation files count code points.
function M.cp_sub(s, a, b)
  local i, cp, start, stop = 1, 0, nil, nil
  while i <= #s + 1 do
    if cp == a and not start then start = i end
    if cp == b then
      stop = i
      break
    end
    if i > #s then break end
    local c = s:byte(i)
    i = i + (c < 0x80 and 1 or c < 0xE0 and 2 or c < 0xF0 and 3 or 4)
    cp = cp + 1
  end
  if not start or not stop then return nil end
  return s:sub(start, stop - 1)
end

--- Every line of `text` in a list.
function M.lines(text)
  local out = {}
  for l in (text .. '\n'):gmatch('(.-)\n') do
    out[#out + 1] = l
  end
  return out
end

--- The Neovim under test: tests/run sets STANCE_NVIM for each version of the matrix; inside
--- Neovim it is the running one. Every child process and the tmux helper start this one,
--- never whatever `nvim` is first on PATH.
M.nvim = os.getenv('STANCE_NVIM')
if not M.nvim or M.nvim == '' then
  M.nvim = (vim and vim.v and vim.v.progpath ~= '' and vim.v.progpath) or 'nvim'
end

--- Neovim in a real terminal (tmux): see tests/helpers/tmux.lua.
function M.tmux(args, opts)
  return require('helpers.tmux').open(args, opts)
end

--- Run Neovim with this checkout on 'runtimepath' in tmux (100x30), type `keys` (send-keys
--- words) one after the other, each once the screen has settled, and return the screen with
--- its colors (capture-pane -e). `args` are more nvim arguments (files to open); `opts` those
--- of helpers.tmux.open, plus `after`: keys that end Neovim (e.g. ":qa" Enter), awaited, and
--- `each`: function(screen, i, key) called with the screen after each key.
function M.tmux_screen(args, keys, opts)
  opts = opts or {}
  local nv = M.tmux(args, opts)
  local ok, screen = pcall(function()
    local screen = nv:screen()
    for i, k in ipairs(keys or {}) do
      screen = nv:keys(k)
      if opts.each then opts.each(screen, i, k) end
    end
    if opts.ready_after then screen = nv:wait(opts.ready_after) end
    return screen
  end)
  if not ok then
    nv:close()
    error(screen, 0)
  end
  if opts.after then
    nv:quit((rawget(_G, "unpack") or rawget(table, "unpack"))(opts.after))
  else
    nv:close()
  end
  return screen
end

--- Print a measured figure on its own line under the test's name.
function M.report(fmt, ...)
  io.stdout:write('        ', fmt:format(...), '\n')
  io.stdout:flush()
end

--- Run `git -C dir ARGS` (ARGS: shell words, quoted by the caller) as a test user; returns
--- its output (stdout and stderr), stderr, exit status.
---@param dir string
---@param args string
function M.git(dir, args)
  return M.run(('git -C %s -c user.name=t -c user.email=t@t %s 2>&1'):format(M.q(dir), args))
end

--- Whether git ignores `rel` (a path below the repository's folder `top`).
---@param top string
---@param rel string
---@return boolean
function M.git_ignores(top, rel)
  local ok = os.execute(('git -C %s check-ignore -q %s'):format(M.q(top), M.q(rel)))
  return ok == true or ok == 0
end

return M
