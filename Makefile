# stance.nvim - build, test, bench, install.
#
#   make              the C module for Lua 5.1/LuaJIT and 5.4, and build/bin/stance
#   make test         every suite; ends with "N passed, M failed" (the Neovim suites on
#                     nvim and on each ../shared/nvim/*/bin/nvim: see README, Tests)
#   make test-nvim    the Neovim suites alone (NVIM=path: on that Neovim only)
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

WARN     := -std=c99 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_DARWIN_C_SOURCE
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
ALL_CFLAGS = $(WARN) $(DEFS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP \
             $(UV_CFLAGS) $(TS_CFLAGS) $(CRYPTO_CFLAGS)

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
STATIC_LIBS = $(TS_LIBS) $(UV_LIBS) $(CRYPTO_LIBS) -lm
MOD_LIBS    = $(TS_LIBS) $(MOD_UV_LIBS) $(CRYPTO_LIBS) -lm

# The library proper (no Lua) and its Lua binding.
LIB_SRC  := src/modeljob.c src/load.c src/cuejob.c src/textfeat.c src/linear.c src/model.c src/cues.c src/snapshot.c src/frame.c src/job.c src/worker.c src/walk.c src/hash.c src/hashjob.c src/buf.c src/markup.c \
            src/syntaxdump.c src/arena.c src/store.c src/problems.c src/reader.c src/writer.c \
            src/atomic.c src/text.c src/segment.c src/index.c src/builder.c src/query.c src/indexjob.c \
            src/indexfile.c
LUA_SRC  := src/lload.c src/core.c src/lworker.c src/lfs.c src/lstore.c src/ltext.c src/lindex.c src/lframe.c src/lcues.c src/lmodel.c
MOD_SRC  := $(LIB_SRC) $(LUA_SRC) src/uvshim.c
GRAMMAR  := grammars/tree-sitter-stance
TS_SRC   := $(GRAMMAR)/src/parser.c $(GRAMMAR)/src/scanner.c
TS_OBJ   := $(B)/grammar/parser.o $(B)/grammar/scanner.o
PARSER   := $(B)/parser/stance.so
MOD51    := $(B)/5.1/stance/core.so
MOD54    := $(B)/5.4/stance/core.so
HOST     := $(B)/bin/stance
LUA_FILES = $(shell find lua -name '*.lua' | sort)

obj = $(patsubst src/%.c,$(B)/$(1)/obj/%.o,$(2))

.PHONY: all deps test test-c test-lua test-nvim demo bench install uninstall clean grammar \
        tree-sitter-cli test-fuzz doc
all: $(MOD51) $(MOD54) $(HOST) $(PARSER) doc/tags

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

# The executable links the same objects and the untouched archives (no shim needed).
$(HOST): $(call obj,host,$(LIB_SRC) $(LUA_SRC) src/host.c) $(TS_OBJ)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(HIDE) $(STATIC_LIBS) $(LUA54_LIBS) $(LDFLAGS)

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

C_TESTS  := $(wildcard tests/c/test_*.c) tests/fuzz/reader.c
TEST_BIN := $(B)/test/unit
SAN_BIN  := $(B)/test-san/unit
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(TEST_BIN): $(C_TESTS) tests/c/check.h tests/c/main.c $(LIB_SRC) $(wildcard src/*.h) $(TS_OBJ)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(DEFS) $(OPT) -Isrc $(UV_CFLAGS) $(TS_CFLAGS) $(CRYPTO_CFLAGS) \
	  -o $@ tests/c/main.c $(C_TESTS) $(LIB_SRC) $(TS_OBJ) $(STATIC_LIBS) -lpthread

# The sanitized build compiles the generated parser too, so that it is checked as well.
$(SAN_BIN): $(C_TESTS) tests/c/check.h tests/c/main.c $(LIB_SRC) $(wildcard src/*.h) $(TS_SRC)
	@mkdir -p $(@D)
	$(CC) -std=c99 -O1 -g $(SAN) -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/parser.c -o $(B)/test-san/parser.o
	$(CC) -std=c99 -O1 -g $(SAN) -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/scanner.c -o $(B)/test-san/scanner.o
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) -Isrc $(UV_CFLAGS) $(TS_CFLAGS) $(CRYPTO_CFLAGS) \
	  -o $@ tests/c/main.c $(C_TESTS) $(LIB_SRC) $(B)/test-san/parser.o $(B)/test-san/scanner.o \
	  $(STATIC_LIBS) -lpthread

# test and demo first install what is missing, then build in a new make (which finds the
# libraries that deps just installed).
test:
	@tests/deps.sh
	@$(MAKE) --no-print-directory all $(TEST_BIN) $(SAN_BIN)
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

FUZZ_SECONDS ?= 60
FUZZ_BIN := $(B)/fuzz/reader
FUZZ_MODEL := $(B)/fuzz/model
$(FUZZ_BIN): tests/fuzz/reader.c $(LIB_SRC) $(TS_SRC) $(wildcard src/*.h)
	@mkdir -p $(@D)
	clang -std=c99 -O1 -g -fsanitize=fuzzer,address,undefined -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/parser.c -o $(B)/fuzz/parser.o
	clang -std=c99 -O1 -g -fsanitize=fuzzer,address,undefined -w -I$(GRAMMAR)/src -c $(GRAMMAR)/src/scanner.c -o $(B)/fuzz/scanner.o
	clang $(WARN) $(DEFS) -O1 -g -fsanitize=fuzzer,address,undefined -Isrc $(UV_CFLAGS) $(TS_CFLAGS) \
	  $(CRYPTO_CFLAGS) -o $@ tests/fuzz/reader.c $(LIB_SRC) $(B)/fuzz/parser.o $(B)/fuzz/scanner.o \
	  $(STATIC_LIBS) -lpthread

# The model's reading of any text (features, sentences, predictions): no grammar needed.
$(FUZZ_MODEL): tests/fuzz/model.c $(LIB_SRC) $(TS_SRC) $(wildcard src/*.h)
	@mkdir -p $(@D)
	clang $(WARN) $(DEFS) -O1 -g -fsanitize=fuzzer,address,undefined -Isrc $(UV_CFLAGS) $(TS_CFLAGS) \
	  $(CRYPTO_CFLAGS) -o $@ tests/fuzz/model.c $(LIB_SRC) $(TS_OBJ) $(STATIC_LIBS) -lpthread

# A short run of each target from its seeds; a crash leaves its input in $(B)/fuzz/ to become a
# test.
test-fuzz: $(FUZZ_BIN) $(FUZZ_MODEL)
	@mkdir -p $(B)/fuzz/corpus $(B)/fuzz/corpus-model
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=$(B)/fuzz/ \
	  $(B)/fuzz/corpus tests/fuzz/seeds
	$(FUZZ_MODEL) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -artifact_prefix=$(B)/fuzz/model- \
	  $(B)/fuzz/corpus-model tests/fuzz/seeds

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
