/*
 * writer.c - the canonical text of an annotation file (see reader.h, doc/format.md).
 *
 *   [comments]
 *   format stance 1
 *
 *   document "path"           hash, annotator, status, then attributes kept as written
 *
 *   doclabel ID ...           by ID
 *   annotation ID ...         by first span (start, end), then ID
 *   relation ID ...           by ID
 *   [comments]
 *
 * One blank line between records; fields in the order of stance_field; names as bare
 * words when they can be, texts (paths, quotes, notes) always quoted; a note with several
 * lines as `| ` lines when that spells it exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "markup.h"
#include "reader.h"

static void quoted(stance_buf *b, const char *s) {
  size_t len = strlen(s);
  char *p = stance_buf_reserve(b, 4 * len + 2);
  if (p == NULL) return;
  b->len += stance_markup_quote(s, len, p);
  b->data[b->len] = '\0';
}

static void word_or_quoted(stance_buf *b, const char *s) {
  if (stance_markup_is_word(s, strlen(s)))
    stance_buf_adds(b, s);
  else
    quoted(b, s);
}

/* Lines of `text`, each prefixed with `indent`. */
static void indented(stance_buf *b, const char *text, const char *indent) {
  while (text != NULL && *text) {
    const char *nl = strchr(text, '\n');
    size_t n = nl ? (size_t)(nl - text) : strlen(text);
    stance_buf_adds(b, indent);
    stance_buf_add(b, text, n);
    stance_buf_addc(b, '\n');
    text += n + (nl != NULL);
  }
}

/* Whether a multi-line note reads back exactly from `| ` lines: no line may end in a
 * blank, and nothing may need an escape. */
static int note_as_lines(const char *s) {
  const char *line = s;
  if (strchr(s, '\n') == NULL) return 0;
  for (;; s++) {
    if (*s == '\n' || *s == '\0') {
      if (s > line && (s[-1] == ' ' || s[-1] == '\t')) return 0;
      if (*s == '\0') return 1;
      line = s + 1;
      continue;
    }
    if ((unsigned char)*s < 0x20 && *s != '\t') return 0;
    if (*s == 0x7f) return 0;
    if ((unsigned char)*s >= 0x80) {
      int n = stance_utf8_valid_at((const unsigned char *)s, strlen(s));
      if (n == 0) return 0;
      s += n - 1;
    }
  }
}

static void write_note(stance_buf *b, const char *note) {
  if (!note_as_lines(note)) {
    stance_buf_adds(b, "  note ");
    quoted(b, note);
    stance_buf_addc(b, '\n');
    return;
  }
  stance_buf_adds(b, "  note\n");
  for (;;) {
    const char *nl = strchr(note, '\n');
    size_t n = nl ? (size_t)(nl - note) : strlen(note);
    stance_buf_adds(b, n ? "    | " : "    |");
    stance_buf_add(b, note, n);
    stance_buf_addc(b, '\n');
    if (nl == NULL) break;
    note = nl + 1;
  }
}

/* a += b, saturating (a record that big cannot be reserved: the buffer says out of memory). */
static size_t plus(size_t a, size_t b) { return b > (size_t)-1 - a ? (size_t)-1 : a + b; }

/* Room a value of `len` bytes takes written: quoted, up to 4 bytes per byte, the quotes and
 * the line's end. */
static size_t room(size_t len) { return len > ((size_t)-1 - 8) / 4 ? (size_t)-1 : 4 * len + 8; }

/* `n` bytes at p, moved past them. */
static char *put(char *p, const char *s, size_t n) {
  memcpy(p, s, n);
  return p + n;
}

static char *put_uint(char *p, uint32_t v) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

/* A value at p: a bare word when `word` and it can be one, else quoted. */
static char *put_value(char *p, const char *s, size_t len, int word) {
  if (word && stance_markup_is_word(s, len)) return put(p, s, len);
  return p + stance_markup_quote(s, len, p);
}

/* The record's lines from its kind to its fields (the note aside) are written in place, into
 * room reserved once for them (what they can take at most). */
static void write_record(stance_buf *b, const stance_rec *r, stance_conv conv, void *ud) {
  size_t lens[STANCE_F_COUNT], idlen = strlen(r->id), need, comments = r->comments ? strlen(r->comments) : 0;
  const char *kind = stance_rec_kind_name(r->kind);
  uint32_t i;
  int f;
  char *p;
  /* '\n', comments, kind, ' ', the ID, "  span" and " START-END" per span */
  need = plus(plus(comments, strlen(kind) + 8), room(idlen));
  if (r->kind == STANCE_REC_ANNOTATION) need = plus(need, 8 + (size_t)r->nspans * 24);
  for (f = 0; f < STANCE_F_COUNT; f++) {
    lens[f] = r->f[f] != NULL ? strlen(r->f[f]) : 0;
    if (r->f[f] != NULL && f != STANCE_F_NOTE) need = plus(need, plus(room(lens[f]), 16));
  }
  if ((p = stance_buf_reserve(b, need)) == NULL) return;
  *p++ = '\n';
  if (comments) p = put(p, r->comments, comments);
  p = put(p, kind, strlen(kind));
  *p++ = ' ';
  p = put_value(p, r->id, idlen, 1);
  *p++ = '\n';
  if (r->kind == STANCE_REC_ANNOTATION) {
    int as_is = conv == NULL || r->orphan;
    p = put(p, "  span", 6);
    for (i = 0; i < r->nspans; i++) {
      *p++ = ' ';
      p = put_uint(p, as_is ? r->spans[i].start : conv(ud, r->spans[i].start));
      *p++ = '-';
      p = put_uint(p, as_is ? r->spans[i].end : conv(ud, r->spans[i].end));
    }
    *p++ = '\n';
  }
  for (f = 0; f < STANCE_F_COUNT; f++) {
    const char *v = r->f[f], *name;
    if (v == NULL) continue;
    if (f == STANCE_F_NOTE) {
      /* (its room was not reserved: what follows it is, again) */
      b->len = (size_t)(p - b->data);
      b->data[b->len] = '\0';
      write_note(b, v);
      if ((p = stance_buf_reserve(b, need)) == NULL) return;
      continue;
    }
    name = stance_field_name((stance_field)f);
    *p++ = ' ';
    *p++ = ' ';
    p = put(p, name, strlen(name));
    *p++ = ' ';
    p = put_value(p, v, lens[f], !(f == STANCE_F_QUOTE || f == STANCE_F_PREFIX || f == STANCE_F_SUFFIX));
    *p++ = '\n';
  }
  b->len = (size_t)(p - b->data);
  b->data[b->len] = '\0';
  indented(b, r->extras, "  ");
  indented(b, r->inner, "  ");
}

int stance_write_one(const stance_store *s, const stance_rec *r, stance_buf *out, stance_conv conv, void *ud) {
  if (stance_store_get_text(s, STANCE_T_TAIL) != NULL) return STANCE_EINVAL;
  write_record(out, r, conv, ud);
  return out->oom ? STANCE_ENOMEM : STANCE_OK;
}

int stance_write(const stance_store *s, stance_buf *out) {
  return stance_write_conv(s, out, NULL, NULL);
}

/* Is an annotation of `s` an orphan (its text not found in the document)? */
/* Whether the file records no hash: it holds an orphan, and no annotation without a quote
 * (placed by its offsets alone: they count in the recorded hash's text, and without it a
 * change of the document could no longer be known, doc/format.md 8.3). */
static int drops_hash(const stance_store *s) {
  uint32_t i, slots = stance_store_slots(s);
  int orphan = 0;
  for (i = 0; i < slots; i++) {
    const stance_rec *r = stance_store_at(s, i);
    if (r->dead || r->kind != STANCE_REC_ANNOTATION) continue;
    if (r->orphan) orphan = 1;
    else if (r->f[STANCE_F_QUOTE] == NULL) return 0;
  }
  return orphan;
}

int stance_write_conv(const stance_store *s, stance_buf *out, stance_conv conv, void *ud) {
  const char *doc = stance_store_get_header(s, STANCE_H_DOCUMENT);
  uint32_t n, i, *order;
  const char *t;
  /* The text is about the size of the strings held, plus the syntax around them. */
  stance_buf_reserve(out, stance_store_memory(s) + 4096);
  if ((t = stance_store_get_text(s, STANCE_T_HEAD)) != NULL) stance_buf_adds(out, t);
  stance_buf_adds(out, "format stance 1\n");
  if (doc != NULL) {
    /* The hash says which text every offset counts in: an orphan's offsets count in none
     * (its text is gone), so a file holding one records no hash, and every reader checks
     * each quote against the document instead of trusting the offsets; unless it holds an
     * annotation without a quote, whose offsets count in the hash's text (drops_hash). */
    const char *hash = drops_hash(s) ? NULL : stance_store_get_header(s, STANCE_H_HASH);
    const char *who = stance_store_get_header(s, STANCE_H_ANNOTATOR);
    const char *status = stance_store_get_header(s, STANCE_H_STATUS);
    stance_buf_addc(out, '\n');
    if ((t = stance_store_get_text(s, STANCE_T_DOC_COMMENTS)) != NULL) stance_buf_adds(out, t);
    stance_buf_adds(out, "document ");
    quoted(out, doc);
    stance_buf_addc(out, '\n');
    if (hash) {
      stance_buf_adds(out, "  hash ");
      word_or_quoted(out, hash);
      stance_buf_addc(out, '\n');
    }
    if (who) {
      stance_buf_adds(out, "  annotator ");
      word_or_quoted(out, who);
      stance_buf_addc(out, '\n');
    }
    if (status) {
      stance_buf_adds(out, "  status ");
      word_or_quoted(out, status);
      stance_buf_addc(out, '\n');
    }
    indented(out, stance_store_get_text(s, STANCE_T_DOC_EXTRAS), "  ");
    indented(out, stance_store_get_text(s, STANCE_T_DOC_INNER), "  ");
  }
  order = stance_store_sorted_conv(s, &n, conv, ud);
  if (order == NULL) return STANCE_ENOMEM;
  for (i = 0; i < n; i++) {
#if defined(__GNUC__)
    /* (records in the order of the file are all over the store when added in another: the
     * record a few ahead, and the strings of the next, on their way to the cache) */
    if (i + 8 < n) __builtin_prefetch(stance_store_at(s, order[i + 8]));
    if (i + 1 < n) {
      const stance_rec *next = stance_store_at(s, order[i + 1]);
      int f;
      __builtin_prefetch(next->id);
      for (f = 0; f < STANCE_F_COUNT; f++)
        if (next->f[f] != NULL) __builtin_prefetch(next->f[f]);
    }
#endif
    write_record(out, stance_store_at(s, order[i]), conv, ud);
  }
  free(order);
  if ((t = stance_store_get_text(s, STANCE_T_TAIL)) != NULL) {
    stance_buf_addc(out, '\n');
    stance_buf_adds(out, t);
  }
  return out->oom ? STANCE_ENOMEM : STANCE_OK;
}
