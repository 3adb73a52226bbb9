/*
 * Fuzz target "model": the stance model's reading of text (see fuzz.h): any bytes, cut
 * into sentences by the corpus's splitter, are walked for features and predicted by a small
 * trained model (of its 100 most frequent features: max_features). For every input:
 *   - nothing crashes, leaks or overflows (ASan, UBSan);
 *   - the sentences predicted in one walk get what each gets alone;
 *   - each target's probabilities are in [0, 1] and sum to 1 (to 0 for a target without a
 *     model), and a class never seen gets 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "model.h"
#include "text.h"

#define MAXS 256

static stance_cues *cues, *terms;
static stance_model *model;
static stance_model_scratch *scratch;

/* A violated property: reported (fuzz.h: under libFuzzer, an abort with the input kept). */
static void check(int ok, const char *what, size_t size) {
  (void)size;
  if (!ok) stance_fuzz_failed(what, __FILE__, __LINE__);
}

static void setup(void) {
  static const struct {
    const char *text;
    int labels[2];
  } ex[] = {{"We should talk with them.", {1, 0}}, {"Sanctions failed, clearly.", {0, 2}},
            {"The weather was fine.", {0, 0}},     {"Talks never work, we must not talk.", {2, 0}},
            {"Caf\xc3\xa9 talks go on.", {1, 0}},   {"Maximum pressure works.", {0, 1}}};
  stance_features f;
  stance_train_opts o;
  stance_dataset *d;
  size_t i;
  cues = stance_cues_new();
  terms = stance_cues_new();
  stance_cues_add(cues, "should", 6, 1);
  stance_cues_add(cues, "must not", 8, 1);
  stance_cues_add(cues, "fail*", 5, 2);
  stance_cues_add(terms, "talk*", 5, 1);
  stance_cues_add(terms, "maximum pressure", 16, 2);
  memset(&f, 0, sizeof f);
  f.set = STANCE_FEAT_ALL;
  f.char_min = 2;
  f.char_max = 5;
  f.cues = cues;
  f.terms = terms;
  d = stance_dataset_new(&f, 2, 4); /* class 3 is never seen */
  for (i = 0; i < sizeof ex / sizeof *ex; i++) stance_dataset_add_text(d, ex[i].text, strlen(ex[i].text), ex[i].labels, (uint32_t)i);
  stance_train_opts_default(&o);
  o.max_features = 100; /* of several hundred: a model of the most frequent (model.h) */
  model = stance_model_train(d, &o);
  scratch = stance_model_scratch_new(model);
  stance_dataset_free(d);
}

typedef struct spans {
  size_t s[2 * MAXS], n;
} spans;

static int on_sentence(void *ud, size_t a, size_t b) {
  spans *s = ud;
  if (s->n < MAXS) {
    s->s[2 * s->n] = a;
    s->s[2 * s->n + 1] = b;
    s->n++;
  }
  return 0;
}

STANCE_FUZZ_TARGET(model) {
  const char *text = (const char *)data;
  spans sp;
  double *all, one[8];
  size_t k, whole[2];
  int t, c;
  if (model == NULL) setup();
  FUZZ_CHECK(model != NULL && scratch != NULL, "a model");
  memset(&sp, 0, sizeof sp);
  /* the corpus's units: sentences, or lines (`unit line`) when the input's first byte is odd */
  stance_units(text, size, size > 0 && (text[0] & 1) ? STANCE_UNIT_LINE : STANCE_UNIT_SENTENCE, on_sentence, &sp);
  if (sp.n == 0) return 0;
  if ((all = malloc(sp.n * 8 * sizeof *all)) == NULL) return 0;
  check(stance_model_predict_spans(model, scratch, text, size, sp.s, sp.n, all, NULL) == 0, "predicts", size);
  for (k = 0; k < sp.n; k++) {
    whole[0] = 0;
    whole[1] = sp.s[2 * k + 1] - sp.s[2 * k];
    check(stance_model_predict_spans(model, scratch, text + sp.s[2 * k], whole[1], whole, 1, one, NULL) == 0,
          "predicts alone", size);
    for (t = 0; t < 2; t++) {
      double sum = 0;
      for (c = 0; c < 4; c++) {
        double p = all[k * 8 + (size_t)(t * 4 + c)];
        check(p >= 0 && p <= 1, "a probability", size);
        check(fabs(p - one[t * 4 + c]) < 1e-9, "the same alone", size);
        sum += p;
      }
      check(all[k * 8 + (size_t)(t * 4 + 3)] == 0, "no class invented", size);
      check(fabs(sum - (stance_model_trained(model, t) ? 1 : 0)) < 1e-9, "sums to 1", size);
    }
  }
  free(all);
  return 0;
}
