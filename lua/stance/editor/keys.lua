--- Mappings: <Plug> mappings for everything (defined once), and the default keys set on
--- each annotated buffer (buffer-local, only where no mapping of yours exists; change or
--- switch them off with setup{ mappings = ... }, :help stance-mappings).
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render
local H = { plugs = false }

local function op() return require('stance.editor.operator') end

--- The <Plug> mappings: { modes, name, rhs, opts }.
H.plug_list = {
  { 'n', 'annotate', function() return op().start() end, { expr = true } },
  { 'n', 'annotate-line', function() return op().line() end, { expr = true } },
  { 'x', 'annotate', function() op().visual() end, {} },
  -- text objects and motions are <Cmd> strings: `.` runs them again on Neovim 0.7 (a Lua
  -- callback would repeat the size of the first selection instead)
  { { 'o', 'x' }, 'inner-annotation', "<Cmd>lua require('stance.editor.textobj').select(false)<CR>", {} },
  { { 'o', 'x' }, 'an-annotation', "<Cmd>lua require('stance.editor.textobj').select(true)<CR>", {} },
  { 'n', 'next', function() require('stance.editor.nav').jump(false) end, {} },
  { 'n', 'prev', function() require('stance.editor.nav').jump(true) end, {} },
  { 'n', 'inspect', function() require('stance.editor.inspect').show() end, {} },
  { 'n', 'edit', function() require('stance.editor.commands').edit({}) end, {} },
  { 'n', 'delete', function() require('stance.editor.commands').delete() end, {} },
  { 'n', 'accept', function() require('stance.editor.suggest').accept() end, {} },
  { 'n', 'reject', function() require('stance.editor.suggest').reject() end, {} },
  { 'n', 'next-suggestion', function() require('stance.editor.suggest').next() end, {} },
  { 'n', 'undo', function() M.undo_key('u') end, {} },
  { 'n', 'redo', function() M.undo_key('<C-r>') end, {} },
  { 'n', 'link', function() require('stance.editor.relations').link({}) end, {} },
  { 'n', 'unlink', function() require('stance.editor.relations').unlink() end, {} },
  { 'n', 'note', function() require('stance.editor.note').edit() end, {} },
  { 'n', 'document', function() require('stance.editor.docstance').command({}) end, {} },
  { { 'o', 'x' }, 'inner-sentence', "<Cmd>lua require('stance.editor.sentences').select(false)<CR>", {} },
  { { 'o', 'x' }, 'a-sentence', "<Cmd>lua require('stance.editor.sentences').select(true)<CR>", {} },
  { { 'n', 'o', 'x' }, 'next-sentence', "<Cmd>lua require('stance.editor.sentences').move(false)<CR>", {} },
  { { 'n', 'o', 'x' }, 'prev-sentence', "<Cmd>lua require('stance.editor.sentences').move(true)<CR>", {} },
  { 'n', 'next-unannotated', function() require('stance.editor.sentences').jump_unannotated(false) end, {} },
  { 'n', 'prev-unannotated', function() require('stance.editor.sentences').jump_unannotated(true) end, {} },
}

--- `u` / <C-r>: the annotations' undo when an annotation operation came last, else the
--- text's (with its count).
function M.undo_key(key)
  local s = require('stance.editor.session').get()
  local ops = require('stance.editor.ops')
  local redo = key ~= 'u'
  local count = vim.v.count1
  for _ = 1, count do
    if s and ((not redo and ops.undo_is_ours(s)) or (redo and ops.redo_is_ours(s))) then
      local what = redo and ops.redo(s) or ops.undo(s)
      if what then require('stance.compat').echo(('%s: %s'):format(redo and 'redone' or 'undone', what)) end
    else
      -- the text's undo; its error (E21 in a document that is not 'modifiable') said as
      -- Neovim says it for its own `u`, not as a Lua error with a trace and a Press ENTER
      local ok, err = pcall(vim.cmd, 'normal! ' .. vim.api.nvim_replace_termcodes(key, true, false, true))
      if not ok then
        local msg = tostring(err):match('(E%d+:.*)$') or tostring(err)
        vim.api.nvim_echo({ { msg, 'ErrorMsg' } }, false, {})
        return
      end
    end
  end
end

function M.define_plugs()
  if H.plugs then return end
  H.plugs = true
  for _, p in ipairs(H.plug_list) do
    local opts = vim.tbl_extend('force', { silent = true }, p[4])
    vim.keymap.set(p[1], '<Plug>(stance-' .. p[2] .. ')', p[3], opts)
  end
end

--- Default keys: option name in `mappings` -> { modes, plug }.
H.defaults = {
  { 'annotate', 'n', 'annotate' },
  { 'annotate_line', 'n', 'annotate-line' },
  { 'annotate', 'x', 'annotate' },
  { 'inner', { 'o', 'x' }, 'inner-annotation' },
  { 'around', { 'o', 'x' }, 'an-annotation' },
  { 'next', 'n', 'next' },
  { 'prev', 'n', 'prev' },
  { 'inspect', 'n', 'inspect' },
  { 'edit', 'n', 'edit' },
  { 'delete', 'n', 'delete' },
  { 'accept', 'n', 'accept' },
  { 'reject', 'n', 'reject' },
  { 'undo', 'n', 'undo' },
  { 'redo', 'n', 'redo' },
  { 'link', 'n', 'link' },
  { 'note', 'n', 'note' },
  { 'document', 'n', 'document' },
  { 'sentence_inner', { 'o', 'x' }, 'inner-sentence' },
  { 'sentence_around', { 'o', 'x' }, 'a-sentence' },
  { 'sentence_next', { 'n', 'o', 'x' }, 'next-sentence' },
  { 'sentence_prev', { 'n', 'o', 'x' }, 'prev-sentence' },
  { 'next_unannotated', 'n', 'next-unannotated' },
  { 'prev_unannotated', 'n', 'prev-unannotated' },
}

--- Whether `lhs` in `mode` may get our buffer-local mapping in `buf`: nothing is mapped
--- there, or only by us, or only by Neovim itself (0.10+ maps keys such as `]a` globally:
--- a buffer-local mapping wins over those). A mapping of yours, global or local, stays.
--- Called in `buf` (nvim_buf_call).
function H.free(lhs, mode)
  local m = vim.fn.maparg(lhs, mode, false, true)
  if type(m) ~= 'table' or m.lhs == nil then return true end
  if (m.rhs or ''):find('<Plug>(stance-', 1, true) or (m.desc or ''):find('^stance: ') then return true end
  return m.buffer ~= 1 and require('stance.compat').default_mapping(m)
end

--- The default keys the configuration `cfg` (its `mappings`) asks for, by key: { lhs, {
--- {mode, rhs, opts}, ... } }; made once per configuration.
function H.wanted(cfg)
  if H.wanted_for == cfg then return H.wanted_list end
  local list, by_lhs = {}, {}
  for _, d in ipairs(H.defaults) do
    local lhs = cfg[d[1]]
    if lhs and lhs ~= '' then
      local modes = type(d[2]) == 'table' and d[2] or { d[2] }
      local key = by_lhs[lhs]
      if not key then
        key = { lhs, {} }
        by_lhs[lhs] = key
        list[#list + 1] = key
      end
      for _, mode in ipairs(modes) do
        table.insert(key[2], { mode, '<Plug>(stance-' .. d[3] .. ')', { desc = 'stance: ' .. d[3] } })
      end
    end
  end
  H.wanted_for, H.wanted_list = cfg, list
  return list
end

--- Set the default keys on the session's buffer.
---@param s stance.Session
function M.attach(s)
  M.define_plugs()
  local cfg = require('stance.config').get().mappings
  if cfg == false or cfg.enabled == false then return end
  local list, buf, set = H.wanted(cfg), s.buf, vim.api.nvim_buf_set_keymap
  -- every key looked at in the buffer at once (a buffer switch per key cost more than the
  -- rest of opening a short article); a key mapped in none of the modes (the short form of
  -- maparg() is "" exactly then, and mode "" is all of them) needs no look per mode
  local function each()
    for i = 1, #list do
      local lhs, modes = list[i][1], list[i][2]
      local none = vim.fn.maparg(lhs, '') == ''
      for j = 1, #modes do
        local m = modes[j]
        if none or H.free(lhs, m[1]) then set(buf, m[1], lhs, m[2], m[3]) end
      end
    end
  end
  if buf == vim.api.nvim_get_current_buf() then each() else vim.api.nvim_buf_call(buf, each) end
end

return M
