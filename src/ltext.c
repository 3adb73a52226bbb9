/*
 * ltext.c - Lua binding of the text model: stance.core.text(s), tokenize, fold.
 *
 * Offsets are 0-based, ends exclusive; lines are 0-based here too (the corpus API in Lua
 * makes them 1-based where people read them).
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "lcore.h"
#include "text.h"

#define TEXT_MT "stance.text"

typedef struct ltext {
  stance_text *t;
} ltext;

static stance_text *check_text(lua_State *L) {
  ltext *lt = luaL_checkudata(L, 1, TEXT_MT);
  if (lt->t == NULL) luaL_argerror(L, 1, "the text is closed");
  return lt->t;
}

const stance_text *stance__check_text(lua_State *L, int i) {
  ltext *lt = luaL_checkudata(L, i, TEXT_MT);
  if (lt->t == NULL) luaL_argerror(L, i, "the text is closed");
  return lt->t;
}

static size_t check_offset(lua_State *L, int i, size_t max) {
  lua_Integer v = luaL_checkinteger(L, i);
  if (v < 0 || (size_t)v > max) luaL_argerror(L, i, "offset out of range");
  return (size_t)v;
}

static int t_len(lua_State *L) {
  size_t n;
  stance_text_bytes(check_text(L), &n);
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

static int t_cps(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_text_cps(check_text(L)));
  return 1;
}

static int t_lines(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_text_lines(check_text(L)));
  return 1;
}

/* invalid() -> number of bytes that are not UTF-8, offset of the first (or nil) */
static int t_invalid(lua_State *L) {
  size_t first, n = stance_text_invalid(check_text(L), &first);
  lua_pushinteger(L, (lua_Integer)n);
  if (n == 0) return 1;
  lua_pushinteger(L, (lua_Integer)first);
  return 2;
}

static int t_byte_to_cp(lua_State *L) {
  stance_text *t = check_text(L);
  size_t len;
  stance_text_bytes(t, &len);
  lua_pushinteger(L, (lua_Integer)stance_text_byte_to_cp(t, check_offset(L, 2, len)));
  return 1;
}

static int t_cp_to_byte(lua_State *L) {
  stance_text *t = check_text(L);
  lua_pushinteger(L, (lua_Integer)stance_text_cp_to_byte(t, check_offset(L, 2, stance_text_cps(t))));
  return 1;
}

/* pos(byte) -> line, column in bytes, column in code points (all 0-based) */
static int t_pos(lua_State *L) {
  stance_text *t = check_text(L);
  size_t len, cb, cc;
  uint32_t line;
  stance_text_bytes(t, &len);
  stance_text_pos(t, check_offset(L, 2, len), &line, &cb, &cc);
  lua_pushinteger(L, line);
  lua_pushinteger(L, (lua_Integer)cb);
  lua_pushinteger(L, (lua_Integer)cc);
  return 3;
}

/* line(l) -> start byte, end byte of its content, the content */
static int t_line(lua_State *L) {
  stance_text *t = check_text(L);
  lua_Integer l = luaL_checkinteger(L, 2);
  size_t a, b, len;
  const char *s = stance_text_bytes(t, &len);
  if (l < 0 || l >= (lua_Integer)stance_text_lines(t)) return 0;
  a = stance_text_line_start(t, (uint32_t)l);
  b = stance_text_line_end(t, (uint32_t)l);
  lua_pushinteger(L, (lua_Integer)a);
  lua_pushinteger(L, (lua_Integer)b);
  lua_pushlstring(L, s + a, b - a);
  return 3;
}

/* sub(a, b) -> the bytes [a, b) */
static int t_sub(lua_State *L) {
  stance_text *t = check_text(L);
  size_t len;
  const char *s = stance_text_bytes(t, &len);
  size_t a = check_offset(L, 2, len), b = check_offset(L, 3, len);
  lua_pushlstring(L, s + a, b > a ? b - a : 0);
  return 1;
}

typedef struct spans_out {
  lua_State *L;
  stance_text *t;
  int n;
} spans_out;

/* Push {start, stop, cp_start, cp_stop} for a span in bytes. */
static int span_cb(void *ud, size_t a, size_t b) {
  spans_out *o = ud;
  lua_State *L = o->L;
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)a);
  lua_setfield(L, -2, "start");
  lua_pushinteger(L, (lua_Integer)b);
  lua_setfield(L, -2, "stop");
  lua_pushinteger(L, (lua_Integer)stance_text_byte_to_cp(o->t, a));
  lua_setfield(L, -2, "cp_start");
  lua_pushinteger(L, (lua_Integer)stance_text_byte_to_cp(o->t, b));
  lua_setfield(L, -2, "cp_stop");
  lua_rawseti(L, -2, ++o->n);
  return 0;
}

/* sentences([unit]): the units of the text, sentences ("sentence", the default) or lines
 * ("line": a schema's `unit line`) */
static int t_sentences(lua_State *L) {
  static const char *const units[] = {"sentence", "line", NULL};
  stance_text *t = check_text(L);
  int unit = luaL_checkoption(L, 2, "sentence", units);
  size_t len;
  const char *s = stance_text_bytes(t, &len);
  spans_out o = {L, t, 0};
  lua_newtable(L);
  stance_units(s, len, unit == 1 ? STANCE_UNIT_LINE : STANCE_UNIT_SENTENCE, span_cb, &o);
  return 1;
}

static int t_paragraphs(lua_State *L) {
  stance_text *t = check_text(L);
  size_t len;
  const char *s = stance_text_bytes(t, &len);
  spans_out o = {L, t, 0};
  lua_newtable(L);
  stance_paragraphs(s, len, span_cb, &o);
  return 1;
}

typedef struct words_out {
  lua_State *L;
  int n;
  uint32_t pos;
} words_out;

static int word_cb(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  words_out *o = ud;
  lua_State *L = o->L;
  if (o->n > 0) o->pos += broken ? 2 : 1;
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)start);
  lua_setfield(L, -2, "start");
  lua_pushinteger(L, (lua_Integer)end);
  lua_setfield(L, -2, "stop");
  lua_pushlstring(L, folded, n);
  lua_setfield(L, -2, "word");
  lua_pushinteger(L, o->pos);
  lua_setfield(L, -2, "pos");
  lua_rawseti(L, -2, ++o->n);
  return 0;
}

/* words() -> { {start, stop, word (folded), pos}, ... } */
static int t_words(lua_State *L) {
  stance_text *t = check_text(L);
  size_t len;
  const char *s = stance_text_bytes(t, &len);
  words_out o = {L, 0, 0};
  lua_newtable(L);
  if (stance_tokenize(s, len, word_cb, &o) < 0) return luaL_error(L, "out of memory");
  return 1;
}

static int t_close(lua_State *L) {
  ltext *lt = luaL_checkudata(L, 1, TEXT_MT);
  stance_text_free(lt->t);
  lt->t = NULL;
  return 0;
}

static int t_tostring(lua_State *L) {
  ltext *lt = luaL_checkudata(L, 1, TEXT_MT);
  if (lt->t == NULL)
    lua_pushstring(L, "stance.text (closed)");
  else
    lua_pushfstring(L, "stance.text (%d code points, %d lines)", (int)stance_text_cps(lt->t),
                    (int)stance_text_lines(lt->t));
  return 1;
}

static int l_text(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  ltext *lt = lua_newuserdata(L, sizeof *lt);
  lt->t = stance_text_new(s, len);
  if (lt->t == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  stance__setclass(L, TEXT_MT);
  return 1;
}

/* tokenize(s) -> folded words */
static int l_tokenize(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  words_out o = {L, 0, 0};
  lua_newtable(L);
  if (stance_tokenize(s, len, word_cb, &o) < 0) return luaL_error(L, "out of memory");
  return 1;
}

static int l_fold(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char *out = malloc(2 * len + 4);
  size_t n;
  if (out == NULL) return luaL_error(L, "out of memory");
  n = stance_fold(s, len, out);
  lua_pushlstring(L, out, n);
  free(out);
  return 1;
}

static const luaL_Reg text_meta[] = {{"__gc", t_close}, {"__tostring", t_tostring}, {NULL, NULL}};
static const luaL_Reg text_methods[] = {
    {"len", t_len},         {"cps", t_cps},           {"lines", t_lines},
    {"invalid", t_invalid}, {"byte_to_cp", t_byte_to_cp}, {"cp_to_byte", t_cp_to_byte},
    {"pos", t_pos},         {"line", t_line},         {"sub", t_sub},
    {"sentences", t_sentences}, {"paragraphs", t_paragraphs}, {"words", t_words},
    {"close", t_close},     {NULL, NULL}};
static const luaL_Reg funcs[] = {
    {"text", l_text}, {"tokenize", l_tokenize}, {"fold", l_fold}, {NULL, NULL}};

void stance__open_text(lua_State *L) {
  stance__newclass(L, TEXT_MT, text_meta, text_methods);
  luaL_setfuncs(L, funcs, 0);
}
