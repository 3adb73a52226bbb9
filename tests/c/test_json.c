/* json.c: the reader's events and verdicts (offsets, depth, UTF-8, numbers as Lua reads
 * them), and the writer's strings and numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

/* A sink that writes what it is told as a compact trace: {  }  [  ]  k:KEY  s:STR  i:N
 * f:N  null true false, separated by spaces. */
typedef struct trace {
  stance_buf out;
  int fail_on_key; /* refuse the key "dup" (as the Lua builder refuses a key twice) */
} trace;

static int t_open(void *ud, int object, size_t offset, stance_json_error *err) {
  (void)offset;
  (void)err;
  stance_buf_adds(&((trace *)ud)->out, object ? "{ " : "[ ");
  return 0;
}
static int t_close(void *ud, int object, stance_json_error *err) {
  (void)err;
  stance_buf_adds(&((trace *)ud)->out, object ? "} " : "] ");
  return 0;
}
static int t_key(void *ud, const char *s, size_t len, size_t offset, stance_json_error *err) {
  trace *t = (trace *)ud;
  if (t->fail_on_key && len == 3 && memcmp(s, "dup", 3) == 0) {
    snprintf(err->message, sizeof err->message, "refused");
    err->offset = offset;
    return -1;
  }
  stance_buf_adds(&t->out, "k:");
  stance_buf_add(&t->out, s, len);
  stance_buf_addc(&t->out, ' ');
  return 0;
}
static int t_scalar(void *ud, const stance_json_scalar *v, size_t offset, stance_json_error *err) {
  stance_buf *b = &((trace *)ud)->out;
  (void)offset;
  (void)err;
  switch (v->type) {
  case STANCE_JSON_NULL: stance_buf_adds(b, "null"); break;
  case STANCE_JSON_TRUE: stance_buf_adds(b, "true"); break;
  case STANCE_JSON_FALSE: stance_buf_adds(b, "false"); break;
  case STANCE_JSON_INTEGER: stance_buf_addf(b, "i:%lld", v->integer); break;
  case STANCE_JSON_FLOAT: stance_buf_addf(b, "f:%.17g", v->number); break;
  case STANCE_JSON_STRING:
    stance_buf_adds(b, "s:");
    stance_buf_add(b, v->str, v->len);
    break;
  }
  stance_buf_addc(b, ' ');
  return 0;
}
static const stance_json_sink sink = {t_open, t_close, t_key, t_scalar};

/* Read `s` (n bytes, or strlen when n is (size_t)-1); the trace, or "E message @offset". */
static char *run(const char *s, size_t n, int refuse_dup) {
  trace t;
  stance_buf scratch;
  stance_json_error err;
  char *r;
  memset(&t, 0, sizeof t);
  stance_buf_init(&t.out);
  stance_buf_init(&scratch);
  t.fail_on_key = refuse_dup;
  if (n == (size_t)-1) n = strlen(s);
  if (stance_json_read(s, n, STANCE_JSON_MAX_DEPTH, &sink, &t, &scratch, &err) != 0) {
    t.out.len = 0;
    stance_buf_addf(&t.out, "E %s @%zu", err.message, err.offset);
  } else if (t.out.len > 0) {
    t.out.len--; /* the last space */
    t.out.data[t.out.len] = '\0';
  }
  stance_buf_free(&scratch);
  r = t.out.data != NULL ? t.out.data : calloc(1, 1);
  CHECK(r != NULL);
  return r;
}

#define EXPECT(input, expected) \
  do { \
    char *got_ = run((input), (size_t)-1, 0); \
    CHECK_STR(got_, (expected)); \
    free(got_); \
  } while (0)

static void json_reads_values_in_order(void) {
  EXPECT("{\"a\": [1, -2.5, true, false, null], \"b\": {\"c\": \"x\\ny\"}}",
         "{ k:a [ i:1 f:-2.5 true false null ] k:b { k:c s:x\ny } }");
  EXPECT("  [ ] ", "[ ]");
  EXPECT("{}", "{ }");
  EXPECT("\"\\u00e9\\ud83d\\ude42\\/\"", "s:\xc3\xa9\xf0\x9f\x99\x82/");
  EXPECT("\"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80\"", "s:caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80");
}

static void json_reads_numbers_as_lua_does(void) {
  EXPECT("9223372036854775807", "i:9223372036854775807");
  EXPECT("-9223372036854775808", "i:-9223372036854775808");
  EXPECT("9223372036854775808", "f:9.2233720368547758e+18"); /* past the integers: a float */
  EXPECT("-0", "i:0");
  EXPECT("1.", "f:1");
  EXPECT("1.e2", "f:100");
  EXPECT("0.5", "f:0.5");
  EXPECT("1E+2", "f:100");
  EXPECT("01", "E bad number 01 @0");
  EXPECT("[1e999]", "E number out of range 1e999 @1");
  EXPECT("1e", "E bad number 1e @0");
  EXPECT("1-2", "E bad number 1-2 @0");
  EXPECT("-", "E unexpected character '-' @0");
}

static void json_refuses_with_the_offset(void) {
  EXPECT("{\"a\":1,}", "E expected a string key @7");
  EXPECT("[1 2]", "E expected ',' or ']' @3");
  EXPECT("{\"a\" 1}", "E expected ':' @5");
  EXPECT("\"abc", "E unterminated string @0");
  EXPECT("tru", "E unexpected character 't' @0");
  EXPECT("{} x", "E trailing characters @3");
  EXPECT("", "E unexpected end of input @0");
  EXPECT("[1,", "E unexpected end of input @3");
  EXPECT("[1", "E expected ',' or ']' @2");
  EXPECT("\"a\\x\"", "E bad escape \\x @2");
  EXPECT("\"a\\", "E bad escape \\ @2");
  EXPECT("\"\\u12g4\"", "E bad \\u escape @1");
  EXPECT("\"a\tb\"", "E control character in string @2");
  EXPECT("\"a\x7f\"", "E control character in string @2");
}

static void json_refuses_hostile_strings(void) {
  EXPECT("\"\\ud83d\"", "E lone surrogate @1");
  EXPECT("\"\\ud83d\\u0041\"", "E lone surrogate @1");
  EXPECT("\"x\\ude42\"", "E lone surrogate @2");
  EXPECT("\"ab\xff\"", "E invalid UTF-8 in a string @3");
  EXPECT("\"\xc0\xaf\"", "E invalid UTF-8 in a string @1");         /* overlong '/' */
  EXPECT("\"\xe0\x80\xaf\"", "E invalid UTF-8 in a string @1");     /* overlong */
  EXPECT("\"\xed\xa0\x80\"", "E invalid UTF-8 in a string @1");     /* a surrogate */
  EXPECT("\"\xf4\x90\x80\x80\"", "E invalid UTF-8 in a string @1"); /* past U+10FFFF */
  EXPECT("\"\xc3(\"", "E invalid UTF-8 in a string @1");
  EXPECT("\"\xe2\x82", "E unterminated string @0");
  {
    char *got = run("\"a\0b\"", 5, 0); /* a raw NUL is a control character */
    CHECK_STR(got, "E control character in string @2");
    free(got);
    got = run("\"a\\u0000b\"", (size_t)-1, 0); /* an escaped one is text */
    CHECK(memcmp(got, "s:a\0b", 5) == 0);
    free(got);
  }
}

static void json_limits_nesting(void) {
  size_t n = STANCE_JSON_MAX_DEPTH + 2, i;
  char *s = malloc(2 * n + 1), *got;
  CHECK(s != NULL);
  for (i = 0; i < n; i++) {
    s[i] = '[';
    s[n + i] = ']';
  }
  s[2 * n] = '\0';
  got = run(s, (size_t)-1, 0);
  CHECK_STR(got, "E nesting too deep @201");
  free(got);
  /* as deep as allowed reads */
  got = run(s + 1, 2 * n - 2, 0);
  CHECK(got[0] == '[');
  free(got);
  free(s);
}

static void json_stops_where_the_sink_refuses(void) {
  char *got = run("{\"a\": 1, \"dup\": 2}", (size_t)-1, 1);
  CHECK_STR(got, "E refused @9");
  free(got);
}

static void json_writes_strings_and_numbers(void) {
  stance_buf b;
  stance_buf_init(&b);
  stance_json_put_string(&b, "a\"b\\c\n\t\x01\x7f\xc3\xa9", 11);
  CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\xc3\xa9\"");
  b.len = 0;
  CHECK_INT(stance_json_put_number(&b, 0.5), 0);
  stance_buf_addc(&b, ' ');
  CHECK_INT(stance_json_put_number(&b, 3.0), 0);
  stance_buf_addc(&b, ' ');
  CHECK_INT(stance_json_put_number(&b, -0.0), 0);
  stance_buf_addc(&b, ' ');
  CHECK_INT(stance_json_put_number(&b, 1e300), 0);
  stance_buf_addc(&b, ' ');
  stance_json_put_integer(&b, 42);
  stance_buf_addc(&b, ' ');
  stance_json_put_integer(&b, 9007199254740993LL);
  CHECK_STR(b.data, "0.5 3 0 1.0000000000000001e+300 42 9007199254740992");
  b.len = 0;
  b.data[0] = '\0';
  CHECK_INT(stance_json_put_number(&b, 1.0 / 0.0), -1);
  CHECK_INT(b.len, 0);
  stance_buf_free(&b);
}

const test_case json_tests[] = {
    {"json_reads_values_in_order", json_reads_values_in_order},
    {"json_reads_numbers_as_lua_does", json_reads_numbers_as_lua_does},
    {"json_refuses_with_the_offset", json_refuses_with_the_offset},
    {"json_refuses_hostile_strings", json_refuses_hostile_strings},
    {"json_limits_nesting", json_limits_nesting},
    {"json_stops_where_the_sink_refuses", json_stops_where_the_sink_refuses},
    {"json_writes_strings_and_numbers", json_writes_strings_and_numbers},
    {NULL, NULL}};
