-- stance.nvim: commands and autocommands only. Everything else loads on first use.
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

-- Annotation files, the schema and the lexicon are in the stance markup (*.stance).
vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
  group = group,
  pattern = '*.stance',
  command = 'setfiletype stance',
})
vim.api.nvim_create_autocmd('FileType', {
  group = group,
  pattern = 'stance',
  callback = function(args)
    require('stance.syntax').attach(args.buf)
  end,
})
vim.api.nvim_create_autocmd('VimLeavePre', {
  group = group,
  callback = function()
    if package.loaded['stance.worker'] then require('stance.worker').shutdown() end
  end,
})
