-- Scrolling a document with many annotations (the study's, tests/fixtures/study): the rows
-- that come into view are drawn with their annotations' colors and their sign-column signs
-- in the screen update of the key that scrolled (<C-f>, <C-d>, G, gg, a search far away),
-- never left plain until another redraw. Read in tmux right after each key (capture-pane -e,
-- no redraw key in between), on every Neovim of the matrix.
local T = require('helpers')
local tmux = require('helpers.tmux')
local study = require('helpers.study')

local DOC = '003_7e305a588b2246b7.txt'

--- For each visible row of the current window: the first characters of each span of the
--- session's layer that starts on it or covers its start (the text to find on the screen,
--- that must have a background), and whether the row holds a span (a sign).
local EXPECTED = [[
local s = require('stance.editor.session').get()
local where = require('stance.editor.where')
local top, bot = vim.fn.line('w0') - 1, vim.fn.line('w$') - 1
local a = vim.api.nvim_buf_get_offset(s.buf, top)
local b = vim.api.nvim_buf_get_offset(s.buf, bot + 1)
local n, _, ss, es = s.store:spans(a, b)
local pieces, signed = {}, {}
local left = vim.fn.winsaveview().leftcol
for i = 1, n do
  local r1, c1 = where.pos(s.buf, math.max(ss[i], a))
  if vim.fn.getline(r1 + 1):sub(1, c1):find('[\128-\255]') == nil then c1 = math.max(c1, left) end
  local line = vim.api.nvim_buf_get_lines(s.buf, r1, r1 + 1, false)[1]
  local stop = math.min(es[i] - vim.api.nvim_buf_get_offset(s.buf, r1), #line)
  local piece = line:sub(c1 + 1, math.min(stop, c1 + 14))
  if #piece >= 6 and r1 >= top and r1 <= bot then
    pieces[#pieces + 1] = { row = r1, text = piece }
  end
  local r2 = where.pos(s.buf, math.max(ss[i], es[i] - 1))
  for r = math.max(r1, top), math.min(r2, bot) do signed[#signed + 1] = vim.fn.getline(r + 1):sub(1, 30) end
end
return { pieces = pieces, signed = signed, top = top, bot = bot }
]]

--- A corpus (the example's schema) of one generated document of about `bytes` bytes in lines
--- of at most ~100 bytes, every sentence annotated (a stance, a role, one in seven half a
--- sentence): annotator `dense`'s layer. Its folder.
local function dense(bytes)
  local core = require('stance.core')
  local d = T.tmpdir()
  os.execute(('mkdir -p %s/.stance/annotations/dense && cp %s %s/.stance/'):format(T.q(d),
    T.q(T.root .. '/doc/example/shared-corpus/schema.stance'), T.q(d)))
  local words = { 'the', 'policy', 'sanctions', 'talks', 'regime', 'must', 'should', 'never', 'engagement',
    'pressure', 'Pyongyang', 'Washington', 'human', 'rights', 'nuclear', 'weapons', 'deal', 'failed' }
  local rnd = 7
  local function rand(n)
    rnd = (rnd * 1103515245 + 12345) % 2147483648
    return rnd % n + 1
  end
  local parts, size, sentences = {}, 0, {}
  while size < bytes do
    local para = {}
    for _ = 1, 3 + rand(5) do
      local w = {}
      for i = 1, 6 + rand(10) do w[i] = words[rand(#words)] end
      w[1] = w[1]:sub(1, 1):upper() .. w[1]:sub(2) .. rand(999)
      para[#para + 1] = table.concat(w, ' ') .. '.'
    end
    local lines, line = {}, ''
    for word in table.concat(para, ' '):gmatch('%S+') do
      if #line + #word + 1 > 100 then
        lines[#lines + 1] = line
        line = word
      else
        line = line == '' and word or (line .. ' ' .. word)
      end
    end
    lines[#lines + 1] = line
    local chunk = table.concat(lines, '\n') .. '\n\n'
    local pos = 1
    while true do
      local a, b = chunk:find('[A-Z][^.]*%.', pos)
      if not a then break end
      sentences[#sentences + 1] = { size + a - 1, size + b }
      pos = b + 1
    end
    parts[#parts + 1] = chunk
    size = size + #chunk
  end
  local text = table.concat(parts)
  T.write(d .. '/dense.txt', text)
  local store = core.store()
  store:set_header('document', 'dense.txt')
  store:set_header('annotator', 'dense')
  store:set_header('hash', 'sha256:' .. core.sha256(text))
  local labels = { { 'favor', 'favor', 'engagement' }, { 'against', 'against', 'sanctions' },
    { 'neutral', 'neutral', 'human-rights' }, { 'premise' }, { 'claim', 'favor', 'denuclearization' } }
  for i, sp in ipairs(sentences) do
    local a, b = sp[1], sp[2]
    if i % 7 == 0 then b = a + math.floor((b - a) / 2) end
    local l = labels[i % #labels + 1]
    assert(store:add({ kind = 'annotation', id = ('d%07d'):format(i), spans = { { a, b } }, label = l[1],
      stance = l[2], role = l[1] == 'premise' and 'premise' or (l[1] == 'claim' and 'claim' or nil), target = l[3],
      quote = text:sub(a + 1, b), prefix = text:sub(math.max(1, a - 31), a), suffix = text:sub(b + 1, b + 32),
      created = '2026-11-22T10:00:00Z' }))
  end
  T.write(d .. '/.stance/annotations/dense/dense.txt.stance', store:write())
  return d
end

--- The style of `text` on `screen` (its first occurrence), read over the whole screen:
--- capture-pane -e writes a style change once, so that a row may begin in the style the row
--- above ended with (a span over two rows), which helpers.tmux.style_of, reading one row, misses.
local function style_of(screen, text)
  local runs = tmux.styled(screen)
  local plain = ''
  for _, r in ipairs(runs) do
    plain = plain .. r.text
  end
  local at = plain:find(text, 1, true)
  if not at then return nil end
  local len = 0
  for _, r in ipairs(runs) do
    if at <= len + #r.text then return r end
    len = len + #r.text
  end
end

describe('scrolling a document with many annotations', function()
  after_each(T.cleanup)

  --- Check `screen` (taken right after a key) against what the window shows now: every span
  --- that starts on a visible row colored, every annotated row signed.
  local function check(nv, screen, what)
    local want = nv:lua(EXPECTED)
    local checked, plain = 0, {}
    for _, p in ipairs(want.pieces) do
      local st = style_of(screen, p.text)
      if st then
        checked = checked + 1
        if st.bg == nil then plain[#plain + 1] = ('line %d "%s"'):format(p.row + 1, p.text) end
      end
    end
    assert.are.same({}, plain, what .. ': spans drawn plain (lines ' .. want.top + 1 .. '-' .. want.bot + 1
      .. '):\n' .. tmux.plain(screen))
    local unsigned = {}
    for _, text in ipairs(want.signed) do
      local r = tmux.row(screen, text:sub(1, 20))
      if r and text:sub(1, 20):find('%S') and tmux.plain(r):sub(1, #'▎') ~= '▎' then
        unsigned[#unsigned + 1] = text
      end
    end
    assert.are.same({}, unsigned, what .. ': annotated lines without their sign:\n' .. tmux.plain(screen))
    return checked
  end

  for _, wrap in ipairs({ true, false }) do
    it(('draws the rows that scroll into view at once in a dense document (%s)'):format(wrap and 'wrap' or 'nowrap'),
      function()
        local d = dense(300000)
        local nv = T.tmux({ 'dense.txt' }, { cwd = d, width = 100, height = 24, ready = 'dense.txt', init = ([[
require('stance').setup({ annotator = 'dense', autosave = { delay = 60000 } })
vim.o.wrap = %s
vim.o.signcolumn = 'yes'
]]):format(tostring(wrap)) })
        tmux.driving(nv, function()
          nv:settle()
          local total = 0
          for _, k in ipairs({ 'C-f', 'C-f', 'C-d', 'C-b', 'G', 'gg', '/Rights5', 'Enter', 'n', '1500G', 'C-f', 'C-u',
            'G', 'C-y', 'gg', 'C-e', '3000G', 'zt', 'zb', '50%' }) do
            local screen = nv:key(k)
            if k ~= '/Rights5' then total = total + check(nv, screen, 'after ' .. k) end
          end
        end)
      end)

    it(('draws the rows that scroll into view at once, with their signs (%s)'):format(wrap and 'wrap' or 'nowrap'),
      function()
        local d = study.annotated('none')
        if not d then return pending('../shared/corpus is not here') end
        local nv = T.tmux({ DOC }, { cwd = d, width = 100, height = 16, ready = DOC, init = ([[
require('stance').setup({ annotator = 'fixture', autosave = { delay = 60000 } })
vim.o.wrap = %s
vim.o.signcolumn = 'yes'
]]):format(tostring(wrap)) })
        tmux.driving(nv, function()
          nv:settle()
          local total = 0
          for _, k in ipairs({ 'C-f', 'C-f', 'C-b', 'C-d', 'C-d', 'C-u', 'G', 'gg', '/Pyongyang', 'Enter', 'G', 'C-y',
            'C-y', 'C-y', 'gg', 'C-e', 'C-e', 'C-e', '30G', 'zt' }) do
            local screen = nv:key(k)
            if k ~= '/Pyongyang' then total = total + check(nv, screen, 'after ' .. k) end
          end
          assert.is_true(total > 20, 'spans checked: ' .. total)
        end)
      end)
  end
end)
