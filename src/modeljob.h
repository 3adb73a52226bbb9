/*
 * modeljob.h - the stance model (nb.h) trained and applied on the worker's pool: the
 * sentences of the documents with labels are read and counted (each sentence takes the class
 * of the label that covers most of it), then every sentence of the documents to predict that
 * no label covers gets P(class | sentence). Documents are read on as many pool threads as
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
  const stance_model_label *labels; /* copied */
  size_t nlabels;
  int train, predict;
} stance_model_doc;

/* What a document gave. */
typedef struct stance_model_result {
  const char *path;
  const char *error;            /* NULL, or why it was not read */
  size_t sentences;             /* all of its sentences */
  size_t n;                     /* predicted sentences: */
  uint32_t *start, *end;        /* code points */
  double *probs;                /* n x classes */
} stance_model_result;

/* `cues` (may be NULL) is only read, from several threads, and must outlive the job. NULL
 * when out of memory or for a bad number of classes. */
stance_job *stance_modeljob_new(const char *root, const stance_model_doc *docs, size_t ndocs, int classes,
                                const stance_cues *cues);

/* Per document, in the order given; valid once the job is done, while it lives. `examples`
 * (classes entries) gets the sentences learnt per class. */
size_t stance_modeljob_results(stance_job *job, const stance_model_result **out, uint32_t *examples);
int stance_modeljob_classes(stance_job *job);

#endif
