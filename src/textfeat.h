/*
 * textfeat.h - the features of a sentence for the stance model (model.h), as 32-bit ids:
 *
 *   words      each word, folded as the index folds them (stance_tokenize);
 *   pairs      two adjacent words of a phrase (punctuation between them breaks it);
 *   triples    three adjacent words of a phrase;
 *   chars      the character n-grams of each word with its edges marked ("<word>"), of
 *              `char_min` to `char_max` bytes: spelling variants, inflections and hashtags
 *              ("#stopsanctions") share them with the words they contain;
 *   cues       the category of each stance cue of the lexicon (cues.h) in the sentence;
 *   terms      the targets whose terms (a second cue matcher: its categories are target
 *              numbers) the sentence mentions, and each such target with each cue category
 *              of the sentence ("negation near a sanctions term").
 *
 * Ids are hashes (a feature's id does not depend on what else was seen), so a model and the
 * texts it predicts need no vocabulary. The two high bits of an id say its block: words
 * (words, pairs, triples), chars, or marks (cues and terms), which the model weighs apart. One walk over a text serves many sentences (spans):
 * its words feed the n-grams and both cue matchers together.
 */
#ifndef STANCE_TEXTFEAT_H
#define STANCE_TEXTFEAT_H

#include <stddef.h>
#include <stdint.h>

#include "cues.h"

enum {
  STANCE_FEAT_WORDS = 1,
  STANCE_FEAT_PAIRS = 2,
  STANCE_FEAT_TRIPLES = 4,
  STANCE_FEAT_CHARS = 8,
  STANCE_FEAT_CUES = 16,
  STANCE_FEAT_TERMS = 32,
  STANCE_FEAT_ALL = 63,
  /* the model's default (model.h): word and char n-grams; the target's terms enter through
   * the calibration (stance_train_opts.term_offsets) */
  STANCE_FEAT_DEFAULT = 15
};

#define STANCE_FEAT_CHAR_MAX 8 /* the longest character n-gram */

enum { STANCE_BLOCK_WORDS = 0, STANCE_BLOCK_CHARS = 1, STANCE_BLOCK_MARKS = 2, STANCE_BLOCKS = 3 };
#define STANCE_BLOCK_OF(id) ((id) >> 30)

typedef struct stance_features {
  unsigned set;                 /* STANCE_FEAT_* */
  int char_min, char_max;       /* 1 <= char_min <= char_max <= STANCE_FEAT_CHAR_MAX */
  const stance_cues *cues;      /* may be NULL; not owned */
  const stance_cues *terms;     /* may be NULL; categories are target numbers from 1; not owned */
} stance_features;

/* What a walk reports, span by span (k: the span's number). Non-zero stops the walk. */
typedef struct stance_feature_sink {
  /* a mark (cues, terms) */
  int (*feature)(void *ud, size_t k, uint32_t id);
  /* a word (folded): its own features (stance_features_word) are the sink's to make, so that
   * a predictor can keep their sum per word; then `grams`, the n-grams it ends (its pair, its
   * triple: up to 2), which come after the word's own features */
  int (*word)(void *ud, size_t k, uint64_t hash, const char *folded, size_t n, const uint32_t *grams, size_t ngrams);
  /* span k has no more features; `terms` has bit t set when a term of target t (< 64) was
   * in it */
  int (*end)(void *ud, size_t k, uint64_t terms);
  void *ud;
} stance_feature_sink;

/* Walk the words of text[0, len) that lie in `spans` (byte offsets [spans[2k],
 * spans[2k + 1]), in order, not overlapping): n-grams do not run from one span into the next.
 * Every span gets its end call, in order, even one without words. 0, or -1 out of memory. */
int stance_features_walk(const stance_features *f, const char *text, size_t len, const size_t *spans, size_t n,
                         const stance_feature_sink *sink);

/* The features a word brings by itself (its id, and its character n-grams with `chars`):
 * up to STANCE_FEAT_WORD_MAX ids into out; returns how many. */
#define STANCE_FEAT_WORD_MAX 256
/* The bytes of a folded word its character n-grams are made of: its first (the rest of a
 * longer word changes only its hash). */
#define STANCE_FEAT_WORD_BYTES 62
size_t stance_features_word(const stance_features *f, uint64_t hash, const char *folded, size_t n, uint32_t *out);

/* The hash of a folded word (what the sink's word call gets). */
uint64_t stance_features_hash(const char *folded, size_t n);

#endif
