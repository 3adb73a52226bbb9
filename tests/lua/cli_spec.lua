-- The `stance` executable: help, versions, errors and exit statuses, hash, run, Ctrl-C.
local T = require('helpers')

describe('stance CLI', function()
  after_each(T.cleanup)

  it('loads a module compiled by make only while it is not older than its source', function()
    -- a checkout of its own: the executable, the sources, and a compiled version command
    -- that says where it came from
    local d = T.tmpdir()
    T.run(('mkdir -p %s/build/bin %s/build/luac/stance/cli && cp %s %s/build/bin/ && cp -r %s/lua %s/'):format(
      T.q(d), T.q(d), T.q(T.stance), T.q(d), T.q(T.root), T.q(d)))
    local bin, src = d .. '/build/bin/stance', d .. '/lua/stance/cli/version.lua'
    local compiled = d .. '/build/luac/stance/cli/version.lua'
    T.write(d .. '/marked.lua', T.read(src):gsub("io.stdout:write%(", "io.stdout:write('compiled ', "))
    T.run(('touch -d "2001-01-01" %s && luac5.4 -o %s %s'):format(T.q(src), T.q(compiled), T.q(d .. '/marked.lua')))
    local out, err, code = T.run(T.q(bin) .. ' version')
    assert.are.same({ 0, true }, { code, out:find('^compiled stance ') ~= nil }, out .. err)
    -- the source edited since (newer than what was compiled): the source, not a stale module
    T.run('touch ' .. T.q(src))
    out, err, code = T.run(T.q(bin) .. ' version')
    assert.are.same({ 0, true }, { code, out:find('^stance ') ~= nil }, out .. err)
    -- a compiled file that does not load (damaged, another Lua's): the source
    T.write(compiled, '\27Lua garbage')
    T.run(('touch -d "2001-01-01" %s'):format(T.q(src)))
    out, err, code = T.run(T.q(bin) .. ' version')
    assert.are.same({ 0, true }, { code, out:find('^stance ') ~= nil }, out .. err)
    -- and the make of this checkout compiled every module
    local core = require('stance.core')
    local files = core.list(T.root .. '/lua', { names = true, include = { '*.lua' } })
    assert.truthy(#files > 40, #files)
    for _, f in ipairs(files) do
      assert.truthy(core.stat(T.root .. '/build/luac/' .. f), f)
    end
    -- (src/luac.lua) each the code of its source, its lines kept, its locals' names not
    if _VERSION == 'Lua 5.4' and not rawget(_G, 'jit') then
      for _, f in ipairs(files) do
        local bc = assert(loadfile(T.root .. '/build/luac/' .. f, 'b'))
        local source = assert(loadfile(T.root .. '/lua/' .. f, 't'))
        assert.are.equal(string.dump(source, true), string.dump(bc, true), f)
        assert.are.equal('@' .. T.root .. '/lua/' .. f, debug.getinfo(bc, 'S').source)
      end
      local parse = assert(loadfile(T.root .. '/build/luac/stance/cli/args.lua', 'b'))().parse
      local line = T.read(T.root .. '/lua/stance/cli/args.lua'):match('^(.-)\n%s*local flags = spec%.flags')
      local _, perr = pcall(parse, {}, nil)
      assert.are.equal(('%s/lua/stance/cli/args.lua:%d: attempt to index a nil value'):format(T.root,
        select(2, line:gsub('\n', '')) + 2), perr)
    end
  end)

  it('lists its commands with --help and exits 0', function()
    local out, err, code = T.stance_run({ '--help' })
    assert.are.equal(0, code)
    assert.are.equal('', err)
    for _, cmd in ipairs({ 'hash', 'run', 'version', 'help' }) do
      assert.truthy(out:find('\n  ' .. cmd .. ' ', 1, true), cmd)
    end
  end)

  it('prints the usage and exits 2 without a command', function()
    local out, _, code = T.stance_run({})
    assert.are.equal(2, code)
    assert.truthy(out:find('Usage: stance COMMAND', 1, true))
  end)

  it('prints its version', function()
    local out, _, code = T.stance_run({ '--version' })
    assert.are.equal(0, code)
    assert.truthy(out:match('^stance 0%.1%.0 %(libuv %d+%.%d+%.%d+, tree%-sitter ABI 14, Lua 5%.4%)\n$'))
    out = T.stance_run({ 'version', '--json' })
    assert.truthy(out:find('"lua_abi":"5.4"', 1, true))
  end)

  it('shows the help of a command both ways', function()
    local a = T.stance_run({ 'help', 'hash' })
    local b, _, code = T.stance_run({ 'hash', '--help' })
    assert.are.equal(0, code)
    assert.are.equal(a, b)
    assert.truthy(a:find('Usage: stance hash', 1, true))
    assert.truthy(a:find('--ext LIST', 1, true))
  end)

  it('has --help for every command, even one that needs arguments', function()
    for _, name in ipairs(require('stance.cli').commands) do
      local out, err, code = T.stance_run({ name, '--help' })
      assert.are.equal(0, code, name .. ': ' .. err)
      assert.truthy(out:find('^Usage: stance ' .. name), out)
    end
  end)

  for _, case in ipairs({
    { args = { 'frobnicate' }, msg = "stance: unknown command 'frobnicate' (see 'stance --help')\n" },
    { args = { '--frob' }, msg = "stance: unknown flag --frob (see 'stance --help')\n" },
    { args = { 'hash', '--frob' }, msg = "stance hash: unknown flag --frob (see 'stance help hash')\n" },
    { args = { 'hash', '--ext' }, msg = "stance hash: --ext needs a value (LIST) (see 'stance help hash')\n" },
    { args = { 'hash', 'a', 'b' }, msg = "stance hash: unexpected argument b (see 'stance help hash')\n" },
    { args = { 'run' }, msg = "stance run: missing argument (expected at least 1) (see 'stance help run')\n" },
    { args = { 'help', 'nope' }, msg = "stance: unknown command 'nope' (see 'stance --help')\n" },
    -- a mistyped flag: the one it most likely meant
    { args = { 'eval', '--fold', '3' }, msg = "stance eval: unknown flag --fold (did you mean --folds?) (see 'stance help eval')\n" },
    { args = { 'agree', '--jsn' }, msg = "stance agree: unknown flag --jsn (did you mean --json?) (see 'stance help agree')\n" },
    { args = { 'export', '--ouptut', 'x' },
      msg = "stance export: unknown flag --ouptut (did you mean --output?) (see 'stance help export')\n" },
  }) do
    it('rejects ' .. table.concat(case.args, ' ') .. ' in one line with status 2', function()
      local out, err, code = T.stance_run(case.args)
      assert.are.equal(2, code)
      assert.are.equal('', out)
      assert.are.equal(case.msg, err)
    end)
  end

  it('takes --annotator and --annotators for one another where a command takes a list of layers', function()
    -- export, report and stats say --annotator; agree, eval and suggest --annotators
    for _, cmd in ipairs({ 'agree', 'eval', 'suggest', 'export', 'report', 'stats' }) do
      local spec = require('stance.cli.' .. cmd)
      for _, flag in ipairs({ 'annotator', 'annotators' }) do
        local opts, err = require('stance.cli.args').parse({ '--' .. flag, 'ana,ben' }, spec)
        assert.truthy(opts, cmd .. ' --' .. flag .. ': ' .. tostring(err))
        assert.are.equal('ana,ben', opts.annotator or opts.annotators, cmd)
      end
      local out = T.stance_run({ cmd, '--help' })
      assert.truthy(out:find('(also --annotator', 1, true), cmd .. ': ' .. out)
    end
  end)

  describe('hash', function()
    it('prints what sha256sum prints for a generated folder', function()
      local d = T.tmpdir()
      T.make_files(d, 40, 5000)
      T.write(d .. '/nested/dir/x.md', 'x')
      local out, err, code = T.stance_run({ 'hash', d })
      assert.are.equal(0, code)
      assert.are.equal('', err) -- no progress bar: stderr is not a terminal
      assert.are.equal(T.sha256sum(d), out)
    end)

    it('prints what sha256sum prints for the sample corpus', function()
      if not T.shared then return pending('../shared/corpus is not here') end
      local out, _, code = T.stance_run({ 'hash', T.shared .. '/corpus' })
      assert.are.equal(0, code)
      assert.are.equal(T.sha256sum(T.shared .. '/corpus'), out)
    end)

    it('hashes the current directory by default and filters by extension', function()
      local d = T.tmpdir()
      T.write(d .. '/a.txt', 'a')
      T.write(d .. '/b.ann', 'b')
      local out, _, code = T.stance_run({ 'hash', '--ext=txt' }, nil, d)
      assert.are.equal(0, code)
      assert.are.equal(T.sha256sum(d):match('[^\n]*a%.txt\n'), out)
    end)

    it('prints JSON lines with --json', function()
      local d = T.tmpdir()
      T.write(d .. '/a.txt', 'abc')
      local out = T.stance_run({ 'hash', '--json', d })
      assert.are.equal('{"hash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","path":"a.txt","size":3}\n', out)
    end)

    it('draws a progress bar only on a terminal', function()
      local d = T.tmpdir()
      T.make_files(d, 50, 400000)
      -- script(1) gives the command a pseudo-terminal; stdout goes to a file.
      local cmd = ('script -qec %s /dev/null'):format(T.q(T.q(T.stance) .. ' hash ' .. T.q(d) .. ' >' .. T.q(T.tmpdir() .. '/out')))
      local tty = T.run(cmd)
      assert.truthy(tty:find('hashing [', 1, true), tty)
      assert.truthy(tty:find('%', 1, true))
    end)

    it('fails with status 1 and a message for a missing folder', function()
      local out, err, code = T.stance_run({ 'hash', '/nonexistent/corpus' })
      assert.are.equal(1, code)
      assert.are.equal('', out)
      assert.are.equal('stance hash: /nonexistent/corpus: No such file or directory\n', err)
    end)
  end)

  describe('run', function()
    it('runs a script with arg, ... and the stance module', function()
      local d = T.tmpdir()
      T.write(d .. '/s.lua', [[
        local a, b = ...
        print(arg[0]:match('s%.lua$'), arg[1], arg[2], a, b, #arg)
        print(type(stance.version), stance.version().lua_abi)
        return 3
      ]])
      local out, err, code = T.stance_run({ 'run', d .. '/s.lua', 'one', '--two' })
      assert.are.equal('', err)
      assert.are.equal(3, code)
      assert.are.equal('s.lua\tone\t--two\tone\t--two\t2\nfunction\t5.4\n', out)
    end)

    it('lets a script require a C module built as for lua5.4 (no liblua of its own)', function()
      -- the executable links Lua statically where it can (Makefile, LUA54_ARCHIVE): the
      -- module's calls of Lua's API must find the executable's own (src/host.dynlist)
      local d = T.tmpdir()
      T.write(d .. '/tmod.c', [[
        #include <lua.h>
        #include <lauxlib.h>
        static int twice(lua_State *L) { lua_pushinteger(L, 2 * luaL_checkinteger(L, 1)); return 1; }
        int luaopen_tmod(lua_State *L) {
          lua_newtable(L);
          lua_pushcfunction(L, twice);
          lua_setfield(L, -2, "twice");
          return 1;
        }
      ]])
      local _, cerr, ccode = T.run(('cc -shared -fPIC $(pkg-config --cflags lua5.4 2>/dev/null || echo'
        .. ' -I/usr/include/lua5.4) -o %s %s'):format(
        T.q(d .. '/tmod.so'), T.q(d .. '/tmod.c')))
      assert.are.equal(0, ccode, cerr)
      T.write(d .. '/s.lua', "print(require('tmod').twice(21))\n")
      local out, err, code = T.run(('LUA_CPATH=%s %s run %s'):format(T.q(d .. '/?.so'), T.q(T.stance),
        T.q(d .. '/s.lua')))
      assert.are.equal('', err)
      assert.are.equal(0, code)
      assert.are.equal('42\n', out)
    end)

    it("prints the script's traceback and exits 1 on error", function()
      local d = T.tmpdir()
      T.write(d .. '/bad.lua', 'local function f()\n  error("boom")\nend\nf()\n')
      local out, err, code = T.stance_run({ 'run', d .. '/bad.lua' })
      assert.are.equal(1, code)
      assert.are.equal('', out)
      assert.truthy(err:find('bad.lua:2: boom', 1, true), err)
      assert.truthy(err:find('stack traceback', 1, true))
      assert.truthy(err:find('bad.lua:4', 1, true))
      assert.falsy(err:find('cli/run.lua', 1, true))
    end)

    it('reports a script that does not compile or exist', function()
      local d = T.tmpdir()
      T.write(d .. '/syntax.lua', 'x = = 1\n')
      local _, err, code = T.stance_run({ 'run', d .. '/syntax.lua' })
      assert.are.equal(1, code)
      assert.truthy(err:find('^stance run: .*syntax.lua:1:'))
      _, err, code = T.stance_run({ 'run', d .. '/missing.lua' })
      assert.are.equal(1, code)
      assert.truthy(err:find('missing.lua', 1, true))
    end)

    it('stops cleanly on Ctrl-C with status 130', function()
      local d = T.tmpdir()
      T.write(d .. '/loop.lua', 'print("started") io.stdout:flush() while true do end\n')
      local cmd = ('%s run %s & pid=$!; sleep 0.5; kill -INT $pid; wait $pid'):format(T.q(T.stance), T.q(d .. '/loop.lua'))
      local out, err, code = T.run(cmd)
      assert.are.equal(130, code)
      assert.are.equal('started\n', out)
      assert.are.equal('stance: interrupted\n', err)
    end)

    it('cancels a running hash job on Ctrl-C', function()
      local d = T.tmpdir()
      T.make_files(d, 300, 1000000)
      local slow = T.tmpdir() .. '/slow.lua'
      T.write(slow, [[
        local job = stance.hash(arg[1])
        print('started') io.stdout:flush()
        require('stance.worker').wait(job)
        print('finished')
      ]])
      local cmd = ('%s run %s %s & pid=$!; sleep 0.05; kill -INT $pid; wait $pid'):format(
        T.q(T.stance), T.q(slow), T.q(d))
      local _, err, code = T.run(cmd)
      -- Either Ctrl-C landed while hashing (130), or the machine hashed 300 MB in 50 ms.
      if code ~= 0 then
        assert.are.equal(130, code)
        assert.are.equal('stance: interrupted\n', err)
      end
    end)
  end)
end)
