--- lua5.4 src/luac.lua SRC OUT: compile the Lua file SRC (an absolute path: the chunk's name,
--- as `luac5.4 -o OUT SRC` names it) into OUT, for build/bin/stance (src/host.c loads it when
--- it is not older than SRC). What luac5.4 writes, less the names of local variables: making
--- each of them a Lua string is a third of what loading a module costs, at every start of
--- every command, and only the wording of an error in a module of ours uses them (which
--- local was nil). Every line number stays: errors and tracebacks point where they did.
---
--- The chunk is checked before it is written: loaded again, it dumps (stripped) to exactly
--- the bytes the compiled source dumps to. A chunk of a form this does not know (another Lua
--- 5.4 dump format) is written as luac5.4 writes it.
local src, dst = arg[1], arg[2]
assert(src and dst, 'usage: lua5.4 src/luac.lua SRC OUT')

local f = assert(loadfile(src))
local full = string.dump(f)

--- The dump `bin` (Lua 5.4's format, lundump.c) without the local variables of its functions.
local function without_locals(bin)
  local pos, out = 1, {}
  local function take(n)
    local s = bin:sub(pos, pos + n - 1)
    assert(#s == n, 'truncated')
    pos = pos + n
    return s
  end
  local function size() -- lundump.c's loadUnsigned: 7 bits a byte, the last one's high bit set
    local x, from = 0, pos
    repeat
      local b = assert(bin:byte(pos), 'truncated')
      pos = pos + 1
      x = x * 128 + (b & 0x7f)
      assert(x < 2 ^ 40, 'a size too large')
    until b >= 0x80
    return x, bin:sub(from, pos - 1)
  end
  local function copy(n) out[#out + 1] = take(n) end
  local function copy_size()
    local n, raw = size()
    out[#out + 1] = raw
    return n
  end
  local function copy_string()
    local n = copy_size()
    if n > 0 then copy(n - 1) end
  end
  local function func()
    copy_string() -- source
    copy_size() -- linedefined
    copy_size() -- lastlinedefined
    copy(3) -- numparams, is_vararg, maxstacksize
    copy(4 * copy_size()) -- code
    for _ = 1, copy_size() do -- constants
      local t = take(1):byte()
      out[#out + 1] = string.char(t)
      if t == 3 or t == 19 then
        copy(8) -- integer, float
      elseif t == 4 or t == 20 then
        copy_string() -- short, long string
      else
        assert(t == 0 or t == 1 or t == 17, 'a constant of an unknown type') -- nil, false, true
      end
    end
    copy(3 * copy_size()) -- upvalues: instack, idx, kind
    for _ = 1, copy_size() do func() end -- nested functions
    copy(copy_size()) -- line info: a byte per instruction
    for _ = 1, copy_size() do -- absolute line info: pc, line
      copy_size()
      copy_size()
    end
    for _ = 1, size() do -- local variables: name, startpc, endpc (dropped)
      local n = size()
      if n > 0 then take(n - 1) end
      size()
      size()
    end
    out[#out + 1] = '\x80' -- none
    for _ = 1, copy_size() do copy_string() end -- upvalue names
  end
  local head = take(31)
  assert(head:sub(1, 6) == '\27Lua\x54\0' and head:sub(13, 15) == '\4\8\8', 'another format')
  out[1] = head
  copy(1) -- the main function's number of upvalues
  func()
  assert(pos == #bin + 1, 'bytes after the main function')
  return table.concat(out)
end

local ok, slim = pcall(without_locals, full)
if ok then
  local g = load(slim, '=' .. src, 'b')
  if not (g and string.dump(g, true) == string.dump(f, true)) then ok, slim = false, 'not the same code' end
end
if not ok then
  io.stderr:write(('src/luac.lua: %s: written with its local variables (%s)\n'):format(src, tostring(slim)))
  slim = full
end
local out = assert(io.open(dst, 'wb'))
assert(out:write(slim))
assert(out:close())
