/*
 * Fuzz target "document": a document's bytes (anything a corpus holds: invalid UTF-8, CR,
 * NUL, huge lines) through the text model, the word and sentence walks, the cue matcher
 * and the editor's frame. For every input:
 *   - byte <-> code point <-> (line, column) conversions agree and stay in range;
 *   - words, sentences, line units and paragraphs are ordered, inside the text, and not empty;
 *   - the frame's buffer <-> file conversions are inverse on the buffer's bytes (and with
 *     CRLF line ends, when every line has them).
 */
#include <string.h>

#include "cues.h"
#include "frame.h"
#include "fuzz.h"
#include "text.h"

typedef struct walk {
  size_t len, last_end, n;
  int bad;
  const char *s;
} walk;

static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t folded_len, int broken) {
  walk *w = ud;
  (void)folded;
  (void)broken;
  if (start >= end || end > w->len || start < w->last_end || folded_len == 0) w->bad = 1;
  w->last_end = end;
  w->n++;
  return 0;
}

static int on_span(void *ud, size_t start, size_t end) {
  walk *w = ud;
  if (start >= end || end > w->len || start < w->last_end) w->bad = 1;
  w->last_end = end;
  w->n++;
  return 0;
}

/* A line unit: a span that never holds a line end. */
static int on_line(void *ud, size_t start, size_t end) {
  walk *w = ud;
  on_span(ud, start, end);
  if (!w->bad && memchr(w->s + start, '\n', end - start) != NULL) w->bad = 1;
  return 0;
}

static int on_cue(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  walk *w = ud;
  (void)cue;
  if (start >= end || end > w->len || category > 2) w->bad = 1;
  return 0;
}

STANCE_FUZZ_TARGET(document) {
  const char *s = (const char *)data;
  stance_text *t = stance_text_new(s, size);
  stance_frame *f;
  stance_cues *cues;
  size_t len, cps, b, step, i;
  int ok = 1;
  walk w;
  if (t == NULL) return 0;
  stance_text_bytes(t, &len);
  cps = stance_text_cps(t);
  step = size / 64 + 1;
  for (b = 0; b <= len && ok; b += step) {
    size_t c = stance_text_byte_to_cp(t, b), back = stance_text_cp_to_byte(t, c), cb, cc;
    uint32_t line;
    stance_text_pos(t, b, &line, &cb, &cc);
    ok = c <= cps && back <= b && line < stance_text_lines(t) + 1 &&
         stance_text_line_start(t, line) + cb == b;
  }
  stance_text_free(t);
  FUZZ_CHECK(ok, "byte, code point and line conversions agree");
  memset(&w, 0, sizeof w);
  w.len = size;
  FUZZ_CHECK(stance_tokenize(s, size, on_word, &w) >= 0 && !w.bad, "words are ordered, inside, not empty");
  memset(&w, 0, sizeof w);
  w.len = size;
  FUZZ_CHECK(stance_sentences(s, size, on_span, &w) >= 0 && !w.bad, "sentences are ordered, inside, not empty");
  memset(&w, 0, sizeof w);
  w.len = size;
  FUZZ_CHECK(stance_paragraphs(s, size, on_span, &w) >= 0 && !w.bad, "paragraphs are ordered, inside, not empty");
  memset(&w, 0, sizeof w);
  w.len = size;
  w.s = s;
  FUZZ_CHECK(stance_lines(s, size, on_line, &w) >= 0 && !w.bad, "line units are ordered, inside, not empty, one line");
  if ((cues = stance_cues_new()) != NULL) {
    stance_cues_add(cues, "should", 6, 0);
    stance_cues_add(cues, "must not", 8, 1);
    stance_cues_add(cues, "fail*", 5, 2);
    memset(&w, 0, sizeof w);
    w.len = size;
    ok = stance_cues_match(cues, s, size, on_cue, &w) >= 0 && !w.bad;
    stance_cues_free(cues);
    FUZZ_CHECK(ok, "cue matches are inside the text");
  }
  for (i = 0; i < 2; i++) {
    size_t blen, k;
    int all_crlf = 1;
    for (k = 0; k < size; k++)
      if (s[k] == '\n' && (k == 0 || s[k - 1] != '\r')) all_crlf = 0;
    if (i == 1 && !all_crlf) continue; /* the editor shows "\r\n" files only when every line has it */
    if ((f = stance_frame_new(s, size, (int)i)) == NULL) continue;
    blen = stance_frame_buf_len(f);
    step = blen / 64 + 1;
    for (b = 0; b <= blen && ok; b += step) {
      size_t fb = stance_frame_to_file(f, b), cp = stance_frame_buf_to_cp(f, b);
      ok = fb <= size && stance_frame_to_buf(f, fb) == b && stance_frame_cp_to_buf(f, cp) <= b;
    }
    stance_frame_free(f);
    FUZZ_CHECK(ok, "buffer and file offsets convert both ways");
  }
  return 0;
}
