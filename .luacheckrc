-- luacheck configuration (make test runs it as the "lint" suite)
std = "luajit"
max_line_length = 120
files['tests/**/*.lua'] = { max_line_length = 180 }
globals = { 'vim' }
read_globals = { 'jit' }
files['lua/stance/cli.lua'] = { globals = { 'unpack' } }
files['lua/stance/cli/run.lua'] = { std = 'lua54', globals = { 'arg', 'stance', 'unpack' } }
files['tests/**/*_spec.lua'] = { std = '+busted' }
files['tests/helpers/*.lua'] = { globals = { 'STANCE_TEST_FAILED' } }
files['tests/bench/*.lua'] = { std = 'lua54', read_globals = { 'stance' } }
files['doc/example/scripts/*.lua'] = { std = 'lua54', read_globals = { 'stance' } }
exclude_files = { 'grammars/tree-sitter-stance/src/**', 'build/**' }
files['lua/stance/meta/*.lua'] = { ignore = { '212', '511', '241' }, max_line_length = 140 }
