/*
 * store_text.h - for the fuzz targets whose property is a round trip through an annotation
 * file's text (snapshot, layercache): a store as the writer writes it.
 */
#ifndef STANCE_FUZZ_STORE_TEXT_H
#define STANCE_FUZZ_STORE_TEXT_H

#include <stddef.h>

#include "buf.h"
#include "reader.h"
#include "store.h"

/* The text stance_write gives for `s` (malloc'd, *len bytes), or NULL out of memory. */
static inline char *fuzz_store_text(const stance_store *s, size_t *len) {
  stance_buf b;
  stance_buf_init(&b);
  stance_write(s, &b);
  *len = b.len;
  if (b.oom) {
    stance_buf_free(&b);
    return NULL;
  }
  return b.data;
}

#endif
