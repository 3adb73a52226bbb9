/*
 * json.h - a strict JSON reader and the pieces of a deterministic writer (lua/stance/json.lua
 * is their Lua face; src/ljson.c builds Lua values with them).
 *
 * The reader walks one JSON text and tells a sink what it finds (containers, keys,
 * scalars), in document order. It accepts what the former Lua decoder accepted (numbers
 * as Lua's tonumber reads them: "1." and "1.e5" too; "\u0000" in strings) and refuses, with
 * a message and the 0-based byte offset where the trouble is:
 *   - nesting deeper than `max_depth`;
 *   - strings holding invalid UTF-8 (overlong forms, surrogates, past U+10FFFF, truncated),
 *     raw control characters (U+0000-U+001F, U+007F) and unpaired \u surrogates;
 *   - numbers that are not numbers, have a leading zero, or are out of range (1e999);
 *   - anything after the value.
 * A duplicated key is the sink's to refuse (it holds the object).
 */
#ifndef STANCE_JSON_H
#define STANCE_JSON_H

#include <stddef.h>

#include "buf.h"

#define STANCE_JSON_MAX_DEPTH 200

typedef enum stance_json_type {
  STANCE_JSON_NULL,
  STANCE_JSON_TRUE,
  STANCE_JSON_FALSE,
  STANCE_JSON_INTEGER, /* `integer`: fits in a long long, no '.' nor exponent */
  STANCE_JSON_FLOAT,   /* `number` */
  STANCE_JSON_STRING   /* `str`, `len`: the decoded bytes (valid during the call) */
} stance_json_type;

typedef struct stance_json_scalar {
  stance_json_type type;
  const char *str;
  size_t len;
  long long integer;
  double number;
} stance_json_scalar;

typedef struct stance_json_error {
  char message[128];
  size_t offset; /* 0-based byte offset in the text */
} stance_json_error;

/* What the reader found. Each callback returns 0, or -1 to stop the reading after filling
 * `err` (the reader then returns -1 with it). */
typedef struct stance_json_sink {
  /* An object (`object` 1) or an array starts at byte `offset`. */
  int (*open)(void *ud, int object, size_t offset, stance_json_error *err);
  /* The container opened last is complete. */
  int (*close)(void *ud, int object, stance_json_error *err);
  /* A key of the object opened last (`offset`: its opening quote); its value follows. */
  int (*key)(void *ud, const char *s, size_t len, size_t offset, stance_json_error *err);
  int (*scalar)(void *ud, const stance_json_scalar *v, size_t offset, stance_json_error *err);
} stance_json_sink;

/* Read the JSON text `s` (`len` bytes) into `sink`. `scratch` holds decoded strings (the
 * caller frees it). Returns 0, or -1 with `err` filled. */
int stance_json_read(const char *s, size_t len, int max_depth, const stance_json_sink *sink, void *ud,
                     stance_buf *scratch, stance_json_error *err);

/* Append `s` as a JSON string: '"', the bytes as they are but '"', '\\' and the control
 * characters (U+0000-U+001F, U+007F: \b \f \n \r \t, else \u00XX), and each byte that
 * starts no well-formed UTF-8 sequence (JSON is UTF-8) as U+FFFD, '"'. Returns how many bytes
 * were so replaced. */
size_t stance_json_put_string(stance_buf *b, const char *s, size_t len);
/* Append a number as the former Lua encoder wrote it: a whole number below 2^53 in
 * magnitude as an integer ("%d"), else "%.17g". Returns -1 (nothing appended) for NaN and
 * infinities. */
int stance_json_put_number(stance_buf *b, double v);
/* Append an integer: "%lld" below 2^53 in magnitude (and the smallest long long), else
 * as the float it is nearest to ("%.17g"). */
void stance_json_put_integer(stance_buf *b, long long v);

#endif
