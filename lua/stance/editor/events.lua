--- The autocommands that only serve modules of stance already loaded (a session, the preload,
--- the worker, the colors, the write checks): defined by the first of them to load, not at
--- Neovim's start (plugin/stance.lua keeps the command and what finds a corpus document), so
--- that a session that never opens one neither reads nor runs them. Each still checks that its
--- module is loaded: the first module to load defines them all.
local M = {}
local defined = false

--- Define them, in the `stance` group, once (later calls do nothing).
function M.define()
  if defined or not (vim and vim.api) then return end
  defined = true
  local group = vim.api.nvim_create_augroup('stance', { clear = false })
  vim.api.nvim_create_autocmd('BufWritePost', {
    group = group,
    callback = function(args)
      local session = package.loaded['stance.editor.session']
      local s = session and session.by_buf[args.buf]
      if s then
        local name = vim.api.nvim_buf_get_name(args.buf)
        -- (`:w OTHER` writes the text elsewhere: the document on disk is not the buffer's text)
        if vim.fn.fnamemodify(args.match, ':p') == vim.fn.fnamemodify(name, ':p') then
          s.edited = false
          s.frame = nil
          s.doc_stamp = require('stance.cachekey').stamp(name) -- the text written
        end
        require('stance.editor.persist').save(s, { force = true })
      end
    end,
  })
  -- the annotation file changed on disk (a `git pull`): also seen by a watch of its folder
  vim.api.nvim_create_autocmd({ 'FocusGained', 'BufEnter', 'BufWinEnter', 'CursorHold', 'ShellCmdPost',
    'VimResume', 'TermLeave', 'InsertLeave' }, {
    group = group,
    callback = function(args)
      local session = package.loaded['stance.editor.session']
      local s = session and session.by_buf[args.buf]
      if s then require('stance.editor.persist').check_disk(s) end
    end,
  })
  -- Unloading a buffer (:bwipeout, :bdelete, :bunload, leaving it without 'hidden') frees its
  -- text: the session is written and detached while the text is still there, as the spans of an
  -- annotation file are made from it.
  vim.api.nvim_create_autocmd('BufUnload', {
    group = group,
    callback = function(args)
      local session = package.loaded['stance.editor.session']
      if session and session.by_buf[args.buf] then session.detach(args.buf) end
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(args)
      local preload = package.loaded['stance.editor.preload']
      if preload then preload.cancel(args.buf) end -- a load its buffer will never take
      local session = package.loaded['stance.editor.session']
      if session then session.forget_history(args.buf) end
    end,
  })
  -- Neovim loses focus (another window, another program may read the layers now): a layer file
  -- an append left out of the canonical order is written whole at once (stance.editor.tidy)
  vim.api.nvim_create_autocmd('FocusLost', {
    group = group,
    callback = function()
      if package.loaded['stance.editor.tidy'] then require('stance.editor.tidy').all() end
    end,
  })
  vim.api.nvim_create_autocmd('ColorScheme', {
    group = group,
    callback = function()
      if package.loaded['stance.editor.render'] then require('stance.editor.render').colors() end
    end,
  })
  -- :q, :qa, :wq, :x while changes of yours cannot be written (your layer's file has errors):
  -- said before Neovim refuses (the buffer is 'modified' then)
  vim.api.nvim_create_autocmd('QuitPre', {
    group = group,
    callback = function()
      if package.loaded['stance.editor.write'] then require('stance.editor.write').quit_pre() end
    end,
  })
  -- the command line about to run: :q! discards held changes silently; :wa writes pending ones
  vim.api.nvim_create_autocmd('CmdlineLeave', {
    group = group,
    pattern = ':',
    callback = function()
      if package.loaded['stance.editor.write'] then require('stance.editor.write').cmdline_leave() end
    end,
  })
  -- `:setlocal modifiable` in a document opened read-only: :w writes its text again
  vim.api.nvim_create_autocmd('OptionSet', {
    group = group,
    pattern = 'modifiable',
    callback = function()
      if package.loaded['stance.editor.write'] then require('stance.editor.write').option_set() end
    end,
  })
  -- Ctrl-Z (:suspend): what is pending is written before Neovim stops (VimSuspend: 0.7+).
  -- On SIGHUP (the terminal closed) and SIGTERM every version runs VimLeavePre below, with
  -- v:dying set: tests/nvim/tryout11_screen_spec.lua kills Neovim right after a key.
  if vim.fn.exists('##VimSuspend') == 1 then
    vim.api.nvim_create_autocmd('VimSuspend', {
      group = group,
      callback = function()
        if package.loaded['stance.editor.session'] then require('stance.editor.persist').save_all() end
      end,
    })
  end
  vim.api.nvim_create_autocmd('VimLeavePre', {
    group = group,
    callback = function()
      local session = package.loaded['stance.editor.session']
      if session then
        for buf in pairs(session.by_buf) do
          session.detach(buf)
        end
      end
      if package.loaded['stance.worker'] then require('stance.worker').shutdown() end
    end,
  })
end

return M
