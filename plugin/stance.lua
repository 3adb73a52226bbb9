-- stance.nvim: the command, and the autocommands that find the documents to annotate. Everything
-- else loads on first use, the autocommands that only serve loaded modules with them
-- (lua/stance/editor/events.lua): nothing of them runs, nor is read, in a session that
-- never opens a corpus document.
if vim.g.loaded_stance then return end
vim.g.loaded_stance = 1

vim.api.nvim_create_user_command('Stance', function(cmd)
  require('stance.command').run(cmd)
end, {
  nargs = '*',
  range = true,
  bang = true,
  complete = function(arglead, line, pos)
    return require('stance.command').complete(arglead, line, pos)
  end,
  desc = 'stance.nvim: annotate for stance (:help stance-commands)',
})

local group = vim.api.nvim_create_augroup('stance', { clear = true })

vim.api.nvim_create_autocmd('FileType', {
  group = group,
  pattern = 'stance',
  callback = function(args)
    require('stance.syntax').attach(args.buf)
  end,
})
-- Documents inside a corpus (a folder with .stance/ at or above them) are annotated.
-- The test is a builtin search; nothing of stance loads for other files. Their annotations
-- start loading on threads before Neovim reads the document, and are taken after.
local function in_corpus(args)
  -- (getbufvar: vim.bo checks its arguments at each access on 0.7, a cost at every open)
  if args.file == '' or vim.fn.getbufvar(args.buf, '&buftype') ~= '' then return false end
  local dir = vim.fn.fnamemodify(args.file, ':p:h')
  return vim.fn.finddir('.stance', vim.fn.fnameescape(dir) .. ';') ~= ''
end
-- what BufReadPre found, for BufReadPost of the same read (buffer -> file)
local found = {}
-- (one autocommand for the three events: each one defined costs at Neovim's start)
vim.api.nvim_create_autocmd({ 'BufReadPre', 'BufReadPost', 'BufNewFile' }, {
  group = group,
  callback = function(args)
    local pre = found[args.buf]
    found[args.buf] = nil
    if args.event == 'BufReadPre' then
      if in_corpus(args) then
        found[args.buf] = args.file
        require('stance.editor.preload').start(args.buf, args.file)
      end
      return
    end
    -- annotation files, the schema and the lexicon are in the stance markup (*.stance)
    if args.file:sub(-7) == '.stance' then vim.cmd('setfiletype stance') end
    if not (pre == args.file and args.event == 'BufReadPost' or in_corpus(args)) then return end
    local ok, err = require('stance.editor.session').attach(args.buf)
    if not ok and err then require('stance.notify').error(err) end
  end,
})
