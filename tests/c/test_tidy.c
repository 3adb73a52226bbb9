/* tidyjob.c: a layer file written canonical on the worker, only while nobody else wrote it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "check.h"
#include "worker_run.h"
#include "contain.h"
#include "hash.h"
#include "reader.h"
#include "tidyjob.h"
#include "worker.h"

/* Two annotations, the second (by position) first: an append left out of order. */
static const char out_of_order[] =
    "format stance 1\n"
    "\n"
    "document a.txt\n"
    "  annotator ana\n"
    "\n"
    "annotation bbbb01\n"
    "  span 20-30\n"
    "  label stance\n"
    "  target t\n"
    "  stance favor\n"
    "\n"
    "annotation aaaa01\n"
    "  span 0-10\n"
    "  label stance\n"
    "  target t\n"
    "  stance against\n";

static const char appended[] =
    "\n"
    "annotation cccc01\n"
    "  span 40-50\n"
    "  label stance\n"
    "  target t\n"
    "  stance favor\n";

static char *slurp(const char *path, size_t *len) {
  char *data = NULL, err[512];
  if (stance_read_file(path, NULL, 0, &data, len, err, sizeof err) != 0) return NULL;
  return data;
}

static void stamp_of(const char *path, char *out) {
  struct stat st;
  out[0] = '\0';
  if (lstat(path, &st) == 0) stance_stamp_of(&st, out, 128);
}

/* The canonical text of `text`, as the reader and writer make it (stance fmt, the editor). */
static char *canonical_of(const char *text, const char *annotator_header) {
  stance_problems p;
  stance_store *s;
  stance_buf b;
  stance_problems_init(&p);
  s = stance_read(text, strlen(text), NULL, &p);
  CHECK(s != NULL && p.errors == 0);
  if (annotator_header != NULL) stance_store_set_header(s, STANCE_H_ANNOTATOR, annotator_header);
  stance_buf_init(&b);
  CHECK_INT(stance_write(s, &b), STANCE_OK);
  stance_store_free(s);
  stance_problems_free(&p);
  return b.data;
}

/* A tidy job on `path` with the stamp it has now (or `stamp` when not NULL), run to its end. */
static stance_tidy_outcome tidy(stance_worker *w, const char *path, const char *stamp, const char *root,
                                const char *annotator, const char **why, stance_job **keep) {
  stance_tidy_opts o;
  char now[128], hex[STANCE_HASH_HEXLEN + 1];
  /* libcrypto first used on this thread, as in Neovim (else its first use on a pool thread
   * leaves a block LeakSanitizer reports when this table runs alone: the hash job's too) */
  stance_hash_buffer("", 0, hex);
  stance_job *job;
  stance_tidy_outcome out;
  stamp_of(path, now);
  memset(&o, 0, sizeof o);
  o.path = path;
  o.expect_stamp = stamp != NULL ? stamp : now;
  o.root = root;
  o.headers[STANCE_H_ANNOTATOR] = annotator;
  o.durable = 1;
  job = stance_tidyjob_new(&o);
  CHECK(job != NULL);
  if (job == NULL) return STANCE_TIDY_NONE;
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  out = stance_tidyjob_outcome(job, why);
  if (why != NULL) { /* (the job's own, freed with it) */
    static char copy[1400];
    snprintf(copy, sizeof copy, "%s", *why != NULL ? *why : "");
    *why = copy;
  }
  if (keep != NULL)
    *keep = job;
  else
    stance_job_unref(job);
  return out;
}

static void tidy_writes_the_canonical_text_in_place(void) {
  const char *d = tmp_dir();
  char path[PATH_MAX], err[256], before[128], after[128];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  stance_job *job = NULL;
  char *want = canonical_of(out_of_order, "ben"), *got, *text;
  size_t len, tlen;
  CHECK(w != NULL);
  tmp_write(d, "ana/a.txt.stance", out_of_order, (size_t)-1);
  snprintf(path, sizeof path, "%s/ana/a.txt.stance", d);
  stamp_of(path, before);
  CHECK_INT(tidy(w, path, NULL, d, "ben", NULL, &job), STANCE_TIDY_WRITTEN);
  got = slurp(path, &len);
  CHECK(got != NULL && len == strlen(want) && memcmp(got, want, len) == 0);
  CHECK(strstr(got, "aaaa01") < strstr(got, "bbbb01")); /* by position now */
  stamp_of(path, after);
  CHECK(strcmp(before, after) != 0);
  CHECK_STR(stance_tidyjob_stamp(job), after);
  {
    stance_job_progress pr;
    stance_job_get_progress(job, &pr);
    CHECK_INT(pr.done, 2); /* begun, then its locked write begun */
  }
  CHECK_INT(strlen(stance_tidyjob_hash(job)), 64);
  text = stance_tidyjob_take_text(job, &tlen);
  CHECK(text != NULL && tlen == len && memcmp(text, got, len) == 0);
  CHECK(stance_tidyjob_take_text(job, &tlen) == NULL); /* taken once */
  free(text);
  stance_job_unref(job);
  /* canonical now: the same again writes nothing */
  CHECK_INT(tidy(w, path, NULL, d, "ben", NULL, NULL), STANCE_TIDY_SAME);
  stamp_of(path, before);
  CHECK_STR(before, after);
  free(got);
  free(want);
  stance_worker_free(w);
  tmp_cleanup(d);
}

static void tidy_gives_up_on_a_file_changed_since_its_stamp(void) {
  const char *d = tmp_dir();
  char path[PATH_MAX], err[256], stamp[128];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  const char *why = NULL;
  char *got;
  size_t len;
  tmp_write(d, "a.stance", out_of_order, (size_t)-1);
  snprintf(path, sizeof path, "%s/a.stance", d);
  stamp_of(path, stamp);
  CHECK_INT(stance_append_file(path, appended, strlen(appended), strlen(out_of_order), stamp, NULL, NULL, 0, err,
                               sizeof err),
            0);
  /* the editor's stamp is the one before the append: nothing written */
  CHECK_INT(tidy(w, path, stamp, NULL, NULL, &why, NULL), STANCE_TIDY_CHANGED);
  CHECK(why != NULL && strstr(why, "changed on disk") != NULL);
  got = slurp(path, &len);
  CHECK(got != NULL && len == strlen(out_of_order) + strlen(appended) &&
        memcmp(got, out_of_order, strlen(out_of_order)) == 0);
  free(got);
  /* nor on a file that is gone */
  remove(path);
  CHECK_INT(tidy(w, path, stamp, NULL, NULL, NULL, NULL), STANCE_TIDY_CHANGED);
  CHECK(slurp(path, &len) == NULL);
  stance_worker_free(w);
  tmp_cleanup(d);
}

typedef struct append_ctx {
  const char *path;
  int step, rc;
} append_ctx;

/* Another writer appends a record while the job works (the editor's append, another Neovim). */
static void append_meanwhile(int step, void *arg) {
  append_ctx *c = arg;
  char stamp[128], err[256];
  struct stat st;
  if (step != c->step || c->rc != -100) return;
  stamp_of(c->path, stamp);
  if (stat(c->path, &st) != 0) return;
  c->rc = stance_append_file(c->path, appended, strlen(appended), (uint64_t)st.st_size, stamp, NULL, NULL, 0, err,
                             sizeof err);
}

static void tidy_gives_up_when_another_writer_appends_meanwhile(void) {
  int step;
  for (step = 1; step <= 2; step++) {
    const char *d = tmp_dir();
    char path[PATH_MAX], err[256];
    stance_worker *w = stance_worker_new(1, err, sizeof err);
    append_ctx c;
    const char *why = NULL;
    char *got;
    size_t len;
    tmp_write(d, "a.stance", out_of_order, (size_t)-1);
    snprintf(path, sizeof path, "%s/a.stance", d);
    c.path = path;
    c.step = step; /* once read and parsed; once its text is made, just before its locked write */
    c.rc = -100;
    stance_tidyjob_test_hook(append_meanwhile, &c);
    CHECK_INT(tidy(w, path, NULL, NULL, NULL, &why, NULL), STANCE_TIDY_CHANGED);
    stance_tidyjob_test_hook(NULL, NULL);
    CHECK_INT(c.rc, 0);
    /* both writers' records are there, as the other one left them: nothing lost */
    got = slurp(path, &len);
    CHECK(got != NULL && len == strlen(out_of_order) + strlen(appended));
    CHECK(got != NULL && memcmp(got, out_of_order, strlen(out_of_order)) == 0 &&
          strstr(got, "cccc01") != NULL);
    free(got);
    stance_worker_free(w);
    tmp_cleanup(d);
  }
}

static void tidy_refuses_a_file_with_an_error(void) {
  const char *d = tmp_dir();
  char path[PATH_MAX], err[256], before[128], after[128];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  const char *why = NULL;
  static const char broken[] =
      "format stance 1\n"
      "\n"
      "annotation bbbb01\n"
      "  span 20-30\n"
      "  label stance\n"
      "\n"
      "annotation aaaa01\n"
      "  span ten-twenty\n"
      "  label stance\n"
      "\n"
      "annotation cccc01\n"
      "  span 0-5\n"
      "  label stance\n";
  char *got;
  size_t len;
  tmp_write(d, "a.stance", broken, (size_t)-1);
  snprintf(path, sizeof path, "%s/a.stance", d);
  stamp_of(path, before);
  CHECK_INT(tidy(w, path, NULL, NULL, NULL, &why, NULL), STANCE_TIDY_ERRORS);
  CHECK(why != NULL && strstr(why, "a.stance:8:") != NULL);
  if (why != NULL && strstr(why, "a.stance:8:") == NULL) fprintf(stderr, "    (%s)\n", why);
  got = slurp(path, &len);
  CHECK(got != NULL && len == strlen(broken) && memcmp(got, broken, len) == 0); /* untouched */
  stamp_of(path, after);
  CHECK_STR(after, before);
  free(got);
  stance_worker_free(w);
  tmp_cleanup(d);
}

static void tidy_cancelled_before_it_starts_writes_nothing(void) {
  const char *d = tmp_dir();
  char path[PATH_MAX], err[256], stamp[128];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  stance_tidy_opts o;
  stance_job *job;
  char *got;
  size_t len;
  tmp_write(d, "a.stance", out_of_order, (size_t)-1);
  snprintf(path, sizeof path, "%s/a.stance", d);
  stamp_of(path, stamp);
  memset(&o, 0, sizeof o);
  o.path = path;
  o.expect_stamp = stamp;
  job = stance_tidyjob_new(&o);
  stance_job_cancel(job);
  CHECK_INT(stance_worker_submit(w, job), 0);
  CHECK(test_run_to_end(w, job, NULL));
  CHECK_INT(stance_tidyjob_outcome(job, NULL), STANCE_TIDY_CANCELLED);
  CHECK(stance_tidyjob_take_text(job, &len) == NULL);
  {
    stance_job_progress pr;
    stance_job_get_progress(job, &pr);
    CHECK(pr.done <= 1); /* stopped before its write */
  }
  got = slurp(path, &len);
  CHECK(got != NULL && len == strlen(out_of_order) && memcmp(got, out_of_order, len) == 0);
  free(got);
  stance_job_unref(job);
  stance_worker_free(w);
  tmp_cleanup(d);
}

static void tidy_refuses_a_file_outside_its_root(void) {
  char d[PATH_MAX], e[PATH_MAX], path[PATH_MAX + 16], err[256];
  stance_worker *w = stance_worker_new(1, err, sizeof err);
  snprintf(d, sizeof d, "%s", tmp_dir()); /* (its buffer is static) */
  snprintf(e, sizeof e, "%s", tmp_dir());
  tmp_write(e, "a.stance", out_of_order, (size_t)-1);
  snprintf(path, sizeof path, "%s/a.stance", e);
  CHECK_INT(tidy(w, path, NULL, d, NULL, NULL, NULL), STANCE_TIDY_FAILED);
  stance_worker_free(w);
  tmp_cleanup(d);
  tmp_cleanup(e);
}

const test_case tidy_tests[] = {
    {"tidy_writes_the_canonical_text_in_place", tidy_writes_the_canonical_text_in_place},
    {"tidy_gives_up_on_a_file_changed_since_its_stamp", tidy_gives_up_on_a_file_changed_since_its_stamp},
    {"tidy_gives_up_when_another_writer_appends_meanwhile", tidy_gives_up_when_another_writer_appends_meanwhile},
    {"tidy_refuses_a_file_with_an_error", tidy_refuses_a_file_with_an_error},
    {"tidy_cancelled_before_it_starts_writes_nothing", tidy_cancelled_before_it_starts_writes_nothing},
    {"tidy_refuses_a_file_outside_its_root", tidy_refuses_a_file_outside_its_root},
    {NULL, NULL},
};
