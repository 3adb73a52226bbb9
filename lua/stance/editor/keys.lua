--- Mappings: <Plug> mappings for everything (defined once), and the default keys, which
--- act in annotated buffers (global mappings set once, buffer-local ones where Neovim maps
--- the key itself; never where a mapping of yours exists; change or switch them off with
--- setup{ mappings = ... }, :help stance-mappings).
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
--- text's (with its count). In a document that is not 'modifiable' (opened read-only) the
--- text has nothing to undo that could be undone: the annotations' undo whatever came last,
--- else "Already at oldest change" as Neovim says it where it may change the buffer, never
--- E21 (which 0.11 says for any `u` there, even with nothing to undo).
function M.undo_key(key)
  local s = require('stance.editor.session').get()
  local ops = require('stance.editor.ops')
  local redo = key ~= 'u'
  local count = vim.v.count1
  for _ = 1, count do
    local fixed = not vim.bo.modifiable
    local ours = s and (redo and (ops.redo_is_ours(s) or (fixed and #s.redo > 0))
      or (not redo and (ops.undo_is_ours(s) or (fixed and #s.undo > 0))))
    if ours then
      local what, gone = (redo and ops.redo or ops.undo)(s)
      if what then
        require('stance.compat').echo(('%s: %s'):format(redo and 'redone' or 'undone', what))
      elseif gone then
        -- its annotation was deleted or changed by another process (a pull, a script)
        return vim.api.nvim_echo({ { ('Nothing to %s: %s'):format(redo and 'redo' or 'undo', gone) } }, false, {})
      end
    elseif fixed then
      return vim.api.nvim_echo({ { redo and 'Already at newest change' or 'Already at oldest change' } }, false, {})
    else
      -- the text's undo; its error said as Neovim says it for its own `u`, not as a Lua
      -- error with a trace and a Press ENTER
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

--- The function of the expression <Plug> mapping `plug` in `mode` ("<Plug>(stance-annotate)"
--- in "n"), or nil: a default key of ours calls it itself (see H.set_global).
function H.expr_plug(mode, plug)
  for _, p in ipairs(H.plug_list) do
    if '<Plug>(stance-' .. p[2] .. ')' == plug and p[4].expr and type(p[3]) == 'function'
      and (p[1] == mode or (type(p[1]) == 'table' and vim.tbl_contains(p[1], mode))) then
      return p[3]
    end
  end
  return nil
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

--- Whether `lhs` in `mode` may get our mapping: nothing is mapped there, or only by us, or
--- only by Neovim itself (0.10+ maps keys such as `]a` globally: a buffer-local mapping wins
--- over those). A mapping of yours, global or local, stays. `m` is maparg()'s dictionary.
function H.free_map(m)
  if type(m) ~= 'table' or m.lhs == nil then return true end
  if H.ours(m) then return true end
  return m.buffer ~= 1 and require('stance.compat').default_mapping(m)
end

--- Whether maparg()'s dictionary `m` is a mapping of ours (a default key of ours or a
--- <Plug> one).
function H.ours(m)
  return (m.rhs or ''):find('<Plug>(stance-', 1, true) ~= nil or (m.desc or ''):find('^stance: ') ~= nil
end

--- `lhs` in `mode` in the current buffer (see H.free_map).
function H.free(lhs, mode)
  return H.free_map(vim.fn.maparg(lhs, mode, false, true))
end

--- The global mapping of `lhs` in `mode` (maparg()'s dictionary), or nil: maparg() says the
--- buffer's own first, when the current buffer has one.
function H.global_map(lhs, mode)
  local m = vim.fn.maparg(lhs, mode, false, true)
  if type(m) ~= 'table' or m.lhs == nil then return nil end
  if m.buffer ~= 1 then return m end
  local want = vim.api.nvim_replace_termcodes(lhs, true, true, true)
  for _, g in ipairs(vim.api.nvim_get_keymap(mode)) do
    if vim.api.nvim_replace_termcodes(g.lhs, true, true, true) == want then return g end
  end
  return nil
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

--- A global mapping of `lhs` in `mode`: in an annotated buffer the <Plug> mapping `plug`,
--- elsewhere the key as Neovim has it (the first key of what a mapping gives back is not
--- mapped again when it is the mapping's own: `u` stays Neovim's `u`).
--- An expression <Plug> mapping (the operator `gs`, `gss`) is called at once, not reached
--- through its <Plug> key: that is one mapping looked up and one call into Lua less for each
--- annotation made (what it gives back, `g@`, is Neovim's, never mapped again: noremap).
function H.set_global(mode, lhs, plug, desc)
  local by_buf = require('stance.editor.session').by_buf
  local get_buf = vim.api.nvim_get_current_buf
  local own = vim.api.nvim_replace_termcodes(lhs, true, true, true)
  local to = vim.api.nvim_replace_termcodes(plug, true, true, true)
  local expr = H.expr_plug(mode, plug)
  if expr then
    vim.api.nvim_set_keymap(mode, lhs, '', {
      expr = true, noremap = true, silent = true, desc = desc,
      callback = function()
        if by_buf[get_buf()] then return expr() end
        -- elsewhere the key as Neovim has it (noremap: another mapping of it is not reached,
        -- as a mapping's own first key is not mapped again)
        return own
      end,
    })
    return
  end
  vim.api.nvim_set_keymap(mode, lhs, '', {
    expr = true, noremap = false, silent = true, desc = desc,
    callback = function()
      if by_buf[get_buf()] then return to end
      return own
    end,
  })
end

--- Take away the global mappings of ours (H.globals) that are still ours.
function H.drop_globals()
  for _, g in ipairs(H.globals or {}) do
    local m = H.global_map(g[2], g[1])
    if m and H.ours(m) then pcall(vim.api.nvim_del_keymap, g[1], g[2]) end
  end
  H.globals, H.globals_for, H.locals = nil, nil, nil
end

--- Set the default keys of configuration `cfg` once for every buffer: a global mapping
--- for each key that nothing maps, or only we do (set once, it costs an annotated buffer
--- nothing when it opens: 31 buffer-local mappings cost ~0.7M instructions per open, as
--- Neovim parses every key name of them). Keys that Neovim maps itself (0.10+: `]a` and
--- `[a` on 0.11) are kept for buffer-local mappings (H.locals), which win over Neovim's in
--- annotated buffers and leave them to every other buffer; keys you map are left to you.
function H.set_globals(cfg)
  H.globals, H.locals = {}, {}
  for _, key in ipairs(H.wanted(cfg)) do
    local lhs = key[1]
    for _, m in ipairs(key[2]) do
      local had = H.global_map(lhs, m[1])
      if not had or H.ours(had) then
        H.set_global(m[1], lhs, m[2], m[3].desc)
        H.globals[#H.globals + 1] = { m[1], lhs }
      elseif H.free_map(had) then
        H.locals[#H.locals + 1] = { lhs, m[1], m[2], m[3] }
      end
    end
  end
  H.globals_for = cfg
end

--- Set the default keys on the session's buffer: the global ones once (H.set_globals),
--- then buffer-local ones for the keys Neovim maps itself.
---@param s stance.Session
function M.attach(s)
  M.define_plugs()
  local cfg = require('stance.config').get().mappings
  if cfg == false or cfg.enabled == false then
    if H.globals then H.drop_globals() end
    return
  end
  if H.globals_for ~= cfg then
    if H.globals then H.drop_globals() end
    H.set_globals(cfg)
  end
  local list, buf = H.locals, s.buf
  if #list == 0 then return end
  local function each()
    for i = 1, #list do
      local l = list[i]
      if H.free(l[1], l[2]) then vim.api.nvim_buf_set_keymap(buf, l[2], l[1], l[3], l[4]) end
    end
  end
  if buf == vim.api.nvim_get_current_buf() then each() else vim.api.nvim_buf_call(buf, each) end
end

return M
