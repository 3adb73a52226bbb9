/*
 * Fuzz target "tidy": an annotation file written again in its canonical form by the editor's
 * idle job (src/tidyjob.c), from a file on disk, as the worker does it. For every input:
 *   - the job never crashes, leaks or overflows (ASan, UBSan);
 *   - a file with an error (the reader's) is refused and left byte for byte as it was;
 *   - else the file holds its canonical text (the writer's, of what the reader made of it):
 *     written when it differed, left as it was (same stamp) when it was canonical; the text
 *     the job hands back is the file's, and the file reads back without an error;
 *   - the header values given are in what is written.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contain.h"
#include "fuzz.h"
#include "reader.h"
#include "tidyjob.h"

static char dir[PATH_MAX];

static int put(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (f == NULL) return -1;
  ok = size == 0 || fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static char *get(const char *path, size_t *len) {
  char *data = NULL, err[512];
  if (stance_read_file(path, NULL, 0, &data, len, err, sizeof err) != 0) return NULL;
  return data;
}

STANCE_FUZZ_TARGET(tidy) {
  char path[PATH_MAX + 32], stamp[128], after[128];
  struct stat st;
  stance_problems p;
  stance_store *s;
  stance_buf want;
  stance_tidy_opts o;
  stance_job *job;
  stance_tidy_outcome out;
  char *got, *text;
  size_t len, tlen;
  if (dir[0] == '\0') {
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/stance-fuzz-tidy-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(dir) == NULL) return 0;
  }
  snprintf(path, sizeof path, "%s/a.stance", dir);
  if (put(path, data, size) != 0 || lstat(path, &st) != 0) return 0;
  stance_stamp_of(&st, stamp, sizeof stamp);
  /* what the job must make of it: the reader's verdict, the writer's text */
  stance_problems_init(&p);
  s = stance_read((const char *)data, size, NULL, &p);
  if (s == NULL || p.oom) {
    stance_store_free(s);
    stance_problems_free(&p);
    return 0;
  }
  stance_buf_init(&want);
  if (p.errors == 0 && s != NULL) {
    stance_store_set_header(s, STANCE_H_ANNOTATOR, "fuzz");
    stance_write(s, &want);
  }
  stance_store_free(s);
  memset(&o, 0, sizeof o);
  o.path = path;
  o.expect_stamp = stamp;
  o.headers[STANCE_H_ANNOTATOR] = "fuzz";
  o.durable = 0; /* (no fsync per input) */
  job = stance_tidyjob_new(&o);
  if (job == NULL || want.oom) {
    stance_job_unref(job);
    stance_buf_free(&want);
    stance_problems_free(&p);
    return 0;
  }
  if (stance_tidyjob_run_here(job) < 0) { /* out of memory */
    stance_job_unref(job);
    stance_buf_free(&want);
    stance_problems_free(&p);
    return 0;
  }
  out = stance_tidyjob_outcome(job, NULL);
  got = get(path, &len);
  text = stance_tidyjob_take_text(job, &tlen);
  stance_job_unref(job);
  if (p.errors > 0) {
    FUZZ_CHECK(out == STANCE_TIDY_ERRORS, "a file with an error is refused");
    FUZZ_CHECK(got != NULL && len == size && memcmp(got, data, size) == 0, "a refused file is left as it was");
    FUZZ_CHECK(text == NULL, "no text for a refused file");
  } else {
    FUZZ_CHECK(out == STANCE_TIDY_WRITTEN || out == STANCE_TIDY_SAME, "a readable file is written or left");
    FUZZ_CHECK(got != NULL && len == want.len && memcmp(got, want.data, len) == 0, "the file is its canonical text");
    FUZZ_CHECK(text != NULL && tlen == len && memcmp(text, got, len) == 0, "the text handed back is the file's");
    FUZZ_CHECK(out != STANCE_TIDY_SAME || (len == size && memcmp(got, data, size) == 0),
               "left as it was only when canonical");
    if (out == STANCE_TIDY_SAME && lstat(path, &st) == 0) {
      stance_stamp_of(&st, after, sizeof after);
      FUZZ_CHECK(strcmp(after, stamp) == 0, "a canonical file is not written");
    }
    {
      stance_problems q;
      stance_store *back;
      stance_problems_init(&q);
      back = stance_read(got, len, NULL, &q);
      FUZZ_CHECK(back == NULL || q.oom || q.errors == 0, "what is written reads without an error");
      stance_store_free(back);
      stance_problems_free(&q);
    }
  }
  free(got);
  free(text);
  stance_buf_free(&want);
  stance_problems_free(&p);
  return 0;
}
