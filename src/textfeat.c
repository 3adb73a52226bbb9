/*
 * textfeat.c - the features of sentences for the stance model. See textfeat.h.
 */
#include "textfeat.h"

#include <string.h>

#include "text.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

/* A multiply-xorshift mix: the feature of a combination from its parts' hashes, cheaper
 * than hashing the combination again. */
static uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t x = a ^ (b * 0x9E3779B97F4A7C15ull);
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  return x ^ (x >> 32);
}

/* An id: 30 bits of hash under the two bits of its block. */
static uint32_t id_of(uint64_t h, uint64_t space, uint32_t block) {
  uint64_t x = mix(h, space);
  return ((uint32_t)(x ^ (x >> 32)) & 0x3FFFFFFFu) | block << 30;
}

/* the name spaces of the features */
#define SP_WORD 0x1001u
#define SP_PAIR 0x1002u
#define SP_TRIPLE 0x1003u
#define SP_CHARS 0x1004u
#define SP_CUE 0x1005u
#define SP_TERM 0x1006u
#define SP_TERM_CUE 0x1007u

uint64_t stance_features_hash(const char *folded, size_t n) { return XXH3_64bits_withSeed(folded, n, 1); }

size_t stance_features_word(const stance_features *f, uint64_t hash, const char *folded, size_t n, uint32_t *out) {
  size_t k = 0;
  if (f->set & STANCE_FEAT_WORDS) out[k++] = id_of(hash, SP_WORD, STANCE_BLOCK_WORDS);
  if (f->set & STANCE_FEAT_CHARS) {
    unsigned char pad[STANCE_FEAT_WORD_BYTES + 2];
    size_t len = n > STANCE_FEAT_WORD_BYTES ? STANCE_FEAT_WORD_BYTES : n, i;
    int lo = f->char_min < 1 ? 1 : f->char_min, hi = f->char_max > STANCE_FEAT_CHAR_MAX ? STANCE_FEAT_CHAR_MAX : f->char_max;
    pad[0] = '<';
    memcpy(pad + 1, folded, len);
    pad[len + 1] = '>';
    len += 2;
    for (i = 0; i < len; i++) {
      uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then mixed */
      int m;
      for (m = 1; m <= hi && i + (size_t)m <= len; m++) {
        h = (h ^ pad[i + (size_t)m - 1]) * 0x100000001b3ull;
        if (m >= lo && k < STANCE_FEAT_WORD_MAX) out[k++] = id_of(h, SP_CHARS + (uint64_t)m, STANCE_BLOCK_CHARS);
      }
    }
  }
  return k;
}

typedef struct walk {
  const stance_features *f;
  const stance_feature_sink *sink;
  const size_t *spans;
  size_t n, k;                  /* the span of the last word (n: none yet) */
  size_t base;                  /* where the walk started in the text */
  stance_cue_stream *cues, *terms;
  uint64_t prev, prev_pair;
  int have;                     /* words of the current phrase so far (0, 1, 2+) */
  uint64_t term_bits, cue_bits;
  int stop;
} walk;

static int emit(walk *w, uint64_t h, uint64_t space, uint32_t block) {
  if (!w->stop && w->sink->feature(w->sink->ud, w->k, id_of(h, space, block))) w->stop = 1;
  return w->stop;
}

static int on_cue(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  walk *w = ud;
  (void)start;
  (void)end;
  (void)cue;
  w->cue_bits |= 1ull << (category & 63);
  return emit(w, category, SP_CUE, STANCE_BLOCK_MARKS);
}

static int on_term(void *ud, size_t start, size_t end, uint32_t category, uint32_t term) {
  walk *w = ud;
  uint32_t target = category - 1; /* categories count targets from 1 */
  (void)start;
  (void)end;
  (void)term;
  if (category == 0 || target >= 64 || (w->term_bits >> target & 1)) return 0; /* one feature per target and span */
  w->term_bits |= 1ull << target;
  if (!(w->f->set & STANCE_FEAT_TERMS)) return 0; /* told to the sink at the span's end only */
  return emit(w, target, SP_TERM, STANCE_BLOCK_MARKS);
}

/* The end of span w->k: the conjunctions of its targets and cue categories. */
static void end_span(walk *w) {
  uint64_t t = (w->f->set & STANCE_FEAT_TERMS) ? w->term_bits : 0, c;
  for (; t && !w->stop; t &= t - 1) {
    uint64_t target = (uint64_t)__builtin_ctzll(t);
    for (c = w->cue_bits; c && !w->stop; c &= c - 1) emit(w, mix(target, (uint64_t)__builtin_ctzll(c)), SP_TERM_CUE, STANCE_BLOCK_MARKS);
  }
  if (!w->stop && w->sink->end(w->sink->ud, w->k, w->term_bits)) w->stop = 1;
  w->term_bits = w->cue_bits = 0;
}

/* Spans from w->k (exclusive; n: before the first) up to k (exclusive) end without words. */
static void end_until(walk *w, size_t k) {
  size_t from = w->k == w->n ? 0 : w->k + 1;
  if (w->k != w->n) end_span(w);
  for (; from < k && !w->stop; from++) {
    w->k = from;
    end_span(w);
  }
}

static int on_word(void *ud, size_t rstart, size_t rend, const char *word, size_t n, int broken) {
  walk *w = ud;
  const stance_features *f = w->f;
  size_t start = rstart + w->base, end = rend + w->base, k = w->k == w->n ? 0 : w->k, ngrams = 0;
  uint32_t grams[2];
  uint64_t h;
  while (k < w->n && start >= w->spans[2 * k + 1]) k++;
  if (k == w->n) return 1; /* past the last span */
  if (start < w->spans[2 * k] || end > w->spans[2 * k + 1]) return 0; /* between spans */
  if (k != w->k) { /* the first word of a span: nothing before it counts */
    end_until(w, k);
    w->k = k;
    w->have = 0;
    if (w->cues) stance_cue_stream_reset(w->cues);
    if (w->terms) stance_cue_stream_reset(w->terms);
    if (w->stop) return 1;
  }
  h = stance_features_hash(word, n);
  if (broken) w->have = 0;
  /* the word's pair and triple go with it (one call, not three) */
  if (w->have >= 1) {
    uint64_t pair = mix(w->prev, h);
    if (f->set & STANCE_FEAT_PAIRS) grams[ngrams++] = id_of(pair, SP_PAIR, STANCE_BLOCK_WORDS);
    if (w->have >= 2 && (f->set & STANCE_FEAT_TRIPLES))
      grams[ngrams++] = id_of(mix(w->prev_pair, h), SP_TRIPLE, STANCE_BLOCK_WORDS);
    w->prev_pair = pair;
  }
  if (w->sink->word(w->sink->ud, k, h, word, n, grams, ngrams)) return w->stop = 1;
  w->prev = h;
  w->have = w->have < 2 ? w->have + 1 : 2;
  if (w->cues) stance_cue_stream_word(w->cues, rstart, rend, word, n, broken);
  if (w->terms) stance_cue_stream_word(w->terms, rstart, rend, word, n, broken);
  return w->stop;
}

int stance_features_walk(const stance_features *f, const char *text, size_t len, const size_t *spans, size_t n,
                         const stance_feature_sink *sink) {
  walk w;
  size_t from, to;
  int rc = 0;
  if (n == 0) return 0;
  memset(&w, 0, sizeof w);
  w.f = f;
  w.sink = sink;
  w.spans = spans;
  w.n = n;
  w.k = n;
  /* the words from the first span's start to the last one's end (offsets from `from`) */
  from = spans[0] < len ? spans[0] : len;
  to = spans[2 * n - 1] < len ? spans[2 * n - 1] : len;
  w.base = from;
  if ((f->set & STANCE_FEAT_CUES) && f->cues != NULL &&
      (w.cues = stance_cue_stream_new(f->cues, text + from, on_cue, &w)) == NULL)
    return -1;
  if (f->terms != NULL && /* the targets a span mentions are told even when not features */
      (w.terms = stance_cue_stream_new(f->terms, text + from, on_term, &w)) == NULL) {
    stance_cue_stream_free(w.cues);
    return -1;
  }
  if (to > from && stance_tokenize(text + from, to - from, on_word, &w) < 0) rc = -1;
  if (rc == 0 && !w.stop) end_until(&w, n);
  stance_cue_stream_free(w.cues);
  stance_cue_stream_free(w.terms);
  return rc;
}
