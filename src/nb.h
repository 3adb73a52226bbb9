/*
 * nb.h - multinomial naive Bayes over hashed features of a text: its words (folded as the
 * index folds them), the pairs of adjacent words within a phrase, and the categories of the
 * stance cues it contains. Why this model: it trains in one pass (counting), predicts in one
 * pass, needs no tuning, is stable on the few hundred labelled sentences an annotator makes
 * in a session, and its probabilities are good enough to rank sentences for active
 * learning; features are hashed into a fixed table, so memory does not grow with the
 * vocabulary.
 */
#ifndef STANCE_NB_H
#define STANCE_NB_H

#include <stddef.h>
#include <stdint.h>

#include "cues.h"

#define STANCE_NB_MAX_CLASSES 16
#define STANCE_NB_BITS 18 /* 2^18 feature buckets */

typedef struct stance_nb stance_nb;

/* A model for `classes` classes; `cues` (may be NULL, not owned) adds cue-category features. */
stance_nb *stance_nb_new(int classes, const stance_cues *cues);
void stance_nb_free(stance_nb *m);

/* Count the features of `text` for class `cls`. 0, or -1 out of memory / bad class. */
int stance_nb_add(stance_nb *m, const char *text, size_t len, int cls);

/* P(class | text) for each class into probs[0..classes), with add-one smoothing. 0 or -1.
 * The first prediction after training makes a table of log-probabilities (classes x 2^18
 * floats), so that each feature costs one lookup per class. */
int stance_nb_predict(stance_nb *m, const char *text, size_t len, double *probs);

/* Make the table of log-probabilities now (predictions make it when it is missing; a model
 * predicting on several threads at once must have it made first). 0 or -1. */
int stance_nb_prepare(stance_nb *m);

/* P(class | span) for `n` spans of one text, given as byte offsets [start, end) in
 * spans[2k], spans[2k + 1], in order and not overlapping (sentences): probs[k * classes + c].
 * The text is walked once, its words feeding the features and the cue matcher together;
 * each span gets what stance_nb_predict gives for its text alone. 0 or -1. */
int stance_nb_predict_spans(stance_nb *m, const char *text, size_t len, const size_t *spans, size_t n,
                            double *probs);

/* Examples counted per class. */
uint32_t stance_nb_count(const stance_nb *m, int cls);

#endif
