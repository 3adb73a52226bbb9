# stance.nvim - build, test, bench, install.
#
#   make              the C module for Lua 5.1/LuaJIT and 5.4, and build/bin/stance
#   make test         every suite; ends with "N passed, M failed" (the Neovim suites on
#                     nvim and on each ../shared/nvim/*/bin/nvim: see README, Tests)
#   make test-nvim    the Neovim suites alone (NVIM=path: on that Neovim only)
#   make test-fuzz    every fuzz target for FUZZ_SECONDS each (FUZZ_NAMES=... for some)
#   make deps         the Debian packages the build and the tests need
#   make demo         Neovim on the example corpus with the plugin loaded
#   make bench        the benchmarks, side by side with their peers
#   make doc          help tags, and the README's figure (stance report of the example corpus)
#   make install PREFIX=DIR, make clean
#
# Every library is found through pkg-config; each variable below can be overridden on the
# command line (e.g. make LUA54_CFLAGS=-I/opt/lua/include UV_LIBS=/opt/uv/lib/libuv.a).

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
NVIM       ?= nvim
LUA54      ?= lua5.4
BUSTED     ?= busted
B          := build

pc = $(shell $(PKG_CONFIG) $(1) 2>/dev/null)
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
SYSLIB    := /usr/lib$(if $(MULTIARCH),/$(MULTIARCH))

LUA51_CFLAGS  ?= $(or $(call pc,--cflags lua5.1),-I/usr/include/lua5.1)
LUA54_CFLAGS  ?= $(or $(call pc,--cflags lua5.4),-I/usr/include/lua5.4)
LUA54_LIBS    ?= $(or $(call pc,--libs lua5.4),-llua5.4)
UV_CFLAGS     ?= $(call pc,--cflags libuv)
UV_LIBS       ?= $(or $(call pc,--libs libuv-static),-luv_a -lpthread -ldl)
TS_CFLAGS     ?= $(call pc,--cflags tree-sitter)
TS_LIBS       ?= $(or $(call pc,--variable=libdir tree-sitter),$(SYSLIB))/libtree-sitter.a
CRYPTO_CFLAGS ?= $(call pc,--cflags libcrypto)
CRYPTO_LIBS   ?= $(or $(call pc,--libs libcrypto),-lcrypto)
# libcrypto (SHA-256 only) is loaded at the first hash instead of linked (src/hash.c): a
# process pays about 0.6 ms at its start to load and relocate it, and most commands never
# hash (a `stance search --count` takes less than that otherwise). This needs the soname of
# the library the build finds, read with objdump; CRYPTO_SONAME= (empty) links it instead.
CRYPTO_FILE   ?= $(or $(wildcard $(call pc,--variable=libdir libcrypto)/libcrypto.so),$(shell $(CC) -print-file-name=libcrypto.so 2>/dev/null))
CRYPTO_SONAME ?= $(if $(filter Darwin,$(shell uname -s)),,$(shell objdump -p '$(CRYPTO_FILE)' 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }'))
ifneq ($(CRYPTO_SONAME),)
  CRYPTO_USE  := $(CRYPTO_CFLAGS) -DSTANCE_CRYPTO_SONAME='"$(CRYPTO_SONAME)"' \
                 -DSTANCE_CRYPTO_PATH='"$(dir $(realpath $(CRYPTO_FILE)))$(CRYPTO_SONAME)"'
  CRYPTO_LINK := -ldl
else
  CRYPTO_USE  := $(CRYPTO_CFLAGS)
  CRYPTO_LINK := $(CRYPTO_LIBS)
endif

WARN     := -std=c99 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP \
             $(UV_CFLAGS) $(TS_CFLAGS) $(CRYPTO_USE)

ifeq ($(shell uname -s),Darwin)
  SHARED := -bundle -undefined dynamic_lookup
  HIDE   :=
  MOD_UV_LIBS ?= $(UV_LIBS)
else
  SHARED := -shared -Wl,--exclude-libs,ALL -Wl,-Bsymbolic
  HIDE   := -Wl,--exclude-libs,ALL
  # Debian's libuv_a.a is built for executables: see src/uvshim.c. Set MOD_UV_LIBS to
  # link a libuv built with -fPIC instead.
  UV_ARCHIVE  ?= $(or $(call pc,--variable=libdir libuv),$(SYSLIB))/libuv_a.a
  MOD_UV_LIBS ?= $(B)/libuv_pic.a -lpthread -ldl -lrt
  MOD_DEFS    := -DSTANCE_UV_SHIM
endif
STATIC_LIBS = $(TS_LIBS) $(UV_LIBS) $(CRYPTO_LINK) -lm
# The executable links Lua's static archive where the system has one (Linux; Debian's own
# lua5.4 is linked so): a command's start maps and relocates no liblua (6% of the
# instructions of a `stance search --count`). It then exports Lua's API and nothing else
# (src/host.dynlist) for the C modules a script may require (lpeg, lfs), as lua5.4 does.
# LUA54_ARCHIVE= (empty) links the shared library instead.
LUA54_ARCHIVE ?= $(if $(filter Darwin,$(shell uname -s)),,$(wildcard $(or $(call pc,--variable=libdir lua5.4),$(SYSLIB))/liblua5.4.a))
ifneq ($(LUA54_ARCHIVE),)
  HOST_LUA := $(LUA54_ARCHIVE) -ldl -lm -Wl,--dynamic-list=src/host.dynlist
else
  HOST_LUA := $(HIDE) $(LUA54_LIBS)
endif
MOD_LIBS    = $(TS_LIBS) $(MOD_UV_LIBS) $(CRYPTO_LINK) -lm

# The library proper (no Lua) and its Lua binding.
LIB_SRC  := src/bratfast.c src/modeljob.c src/load.c src/cuejob.c src/textfeat.c src/linear.c src/model.c src/cues.c src/snapshot.c src/frame.c src/qgram.c src/job.c src/worker.c src/walk.c src/hash.c src/hashjob.c src/tidyjob.c src/buf.c src/markup.c \
            src/syntaxdump.c src/xxh3wide.c src/arena.c src/store.c src/problems.c src/reader.c src/writer.c \
            src/atomic.c src/contain.c src/text.c src/segment.c src/index.c src/builder.c src/query.c src/indexjob.c \
            src/indexfile.c src/layercache.c src/brat.c src/json.c
# The executable's own (never the module's): its Lua state's allocator.
HOST_SRC := src/hostalloc.c
LUA_SRC  := src/lload.c src/core.c src/lworker.c src/lfs.c src/lproc.c src/lstore.c src/ltext.c src/lindex.c src/lframe.c src/lcues.c src/lmodel.c src/lwatch.c src/llayercache.c src/lbrat.c src/ljson.c
MOD_SRC  := $(LIB_SRC) $(LUA_SRC) src/uvshim.c
GRAMMAR  := grammars/tree-sitter-stance
TS_SRC   := $(GRAMMAR)/src/parser.c $(GRAMMAR)/src/scanner.c
TS_OBJ   := $(B)/grammar/parser.o $(B)/grammar/scanner.o
PARSER   := $(B)/parser/stance.so
MOD51    := $(B)/5.1/stance/core.so
MOD54    := $(B)/5.4/stance/core.so
HOST     := $(B)/bin/stance
LUA_FILES = $(shell find lua -name '*.lua' | sort)
# The Lua sources compiled for build/bin/stance (src/host.c loads one where it is not older
# than its source): a command starts without parsing its modules. Compiled by src/luac.lua
# (what luac5.4 writes less the names of local variables, a third of a module's load; the
# line numbers of errors kept), the source's absolute path as the chunk's name.
LUA_BC    = $(patsubst lua/%,$(B)/luac/%,$(LUA_FILES))

obj = $(patsubst src/%.c,$(B)/$(1)/obj/%.o,$(2))

.PHONY: all deps test test-c test-lua test-nvim demo bench install uninstall clean grammar \
        tree-sitter-cli test-fuzz fuzz doc
all: $(MOD51) $(MOD54) $(HOST) $(LUA_BC) $(PARSER) doc/tags

$(B)/5.1/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MOD_DEFS) $(LUA51_CFLAGS) -c $< -o $@

$(B)/5.4/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(MOD_DEFS) $(LUA54_CFLAGS) -c $< -o $@

# Never link liblua into the module: the host process provides the Lua API.
$(MOD51): $(call obj,5.1,$(MOD_SRC)) $(TS_OBJ) $(filter $(B)/%,$(MOD_UV_LIBS))
	@mkdir -p $(@D)
	$(CC) $(SHARED) -o $@ $(call obj,5.1,$(MOD_SRC)) $(TS_OBJ) $(MOD_LIBS) $(LDFLAGS)

$(MOD54): $(call obj,5.4,$(MOD_SRC)) $(TS_OBJ) $(filter $(B)/%,$(MOD_UV_LIBS))
	@mkdir -p $(@D)
	$(CC) $(SHARED) -o $@ $(call obj,5.4,$(MOD_SRC)) $(TS_OBJ) $(MOD_LIBS) $(LDFLAGS)

# The generated parser: hidden inside the module (for tests and the agreement check), and
# on its own as the parser Neovim loads (which must export tree_sitter_stance).
$(B)/grammar/%.o: $(GRAMMAR)/src/%.c $(GRAMMAR)/src/tree_sitter/parser.h
	@mkdir -p $(@D)
	$(CC) -std=c99 $(CFLAGS) -fPIC -fvisibility=hidden -w -I$(GRAMMAR)/src -c $< -o $@

$(B)/parser/obj/%.o: $(GRAMMAR)/src/%.c $(GRAMMAR)/src/tree_sitter/parser.h
	@mkdir -p $(@D)
	$(CC) -std=c99 $(CFLAGS) -fPIC -w -I$(GRAMMAR)/src -c $< -o $@

$(PARSER): $(B)/parser/obj/parser.o $(B)/parser/obj/scanner.o
	@mkdir -p $(@D)
	$(CC) $(if $(filter Darwin,$(shell uname -s)),-bundle -undefined dynamic_lookup,-shared) -o $@ $^

$(B)/libuv_pic.a: $(UV_ARCHIVE)
	@mkdir -p $(@D)
	objcopy --redefine-sym environ=stance__uv_environ --redefine-sym stderr=stance__uv_stderr \
	  --redefine-sym in6addr_any=stance__uv_in6addr_any $< $@

$(B)/luac/%.lua: lua/%.lua src/luac.lua
	@mkdir -p $(@D)
	$(LUA54) src/luac.lua $(abspath $<) $@

# The executable links the same objects and the untouched archives (no shim needed).
$(HOST): $(call obj,host,$(LIB_SRC) $(LUA_SRC) $(HOST_SRC) src/host.c) $(TS_OBJ) src/host.dynlist
	@mkdir -p $(@D)
	$(CC) -o $@ $(filter-out %.dynlist,$^) $(STATIC_LIBS) $(HOST_LUA) $(LDFLAGS)

$(B)/host/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LUA54_CFLAGS) -c $< -o $@

doc/tags: doc/stance.txt
	$(NVIM) --headless -u NONE -i NONE -n -c 'helptags doc' -c 'quitall!' >/dev/null 2>&1

# The README's figure: the heat map of `stance report` on the example corpus (the same bytes
# every time; tests/lua/report_spec.lua fails when the committed one is stale).
doc: doc/tags $(HOST)
	$(HOST) report --no-model --output $(B)/doc-report doc/example/corpus >/dev/null
	@mkdir -p doc/figures
	cp $(B)/doc-report/figures/heatmap.svg doc/figures/example-heatmap.svg

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- tests -------------------------------------------------------------------------------

# Fuzz targets: one per file of tests/fuzz/ (see tests/fuzz/README.md). Each is also linked
# into the unit tests, which run it over its seeds (tests/fuzz/seeds/NAME/); the list of
# targets is generated from the file names, so adding a target is adding its file.
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_NAMES := $(basename $(notdir $(FUZZ_SRC)))
FUZZ_REG   := $(B)/gen/fuzz_targets.c

C_TESTS  := $(wildcard tests/c/test_*.c) $(FUZZ_SRC) $(FUZZ_REG)
TEST_BIN := $(B)/test/unit
SAN_BIN  := $(B)/test-san/unit
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# The fuzz targets of readers written in Lua run the real lua/ modules: the tests link Lua
# 5.4 and the binding.
TEST_INC := -Isrc -Itests/fuzz $(LUA54_CFLAGS)
TEST_HDR := tests/c/check.h tests/c/worker_run.h tests/c/main.c $(wildcard tests/fuzz/*.h) $(wildcard src/*.h)

$(TEST_BIN): $(C_TESTS) $(TEST_HDR) $(LIB_SRC) $(LUA_SRC) $(HOST_SRC) $(TS_OBJ)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(OPT) $(TEST_INC) $(UV_CFLAGS) $(TS_CFLAGS) $(CRYPTO_USE) \
	  -o $@ tests/c/main.c $(C_TESTS) $(LIB_SRC) $(LUA_SRC) $(HOST_SRC) $(TS_OBJ) $(STATIC_LIBS) $(LUA54_LIBS) -lpthread

# The sanitized build compiles the generated parser too, so that it is checked as well.
$(SAN_BIN): $(C_TESTS) $(TEST_HDR) $(LIB_SRC) $(LUA_SRC) $(HOST_SRC) $(TS_SRC)
	@mkdir -p $(@D)
	$(CC) -std=c99 -O1 -g $(SAN) -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/parser.c -o $(B)/test-san/parser.o
	$(CC) -std=c99 -O1 -g $(SAN) -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/scanner.c -o $(B)/test-san/scanner.o
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) $(TEST_INC) $(UV_CFLAGS) $(TS_CFLAGS) $(CRYPTO_USE) \
	  -o $@ tests/c/main.c $(C_TESTS) $(LIB_SRC) $(LUA_SRC) $(HOST_SRC) $(B)/test-san/parser.o $(B)/test-san/scanner.o \
	  $(STATIC_LIBS) $(LUA54_LIBS) -lpthread

# The table of fuzz targets for the unit tests, rewritten only when the list changed.
$(FUZZ_REG): FORCE
	@mkdir -p $(@D)
	@{ echo '/* Generated by the Makefile from the files of tests/fuzz/: do not edit. */'; \
	  echo '#include <stddef.h>'; echo '#include <stdint.h>'; \
	  for t in $(FUZZ_NAMES); do echo "int stance_fuzz_$$t(const uint8_t *data, size_t size);"; done; \
	  echo 'typedef struct stance_fuzz_entry {'; \
	  echo '  const char *name;'; echo '  int (*fn)(const uint8_t *data, size_t size);'; \
	  echo '} stance_fuzz_entry;'; \
	  echo 'extern const stance_fuzz_entry stance_fuzz_targets[];'; \
	  echo 'const stance_fuzz_entry stance_fuzz_targets[] = {'; \
	  for t in $(FUZZ_NAMES); do echo "    {\"$$t\", stance_fuzz_$$t},"; done; \
	  echo '    {NULL, NULL}};'; } > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

.PHONY: FORCE
FORCE:

# test and demo first install what is missing, then build in a new make (which finds the
# libraries that deps just installed).
test:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all $(TEST_BIN) $(SAN_BIN) fuzz
	@tests/run all

test-c: $(TEST_BIN) $(SAN_BIN)
	@tests/run c

test-lua: all
	@tests/run lua

test-nvim: all
	@tests/run nvim

deps:
	@tests/deps.sh

demo:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all
	$(NVIM) -u doc/example/demo.lua doc/example/corpus/*.txt

bench: all
	@tests/bench/run

# ---- grammar ------------------------------------------------------------------------------

# The tree-sitter CLI: built from Debian's source package by grammars/build-cli.sh.
TREE_SITTER ?= $(firstword $(wildcard $(CURDIR)/.tools/bin/tree-sitter) $(shell command -v tree-sitter 2>/dev/null))

tree-sitter-cli:
	grammars/build-cli.sh

# Regenerate the parser from grammar.js (ABI 13: Neovim 0.7 reads no other) and fail if the
# committed one differed.
grammar:
	@test -n "$(TREE_SITTER)" || { echo "make grammar: no tree-sitter CLI (make tree-sitter-cli builds one)"; exit 1; }
	@rm -rf $(B)/grammar-before && mkdir -p $(B) && cp -r $(GRAMMAR)/src $(B)/grammar-before
	cd $(GRAMMAR) && $(TREE_SITTER) generate --abi 13 --no-bindings
	@diff -r $(B)/grammar-before $(GRAMMAR)/src >/dev/null || \
	  { echo "make grammar: the committed parser was stale; commit the regenerated $(GRAMMAR)/src"; exit 1; }
	@echo "make grammar: $(GRAMMAR)/src is up to date"

# ---- fuzzing --------------------------------------------------------------------------------

# libFuzzer builds of every target (clang), the library compiled once for all of them.
# `make test-fuzz` runs each target for FUZZ_SECONDS from its seeds and the corpus it grew
# before (build/fuzz/corpus/NAME); a crash leaves its input in build/fuzz/artifacts/, to be
# added to tests/fuzz/seeds/NAME/ once fixed. `make test` runs each briefly (tests/run fuzz).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) -DSTANCE_LIBFUZZER
FUZZ_OBJ     := $(call obj,fuzz,$(LIB_SRC) $(LUA_SRC)) $(B)/fuzz/obj/ts-parser.o $(B)/fuzz/obj/ts-scanner.o
FUZZ_BINS    := $(addprefix $(B)/fuzz/bin/,$(FUZZ_NAMES))

$(B)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(DEFS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(UV_CFLAGS) $(TS_CFLAGS) \
	  $(CRYPTO_USE) $(LUA54_CFLAGS) -MMD -MP -c $< -o $@

$(B)/fuzz/obj/ts-%.o: $(GRAMMAR)/src/%.c $(GRAMMAR)/src/tree_sitter/parser.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c99 $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -w -I$(GRAMMAR)/src -c $< -o $@

$(B)/fuzz/bin/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(WARN) $(DEFS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(TEST_INC) $(UV_CFLAGS) $(TS_CFLAGS) \
	  $(CRYPTO_USE) -o $@ $< $(FUZZ_OBJ) $(STATIC_LIBS) $(LUA54_LIBS) -lpthread

.SECONDARY: $(FUZZ_OBJ)
fuzz: $(FUZZ_BINS)

test-fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_NAMES)

# ---- install -----------------------------------------------------------------------------

# luarocks sets these three itself (see stance-scm-1.rockspec).
LUADIR  ?= $(DESTDIR)$(PREFIX)/share/lua/5.4
LIBDIR  ?= $(DESTDIR)$(PREFIX)/lib/lua/5.4
BINDIR  ?= $(DESTDIR)$(PREFIX)/bin

install: all
	install -d $(BINDIR) $(LIBDIR)/stance
	install -m 755 $(HOST) $(BINDIR)/stance
	install -m 755 $(MOD54) $(LIBDIR)/stance/core.so
	for f in $(LUA_FILES); do \
	  d=$(LUADIR)/$$(dirname $${f#lua/}); install -d $$d && install -m 644 $$f $$d/; done

uninstall:
	rm -f $(BINDIR)/stance $(LIBDIR)/stance/core.so
	rm -rf $(LUADIR)/stance
	-rmdir $(LIBDIR)/stance 2>/dev/null

clean:
	rm -rf $(B)
