/*
 * modeljob.h - the stance model (nb.h) trained and applied on the worker's pool: the
 * annotation files of every document are read for labels, the sentences of the documents with
 * labels are counted (each sentence takes the class of the label that covers most of it), then
 * every sentence of the documents to predict that no label covers gets P(class | sentence). Documents are read on as many pool threads as
 * there are; prediction starts when training is done.
 */
#ifndef STANCE_MODELJOB_H
#define STANCE_MODELJOB_H

#include "cues.h"
#include "job.h"
#include "nb.h"

/* A labelled stretch of a document in code points; class -1 covers sentences (they are not
 * predicted) without teaching anything (a stance the model does not learn). */
typedef struct stance_model_label {
  uint32_t start, end;
  int cls;
} stance_model_label;

typedef struct stance_model_doc {
  const char *path;             /* relative to the root (copied) */
  const stance_model_label *labels; /* given here (copied); more are read from the layers */
  size_t nlabels;
  int predict;
} stance_model_doc;

/* What to learn from: the annotations of the layers (folders under .stance/annotations/, a
 * NULL-terminated list; NULL: none) whose stance is one of `classes` names (the class is
 * its position; another stance only covers), towards `target` (NULL: any target). */
typedef struct stance_model_opts {
  int classes;
  const char *const *class_names;
  const char *const *layers;
  const char *target;
  const stance_cues *cues;      /* may be NULL; only read, from several threads; must outlive the job */
} stance_model_opts;

/* What a document gave. */
typedef struct stance_model_result {
  const char *path;
  const char *error;            /* NULL, or why it was not read */
  size_t sentences;             /* all of its sentences */
  size_t n;                     /* predicted sentences: */
  uint32_t *start, *end;        /* code points */
  double *probs;                /* n x classes */
} stance_model_result;

/* NULL when out of memory or for a bad number of classes. Every document is read for its
 * labels (and its text when it has some to learn from), then the ones to predict. */
stance_job *stance_modeljob_new(const char *root, const stance_model_doc *docs, size_t ndocs,
                                const stance_model_opts *opts);

/* Per document, in the order given; valid once the job is done, while it lives. `examples`
 * (classes entries) gets the sentences learnt per class. */
size_t stance_modeljob_results(stance_job *job, const stance_model_result **out, uint32_t *examples);
int stance_modeljob_classes(stance_job *job);

#endif
