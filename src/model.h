/*
 * model.h - the stance model: for each target, the probability of each of its classes
 * (class 0: no stance toward the target; 1..k-1: the schema's stances) given a sentence.
 *
 * A dataset holds labelled sentences as features (textfeat.h), each with a class per target
 * (or none known) and a group (its document). Training makes, for each target, a linear
 * classifier over the classes seen for it (linear.h: a linear SVM by default), its
 * scores calibrated on held-out folds (by document when there are several): a class never
 * seen gets probability 0, a target with one stance seen gets stance vs no stance, a target
 * with fewer than two classes seen gets no model (its probabilities are 0). Training is
 * deterministic: the same examples in the same order give the same model.
 *
 * The features learnt: every one, up to max_features (STANCE_MODEL_FEATURES by default);
 * past it, those of the fewest examples are left out (a feature of one sentence first, then
 * of two, ...) until the rest fit: on 10k sentences of news, 80% of the 240k features are in
 * one sentence, and a model of all of them is a table of weights too big for the cache that
 * prediction looks up at random (make bench, section predict). A feature left out counts in
 * its block's occurrences (the normalization below) but weighs nothing, in training and in
 * prediction alike. The data sets the defaults were chosen on (below) are all within it.
 *
 * Example values, by block of features (textfeat.h): each occurrence of a feature of the words
 * or chars block counts its block's weight divided by the square root of the sentence's
 * occurrences of features of that block (each block's vector has the length of its weight when
 * no feature repeats); a mark (a cue's category, a target's terms) counts its block's weight
 * as it is, however long the sentence: a few strong signals are not drowned by hundreds of
 * n-grams. Plus a bias of 1.
 *
 * A trained model is read-only: many threads predict with it at once, each with its own
 * scratch (a cache of the words' features' weights). Prediction is bound by memory: one
 * lookup in a table of weights per feature (a filter of bits answers most of a new text's
 * without it), a word's own features (itself, its char n-grams) summed once in the scratch's
 * cache; the lookups of the next features and words are asked for (prefetched) before the
 * current ones are added, so that they wait for memory together, not one by one.
 */
#ifndef STANCE_MODEL_H
#define STANCE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "textfeat.h"

#define STANCE_MODEL_MAX_TARGETS 64
#define STANCE_MODEL_MAX_CLASSES 16 /* per target, no stance included */
#define STANCE_MODEL_FEATURES 65536 /* the most features learnt, by default (max_features) */

enum { STANCE_LEARN_LR = 0, STANCE_LEARN_SVM = 1, STANCE_LEARN_NB = 2 };

typedef struct stance_train_opts {
  int learner;                  /* STANCE_LEARN_* */
  double c;                     /* the cost of errors (LR, SVM; larger: less regularized); NB: alpha */
  int balanced;                 /* weight the classes of a target inversely to their frequency */
  int folds;                    /* calibration folds (< 2: scores are not calibrated; at most 2
                                   for a target of more than 4000 examples) */
  double weights[STANCE_BLOCKS]; /* what each block of features weighs (see below) */
  int term_offsets;             /* calibrate with, besides the score, whether the sentence
                                   names the target (linear.h: stance_calibrate's x) */
  size_t max_features;          /* the most features learnt (0: no limit): past it, those of the
                                   fewest examples are left out (stance_model_train) */
} stance_train_opts;

/* The defaults, chosen by measurement (tests/bench/model.lua, held out by document, on the
 * study's annotations and on generated data sets in the shape of SemEval-2016 of 600 and
 * 3000 posts; and by 5-fold cross-validation on SemEval-2016 Task 6's training tweets): a
 * linear SVM (L2 loss), C = 0.35, classes not weighted, 3 calibration folds with term
 * offsets, word n-grams and char 3-5-grams (textfeat.h: STANCE_FEAT_DEFAULT; lmodel.c's
 * char_min, char_max) weighing 1 (marks 2 when asked for). Against logistic regression,
 * balanced classes, and cue and term features: as good or better on the study, better on the
 * generated sets. Char 3-5-grams and C = 0.35 (on a grid of char ranges 1-5 .. 4-5 and
 * C 0.25 .. 2, in half octaves) against char 2-5-grams and C = 1: SemEval's training tweets
 * .686 against .676 in 5-fold cross-validation over 6 splits (stance.semeval.cross_validate,
 * seeds 7, 11, 101, 202, 303, 404), and the study's four targets
 * each as good or better (mean F_avg .521 against .509). */
void stance_train_opts_default(stance_train_opts *o);

typedef struct stance_dataset stance_dataset;

/* `targets` targets (1..STANCE_MODEL_MAX_TARGETS) of `classes` classes each (2..16, no stance
 * included); the features `f` (copied; its matchers are not owned and must outlive the
 * dataset and its models). NULL when out of memory or misused. */
stance_dataset *stance_dataset_new(const stance_features *f, int targets, int classes);
void stance_dataset_free(stance_dataset *d);

/* The features of the sentences spans[2k], spans[2k + 1] (bytes) of one text, in one walk:
 * ids[k] (malloc'ed, *nids[k] of them) and terms[k] (the targets whose terms it mentions).
 * For a caller that extracts on several threads and adds in a fixed order. 0 or -1. */
int stance_features_extract(const stance_features *f, const char *text, size_t len, const size_t *spans, size_t n,
                            uint32_t **ids, size_t *nids, uint64_t *terms);

/* Add an example: its feature ids, its class per target (labels[t]: -1 unknown), its group,
 * the targets whose terms it mentions. 0, or -1 out of memory. */
int stance_dataset_add(stance_dataset *d, const uint32_t *ids, size_t n, const int *labels, uint32_t group,
                       uint64_t terms);
/* The same from a text. */
int stance_dataset_add_text(stance_dataset *d, const char *text, size_t len, const int *labels, uint32_t group);

size_t stance_dataset_size(const stance_dataset *d);
/* Examples of target t labelled cls; with `with_term`, only those mentioning a term of t. */
size_t stance_dataset_count(const stance_dataset *d, int t, int cls, int with_term);

typedef struct stance_model stance_model;

/* A model trained on d (which may be freed after). NULL when out of memory. */
stance_model *stance_model_train(const stance_dataset *d, const stance_train_opts *o);

/* Threads to train on: each(ud, n, fn, arg) calls fn(arg, i) once for every i < n, on any
 * threads and in any order, and returns when every call has returned. */
typedef struct stance_parallel {
  void (*each)(void *ud, size_t n, void (*fn)(void *arg, size_t i), void *arg);
  void *ud;
} stance_parallel;
/* The same, the independent parts of training spread over par's threads (NULL: this one):
 * a target's binary problems (each class against the rest), then its calibration folds. The
 * model is the same, bit for bit, on any number of threads. */
stance_model *stance_model_train_on(const stance_dataset *d, const stance_train_opts *o, const stance_parallel *par);
void stance_model_free(stance_model *m);

int stance_model_targets(const stance_model *m);
/* How many features the model learnt (stance_train_opts.max_features). */
size_t stance_model_features(const stance_model *m);
int stance_model_classes(const stance_model *m);
/* Whether target t has a model (two classes or more were seen for it). */
int stance_model_trained(const stance_model *m, int t);
/* The calibration of target t: softmax(a * score + b[c] + g[c] * named), named when the
 * sentence mentions one of the target's terms. */
double stance_model_scale(const stance_model *m, int t);
/* The decision of target t: the likeliest stance when its probability reaches this, else no
 * stance (chosen on the held-out folds for the best F1 of the stances; 0.5 without folds). */
double stance_model_threshold(const stance_model *m, int t);

typedef struct stance_model_scratch stance_model_scratch;
stance_model_scratch *stance_model_scratch_new(const stance_model *m);
void stance_model_scratch_free(stance_model_scratch *s);
/* How many words the scratch's cache holds: it starts at 8 MB and grows once, to 16 MB, after
 * missing as many words as half its entries (a large corpus). */
size_t stance_model_scratch_entries(const stance_model_scratch *s);

/* P(class | span) for `n` spans of one text (byte offsets [spans[2k], spans[2k + 1]), in
 * order, not overlapping): probs[(k * targets + t) * classes + c]; a target without a model
 * gets 0 for every class. terms (may be NULL): per span, the targets whose terms it mentions.
 * 0, or -1 out of memory. */
int stance_model_predict_spans(const stance_model *m, stance_model_scratch *s, const char *text, size_t len,
                               const size_t *spans, size_t n, double *probs, uint64_t *terms);

#endif
