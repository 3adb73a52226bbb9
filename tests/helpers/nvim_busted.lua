-- Runs busted inside a headless Neovim (0.7.2 has no `nvim -l`).
--   STANCE_BUSTED_ARGS="tests/nvim -o tests/helpers/summary.lua" \
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/helpers/nvim_busted.lua'
-- busted's runner returns on success and raises on failure under Lua 5.1: both end here
-- with an explicit exit status.
package.path = '/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua;' .. package.path
package.cpath = '/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;' .. package.cpath

-- every call of a deprecated Neovim function by our code is reported as a failing test
dofile('tests/helpers/deprecated.lua').watch()

local args = {}
for word in (os.getenv('STANCE_BUSTED_ARGS') or 'tests/nvim'):gmatch('%S+') do
  args[#args + 1] = word
end
_G.arg = args
_G.arg[0] = 'busted'

local ok, err = pcall(function()
  require('busted.runner')({ standalone = false })
end)
if not ok and err ~= nil then io.stderr:write(tostring(err), '\n') end
io.stdout:flush()
vim.cmd((ok and (_G.STANCE_TEST_FAILED or 1) == 0) and 'qall!' or 'cquit 1')
