rockspec_format = '3.0'
package = 'stance'
version = 'scm-1'
source = {
  url = 'git+https://github.com/stance-nvim/stance.nvim',
}
description = {
  summary = 'Annotate a corpus of documents for stance: C core, Lua API, `stance` command',
  detailed = [[
    The Lua 5.4 side of stance.nvim: require('stance') for scripts, and the `stance`
    command line (check, search, export, merge, agreement, ...). The C module runs the
    heavy work (annotation store, corpus index, anchoring, agreement) on libuv threads.
  ]],
  homepage = 'https://github.com/stance-nvim/stance.nvim',
  license = 'MIT',
}
dependencies = {
  'lua >= 5.4, < 5.5',
}
external_dependencies = {
  LIBUV = { header = 'uv.h' },
  OPENSSL = { header = 'openssl/evp.h' },
}
build = {
  type = 'make',
  build_target = 'all',
  build_variables = {
    CFLAGS = '$(CFLAGS)',
    LUA54_CFLAGS = '-I$(LUA_INCDIR)',
  },
  install_variables = {
    PREFIX = '$(PREFIX)',
    BINDIR = '$(BINDIR)',
    LIBDIR = '$(LIBDIR)',
    LUADIR = '$(LUADIR)',
  },
}
