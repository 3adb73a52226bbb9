-- Byte offsets and (row, col) of a buffer (stance.editor.where): the starts and lengths of
-- rows it remembers while the text is unchanged (creating an annotation asks the same rows
-- over and over) give what Neovim gives, after edits, in "dos" files and in other buffers.
local T = require('helpers')

describe('where', function()
  after_each(T.cleanup)

  -- (row, col) of byte `off` of `buf` as Neovim counts, row by row
  local function truth(buf, off)
    for r = vim.api.nvim_buf_line_count(buf) - 1, 0, -1 do
      local start = vim.api.nvim_buf_get_offset(buf, r)
      if start <= off then return r, off - start end
    end
  end

  it('finds rows as Neovim does while rows are remembered, the text edited and its line ends changed', function()
    local where = require('stance.editor.where')
    vim.cmd('enew!')
    local buf = vim.api.nvim_get_current_buf()
    local other = vim.api.nvim_create_buf(false, true)
    local lines = {}
    for i = 1, 300 do
      lines[i] = ('word '):rep(i % 23) .. (i % 5 == 0 and 'café' or '')
    end
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
    vim.api.nvim_buf_set_lines(other, 0, -1, false, { 'a', 'bb', 'ccc' })
    local seed = 7
    local function rand(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    end
    local wrong = {}
    local function check(b, off)
      local r1, c1 = where.pos(b, off)
      local r2, c2 = truth(b, off)
      if r1 ~= r2 or c1 ~= c2 then wrong[#wrong + 1] = ('%d: %d,%d not %d,%d'):format(off, r1, c1, r2, c2) end
    end
    for i = 1, 1500 do
      if i % 150 == 0 then -- an edit: every row below moves
        local r = rand(100)
        vim.api.nvim_buf_set_lines(buf, r, r + 1, false, { ('edit '):rep(i % 7) })
      end
      if i % 7 == 0 then
        local r = rand(298)
        where.remember(buf, r, vim.api.nvim_buf_get_lines(buf, r, r + 2, false))
      end
      if i % 11 == 0 then
        local r = rand(300)
        assert.are.equal(vim.api.nvim_buf_get_offset(buf, r) + 3, where.offset(buf, r, 3))
      end
      check(buf, rand(where.size(buf)))
      if i % 13 == 0 then check(other, rand(where.size(other))) end
    end
    vim.bo[buf].fileformat = 'dos' -- byte2line counts two bytes per line end then
    for _ = 1, 200 do
      check(buf, rand(where.size(buf)))
    end
    assert.are.same({}, wrong)
  end)
end)
