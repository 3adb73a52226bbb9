/* load.c: an annotation file and its document read on threads give what reading them
 * one after the other gives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "load.h"

static char *write_str(const stance_store *s) {
  stance_buf b;
  stance_buf_init(&b);
  CHECK_INT(stance_write(s, &b), STANCE_OK);
  return b.data;
}

static void load_gives_what_reading_gives(void) {
  const char *dir = tmp_dir();
  char ann_path[512], doc_path[512], missing[512];
  stance_buf ann;
  int i, crlf;
  stance_buf_init(&ann);
  stance_buf_adds(&ann, "format stance 1\n\ndocument d.txt\n  hash sha256:x\n\n");
  for (i = 0; i < 3000; i++) /* big enough to be read in parts where there are cores */
    stance_buf_addf(&ann, "annotation a%d\n  span %d-%d\n  label %s\n  quote \"caf\\u{E9} %d\"\n\n", i, i, i + 3,
                    i % 100 == 7 ? "opinion" : "claim", i);
  snprintf(ann_path, sizeof ann_path, "%s/d.txt.stance", dir);
  snprintf(doc_path, sizeof doc_path, "%s/d.txt", dir);
  snprintf(missing, sizeof missing, "%s/none.stance", dir);
  tmp_write(dir, "d.txt.stance", ann.data, ann.len);
  for (crlf = 0; crlf <= 1; crlf++) {
    const char *doc = crlf ? "Caf\xc3\xa9 one.\r\nTwo.\r\n" : "Caf\xc3\xa9 one.\nTwo.\n";
    stance_vocab *v = stance_vocab_new();
    stance_problems p;
    stance_store *want;
    stance_load *l;
    stance_load_result *r;
    char hex[STANCE_HASH_HEXLEN + 1], *w1, *w2;
    tmp_write(dir, "d.txt", doc, (size_t)-1);
    CHECK_INT(stance_vocab_add(v, STANCE_F_LABEL, "claim"), STANCE_OK);
    stance_problems_init(&p);
    want = stance_read_parts(ann.data, ann.len, v, &p, 1, NULL);
    l = stance_load_start(ann_path, doc_path, v); /* takes v */
    CHECK(l != NULL);
    r = stance_load_wait(l);
    CHECK_INT(r->oom, 0);
    CHECK_INT(r->ann_errno, 0);
    CHECK_INT(r->doc_errno, 0);
    CHECK(r->store != NULL);
    w1 = write_str(want);
    w2 = write_str(r->store);
    CHECK_STR(w2, w1);
    CHECK_INT(r->problems.n, p.n);
    CHECK_INT(r->problems.n, 31); /* the unknown labels, the hash */
    CHECK(r->ann_len == ann.len && memcmp(r->ann, ann.data, ann.len) == 0);
    CHECK_INT(r->crlf, crlf);
    CHECK_INT(stance_hash_buffer(doc, strlen(doc), hex), 0);
    CHECK_STR(r->hash, hex);
    CHECK(r->frame != NULL);
    CHECK_INT(stance_frame_buf_len(r->frame), 16); /* "Café one.\nTwo.\n" in the buffer */
    CHECK_INT(stance_frame_cp_to_buf(r->frame, crlf ? 11 : 10), 11); /* "Two." */
    free(w1);
    free(w2);
    stance_store_free(want);
    stance_problems_free(&p);
    stance_load_free(l);
  }
  { /* a missing annotation file: said, the document still made ready */
    stance_load *l = stance_load_start(missing, doc_path, NULL);
    stance_load_result *r = stance_load_wait(l);
    CHECK_INT(r->ann_errno, ENOENT);
    CHECK(r->store == NULL && r->frame != NULL);
    stance_load_free(l);
  }
  stance_buf_free(&ann);
  tmp_cleanup(dir);
}

const test_case load_tests[] = {{"load_gives_what_reading_gives", load_gives_what_reading_gives}, {NULL, NULL}};
