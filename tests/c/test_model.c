/*
 * test_model.c - the stance model (model.h): predictions of many sentences in one walk equal
 * each sentence's alone; training is deterministic; a class never seen gets probability 0; a
 * target with one stance seen gets stance vs no stance; a target with one class seen gets no
 * model; the calibration fits known scales; features are what textfeat.h says.
 */
#include <math.h>
#include <stdio.h> /* snprintf */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "check.h"
#include "textfeat.h"
#include "linear.h"
#include "model.h"
#include "text.h"

typedef struct spans {
  size_t s[1024];
  size_t n;
} spans;

static int on_sentence(void *ud, size_t a, size_t b) {
  spans *s = ud;
  if (s->n < 512) {
    s->s[2 * s->n] = a;
    s->s[2 * s->n + 1] = b;
    s->n++;
  }
  return 0;
}

/* A matcher of cues and one of terms (targets 1 "talks" and 2 "sanctions"). */
static void matchers(stance_cues **cues, stance_cues **terms) {
  *cues = stance_cues_new();
  *terms = stance_cues_new();
  CHECK(*cues != NULL && *terms != NULL);
  CHECK(stance_cues_add(*cues, "should", 6, 1) >= 0);
  CHECK(stance_cues_add(*cues, "must not", 8, 1) >= 0);
  CHECK(stance_cues_add(*cues, "fail*", 5, 2) >= 0);
  CHECK(stance_cues_add(*cues, "clearly", 7, 3) >= 0);
  CHECK(stance_cues_add(*cues, "not", 3, 4) >= 0);
  CHECK(stance_cues_add(*terms, "talk*", 5, 1) >= 0);
  CHECK(stance_cues_add(*terms, "sanction*", 9, 2) >= 0);
  CHECK(stance_cues_add(*terms, "maximum pressure", 16, 2) >= 0);
}

static void features_all(stance_features *f, const stance_cues *cues, const stance_cues *terms) {
  memset(f, 0, sizeof *f);
  f->set = STANCE_FEAT_ALL;
  f->char_min = 2;
  f->char_max = 5;
  f->cues = cues;
  f->terms = terms;
}

/* Two targets, classes none / favor / against: talks favored, sanctions opposed. */
static stance_dataset *toy_dataset(const stance_features *f, int third) {
  static const struct {
    const char *text;
    int labels[2];
  } ex[] = {
      {"We should talk with them.", {1, 0}},         {"Talks clearly work.", {1, 0}},
      {"Sanctions failed, clearly.", {0, 2}},        {"Maximum pressure must not go on.", {0, 2}},
      {"The weather was fine.", {0, 0}},             {"We must not talk to them.", {2, 0}},
      {"Sanctions should stay.", {0, 1}},            {"Lunch was served at noon.", {0, 0}},
      {"Talking works better than sanctions.", {1, 2}}, {"The meeting ended late.", {0, 0}},
      {"Dialogue and talks should go on.", {1, 0}},  {"Pressure failed again.", {0, 2}},
  };
  stance_dataset *d = stance_dataset_new(f, 2, third ? 4 : 3);
  size_t i;
  CHECK(d != NULL);
  for (i = 0; i < sizeof ex / sizeof *ex; i++)
    CHECK(stance_dataset_add_text(d, ex[i].text, strlen(ex[i].text), ex[i].labels, (uint32_t)(i % 4)) == 0);
  return d;
}

/* Predicting every sentence of a text in one walk gives what predicting each alone gives (with
 * another scratch: its cache of words cold, then warm), cues, terms and word n-grams included,
 * words longer than STANCE_FEAT_WORD_BYTES too, with some sentences left out. */
static void model_predicts_spans_as_each_alone(void) {
  static const char *words[] = {"we", "should", "not", "talk", "must", "never", "failed", "clearly",
                                "sanctions", "Talks", "perhaps", "don't", "well-founded", "Caf\xc3\xa9", "maximum", "pressure",
                                "counterrevolutionariesnotwithstandinginternationalizationtalkssanctions"};
  static const char *seps[] = {" ", " ", " ", ", ", "-", "\n", "'"};
  stance_cues *cues, *terms;
  stance_features f;
  stance_dataset *d;
  stance_model *m;
  stance_model_scratch *sc, *alone;
  stance_train_opts o;
  char text[8192];
  size_t len = 0, k, kept;
  spans all, some;
  uint64_t r = 11;
  int i, bad = 0, learner;
  matchers(&cues, &terms);
  features_all(&f, cues, terms);
  while (len < sizeof text - 64) {
    int nw = 1 + (int)(((r = r * 6364136223846793005ull + 1442695040888963407ull) >> 56) % 12);
    for (i = 0; i < nw; i++) {
      const char *w = words[((r = r * 6364136223846793005ull + 1) >> 56) % 17];
      const char *sep = i + 1 < nw ? seps[((r = r * 6364136223846793005ull + 7) >> 61) % 7] : ". ";
      size_t wl = strlen(w), sl = strlen(sep);
      if (len + wl + sl >= sizeof text - 8) break;
      memcpy(text + len, w, wl);
      len += wl;
      memcpy(text + len, sep, sl);
      len += sl;
    }
    if ((r >> 40) % 5 == 0) text[len++] = '\n', text[len++] = '\n';
  }
  memset(&all, 0, sizeof all);
  stance_sentences(text, len, on_sentence, &all);
  CHECK(all.n > 20);
  memset(&some, 0, sizeof some);
  for (k = 0; k < all.n; k++) {
    if (k % 3 == 1) continue;
    some.s[2 * some.n] = all.s[2 * k];
    some.s[2 * some.n + 1] = all.s[2 * k + 1];
    some.n++;
  }
  for (learner = 0; learner < 3; learner++) {
    d = toy_dataset(&f, 0);
    stance_train_opts_default(&o);
    o.learner = learner;
    m = stance_model_train(d, &o);
    sc = stance_model_scratch_new(m);
    alone = stance_model_scratch_new(m);
    CHECK(m != NULL && sc != NULL && alone != NULL);
    for (kept = 0; kept < 2; kept++) {
      spans *set = kept ? &some : &all;
      double *pr = malloc(set->n * 6 * sizeof *pr), want[6];
      uint64_t *tm = malloc(set->n * sizeof *tm), tw;
      CHECK(stance_model_predict_spans(m, sc, text, len, set->s, set->n, pr, tm) == 0);
      for (k = 0; k < set->n; k++) {
        size_t whole[2];
        int c;
        whole[0] = 0;
        whole[1] = set->s[2 * k + 1] - set->s[2 * k];
        CHECK(stance_model_predict_spans(m, alone, text + set->s[2 * k], whole[1], whole, 1, want, &tw) == 0);
        for (c = 0; c < 6; c++)
          if (fabs(pr[k * 6 + (size_t)c] - want[c]) > 1e-9) bad++;
        if (tw != tm[k]) bad++;
      }
      free(pr);
      free(tm);
    }
    stance_model_scratch_free(sc);
    stance_model_scratch_free(alone);
    stance_model_free(m);
    stance_dataset_free(d);
  }
  CHECK_INT(bad, 0);
  stance_cues_free(cues);
  stance_cues_free(terms);
}

/* stance_parallel.each on threads: each call on a thread of its own (16 at a time). */
typedef struct par_call {
  void (*fn)(void *arg, size_t i);
  void *arg;
  size_t i;
} par_call;

static void par_thread(void *p) {
  par_call *c = p;
  c->fn(c->arg, c->i);
}

static void each_on_threads(void *ud, size_t n, void (*fn)(void *arg, size_t i), void *arg) {
  uv_thread_t th[16];
  par_call calls[16];
  size_t i, k;
  (void)ud;
  for (i = 0; i < n; i += k) {
    for (k = 0; k < 16 && i + k < n; k++) {
      calls[k].fn = fn;
      calls[k].arg = arg;
      calls[k].i = i + k;
      CHECK(uv_thread_create(&th[k], par_thread, &calls[k]) == 0);
    }
    for (k = 0; k < 16 && i + k < n; k++) uv_thread_join(&th[k]);
  }
}

/* ... and one after the other, the last first. */
static void each_backwards(void *ud, size_t n, void (*fn)(void *arg, size_t i), void *arg) {
  (void)ud;
  while (n-- > 0) fn(arg, n);
}

/* The same examples give the same model: every probability equal, bit for bit; also when the
 * training is spread over threads (a target's binary problems, its calibration folds), and
 * whatever the order of the parts. */
static void model_training_is_deterministic(void) {
  stance_cues *cues, *terms;
  stance_features f;
  stance_train_opts o;
  stance_parallel threads = {each_on_threads, NULL}, backwards = {each_backwards, NULL};
  static const char *probe = "Should we talk about sanctions, or not?";
  double p[4][8];
  int run, c, learner, third;
  matchers(&cues, &terms);
  features_all(&f, cues, terms);
  for (third = 0; third < 2; third++)
    for (learner = 0; learner < 3; learner++) {
      for (run = 0; run < 4; run++) {
        stance_dataset *d = toy_dataset(&f, third);
        stance_model *m;
        stance_model_scratch *sc;
        size_t whole[2] = {0, 0};
        stance_train_opts_default(&o);
        o.learner = learner;
        m = run < 2 ? stance_model_train(d, &o) : stance_model_train_on(d, &o, run == 2 ? &threads : &backwards);
        CHECK(m != NULL);
        sc = stance_model_scratch_new(m);
        whole[1] = strlen(probe);
        CHECK(stance_model_predict_spans(m, sc, probe, whole[1], whole, 1, p[run], NULL) == 0);
        stance_model_scratch_free(sc);
        stance_model_free(m);
        stance_dataset_free(d);
      }
      for (run = 1; run < 4; run++)
        for (c = 0; c < (third ? 8 : 6); c++) CHECK(memcmp(&p[0][c], &p[run][c], sizeof(double)) == 0);
    }
  stance_cues_free(cues);
  stance_cues_free(terms);
}

/* A stance the words cannot tell from none (each of five sentences said twelve times, once
 * with the stance): its best held-out F1 is the stance on every sentence, which no threshold
 * beats, so the threshold is the one with the best F1 over every class (none included): no
 * sentence gets the stance at a probability of 1/12 (it was 0.05: the stance everywhere). */
static void model_threshold_needs_a_signal(void) {
  static const char *texts[] = {"The committee met on Tuesday.", "A report was published in May.",
                                "Officials travelled to the region.", "The statement was brief.",
                                "Several delegations attended the meeting."};
  stance_cues *cues, *terms;
  stance_features f;
  stance_train_opts o;
  stance_dataset *d;
  stance_model *m;
  stance_model_scratch *sc;
  double p[6];
  size_t whole[2];
  int labels[2], i, j, learner;
  matchers(&cues, &terms);
  features_all(&f, cues, terms);
  for (learner = 0; learner < 3; learner++) {
    d = stance_dataset_new(&f, 2, 3);
    CHECK(d != NULL);
    for (j = 0; j < 12; j++)
      for (i = 0; i < 5; i++) {
        labels[0] = j == i ? 2 : 0; /* one copy of each text "against" */
        labels[1] = i % 2;          /* target 1: a signal (favor exactly on texts 1 and 3) */
        CHECK(stance_dataset_add_text(d, texts[i], strlen(texts[i]), labels, (uint32_t)(j % 4)) == 0);
      }
    stance_train_opts_default(&o);
    o.learner = learner;
    CHECK((m = stance_model_train(d, &o)) != NULL);
    CHECK(stance_model_trained(m, 0));
    CHECK(stance_model_threshold(m, 0) > 1.0 / 12); /* above every probability of against */
    sc = stance_model_scratch_new(m);
    CHECK(sc != NULL);
    for (i = 0; i < 5; i++) {
      whole[0] = 0;
      whole[1] = strlen(texts[i]);
      CHECK(stance_model_predict_spans(m, sc, texts[i], whole[1], whole, 1, p, NULL) == 0);
      CHECK(p[2] < stance_model_threshold(m, 0)); /* no "against" anywhere */
      CHECK((p[3 + 1] >= stance_model_threshold(m, 1)) == (i % 2 == 1)); /* target 1's favor where it is */
    }
    stance_model_scratch_free(sc);
    stance_model_free(m);
    stance_dataset_free(d);
  }
  stance_cues_free(cues);
  stance_cues_free(terms);
}

/* Classes: a fourth class that no example has gets 0; a target whose examples have one
 * stance and no stance is trained (stance vs none); one with a single class has no model. */
static void model_invents_no_class(void) {
  stance_cues *cues, *terms;
  stance_features f;
  stance_train_opts o;
  stance_dataset *d;
  stance_model *m;
  stance_model_scratch *sc;
  static const char *probe = "Sanctions failed and talks should go on.";
  double p[8];
  size_t whole[2];
  int labels[2] = {0, 1}, t;
  matchers(&cues, &terms);
  features_all(&f, cues, terms);
  d = toy_dataset(&f, 1); /* 4 classes: class 3 never seen */
  stance_train_opts_default(&o);
  m = stance_model_train(d, &o);
  sc = stance_model_scratch_new(m);
  whole[0] = 0;
  whole[1] = strlen(probe);
  CHECK(stance_model_predict_spans(m, sc, probe, whole[1], whole, 1, p, NULL) == 0);
  for (t = 0; t < 2; t++) {
    CHECK(stance_model_trained(m, t));
    CHECK(p[t * 4 + 3] == 0.0);
    CHECK(fabs(p[t * 4] + p[t * 4 + 1] + p[t * 4 + 2] - 1) < 1e-9);
  }
  stance_model_scratch_free(sc);
  stance_model_free(m);
  stance_dataset_free(d);
  /* target 0: only "against" (2) and none; target 1: only none */
  d = stance_dataset_new(&f, 2, 3);
  labels[0] = 2, labels[1] = 0;
  CHECK(stance_dataset_add_text(d, "Sanctions failed.", 17, labels, 0) == 0);
  CHECK(stance_dataset_add_text(d, "Sanctions must not go on.", 25, labels, 1) == 0);
  labels[0] = 0;
  CHECK(stance_dataset_add_text(d, "Lunch at noon.", 14, labels, 0) == 0);
  CHECK(stance_dataset_add_text(d, "The weather was fine.", 21, labels, 1) == 0);
  labels[0] = -1; /* unknown: not an example */
  CHECK(stance_dataset_add_text(d, "Talks.", 6, labels, 1) == 0);
  CHECK_INT(stance_dataset_count(d, 0, 2, 0), 2);
  CHECK_INT(stance_dataset_count(d, 0, 0, 0), 2);
  CHECK_INT(stance_dataset_count(d, 0, 2, 1), 0); /* target 0's terms are "talk*": none mentions one */
  CHECK_INT(stance_dataset_count(d, 1, 0, 1), 2); /* target 1's ("sanction*"): two with none */
  m = stance_model_train(d, &o);
  sc = stance_model_scratch_new(m);
  CHECK(stance_model_trained(m, 0));
  CHECK(!stance_model_trained(m, 1));
  CHECK(stance_model_predict_spans(m, sc, probe, whole[1], whole, 1, p, NULL) == 0);
  CHECK(p[1] == 0.0);             /* favor was never seen */
  CHECK(p[0] > 0 && p[2] > 0);    /* none and against */
  CHECK(p[3] == 0 && p[4] == 0 && p[5] == 0); /* no model for target 1 */
  stance_model_scratch_free(sc);
  stance_model_free(m);
  stance_dataset_free(d);
  stance_cues_free(cues);
  stance_cues_free(terms);
}

/* The calibration's term offsets reach the predictions. Target 1's term "maximum pressure"
 * is a phrase; with words alone as features, "maximum pressure" and "pressure maximum" look
 * the same to the classifier, and only the term tells them apart: a sentence that names the
 * target gets about the share of stances seen among the named ones (three in four), one that
 * does not about none; without term offsets both get the same. */
static void model_calibrates_with_the_targets_terms(void) {
  static const char *filler[] = {"today", "again", "now", "here", "then", "still", "once", "soon"};
  stance_cues *cues, *terms;
  stance_features f;
  stance_train_opts o;
  static const char *named = "We want maximum pressure soon.", *other = "We want pressure maximum soon.";
  double pn[6], po[6];
  size_t i, wn[2] = {0, 0}, wo[2] = {0, 0};
  int off;
  matchers(&cues, &terms);
  memset(&f, 0, sizeof f);
  f.set = STANCE_FEAT_WORDS;
  f.char_min = 2;
  f.char_max = 5;
  f.cues = cues;
  f.terms = terms;
  wn[1] = strlen(named);
  wo[1] = strlen(other);
  for (off = 1; off >= 0; off--) {
    stance_dataset *d = stance_dataset_new(&f, 2, 3);
    stance_model *m;
    stance_model_scratch *sc;
    CHECK(d != NULL);
    for (i = 0; i < 240; i++) {
      int labels[2] = {0, 0};
      char text[64];
      size_t j = i / 2; /* pairs: one sentence named, one not, with the same filler word */
      int is_named = i % 2 == 0;
      snprintf(text, sizeof text, "We want %s %s.", is_named ? "maximum pressure" : "pressure maximum",
               filler[(j / 4) % 8]);
      if (is_named) labels[1] = j % 4 == 0 ? 0 : 2; /* named: against three times in four */
      CHECK(stance_dataset_add_text(d, text, strlen(text), labels, (uint32_t)(i % 6)) == 0);
    }
    stance_train_opts_default(&o);
    o.term_offsets = off;
    m = stance_model_train(d, &o);
    sc = stance_model_scratch_new(m);
    CHECK(m != NULL && sc != NULL && stance_model_trained(m, 1));
    CHECK(stance_model_predict_spans(m, sc, named, wn[1], wn, 1, pn, NULL) == 0);
    CHECK(stance_model_predict_spans(m, sc, other, wo[1], wo, 1, po, NULL) == 0);
    if (off) {
      CHECK(pn[3 + 2] > 0.6 && pn[3 + 2] < 0.9);
      CHECK(po[3 + 2] < 0.05);
    } else {
      CHECK(fabs(pn[3 + 2] - po[3 + 2]) < 1e-9);
    }
    stance_model_scratch_free(sc);
    stance_model_free(m);
    stance_dataset_free(d);
  }
  stance_cues_free(cues);
  stance_cues_free(terms);
}

/* Calibration recovers the scale and offsets that generated the classes. */
static void calibration_fits_scale_and_offsets(void) {
  size_t n = 4000, i;
  double *s = malloc(n * 2 * sizeof *s), a, b[2];
  int *y = malloc(n * sizeof *y);
  uint64_t r = 5;
  for (i = 0; i < n; i++) {
    double score = ((double)((r = r * 6364136223846793005ull + 1) >> 11) / 9007199254740992.0) * 8 - 4;
    double p1 = 1 / (1 + exp(-(0.5 * score - 1))); /* true scale 0.5, offset -1 */
    double u = (double)((r = r * 6364136223846793005ull + 1) >> 11) / 9007199254740992.0;
    s[2 * i] = 0;
    s[2 * i + 1] = score;
    y[i] = u < p1;
  }
  stance_calibrate(s, NULL, y, n, 2, &a, b, NULL);
  CHECK(fabs(a - 0.5) < 0.1);
  CHECK(fabs(b[1] + 1) < 0.2);
  CHECK(b[0] == 0);
  stance_calibrate(s, NULL, y, 3, 2, &a, b, NULL); /* too few: left alone */
  CHECK(a == 1 && b[1] == 0);
  free(s);
  free(y);
}

/* With a binary input x besides the scores (the sentence names the target), calibration
 * fits its per-class offsets: here the class follows x, the scores are noise. An x
 * that never varies gets no offset. */
static void calibration_weighs_an_input_besides_the_score(void) {
  size_t n = 3000, i;
  double *s = malloc(n * 3 * sizeof *s), a, b[3], g[3];
  unsigned char *x = malloc(n);
  int *y = malloc(n * sizeof *y);
  uint64_t r = 11;
  for (i = 0; i < n; i++) {
    double u = (double)((r = r * 6364136223846793005ull + 1) >> 11) / 9007199254740992.0;
    double v = (double)((r = r * 6364136223846793005ull + 1) >> 11) / 9007199254740992.0;
    x[i] = u < 0.2;
    /* named: class 1 four times in five; else class 0 nineteen times in twenty */
    y[i] = x[i] ? (v < 0.8 ? 1 : 0) : (v < 0.95 ? 0 : 2);
    s[3 * i] = 0; /* scores that tell nothing */
    s[3 * i + 1] = (double)((r = r * 6364136223846793005ull + 1) >> 11) / 9007199254740992.0 - 0.5;
    s[3 * i + 2] = (double)((r = r * 6364136223846793005ull + 1) >> 11) / 9007199254740992.0 - 0.5;
  }
  stance_calibrate(s, x, y, n, 3, &a, b, g);
  CHECK(g[0] == 0 && b[0] == 0);
  CHECK(g[1] > 2);                                  /* named: class 1 much likelier */
  CHECK(b[1] < -2);                                 /* not named: class 1 rare */
  {
    double z1 = b[1] + g[1], z0 = 0, z2 = b[2] + g[2]; /* named, scores 0 */
    double p1 = exp(z1) / (exp(z0) + exp(z1) + exp(z2));
    CHECK(p1 > 0.72 && p1 < 0.88);
  }
  for (i = 0; i < n; i++) x[i] = 1;
  stance_calibrate(s, x, y, n, 3, &a, b, g);
  CHECK(g[1] == 0 && g[2] == 0);
  free(s);
  free(x);
  free(y);
}

typedef struct seen {
  uint32_t ids[512];
  size_t n;
  uint64_t terms;
  size_t words;
} seen;

static int s_feature(void *ud, size_t k, uint32_t id) {
  seen *s = ud;
  (void)k;
  if (s->n < 512) s->ids[s->n++] = id;
  return 0;
}
static int s_word(void *ud, size_t k, uint64_t h, const char *w, size_t n, const uint32_t *grams, size_t ngrams) {
  seen *s = ud;
  size_t i;
  (void)k, (void)h, (void)w, (void)n;
  s->words++;
  for (i = 0; i < ngrams; i++) s_feature(ud, k, grams[i]);
  return 0;
}
static int s_end(void *ud, size_t k, uint64_t terms) {
  seen *s = ud;
  (void)k;
  s->terms = terms;
  return 0;
}

/* The features of a sentence: pairs and triples within phrases, marks, terms told even when
 * they are not features, character n-grams of each word. */
static void features_of_a_sentence(void) {
  stance_cues *cues, *terms;
  stance_features f;
  stance_feature_sink sink = {s_feature, s_word, s_end, NULL};
  seen s;
  static const char *t = "We should talk, not impose maximum pressure.";
  size_t whole[2] = {0, 0}, i, marks = 0, k;
  uint32_t out[STANCE_FEAT_WORD_MAX];
  matchers(&cues, &terms);
  features_all(&f, cues, terms);
  whole[1] = strlen(t);
  memset(&s, 0, sizeof s);
  sink.ud = &s;
  CHECK(stance_features_walk(&f, t, whole[1], whole, 1, &sink) == 0);
  CHECK_INT(s.words, 7);
  CHECK(s.terms == 3); /* talks (1) and sanctions (2, by "maximum pressure") */
  for (i = 0; i < s.n; i++) marks += STANCE_BLOCK_OF(s.ids[i]) == STANCE_BLOCK_MARKS;
  /* cues: should (1), not (4); terms 2; term x cue 2 x 2 */
  CHECK_INT(marks, 2 + 2 + 4);
  /* pairs: we-should, should-talk | not-impose, impose-maximum, maximum-pressure: 5;
   * triples: 1 + 2 */
  CHECK_INT(s.n - marks, 5 + 3);
  f.set = STANCE_FEAT_ALL & ~STANCE_FEAT_TERMS;
  memset(&s, 0, sizeof s);
  CHECK(stance_features_walk(&f, t, whole[1], whole, 1, &sink) == 0);
  CHECK(s.terms == 3);
  /* "talk": the word and its n-grams of 2..5 bytes in "<talk>" (6 bytes): 5 + 4 + 3 + 2 */
  k = stance_features_word(&f, stance_features_hash("talk", 4), "talk", 4, out);
  CHECK_INT(k, 1 + 14);
  CHECK_INT(STANCE_BLOCK_OF(out[0]), STANCE_BLOCK_WORDS);
  CHECK_INT(STANCE_BLOCK_OF(out[1]), STANCE_BLOCK_CHARS);
  stance_cues_free(cues);
  stance_cues_free(terms);
}

/* The SVM started from a solution (warm start, as the calibration folds' are) stays at it:
 * its weights are those of the cold start; and the solution it reaches from a start of all
 * zeros is the cold start's, bit for bit. */
static void svm_warm_start_keeps_the_solution(void) {
  enum { N = 40, F = 6 };
  size_t row[N + 1], i;
  uint32_t col[2 * N], idx[N];
  float val[2 * N];
  signed char y[N];
  double cost[N], w[F + 1], w2[F + 1], w3[F + 1], alpha[N], zeros[N];
  stance_csr x;
  int f;
  for (i = 0; i < N; i++) { /* feature i % 3 says +1, 3 + i % 3 says -1; every 7th noisy */
    int pos = i % 2 == 0;
    row[i] = 2 * i;
    col[2 * i] = (uint32_t)((pos ? 0 : 3) + i % 3);
    val[2 * i] = 1;
    col[2 * i + 1] = (uint32_t)((i * 5) % F);
    val[2 * i + 1] = 0.5f;
    y[i] = (signed char)((pos ? 1 : -1) * (i % 7 == 0 ? -1 : 1));
    cost[i] = 1;
    idx[i] = (uint32_t)i;
    alpha[i] = zeros[i] = 0;
  }
  row[N] = 2 * N;
  x.n = N, x.row = row, x.col = col, x.val = val, x.features = F;
  CHECK(stance_linear_svm(&x, idx, N, y, cost, 1e-6, 1000, w, alpha) == 0);
  CHECK(stance_linear_svm(&x, idx, N, y, cost, 1e-6, 1000, w2, zeros) == 0);
  for (f = 0; f <= F; f++) CHECK(memcmp(&w[f], &w2[f], sizeof(double)) == 0);
  CHECK(stance_linear_svm(&x, idx, N, y, cost, 1e-6, 1, w3, alpha) == 0); /* one pass from the solution */
  for (f = 0; f <= F; f++) CHECK(fabs(w3[f] - w[f]) < 1e-4);
  CHECK(w[0] > 0 && w[3] < 0);
}

/* max_features: past it, the features of the fewest examples are left out, and a sentence of
 * those alone scores as a sentence of unknown words; within it, every feature is learnt. */
static void model_keeps_the_most_frequent_features(void) {
  static const char *ex[] = {"alpha beta", "alpha gamma", "alpha delta", "omega epsilon", "omega zeta"};
  static const int labels[] = {1, 1, 2, 2, 0};
  static const size_t max[] = {0, 7, 8, 6, 1};
  static const size_t kept[] = {7, 7, 7, 2, 1}; /* of 2 examples or more: alpha (3), omega (2) */
  stance_features f;
  stance_train_opts o;
  double p[4][3];
  size_t i, c;
  memset(&f, 0, sizeof f);
  f.set = STANCE_FEAT_WORDS;
  f.char_min = 2;
  f.char_max = 5;
  for (i = 0; i < sizeof max / sizeof *max; i++) {
    static const char *probe[] = {"beta", "unknown", "alpha", "omega"};
    stance_dataset *d = stance_dataset_new(&f, 1, 3);
    stance_model *m;
    stance_model_scratch *sc;
    size_t k;
    CHECK(d != NULL);
    for (k = 0; k < sizeof ex / sizeof *ex; k++)
      CHECK(stance_dataset_add_text(d, ex[k], strlen(ex[k]), &labels[k], (uint32_t)k) == 0);
    stance_train_opts_default(&o);
    o.max_features = max[i];
    o.folds = 0;
    CHECK((m = stance_model_train(d, &o)) != NULL);
    CHECK(stance_model_features(m) == kept[i]);
    CHECK((sc = stance_model_scratch_new(m)) != NULL);
    for (k = 0; k < 4; k++) {
      size_t whole[2] = {0, 0};
      whole[1] = strlen(probe[k]);
      CHECK(stance_model_predict_spans(m, sc, probe[k], whole[1], whole, 1, p[k], NULL) == 0);
    }
    /* "beta" was in one example: learnt, or left out and then worth nothing */
    if (kept[i] == 7) CHECK(fabs(p[0][1] - p[1][1]) > 1e-6);
    else
      for (c = 0; c < 3; c++) CHECK(memcmp(&p[0][c], &p[1][c], sizeof(double)) == 0);
    CHECK(fabs(p[2][1] - p[1][1]) > 1e-6); /* alpha: learnt, always */
    if (kept[i] == 1)
      for (c = 0; c < 3; c++) CHECK(memcmp(&p[3][c], &p[1][c], sizeof(double)) == 0);
    else CHECK(fabs(p[3][1] - p[1][1]) > 1e-6);
    stance_model_scratch_free(sc);
    stance_model_free(m);
    stance_dataset_free(d);
  }
}

/* A scratch that grows (past as many new words as half its entries) predicts what scratches
 * that never grow predict, bit for bit: 90k words, never seen before, in sentences of ten,
 * predicted in one walk, and in parts of 500 sentences, each with a fresh scratch. */
static void model_scratch_grows_with_the_same_results(void) {
  enum { WORDS = 90000, PER = 10, PART = 500 };
  static const char *stems[] = {"talk", "sanction", "press", "never", "clear", "peace", "fail", "must"};
  stance_features f;
  stance_dataset *d;
  stance_model *m;
  stance_model_scratch *big, *part = NULL;
  stance_train_opts o;
  size_t cap = (size_t)WORDS * 24, len = 0, n = 0, k, entries, bad = 0;
  size_t *sp = malloc((WORDS / PER + 1) * 2 * sizeof *sp);
  char *text = malloc(cap);
  double *one, *parts;
  int i;
  CHECK(sp != NULL && text != NULL);
  if (sp == NULL || text == NULL) return;
  for (i = 0; i < WORDS; i++) {
    if (i % PER == 0) sp[2 * n] = len;
    len += (size_t)sprintf(text + len, "%s%x%s", stems[i % 8], (unsigned)i * 2654435761u, (i + 1) % PER ? " " : ".");
    if ((i + 1) % PER == 0) {
      sp[2 * n + 1] = len;
      n++;
      text[len++] = ' ';
    }
  }
  memset(&f, 0, sizeof f);
  f.set = STANCE_FEAT_DEFAULT;
  f.char_min = 2;
  f.char_max = 5;
  d = toy_dataset(&f, 0);
  stance_train_opts_default(&o);
  m = stance_model_train(d, &o);
  big = stance_model_scratch_new(m);
  CHECK(m != NULL && big != NULL);
  entries = stance_model_scratch_entries(big);
  one = malloc(n * 6 * sizeof *one);
  parts = malloc(n * 6 * sizeof *parts);
  CHECK(one != NULL && parts != NULL);
  CHECK(stance_model_predict_spans(m, big, text, len, sp, n, one, NULL) == 0);
  CHECK(stance_model_scratch_entries(big) == 2 * entries); /* it grew */
  for (k = 0; k < n; k += PART) {
    size_t c = n - k < PART ? n - k : PART;
    part = stance_model_scratch_new(m);
    CHECK(part != NULL);
    CHECK(stance_model_predict_spans(m, part, text, len, sp + 2 * k, c, parts + k * 6, NULL) == 0);
    CHECK(stance_model_scratch_entries(part) == entries); /* it did not */
    stance_model_scratch_free(part);
  }
  for (k = 0; k < n * (size_t)stance_model_targets(m) * (size_t)stance_model_classes(m); k++)
    if (memcmp(&one[k], &parts[k], sizeof one[k]) != 0) bad++;
  CHECK_INT(bad, 0);
  free(one);
  free(parts);
  free(sp);
  free(text);
  stance_model_scratch_free(big);
  stance_model_free(m);
  stance_dataset_free(d);
}

const test_case model_tests[] = {
    {"model_keeps_the_most_frequent_features", model_keeps_the_most_frequent_features},
    {"model_predicts_spans_as_each_alone", model_predicts_spans_as_each_alone},
    {"model_scratch_grows_with_the_same_results", model_scratch_grows_with_the_same_results},
    {"model_training_is_deterministic", model_training_is_deterministic},
    {"model_invents_no_class", model_invents_no_class},
    {"model_threshold_needs_a_signal", model_threshold_needs_a_signal},
    {"calibration_fits_scale_and_offsets", calibration_fits_scale_and_offsets},
    {"model_calibrates_with_the_targets_terms", model_calibrates_with_the_targets_terms},
    {"calibration_weighs_an_input_besides_the_score", calibration_weighs_an_input_besides_the_score},
    {"features_of_a_sentence", features_of_a_sentence},
    {"svm_warm_start_keeps_the_solution", svm_warm_start_keeps_the_solution},
    {NULL, NULL}};
