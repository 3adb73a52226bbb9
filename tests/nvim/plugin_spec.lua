-- The plugin in a real headless Neovim: command, completion, setup, health, help, loading.
local T = require('helpers')

--- Run a child Neovim with `rtp` first on its runtimepath and the given -c commands;
--- returns its output (messages go to stderr in headless mode).
local function child(rtp, cmds, extra)
  local args = { T.nvim, '--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', 'set rtp^=' .. rtp,
    '--cmd', 'runtime plugin/stance.lua' }
  for _, a in ipairs(extra or {}) do
    args[#args + 1] = a
  end
  for _, c in ipairs(cmds) do
    args[#args + 1] = '-c'
    args[#args + 1] = c
  end
  args[#args + 1] = '-c'
  args[#args + 1] = 'qall!'
  local quoted = {}
  for i, a in ipairs(args) do
    quoted[i] = T.q(a)
  end
  local out, err, code = T.run('cd / && ' .. table.concat(quoted, ' '))
  return out .. err, code
end

describe('plugin', function()
  after_each(function()
    T.cleanup()
    vim.cmd('silent! %bwipeout!')
  end)

  it('defines :Stance with subcommand completion', function()
    assert.are.equal(2, vim.fn.exists(':Stance'))
    local names = vim.fn.getcompletion('Stance ', 'cmdline')
    assert.truthy(vim.tbl_contains(names, 'version'))
    assert.truthy(vim.tbl_contains(names, 'hash'))
    assert.truthy(vim.tbl_contains(names, 'health'))
    assert.are.same({ 'hash', 'health' }, vim.fn.getcompletion('Stance h', 'cmdline'))
  end)

  it('reports an unknown subcommand in one message', function()
    local out = child(T.root, { 'Stance frobnicate', 'sleep 50m' })
    assert.truthy(out:find("(stance) unknown subcommand 'frobnicate' (try :Stance <Tab>)", 1, true), out)
  end)

  it('validates setup() options, naming the field', function()
    local ok, err = pcall(require('stance').setup, { worker = { tasks = 'many' } })
    assert.is_false(ok)
    assert.are.equal('(stance) worker.tasks should be a number, got string', err)
    require('stance').setup({})
  end)

  it('finds the C module whatever the current directory', function()
    local out = child(T.root, { [[lua io.stderr:write(require('stance.core').version().lua_abi)]] })
    assert.truthy(out:find('5.1', 1, true), out)
  end)

  it('says to run make, without a stack trace, when the module is not built', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s %s %s'):format(T.q(T.root .. '/lua'), T.q(T.root .. '/plugin'), T.q(d)))
    local out = child(d, { 'Stance version', 'sleep 50m' })
    assert.truthy(out:find('the C module is not built for Lua 5.1. Run `make` in ' .. d, 1, true), out)
    assert.falsy(out:find('stack traceback', 1, true), out)
    assert.falsy(out:find('E5108', 1, true), out)
  end)

  it('reports versions with :Stance version', function()
    local out = child(T.root, { 'Stance version', 'sleep 50m' })
    assert.truthy(out:find('(stance) stance 0.1.0 (libuv ', 1, true), out)
  end)

  it(':checkhealth stance reports the module, versions, worker and corpus', function()
    vim.cmd('checkhealth stance')
    local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
    assert.truthy(text:find('stance.core 0.1.0 loaded (5.1 ABI)', 1, true), text)
    assert.truthy(text:find('libuv 1.', 1, true), text)
    assert.truthy(text:find('tree-sitter ABI 14', 1, true), text)
    assert.truthy(text:find('background worker running', 1, true), text)
    assert.truthy(text:find('corpus', 1, true), text)
    assert.truthy(text:find('options are valid', 1, true), text)
    assert.falsy(text:find('ERROR', 1, true), text)
  end)

  it(":checkhealth stance looks at the user's document, not at its own buffer, and says who annotates", function()
    local d = T.tmpdir()
    os.execute(('cp -r %s/. %s/'):format(T.q(T.root .. '/doc/example/corpus'), T.q(d)))
    require('stance').setup({ annotator = 'tester' })
    local cwd = vim.fn.getcwd()
    assert.are_not.equal(d, cwd)
    for _, how in ipairs({ 'checkhealth stance', 'vertical checkhealth stance' }) do
      vim.cmd('edit ' .. vim.fn.fnameescape(d .. '/01_charge_works.txt'))
      vim.cmd(how)
      local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
      assert.truthy(text:find('corpus root: ' .. d, 1, true), how .. '\n' .. text)
      assert.truthy(text:find('schema: 3 stance(s), 3 target(s)', 1, true), text)
      assert.truthy(text:find('you annotate as tester (from setup{annotator})', 1, true), text)
      -- tester has no file on it yet: the file is named as one to be made, not as one there
      assert.truthy(text:find('01_charge_works.txt: annotated by tester, 0 annotation(s), not written yet (', 1, true),
        text)
      assert.truthy(text:find('/.stance/annotations/tester/01_charge_works.txt.stance is made at the first save)', 1,
        true), text)
      vim.cmd('silent! %bwipeout!')
    end
    -- no document: the current directory
    vim.cmd('cd ' .. vim.fn.fnameescape(d))
    local ok, err = pcall(function()
      vim.cmd('checkhealth stance')
      local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
      assert.truthy(text:find('corpus root: ' .. d, 1, true), text)
    end)
    vim.cmd('cd ' .. vim.fn.fnameescape(cwd))
    assert(ok, err)
  end)

  it(':checkhealth stance says a reserved annotator name is an error, and how to choose another', function()
    require('stance').setup({ annotator = 'gold' })
    require('stance.whoami').reset()
    local ok, err = pcall(function()
      vim.cmd('checkhealth stance')
      local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
      assert.truthy(text:find('your annotator name "gold" (from setup{annotator}) is reserved: the layer gold holds the '
        .. 'curation', 1, true), text)
      assert.truthy(text:find('ERROR', 1, true), text)
      assert.falsy(text:find('you annotate as gold', 1, true), text)
    end)
    require('stance').setup({})
    vim.cmd('silent! %bwipeout!')
    assert(ok, err)
  end)

  it(':help stance opens the help file', function()
    vim.cmd('help stance')
    assert.truthy(vim.api.nvim_buf_get_name(0):find('doc/stance.txt$'))
    vim.cmd('help stance-config')
    vim.cmd('help :Stance-hash')
    vim.cmd('close')
  end)

  it('ships doc/tags up to date with doc/stance.txt', function()
    local d = T.tmpdir()
    os.execute(('cp %s %s'):format(T.q(T.root .. '/doc/stance.txt'), T.q(d)))
    vim.cmd('helptags ' .. vim.fn.fnameescape(d))
    assert.are.equal(T.read(d .. '/tags'), T.read(T.root .. '/doc/tags'))
  end)

  it('reaches libuv through vim.uv where there is one (vim.loop is deprecated in 0.10)', function()
    local out = T.run('cd ' .. T.q(T.root) .. [[ && grep -rn 'vim\.loop' lua plugin | grep -v 'vim\.uv or vim\.loop' || true]])
    assert.are.equal('', out)
  end)

  it('names no function this Neovim deprecates (outside the fallbacks of compat.lua)', function()
    local found = dofile(T.root .. '/tests/helpers/deprecated.lua').named_in_code()
    assert.are.equal('', table.concat(found, '\n'))
  end)

  it('loads nothing heavy at startup', function()
    local d = T.tmpdir()
    local out = child(T.root, {
      [[lua io.stderr:write('loaded:' .. tostring(package.loaded['stance.core'] ~= nil or package.loaded['stance'] ~= nil or package.loaded['stance.command'] ~= nil))]],
    }, { '--startuptime', d .. '/startup.log' })
    assert.truthy(out:find('loaded:false', 1, true), out)
    -- at the start only what finds a corpus document and a *.stance file; the autocommands
    -- that serve loaded modules come with the first of them (stance.editor.events)
    local events = [[lua local e = {} for _, a in ipairs(vim.api.nvim_get_autocmds({ group = 'stance' })) do ]]
      .. [[e[#e + 1] = a.event end table.sort(e) io.stderr:write(table.concat(e, ',') .. ';')]]
    out = child(T.root, { events, [[lua require('stance.worker')]], events })
    assert.truthy(out:find('BufNewFile,BufReadPost,BufReadPre,FileType;', 1, true), out)
    local after = out:match(';([^;]*);')
    for _, e in ipairs({ 'BufWritePost', 'BufEnter', 'BufUnload', 'BufWipeout', 'ColorScheme', 'QuitPre',
      'CmdlineLeave', 'OptionSet', 'VimLeavePre' }) do
      assert.truthy(after and after:find(e, 1, true), e .. ' after a module of stance loaded: ' .. out)
    end
    local log = T.read(d .. '/startup.log')
    local self_ms = log:match('[%d.]+%s+[%d.]+%s+([%d.]+): sourcing [^\n]*plugin/stance%.lua')
    assert.truthy(self_ms, log)
    T.report('plugin/stance.lua sourced in %.3f ms', tonumber(self_ms))
  end)
end)
