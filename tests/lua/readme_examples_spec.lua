-- The README's examples on the bundled example corpus print what the README shows: each
-- ``` block whose first line is `$ cd doc/example/corpus && ...` is run as it is written, its
-- `$ ` lines one after the other in one shell (in a copy of doc/example), standard error with
-- standard output, and what they print is compared line by line with the block's other lines
-- (a line `...` stands for any number of lines).
local T = require('helpers')

--- The README's blocks that run on the example corpus: { line = first line, commands = {..},
--- expected = {..} }.
local function blocks()
  local out, cur, n = {}, nil, 0
  for line in io.lines(T.root .. '/README.md') do
    n = n + 1
    if line:match('^```') then
      if cur and #cur.commands > 0 and cur.commands[1]:match('^cd doc/example/corpus') then out[#out + 1] = cur end
      cur = (not cur) and { line = n + 1, commands = {}, expected = {} } or nil
    elseif cur then
      local cmd = line:match('^%$ (.*)$')
      if cmd then cur.commands[#cur.commands + 1] = cmd else cur.expected[#cur.expected + 1] = line end
    end
  end
  return out
end

--- Whether `lines` match `pattern` (a list where '...' matches any number of lines).
local function match(pattern, lines, i, j)
  i, j = i or 1, j or 1
  if i > #pattern then return j > #lines end
  if pattern[i] == '...' then
    for k = j, #lines + 1 do
      if match(pattern, lines, i + 1, k) then return true end
    end
    return false
  end
  return lines[j] == pattern[i] and match(pattern, lines, i + 1, j + 1)
end

describe('the README', function()
  after_each(T.cleanup)
  local list = blocks()

  it('has examples on the example corpus', function()
    assert.is_true(#list >= 2)
  end)

  it('shows the start of an annotation file as it is', function()
    local text = T.read(T.root .. '/README.md')
    local path, block = text:match('An annotation file %(`([^`]+)`%):%s*```\n(.-)\n```')
    assert(path, 'README.md: no annotation file shown')
    local file = T.read(T.root .. '/' .. path)
    assert.are.equal(block, file:sub(1, #block))
  end)

  for _, b in ipairs(list) do
    it(('prints what README.md:%d shows'):format(b.line), function()
      local d = T.tmpdir()
      os.execute(('mkdir -p %s/doc && cp -r %s/doc/example %s/doc/'):format(T.q(d), T.q(T.root), T.q(d)))
      local script = { 'cd ' .. T.q(d), ('PATH=%s:"$PATH"'):format(T.q(T.root .. '/build/bin')) }
      for _, c in ipairs(b.commands) do
        script[#script + 1] = c .. ' 2>&1'
      end
      local out = T.run(table.concat(script, '\n'))
      local lines = T.lines((out:gsub('\n$', '')))
      assert(match(b.expected, lines), ('README.md:%d shows\n%s\nbut the commands print\n%s'):format(b.line,
        table.concat(b.expected, '\n'), out))
    end)
  end
end)
