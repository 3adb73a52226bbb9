-- `make demo`: Neovim with stance.nvim from this checkout and nothing else of yours
-- but your colorscheme-free defaults, opened on the example corpus.
local root = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h:h')
vim.opt.runtimepath:prepend(root)
vim.opt.termguicolors = true
vim.opt.number = true
vim.opt.wrap = true
vim.opt.linebreak = true
vim.opt.laststatus = 2
vim.opt.foldlevelstart = 99
vim.opt.statusline = "%f %h%m%r%=%{v:lua.require'stance'.status()}  %l:%c "
-- your annotations go to doc/example/corpus/.stance/annotations/demo/ (ignored by git)
require('stance').setup({ annotator = 'demo', highlight = { virt_text = true } })
vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    vim.notify('stance.nvim demo: gsis then a label key annotates a sentence; ]a next annotation; '
      .. 'gK inspects; :Stance layers ana shows ana\'s; :help stance-editor')
  end,
})
