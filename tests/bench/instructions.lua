-- Neovim side of tests/bench/instructions: N creates (`gsiwp`, keys and screen update) in the
-- 10 MB document with 100k annotations of the editor section, or N `gUiw` in its plain copy
-- (each undone after), at the words the editor section uses. Run under callgrind with
-- --dump-before=clock: os.clock() just before and just after each action, so that every
-- second dump holds one action's instructions alone. A full collection (and the collector
-- stopped) before each, so that no step of it lands in one action and not another.
local mode = os.getenv('STANCE_INSTR_MODE') or 'create'
local n = tonumber(os.getenv('STANCE_INSTR_N') or '10')
local dir = assert(os.getenv('STANCE_INSTR_DIR'))
require('stance').setup({ annotator = 'bench', autosave = { enabled = false } })
vim.cmd('edit ' .. vim.fn.fnameescape(dir .. (mode == 'create' and '/editor/big.txt' or '/editor-plain/big.txt')))
vim.cmd('redraw')
-- the words of tests/bench/editor.lua (word_spots)
local spots = {}
for r, l in ipairs(vim.api.nvim_buf_get_lines(0, 0, 400, false)) do
  for c in l:gmatch('()[%a][%w]*') do
    if c % 9 == 0 or #spots < 3 then spots[#spots + 1] = { r, c - 1 } end
  end
end
local keys = mode == 'create' and 'gsiwp' or 'gUiw'
local function act()
  vim.api.nvim_feedkeys(keys, 'xt', false)
  vim.cmd('redraw')
end
for i = 1, n do
  vim.api.nvim_win_set_cursor(0, spots[(i * 7) % #spots + 1])
  vim.cmd('redraw')
  vim.wait(0) -- idle, as between two keys: what the screen update scheduled is done (tests/bench/editor.lua)
  collectgarbage()
  collectgarbage('stop')
  os.clock()
  act()
  os.clock()
  collectgarbage('restart')
  if mode ~= 'create' then
    vim.cmd('silent undo')
    vim.cmd('redraw')
  end
end
local f = assert(io.open(dir .. '/done', 'w'))
f:write('done\n')
f:close()
vim.cmd('qall!')
