--- Other annotators' layers of the same document: shown over your own (`:Stance layers
--- NAME` toggles: each of NAME's spans underlined in its stance's color, with NAME and its
--- label after it), or side by side (`:Stance side NAME`: a split of the same buffer,
--- scroll-bound, that draws NAME's layer in full colors; gK there inspects NAME's
--- annotations). They follow edits of the text; they are never written.
local M = {}
if jit then jit.off(true, true) end -- interpreted, not traced: see stance.editor.render

--- The annotators who have a layer for the session's document, but the session's own.
function M.names(s)
  local out = {}
  for _, name in ipairs(s.corpus:annotators()) do
    if name ~= s.annotator then
      local path = require('stance.root').annotation_path(s.corpus.root, name, s.rel)
      if require('stance.fs').exists(path) then out[#out + 1] = name end
    end
  end
  return out
end

--- Load NAME's layer into the session (once).
function M.load(s, name)
  if s.others[name] then return s.others[name] end
  local store, file = s:read_layer(name)
  if not store then return nil, file end
  s.others[name] = { store = store, shown = false, path = file.path }
  return s.others[name]
end

--- :Stance layers [NAME]: toggle NAME over your layer; without NAME, list them.
function M.toggle(name)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if not name then
    local names = M.names(s)
    if #names == 0 then return require('stance.notify').notify('no other annotator has a layer for this document') end
    local parts = {}
    for _, n in ipairs(names) do
      parts[#parts + 1] = (s.others[n] and s.others[n].shown and '[x] ' or '[ ] ') .. n
    end
    return require('stance.notify').notify('layers: ' .. table.concat(parts, '  ') .. '  (:Stance layers NAME toggles)')
  end
  local layer, lerr = M.load(s, name)
  if not layer then return require('stance.notify').error(lerr) end
  layer.shown = not layer.shown
  s:forget()
  local render = require('stance.editor.render')
  render.redraw(s.buf, render.visible_spans(s.buf, layer.store))
  return layer.shown
end

--- :Stance side NAME: NAME's layer in a vertical split of the same buffer.
function M.side(name)
  local s, err = require('stance.editor.session').current()
  if not s then return require('stance.notify').error(err) end
  if not name then return require('stance.notify').error('whose layer? ' .. table.concat(M.names(s), ', ')) end
  local layer, lerr = M.load(s, name)
  if not layer then return require('stance.notify').error(lerr) end
  local here = vim.api.nvim_get_current_win()
  vim.wo[here].scrollbind = true
  vim.cmd('rightbelow vsplit')
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_var(win, 'stance_layer', name)
  require('stance.editor.render').sides[win] = name
  vim.wo[win].scrollbind = true
  -- the sign column holds the marks of your own layer (the buffer's): none here
  vim.wo[win].signcolumn = 'no'
  local title = ('layer of %s (read only)'):format((name:gsub('%%', '%%%%')))
  local mine = nil
  if vim.fn.exists('+winbar') == 1 then
    vim.wo[win].winbar = title
    -- yours says whose it is too, and keeps the rows of both windows level
    if vim.wo[here].winbar == '' then
      mine = ('your layer (%s)'):format((s.annotator:gsub('%%', '%%%%')))
      vim.wo[here].winbar = mine
    end
  else
    vim.wo[win].statusline = title
  end
  vim.api.nvim_create_autocmd('WinClosed', {
    pattern = tostring(win), once = true,
    callback = function()
      require('stance.editor.render').sides[win] = nil
      if mine and vim.api.nvim_win_is_valid(here) and vim.wo[here].winbar == mine then vim.wo[here].winbar = '' end
      -- its document stances leave the line under the first one
      vim.schedule(function() require('stance.editor.render').redraw(s.buf) end)
    end,
  })
  vim.cmd('syncbind')
  vim.api.nvim_set_current_win(here)
  s:forget()
  require('stance.editor.render').redraw(s.buf)
  return win
end

function M.complete(arglead)
  local s = require('stance.editor.session').get()
  if not s then return {} end
  return vim.tbl_filter(function(x) return x:sub(1, #arglead) == arglead end, M.names(s))
end

return M
