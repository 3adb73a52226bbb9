/*
 * modeljob.h - the stance model (model.h) trained and applied on the worker's pool.
 *
 * Every document is read for its labels: the annotation files of the given layers, and labels
 * given here, one per span. A span counts for a sentence it overlaps by at least half of the
 * shorter of the two (agreement's rule, stance.agreement.items.counts). A sentence's class
 * for a target is the stance of the annotation toward that target covering most of it; "no stance" (class 0) when no annotation gives that target a
 * stance in a sentence the annotator has read: every sentence of a document whose file says
 * `status done`, otherwise the sentences that start before the end of the file's last
 * annotation without a `confidence` (one with it was accepted from a suggestion: it decides
 * its own sentence, and says nothing of those before it); unknown otherwise (not an example). An annotation whose stance is not one of
 * the classes, or that has no target while targets are named, only covers: the sentence is
 * unknown for it. The sentences of the documents to learn from are made into examples, in
 * the order of the documents (training is deterministic), then one thread trains while the
 * others help it and read the documents to predict; then these are predicted on every thread
 * (the results do not depend on the number of threads).
 */
#ifndef STANCE_MODELJOB_H
#define STANCE_MODELJOB_H

#include "job.h"
#include "model.h"

/* A labelled stretch of a document in code points: class cls (0: no stance; -1: covers
 * without teaching) for target `target` (0-based). */
typedef struct stance_model_label {
  uint32_t start, end;
  int target, cls;
} stance_model_label;

enum { STANCE_PREDICT_NONE = 0, STANCE_PREDICT_UNKNOWN = 1, STANCE_PREDICT_ALL = 2 };

typedef struct stance_model_doc {
  const char *path;             /* relative to the root (copied) */
  const stance_model_label *labels; /* given here (copied); more are read from the layers */
  size_t nlabels;
  int predict;                  /* STANCE_PREDICT_*: none, the sentences with a target of
                                   unknown class, or all */
  int learn;                    /* learn from its labels (else they are only reported) */
  uint64_t outside;             /* the targets it does not belong to (bit t: target t; a
                                   schema's `documents`; 0: it belongs to all): its sentences
                                   are neither examples nor predicted for them (known: -2) */
} stance_model_doc;

typedef struct stance_model_opts {
  int targets;                  /* 1..STANCE_MODEL_MAX_TARGETS */
  const char *const *target_names; /* targets names as annotation files write them; NULL:
                                      one target, any annotation's (its target is ignored) */
  int classes;                  /* 2..STANCE_MODEL_MAX_CLASSES, no stance included */
  const char *const *stance_names; /* classes - 1 names: the stances of classes 1.. */
  const char *const *layers;    /* folders under .stance/annotations/; NULL-terminated; NULL: none */
  int unit;                     /* STANCE_UNIT_SENTENCE or STANCE_UNIT_LINE (text.h) */
  const char *prefer;           /* one of them, or NULL: a document with a file in it is learnt
                                   from that file alone (the curated layer) */
  stance_features features;     /* its matchers are only read, from several threads; they
                                   must outlive the job */
  stance_train_opts train;
} stance_model_opts;

/* An annotation file of a document that the job left out for its errors (git's conflict
 * markers, a file cut short), or because it is reached through a symbolic link (the file
 * itself, the layer's folder or a folder between: `link` set, doc/format.md 8.4): learnt
 * from not at all, as if absent. */
typedef struct stance_model_skipped {
  const char *layer;            /* its layer (the job's copy of the name) */
  uint32_t line, col;           /* its first error (1-based; col in bytes) */
  size_t errors;                /* how many it has */
  size_t conflicts;             /* with no error: how many records it holds of an unresolved
                                   merge conflict (`conflict ours`/`theirs`: not yet its
                                   annotator's word), the first at line, col, said in message */
  char *message;                /* the first error's; when a git conflict marker below it cuts
                                   its record: ", because a git conflict marker cuts its record
                                   (line N: ...)" after it, as stance.annfile says it; NULL
                                   for a link */
  char *link;                   /* a link: its path below the annotations folder ("ben/sub",
                                   or the file's own "ben/sub/x.txt.stance"; line and col 1,
                                   errors 0); else NULL */
} stance_model_skipped;

/* What a document gave. */
typedef struct stance_model_result {
  const char *path;
  const char *error;            /* NULL, or why it was not read */
  size_t sentences;             /* all of its sentences */
  size_t n;                     /* predicted sentences: */
  uint32_t *start, *end;        /* code points */
  double *probs;                /* n x targets x classes */
  signed char *known;           /* n x targets: the class from the labels, -1 unknown */
  uint64_t *terms;              /* n: the targets whose terms it mentions (bit t) */
  stance_model_skipped *skipped; /* its layers' files left out for their errors, in the order
                                    read (the preferred layer first) */
  size_t nskipped;
} stance_model_result;

/* The first error of an annotation file (text[0, len) read with the problems `pr`) into *out
 * (layer NULL; its message allocated, the caller frees it): 1; 0 when it has none; -1 when
 * out of memory. */
struct stance_problems;
int stance_modeljob_first_error(const char *text, size_t len, const struct stance_problems *pr,
                                stance_model_skipped *out);

/* NULL when out of memory or misused. */
stance_job *stance_modeljob_new(const char *root, const stance_model_doc *docs, size_t ndocs,
                                const stance_model_opts *opts);

/* Per document, in the order given; valid once the job is done, while it lives. */
size_t stance_modeljob_results(stance_job *job, const stance_model_result **out);
/* The model (NULL before training or when no document taught anything), and the number of
 * targets and classes. */
const stance_model *stance_modeljob_model(stance_job *job);
void stance_modeljob_shape(stance_job *job, int *targets, int *classes);
/* Examples learnt for target t of class c; with_term: those mentioning a term of t. */
size_t stance_modeljob_examples(stance_job *job, int t, int c, int with_term);

#endif
