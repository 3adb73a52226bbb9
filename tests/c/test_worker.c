/* worker.c and job.c: completion, progress, cancellation, failure, shutdown. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "check.h"
#include "worker_run.h"
#include <math.h>
#include <string.h>

#include "hashjob.h"
#include "indexfile.h"
#include "indexjob.h"
#include "query.h"
#include "modeljob.h"
#include "walk.h"
#include "worker.h"

/* Drain until `job` delivers its DONE event; counts the progress events seen on the way
 * (worker_run.h: the other suites' jobs too). */
int test_run_to_end(stance_worker *w, stance_job *job, int *progress_events) {
  stance_event ev[16];
  int done = 0, spins = 0;
  if (progress_events) *progress_events = 0;
  while (!done && spins++ < 10000) {
    size_t n, i;
    stance_worker_wait(w, 1000);
    n = stance_worker_drain(w, ev, 16);
    for (i = 0; i < n; i++) {
      if (ev[i].job == job && ev[i].kind == STANCE_EVENT_DONE) done = 1;
      if (ev[i].job == job && ev[i].kind == STANCE_EVENT_PROGRESS && progress_events)
        (*progress_events)++;
      stance_job_unref(ev[i].job);
    }
  }
  return done;
}

static void worker_hashes_a_folder(void) {
  const char *d = tmp_dir();
  char err[256], name[64], body[256], hex[STANCE_HASH_HEXLEN + 1];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  const stance_hash_result *r;
  stance_job_progress p;
  stance_job *job;
  size_t n, i;
  int k;
  CHECK(w != NULL);
  for (k = 0; k < 50; k++) {
    snprintf(name, sizeof name, "doc%02d.txt", k);
    snprintf(body, sizeof body, "document number %d\n", k);
    tmp_write(d, name, body, (size_t)-1);
  }
  job = stance_hashjob_new(d, NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(stance_job_id(job) > 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  n = stance_hashjob_results(job, &r);
  CHECK_INT(n, 50);
  for (i = 0; i < n; i++) {
    snprintf(name, sizeof name, "doc%02d.txt", (int)i);
    snprintf(body, sizeof body, "document number %d\n", (int)i);
    stance_hash_buffer(body, strlen(body), hex);
    CHECK_STR(r[i].path, name);
    CHECK(r[i].error == NULL);
    CHECK_STR(r[i].hex, hex);
  }
  stance_job_get_progress(job, &p);
  CHECK_INT(p.done, 50);
  CHECK_INT(p.total, 50);
  CHECK_INT(p.bytes, p.total_bytes);
  stance_job_unref(job);
  stance_worker_free(w);
  tmp_cleanup(d);
}

/* The model job: reads the classes of the sentences (given labels; a layer's file marked done,
 * where a sentence without a stance is "no stance"; unknown elsewhere), trains, then predicts
 * the sentences of unknown class (all of them for a document asked so), on several pool
 * threads, as a model trained on the same examples in the same order and applied sentence by
 * sentence. */
static void worker_trains_and_predicts_a_model(void) {
  const char *d = tmp_dir();
  char err[256], name[64];
  static const char *texts[3] = {"We should talk. Talks work. Sanctions failed.\n\nThey must not fail. Perhaps.",
                                 "Sanctions failed clearly. We should not talk. Talks never work.",
                                 "Caf\xc3\xa9 talks work. Sanctions must not fail. Perhaps we should. Never."};
  /* target 0 ("t"): classes 0 none, 1 "a", 2 "b" */
  stance_model_label l0[] = {{0, 15, 0, 1}, {16, 27, 0, 1}, {28, 45, 0, 2}}, l1[] = {{26, 45, 0, 2}, {0, 25, 0, 0}};
  static const struct {
    int doc;
    size_t a, b;
    int labels[2];
  } ref_ex[] = {{0, 0, 15, {1, -1}},  {0, 16, 27, {1, -1}}, {0, 28, 45, {2, -1}}, {1, 0, 25, {0, -1}},
                {1, 26, 45, {2, -1}}, {2, 0, 17, {0, 0}},   {2, 18, 42, {2, 0}},  {2, 43, 61, {0, 1}},
                {2, 62, 68, {0, 0}}};
  stance_model_doc docs[3];
  stance_model_opts o;
  static const char *stances[] = {"a", "b", NULL}, *targets[] = {"t", "u", NULL}, *layers[] = {"x", "y", NULL};
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_cues *cues = stance_cues_new(), *terms = stance_cues_new();
  stance_dataset *data;
  stance_model *ref;
  stance_model_scratch *sc;
  stance_job *job;
  const stance_model_result *r;
  size_t k;
  CHECK(w != NULL && cues != NULL && terms != NULL);
  CHECK(stance_cues_add(cues, "should", 6, 1) >= 0);
  CHECK(stance_cues_add(cues, "fail*", 5, 2) >= 0);
  CHECK(stance_cues_add(terms, "talk*", 5, 1) >= 0);
  CHECK(stance_cues_add(terms, "sanction*", 9, 2) >= 0);
  for (k = 0; k < 3; k++) {
    snprintf(name, sizeof name, "d%d.txt", (int)k);
    tmp_write(d, name, texts[k], (size_t)-1);
  }
  /* d2's classes come from an annotation file of the layer "x", marked done */
  tmp_write(d, ".stance/annotations/x/d2.txt.stance",
            "format stance 1\n\ndocument d2.txt\n  status done\n\nannotation a1\n  span 17-41\n  label l\n"
            "  target t\n  stance b\n\nannotation a2\n  span 42-60\n  label l\n  target u\n  stance a\n\n"
            "annotation a3\n  span 0-4\n  label l\n  target other\n  stance a\n",
            (size_t)-1);
  /* d1's file of the layer "y" has errors (a git conflict marker cuts its record): learnt from not
   * at all, and said in d1's result */
  tmp_write(d, ".stance/annotations/y/d1.txt.stance",
            "format stance 1\n\ndocument d1.txt\n  status done\n\nannotation b1\n<<<<<<< HEAD\n  span 0-4\n",
            (size_t)-1);
  memset(docs, 0, sizeof docs);
  docs[0].path = "d0.txt", docs[0].labels = l0, docs[0].nlabels = 3, docs[0].predict = STANCE_PREDICT_UNKNOWN;
  docs[1].path = "d1.txt", docs[1].labels = l1, docs[1].nlabels = 2, docs[1].predict = STANCE_PREDICT_UNKNOWN;
  docs[2].path = "d2.txt", docs[2].predict = STANCE_PREDICT_ALL;
  docs[0].learn = docs[1].learn = docs[2].learn = 1;
  memset(&o, 0, sizeof o);
  o.targets = 2;
  o.target_names = targets;
  o.classes = 3;
  o.stance_names = stances;
  o.layers = layers;
  o.features.set = STANCE_FEAT_ALL;
  o.features.char_min = 2;
  o.features.char_max = 5;
  o.features.cues = cues;
  o.features.terms = terms;
  stance_train_opts_default(&o.train);
  job = stance_modeljob_new(d, docs, 3, &o);
  CHECK(job != NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  CHECK_INT(stance_modeljob_results(job, &r), 3);
  CHECK_INT(stance_modeljob_examples(job, 0, 0, 0), 4);
  CHECK_INT(stance_modeljob_examples(job, 0, 1, 0), 2);
  CHECK_INT(stance_modeljob_examples(job, 0, 2, 0), 3);
  CHECK_INT(stance_modeljob_examples(job, 1, 0, 0), 3);
  CHECK_INT(stance_modeljob_examples(job, 1, 1, 0), 1);
  CHECK_INT(stance_modeljob_examples(job, 1, 2, 0), 0);
  CHECK(stance_model_trained(stance_modeljob_model(job), 0) && stance_model_trained(stance_modeljob_model(job), 1));
  CHECK_INT(r[0].sentences, 5);
  CHECK_INT(r[0].n, 5); /* target u is unknown in every sentence of d0 */
  CHECK_INT(r[0].known[0 * 2 + 0], 1);
  CHECK_INT(r[0].known[0 * 2 + 1], -1);
  CHECK_INT(r[0].known[3 * 2 + 0], -1); /* not read: unknown, not "no stance" */
  CHECK_INT(r[1].n, 3);
  CHECK_INT(r[1].known[0], 0);
  CHECK_INT(r[2].n, 4);
  CHECK_INT(r[2].start[1], 17); /* code points, not bytes */
  CHECK_INT(r[2].known[1 * 2 + 0], 2);
  CHECK_INT(r[2].known[2 * 2 + 1], 1);
  CHECK_INT(r[2].known[0 * 2 + 0], 0); /* done: read without a stance */
  CHECK(r[2].terms[0] == 1 && r[2].terms[1] == 2);
  CHECK_INT(r[0].nskipped + r[2].nskipped, 0);
  CHECK_INT(r[1].nskipped, 1);
  CHECK(strcmp(r[1].skipped[0].layer, "y") == 0);
  CHECK_INT(r[1].skipped[0].line, 6);
  CHECK_INT(r[1].skipped[0].col, 1);
  CHECK(r[1].skipped[0].errors >= 2);
  CHECK(strstr(r[1].skipped[0].message, ", because a git conflict marker cuts its record (line 7: unresolved git merge "
                                        "conflict") != NULL);
  /* the same model, trained here on the same examples in the same order */
  data = stance_dataset_new(&o.features, 2, 3);
  for (k = 0; k < sizeof ref_ex / sizeof *ref_ex; k++)
    CHECK(stance_dataset_add_text(data, texts[ref_ex[k].doc] + ref_ex[k].a, ref_ex[k].b - ref_ex[k].a, ref_ex[k].labels,
                                  (uint32_t)ref_ex[k].doc) == 0);
  ref = stance_model_train(data, &o.train);
  sc = stance_model_scratch_new(ref);
  CHECK(ref != NULL && sc != NULL);
  for (k = 0; k < 3; k++) {
    size_t i;
    for (i = 0; i < r[k].n; i++) {
      double p[6];
      int c;
      size_t a = r[k].start[i], b = r[k].end[i], whole[2];
      if (k == 2) a += a > 3, b += b > 3; /* after the one two-byte character */
      whole[0] = 0;
      whole[1] = b - a;
      CHECK(stance_model_predict_spans(ref, sc, texts[k] + a, b - a, whole, 1, p, NULL) == 0);
      for (c = 0; c < 6; c++) CHECK(fabs(p[c] - r[k].probs[i * 6 + (size_t)c]) < 1e-9);
    }
  }
  stance_model_scratch_free(sc);
  stance_model_free(ref);
  stance_dataset_free(data);
  stance_job_unref(job);
  stance_cues_free(cues);
  stance_cues_free(terms);
  stance_worker_free(w);
  tmp_cleanup(d);
}

/* The model job on 1, 2 and 3 threads: the same results, bit for bit. With more than one
 * thread, the threads that find the model still training prepare the documents they take
 * and score them once it is made (modeljob.c's stash): documents that could not be read,
 * documents with nothing to predict, and documents whose classes come from an annotation
 * file (read by another thread: never prepared before it is read), among them. */
#define SAME_DOCS 160
static stance_job *model_job_on(stance_worker *w, const char *d, const stance_model_doc *docs, size_t n) {
  static const char *stances[] = {"favor", "against", NULL}, *layers[] = {"x", NULL};
  stance_model_opts o;
  stance_job *job;
  memset(&o, 0, sizeof o);
  o.targets = 1;
  o.classes = 3;
  o.stance_names = stances;
  o.layers = layers;
  o.features.set = STANCE_FEAT_ALL;
  o.features.char_min = 2;
  o.features.char_max = 4;
  stance_train_opts_default(&o.train);
  job = stance_modeljob_new(d, docs, n, &o);
  CHECK(job != NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  return job;
}

static void worker_predicts_the_same_on_any_number_of_threads(void) {
  static const char *words[] = {"sanctions", "failed", "talks", "work", "we", "should", "not", "engage",
                                "pressure", "never", "the", "regime", "must", "perhaps", "clearly", "diplomacy"};
  const char *d = tmp_dir();
  char err[256], name[64];
  char *text = malloc(200000);
  stance_model_doc docs[SAME_DOCS];
  stance_model_label *labels = malloc(2000 * sizeof *labels), none = {0, 1000000, 0, 0};
  stance_job *ref = NULL;
  const stance_model_result *a, *b;
  unsigned seed = 7;
  size_t i, k, nl = 0;
  int threads;
  CHECK(text != NULL && labels != NULL);
  memset(docs, 0, sizeof docs);
  for (i = 0; i < SAME_DOCS; i++) {
    size_t len = 0, sentences = i == 0 ? 1500 : 1 + i % 9, s;
    snprintf(name, sizeof name, "d%03d.txt", (int)i);
    for (s = 0; s < sentences; s++) {
      size_t start = len, w, nw = 4 + s % 7;
      for (w = 0; w < nw; w++) {
        seed = seed * 1103515245u + 12345u;
        len += (size_t)sprintf(text + len, "%s%s", w ? " " : "", words[(seed >> 16) % 16]);
      }
      text[start] = (char)(text[start] - 'a' + 'A'); /* a sentence starts with a capital */
      if (i == 0 && (strstr(text + start, "failed") || strstr(text + start, "talks"))) {
        /* the first document teaches: stances by its words; its other sentences have none
         * (its annotation file says it was read) */
        labels[nl].start = (uint32_t)start;
        labels[nl].end = (uint32_t)len;
        labels[nl].target = 0;
        labels[nl].cls = strstr(text + start, "failed") ? 2 : 1;
        nl++;
      }
      len += (size_t)sprintf(text + len, ". ");
    }
    docs[i].path = stance_strdup(name);
    CHECK(docs[i].path != NULL);
    docs[i].predict = STANCE_PREDICT_ALL;
    docs[i].learn = i == 0;
    if (i % 11 == 5) { /* every sentence known (none): nothing to predict */
      docs[i].predict = STANCE_PREDICT_UNKNOWN;
      docs[i].labels = &none;
      docs[i].nlabels = 1;
    }
    if (i == 0 || i % 13 == 7) { /* read all (no stance but the labels'), says the layer's file */
      char ann[160], path[128];
      if (i > 0) docs[i].predict = STANCE_PREDICT_UNKNOWN;
      snprintf(path, sizeof path, ".stance/annotations/x/%s.stance", name);
      snprintf(ann, sizeof ann, "format stance 1\n\ndocument %s\n  status done\n", name);
      tmp_write(d, path, ann, (size_t)-1);
    }
    if (i % 17 != 3) tmp_write(d, name, text, len); /* the others cannot be read */
  }
  docs[0].labels = labels;
  docs[0].nlabels = nl;
  for (threads = 1; threads <= 3; threads++) {
    stance_worker *w = stance_worker_new(threads, err, sizeof err);
    stance_job *job;
    CHECK(w != NULL);
    job = model_job_on(w, d, docs, SAME_DOCS);
    if (ref == NULL) {
      ref = job;
    } else {
      CHECK_INT(stance_modeljob_results(ref, &a), SAME_DOCS);
      CHECK_INT(stance_modeljob_results(job, &b), SAME_DOCS);
      for (i = 0; i < SAME_DOCS; i++) {
        CHECK((a[i].error == NULL) == (b[i].error == NULL));
        CHECK_INT(b[i].error != NULL, i % 17 == 3);
        CHECK_INT(a[i].sentences, b[i].sentences);
        CHECK_INT(a[i].n, b[i].n);
        CHECK_INT(b[i].n, i % 17 == 3 || i % 11 == 5 || i % 13 == 7 ? 0 : b[i].sentences);
        for (k = 0; k < b[i].n; k++) {
          CHECK(a[i].known[k] == b[i].known[k]);
          CHECK(a[i].start[k] == b[i].start[k] && a[i].end[k] == b[i].end[k] && a[i].terms[k] == b[i].terms[k]);
          CHECK(memcmp(a[i].probs + 3 * k, b[i].probs + 3 * k, 3 * sizeof *b[i].probs) == 0);
        }
      }
      stance_job_unref(job);
    }
    stance_worker_free(w);
  }
  CHECK_INT(stance_modeljob_results(ref, &a), SAME_DOCS);
  CHECK(a[1].n > 0 && a[1].probs[0] + a[1].probs[1] + a[1].probs[2] > 0.99);
  stance_job_unref(ref);
  for (i = 0; i < SAME_DOCS; i++) free((char *)docs[i].path);
  free(labels);
  free(text);
  tmp_cleanup(d);
}

/* A job whose single item runs until it is cancelled. */
static int block_run(stance_job *job) {
  while (stance_job_next(job) >= 0) {
    while (!stance_job_cancelled(job)) uv_sleep(1);
  }
  return 0;
}
static int block_prepare(stance_job *job) {
  stance_job_set_total(job, 1, 0);
  return 0;
}
static const stance_job_ops block_ops = {"block", block_prepare, block_run, NULL, NULL};

static void worker_cancels_a_running_job(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *job = stance_job_new(&block_ops, NULL);
  CHECK_INT(stance_worker_submit(w, job), 0);
  while (stance_job_get_state(job) == STANCE_JOB_PENDING) uv_sleep(1);
  CHECK_INT(stance_worker_active(w), 1);
  stance_job_cancel(job);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_CANCELLED);
  CHECK_INT(stance_worker_active(w), 0);
  stance_job_unref(job);
  stance_worker_free(w);
}

static void worker_reports_failure_with_a_message(void) {
  char err[256];
  stance_worker *w = stance_worker_new(0, err, sizeof err);
  stance_job *job = stance_hashjob_new("/nonexistent/stance/corpus", NULL);
  CHECK(stance_worker_tasks(w) >= 1);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_FAILED);
  CHECK(strstr(stance_job_error(job), "/nonexistent/stance/corpus") != NULL);
  stance_job_unref(job);
  stance_worker_free(w);
}

static void worker_free_stops_running_jobs(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *a = stance_job_new(&block_ops, NULL), *b = stance_job_new(&block_ops, NULL);
  CHECK_INT(stance_worker_submit(w, a), 0);
  CHECK_INT(stance_worker_submit(w, b), 0);
  while (stance_job_get_state(a) == STANCE_JOB_PENDING) uv_sleep(1);
  stance_worker_free(w); /* must not hang on the blocking jobs */
  CHECK_INT(stance_job_get_state(a), STANCE_JOB_CANCELLED);
  CHECK_INT(stance_job_get_state(b), STANCE_JOB_CANCELLED);
  stance_job_unref(a);
  stance_job_unref(b);
}

static int many_prepare(stance_job *job) {
  stance_job_set_total(job, 200000, 0);
  return 0;
}
static int many_run(stance_job *job) {
  while (stance_job_next(job) >= 0) stance_job_advance(job, 1, 1);
  return 0;
}
static const stance_job_ops many_ops = {"many", many_prepare, many_run, NULL, NULL};

static void worker_coalesces_progress(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *job = stance_job_new(&many_ops, NULL);
  stance_job_progress p;
  uint64_t t0 = uv_hrtime(), ms;
  int events = 0;
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, &events));
  ms = (uv_hrtime() - t0) / 1000000u;
  stance_job_get_progress(job, &p);
  CHECK_INT(p.done, 200000);
  CHECK_INT(p.bytes, 200000);
  /* 200000 advances, but at most one event per 20 ms interval. */
  CHECK(events <= (int)(ms / 20) + 2);
  stance_job_unref(job);
  stance_worker_free(w);
}

static void worker_runs_many_jobs_with_distinct_ids(void) {
  char err[256];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_job *jobs[20];
  stance_event ev[8];
  int k, done = 0, spins = 0;
  uint64_t seen = 0;
  for (k = 0; k < 20; k++) {
    jobs[k] = stance_job_new(&many_ops, NULL);
    CHECK_INT(stance_worker_submit(w, jobs[k]), 0);
    CHECK_INT(stance_job_id(jobs[k]), k + 1);
  }
  while (done < 20 && spins++ < 100000) {
    size_t n, i;
    stance_worker_wait(w, 1000);
    n = stance_worker_drain(w, ev, 8); /* smaller than the queue: drain must come back */
    for (i = 0; i < n; i++) {
      if (ev[i].kind == STANCE_EVENT_DONE) {
        done++;
        seen |= (uint64_t)1 << stance_job_id(ev[i].job);
      }
      stance_job_unref(ev[i].job);
    }
  }
  CHECK_INT(done, 20);
  CHECK_INT(seen, ((uint64_t)1 << 21) - 2);
  for (k = 0; k < 20; k++) stance_job_unref(jobs[k]);
  stance_worker_free(w);
}

static void worker_wait_times_out_when_idle(void) {
  char err[256];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  stance_event ev[4];
  CHECK_INT(stance_worker_wait(w, 10), 0);
  CHECK_INT(stance_worker_drain(w, ev, 4), 0);
  stance_worker_free(w);
}

/* Once watch_wait returns, a change right after is reported (no race with the loop thread
 * starting the watch): on a loaded machine, a write made just after asking used to be lost. */
static void worker_reports_a_change_made_right_after_watch_wait(void) {
  char err[256];
  int round;
  for (round = 0; round < 20; round++) {
    const char *d = tmp_dir();
    stance_worker *w = stance_worker_new(1, err, sizeof err);
    char **paths = NULL;
    int overflow = 0, spins = 0, found = 0;
    size_t n = 0, i;
    CHECK(w != NULL);
    CHECK_INT(stance_worker_watch(w, d, ""), 0);
    CHECK_INT(stance_worker_watch_wait(w, 5000), 1);
    tmp_write(d, "new.txt", "text\n", (size_t)-1);
    while (!found && spins++ < 500) {
      stance_worker_wait(w, 10);
      n = stance_worker_changes(w, &paths, &overflow);
      for (i = 0; i < n; i++) {
        if (strcmp(paths[i], "new.txt") == 0) found = 1;
        free(paths[i]);
      }
      free(paths);
      paths = NULL;
    }
    CHECK(found || overflow);
    stance_worker_free(w);
  }
}

/* The documents of `ix` that hold `word`. */
static size_t count_word(stance_index *ix, const char *word) {
  char err[128];
  size_t col, n = 0;
  stance_query *q = stance_query_parse(word, strlen(word), err, sizeof err, &col);
  CHECK(q != NULL);
  CHECK_INT(stance_query_count(q, ix, NULL, &n), 0);
  stance_query_free(q);
  return n;
}

/* Index, save and update jobs end with a new index built on the worker, which the owner
 * swaps in for the one the job started from; the old one is freed on the worker. A job whose
 * starting index was replaced since is stale. Paths of every kind (indexed, copied by a
 * save, loaded) outlive the index they came from (ASan). */
static void worker_builds_indexes_to_swap_in(void) {
  const char *d = tmp_dir();
  char err[256], dir[4096], name[64];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  stance_index *live = stance_index_new(), *fresh;
  stance_job *job, *stale_job;
  int k, stale, round;
  CHECK(w != NULL && live != NULL);
  snprintf(dir, sizeof dir, "%s/.stance/index.bin", d);
  tmp_write(d, ".stance/schema.stance", "", 0); /* the index folder's parent */
  for (k = 0; k < 30; k++) {
    snprintf(name, sizeof name, "sub%d/doc%02d.txt", k % 3, k);
    tmp_write(d, name, k == 7 ? "zeppelins here\n" : "plain words\n", (size_t)-1);
  }
  for (round = 0; round < 3; round++) {
    /* update (the first round from nothing), then save, each swapped in */
    job = stance_indexjob_new(d, NULL, NULL, NULL, round == 0 ? NULL : live, 2, dir);
    CHECK_INT(stance_worker_submit(w, job), 0);
    CHECK(test_run_to_end(w, job, NULL));
    CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
    fresh = stance_indexjob_take(job, live, &stale);
    CHECK(fresh != NULL && !stale && fresh != live);
    CHECK(stance_indexjob_take(job, live, &stale) == NULL && !stale); /* taken once */
    stance_job_unref(job);
    job = stance_releasejob_new(live);
    CHECK_INT(stance_worker_submit(w, job), 0);
    CHECK(test_run_to_end(w, job, NULL));
    stance_job_unref(job);
    live = fresh;
    CHECK_INT(count_word(live, "zeppelins"), round == 2 ? 2 : 1);
    job = stance_savejob_new(live, dir);
    CHECK_INT(stance_worker_submit(w, job), 0);
    CHECK(test_run_to_end(w, job, NULL));
    CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
    fresh = stance_savejob_take(job, live, &stale);
    CHECK(fresh != NULL && !stale);
    stance_job_unref(job);
    stance_index_free(live);
    live = fresh;
    CHECK_INT(count_word(live, "zeppelins"), round == 2 ? 2 : 1);
    if (round == 1) tmp_write(d, "sub1/new.txt", "more zeppelins\n", (size_t)-1);
  }
  /* two jobs from the same index: the second to land is stale */
  job = stance_indexjob_new(d, NULL, NULL, NULL, live, 2, dir);
  stale_job = stance_indexjob_new(d, NULL, NULL, NULL, live, 2, dir);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_worker_submit(w, stale_job), 0);
  CHECK(test_run_to_end(w, stale_job, NULL));
  fresh = stance_indexjob_take(job, live, &stale);
  CHECK(fresh != NULL && !stale);
  stance_index_free(live);
  live = fresh;
  CHECK(stance_indexjob_take(stale_job, live, &stale) == NULL && stale);
  stance_job_unref(job);
  stance_job_unref(stale_job);
  /* loaded, then updated: paths in the loaded file outlive the loaded index */
  job = stance_loadjob_new(dir, 0);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  fresh = stance_loadjob_take(job);
  CHECK(fresh != NULL);
  stance_job_unref(job);
  stance_index_free(live);
  live = fresh;
  tmp_write(d, "sub2/doc05.txt", "zeppelins now\n", (size_t)-1);
  job = stance_indexjob_new(d, NULL, NULL, NULL, live, 2, dir);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  fresh = stance_indexjob_take(job, live, &stale);
  CHECK(fresh != NULL && !stale);
  stance_job_unref(job);
  stance_index_free(live);
  live = fresh;
  CHECK_INT(count_word(live, "zeppelins"), 3);
  stance_index_free(live);
  stance_worker_free(w);
  tmp_cleanup(d);
}

/* Bring the index saved in `d` up to date (from nothing when there is none) and save it. */
static void update_and_save(stance_worker *w, const char *d, const char *const *include) {
  char err[256], dir[4096];
  stance_index *live, *fresh;
  stance_job *job;
  int missing = 0, stale = 0;
  snprintf(dir, sizeof dir, "%s/.stance/index.bin", d);
  live = stance_index_load(dir, &missing, err, sizeof err);
  CHECK(live != NULL || missing);
  job = stance_indexjob_new(d, include, NULL, NULL, live, 2, dir);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  fresh = stance_indexjob_take(job, live, &stale);
  CHECK(fresh != NULL && !stale);
  stance_job_unref(job);
  stance_index_free(live);
  job = stance_savejob_new(fresh, dir);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_job_get_state(job), STANCE_JOB_DONE);
  stance_job_unref(job);
  stance_index_free(fresh);
}

/* stance_index_current on the index saved in `d`: 1 (n documents) or 0. */
static int saved_current(const char *d, const char *const *include, int threads, uint32_t *n) {
  char err[256], dir[4096];
  int missing = 0, rc;
  stance_index *ix;
  snprintf(dir, sizeof dir, "%s/.stance/index.bin", d);
  ix = stance_index_load(dir, &missing, err, sizeof err);
  CHECK(ix != NULL);
  if (ix == NULL) return -1;
  rc = stance_index_current(ix, d, include, NULL, threads, n);
  stance_index_free(ix);
  return rc;
}

static void path_in(char *out, size_t cap, const char *d, const char *rel) {
  CHECK((size_t)snprintf(out, cap, "%s/%s", d, rel) < cap);
}

/* The saved index checked on the caller's thread, as an update checks it: every change an
 * update would find is found (a document changed, even to the same size with its mtime put
 * back; added, also in a new subfolder; deleted; renamed; replaced by a rename; another
 * rule), on one thread and on several; a racy index is never called current. */
static void saved_index_is_checked_on_the_callers_thread(void) {
  enum { SAME, CHANGED, SAME_SIZE_MTIME_BACK, ADDED, ADDED_IN_NEW_FOLDER, ADDED_DEEPER, DELETED, RENAMED,
         FOLDER_RENAMED, REPLACED, OTHER_RULE, NCASES };
  static const char *const txt[] = {"*.txt", NULL};
  char dirs[NCASES + 1][4096], path[4096], path2[4096], err[256], name[64];
  stance_worker *w = stance_worker_new(2, err, sizeof err);
  uint32_t n = 0;
  int c, k, threads;
  CHECK(w != NULL);
  for (c = 0; c <= NCASES; c++) {
    /* case NCASES: a corpus large enough for the stats to be spread over threads */
    int docs = c == NCASES ? 9000 : 6;
    snprintf(dirs[c], sizeof dirs[c], "%s", tmp_dir());
    tmp_write(dirs[c], ".stance/schema.stance", "", 0);
    for (k = 0; k < docs; k++) {
      snprintf(name, sizeof name, "%s/doc%04d.txt", k % 3 == 0 ? "a" : k % 3 == 1 ? "a/b" : "c", k);
      tmp_write(dirs[c], name, "plain words\n", (size_t)-1);
    }
    tmp_write(dirs[c], "top.txt", "top words\n", (size_t)-1);
    update_and_save(w, dirs[c], NULL);
    /* just written: racy (within the clock's resolution of the check), never current */
    CHECK_INT(saved_current(dirs[c], NULL, 2, &n), 0);
  }
  /* more than 2 s later, checked again: nothing racy now */
  uv_sleep(2100);
  for (c = 0; c <= NCASES; c++) {
    int docs = c == NCASES ? 9000 : 6;
    update_and_save(w, dirs[c], NULL);
    for (threads = 1; threads <= 3; threads++) {
      n = 0;
      CHECK_INT(saved_current(dirs[c], NULL, threads, &n), 1);
      CHECK_INT(n, docs + 1);
    }
  }
  for (c = 0; c < NCASES; c++) {
    const char *d = dirs[c];
    struct stat st;
    struct timespec times[2];
    switch (c) {
    case CHANGED:
      tmp_write(d, "a/b/doc0001.txt", "plain words, more\n", (size_t)-1);
      break;
    case SAME_SIZE_MTIME_BACK:
      /* the same size, the modification time put back: only the change time tells */
      path_in(path, sizeof path, d, "c/doc0002.txt");
      CHECK_INT(stat(path, &st), 0);
      tmp_write(d, "c/doc0002.txt", "plain wordz\n", (size_t)-1);
      times[0] = st.st_atim;
      times[1] = st.st_mtim;
      CHECK_INT(utimensat(AT_FDCWD, path, times, 0), 0);
      break;
    case ADDED:
      tmp_write(d, "a/new.txt", "new words\n", (size_t)-1);
      break;
    case ADDED_IN_NEW_FOLDER:
      tmp_write(d, "new/new.txt", "new words\n", (size_t)-1);
      break;
    case ADDED_DEEPER:
      tmp_write(d, "a/b/new/new.txt", "new words\n", (size_t)-1);
      break;
    case DELETED:
      path_in(path, sizeof path, d, "a/doc0003.txt");
      CHECK_INT(remove(path), 0);
      break;
    case RENAMED:
      path_in(path, sizeof path, d, "a/doc0003.txt");
      path_in(path2, sizeof path2, d, "a/doc9999.txt");
      CHECK_INT(rename(path, path2), 0);
      break;
    case FOLDER_RENAMED:
      path_in(path, sizeof path, d, "a/b");
      path_in(path2, sizeof path2, d, "a/z");
      CHECK_INT(rename(path, path2), 0);
      break;
    case REPLACED:
      /* an editor's save: a new file renamed over the old one (a new inode) */
      tmp_write(d, "c/tmp.swp", "plain words\n", (size_t)-1);
      path_in(path, sizeof path, d, "c/tmp.swp");
      path_in(path2, sizeof path2, d, "c/doc0002.txt");
      CHECK_INT(rename(path, path2), 0);
      break;
    default:
      break;
    }
    n = 7;
    if (c == SAME) {
      CHECK_INT(saved_current(d, NULL, 2, &n), 1);
    } else if (c == OTHER_RULE) {
      CHECK_INT(saved_current(d, txt, 2, &n), 0);
      CHECK_INT(n, 0);
    } else {
      for (threads = 1; threads <= 2; threads++) {
        if (saved_current(d, NULL, threads, &n) != 0) check_fail(__FILE__, __LINE__, "case %d found current", c);
        CHECK_INT(n, 0);
      }
    }
  }
  /* the large corpus: a change in the last thread's part, then in the first's */
  tmp_write(dirs[NCASES], "c/doc8999.txt", "plain words, more\n", (size_t)-1);
  for (threads = 1; threads <= 3; threads++) CHECK_INT(saved_current(dirs[NCASES], NULL, threads, &n), 0);
  update_and_save(w, dirs[NCASES], NULL);
  uv_sleep(2100);
  update_and_save(w, dirs[NCASES], NULL);
  CHECK_INT(saved_current(dirs[NCASES], NULL, 2, &n), 1);
  tmp_write(dirs[NCASES], "a/b/doc0001.txt", "plain words, more\n", (size_t)-1);
  for (threads = 1; threads <= 3; threads++) CHECK_INT(saved_current(dirs[NCASES], NULL, threads, &n), 0);
  /* not a loaded index: never called current */
  {
    stance_index *empty = stance_index_new();
    CHECK_INT(stance_index_current(empty, dirs[0], NULL, NULL, 2, &n), 0);
    stance_index_free(empty);
  }
  for (c = 0; c <= NCASES; c++) tmp_cleanup(dirs[c]);
  stance_worker_free(w);
}

const test_case worker_tests[] = {
    {"worker_reports_a_change_made_right_after_watch_wait", worker_reports_a_change_made_right_after_watch_wait},
    {"worker_trains_and_predicts_a_model", worker_trains_and_predicts_a_model},
    {"worker_predicts_the_same_on_any_number_of_threads", worker_predicts_the_same_on_any_number_of_threads},
    {"worker_hashes_a_folder", worker_hashes_a_folder},
    {"worker_builds_indexes_to_swap_in", worker_builds_indexes_to_swap_in},
    {"saved_index_is_checked_on_the_callers_thread", saved_index_is_checked_on_the_callers_thread},
    {"worker_cancels_a_running_job", worker_cancels_a_running_job},
    {"worker_reports_failure_with_a_message", worker_reports_failure_with_a_message},
    {"worker_free_stops_running_jobs", worker_free_stops_running_jobs},
    {"worker_coalesces_progress", worker_coalesces_progress},
    {"worker_runs_many_jobs_with_distinct_ids", worker_runs_many_jobs_with_distinct_ids},
    {"worker_wait_times_out_when_idle", worker_wait_times_out_when_idle},
    {NULL, NULL}};
