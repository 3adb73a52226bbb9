-- The build's promises: exported symbols, loading in every Lua 5.1 host, make install.
local T = require('helpers')

describe('build', function()
  after_each(T.cleanup)

  for _, abi in ipairs({ '5.1', '5.4' }) do
    it('exports only luaopen_* from the ' .. abi .. ' module', function()
      local out, _, code = T.run('nm -D --defined-only ' .. T.q(T.root .. '/build/' .. abi .. '/stance/core.so'))
      assert.are.equal(0, code)
      local names = {}
      for name in out:gmatch('%x+ %a ([^\n]+)') do
        names[#names + 1] = name
      end
      assert.are.same({ 'luaopen_stance_core' }, names)
    end)
  end

  it('does not link liblua, libuv or tree-sitter dynamically', function()
    for _, abi in ipairs({ '5.1', '5.4' }) do
      local out = T.run('ldd ' .. T.q(T.root .. '/build/' .. abi .. '/stance/core.so'))
      assert.falsy(out:find('liblua'), out)
      assert.falsy(out:find('libuv'), out)
      assert.falsy(out:find('tree%-sitter'), out)
    end
  end)

  for _, lua in ipairs({ 'luajit', 'lua5.1', 'lua5.4' }) do
    it('loads in ' .. lua .. ' from any directory', function()
      local code = ("package.path=%s..package.path; local v=require('stance.core').version(); io.write(v.lua)")
        :format(('%q'):format(T.root .. '/lua/?.lua;'))
      local out, err, status = T.run(('cd / && %s -e %s'):format(lua, T.q(code)))
      assert.are.equal(0, status, err)
      assert.are.equal(lua == 'lua5.4' and 'Lua 5.4' or 'Lua 5.1', out)
    end)
  end

  it('says to run make when the module is not built', function()
    local d = T.tmpdir()
    os.execute(('cp -r %s %s'):format(T.q(T.root .. '/lua'), T.q(d .. '/lua')))
    local code = "package.path='" .. d .. "/lua/?.lua;'..package.path; require('stance.core')"
    local _, err, status = T.run(('cd / && lua5.4 -e %s'):format(T.q(code)))
    assert.are.equal(1, status)
    assert.truthy(err:find('the C module is not built for Lua 5.4. Run `make` in ' .. d, 1, true), err)
  end)

  it('installs a working stance and require("stance") for plain lua5.4', function()
    local d = T.tmpdir()
    local _, err, code = T.run(('make -s -C %s install PREFIX=%s'):format(T.q(T.root), T.q(d)))
    assert.are.equal(0, code, err)
    assert.truthy(T.exists(d .. '/bin/stance'))
    assert.truthy(T.exists(d .. '/lib/lua/5.4/stance/core.so'))
    assert.truthy(T.exists(d .. '/share/lua/5.4/stance/init.lua'))
    assert.truthy(T.exists(d .. '/share/lua/5.4/stance/cli/hash.lua'))
    local out = T.run(('cd / && %s --version'):format(T.q(d .. '/bin/stance')))
    assert.truthy(out:find('^stance 0%.1%.0'))
    local env = ('LUA_PATH=%s LUA_CPATH=%s'):format(T.q(d .. '/share/lua/5.4/?.lua;' .. d .. '/share/lua/5.4/?/init.lua;;'),
      T.q(d .. '/lib/lua/5.4/?.so;;'))
    out, err = T.run(('cd / && %s lua5.4 -e %s'):format(env, T.q("io.write(require('stance').version().lua_abi, require('stance.core').sha256('abc'):sub(1,6))")))
    assert.are.equal('5.4ba7816', out, err)
  end)

  it('builds and installs with luarocks make (stance-scm-1.rockspec, Lua 5.4)', function()
    local src, tree = T.tmpdir(), T.tmpdir()
    -- a clean copy of the checkout: what a user who cloned it has
    local _, err, code = T.run(('cd %s && git ls-files -z | xargs -0 tar -cf - | tar -xf - -C %s'):format(
      T.q(T.root), T.q(src)))
    assert.are.equal(0, code, err)
    _, err, code = T.run(('cd %s && luarocks --lua-version 5.4 --tree %s make stance-scm-1.rockspec'):format(
      T.q(src), T.q(tree)))
    assert.are.equal(0, code, err)
    local out = T.run(('cd / && %s --version'):format(T.q(tree .. '/bin/stance')))
    assert.truthy(out:find('^stance 0%.1%.0 .*Lua 5%.4'), out)
    out, err = T.run(('cd %s && eval "$(luarocks --lua-version 5.4 --tree %s path)" && lua5.4 -e %s'):format(
      T.q(T.root .. '/doc/example/corpus'), T.q(tree),
      T.q("local c = require('stance').open('.') io.write(#c:paths(), ' ', c:document('04_letter.txt'):hash():sub(1, 7))")))
    assert.are.equal('4 sha256:', out, err)
    local list = T.run(('luarocks --lua-version 5.4 --tree %s list --porcelain'):format(T.q(tree)))
    assert.truthy(list:find('^stance\tscm%-1\tinstalled'), list)
  end)
end)
