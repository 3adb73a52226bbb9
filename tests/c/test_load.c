/* load.c: an annotation file and its document read on threads give what reading them
 * one after the other gives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hash.h"
#include "load.h"
#include "snapshot.h"

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
    char *w1, *w2;
    size_t flen;
    const char *fbytes;
    tmp_write(dir, "d.txt", doc, (size_t)-1);
    CHECK_INT(stance_vocab_add(v, STANCE_F_LABEL, "claim"), STANCE_OK);
    stance_problems_init(&p);
    want = stance_read_parts(ann.data, ann.len, v, &p, 1, NULL);
    l = stance_load_start(ann_path, doc_path, v, NULL, NULL); /* takes v */
    CHECK(l != NULL);
    r = stance_load_wait(l);
    CHECK_INT(r->oom, 0);
    CHECK_INT(r->ann_errno, 0);
    CHECK_INT(r->doc_errno, 0);
    CHECK(r->store != NULL);
    /* the loaded store is placed in the document: its annotations (quotes of another text)
     * are orphans, and a store holding an orphan is written without its hash */
    CHECK_STR(stance_store_get_header(r->store, STANCE_H_HASH), "sha256:x");
    CHECK_INT(stance_store_set_header(want, STANCE_H_HASH, NULL), STANCE_OK);
    w1 = write_str(want);
    w2 = write_str(r->store);
    CHECK_STR(w2, w1);
    CHECK_INT(r->problems.n, p.n);
    CHECK_INT(r->problems.n, 31); /* the unknown labels, the hash */
    CHECK(r->ann_len == ann.len && memcmp(r->ann, ann.data, ann.len) == 0);
    CHECK_INT(r->crlf, crlf);
    CHECK(r->frame != NULL);
    /* the frame holds the document's bytes as read (what its hash is made of, when asked) */
    fbytes = stance_text_bytes(stance_frame_text(r->frame), &flen);
    CHECK(flen == strlen(doc) && memcmp(fbytes, doc, flen) == 0);
    CHECK_INT(stance_frame_buf_len(r->frame), 16); /* "Café one.\nTwo.\n" in the buffer */
    CHECK_INT(stance_frame_cp_to_buf(r->frame, crlf ? 11 : 10), 11); /* "Two." */
    free(w1);
    free(w2);
    stance_store_free(want);
    stance_problems_free(&p);
    stance_load_free(l);
  }
  { /* a missing annotation file: said, the document still made ready */
    stance_load *l = stance_load_start(missing, doc_path, NULL, NULL, NULL);
    stance_load_result *r = stance_load_wait(l);
    CHECK_INT(r->ann_errno, ENOENT);
    CHECK(r->store == NULL && r->frame != NULL);
    stance_load_free(l);
  }
  stance_buf_free(&ann);
  tmp_cleanup(dir);
}

/* The store is placed in the document as frame:anchor() places it: by offset when the quote
 * is there, whatever hash the file records, else by quote; the IDs that moved or went are
 * said. */
static void load_places_the_store(void) {
  const char *dir = tmp_dir();
  const char *doc = "Caf\xc3\xa9 one.\r\nTwo words.\r\n";
  char hex[STANCE_HASH_HEXLEN + 1], ann_path[512], doc_path[512];
  int trusted;
  CHECK_INT(stance_hash_buffer(doc, strlen(doc), hex), 0);
  snprintf(ann_path, sizeof ann_path, "%s/d.txt.stance", dir);
  snprintf(doc_path, sizeof doc_path, "%s/d.txt", dir);
  tmp_write(dir, "d.txt", doc, (size_t)-1);
  for (trusted = 0; trusted <= 1; trusted++) {
    stance_buf ann;
    stance_load *l;
    stance_load_result *r;
    const stance_rec *two, *gone, *moved;
    stance_buf_init(&ann);
    /* "Two" is code points 11-14 of the file (the \r counts), bytes 11-14 of the buffer */
    stance_buf_addf(&ann, "format stance 1\n\ndocument d.txt\n  hash sha256:%s\n\n",
                    trusted ? hex : "0000000000000000000000000000000000000000000000000000000000000000");
    stance_buf_adds(&ann, "annotation two\n  span 11-14\n  label claim\n  quote \"Two\"\n\n");
    stance_buf_adds(&ann, "annotation moved\n  span 0-5\n  label claim\n  quote \"words\"\n\n");
    stance_buf_adds(&ann, "annotation gone\n  span 30-40\n  label claim\n  quote \"nowhere\"\n\n");
    tmp_write(dir, "d.txt.stance", ann.data, ann.len);
    l = stance_load_start(ann_path, doc_path, NULL, NULL, NULL);
    r = stance_load_wait(l);
    CHECK_INT(r->oom, 0);
    CHECK_INT(r->anchored, 1);
    CHECK(r->key == NULL);
    two = stance_store_get(r->store, "two");
    moved = stance_store_get(r->store, "moved");
    gone = stance_store_get(r->store, "gone");
    CHECK(two && moved && gone);
    CHECK_INT(two->spans[0].start, 11);
    CHECK_INT(two->spans[0].end, 14);
    CHECK_INT(gone->orphan, 1);
    CHECK_INT(r->anchor.orphaned, 1);
    CHECK_STR(r->orphaned.data, "gone");
    /* with the document's hash or not, every quote is checked where the file says (a merge
     * or a hostile file may hold offsets of another text): "moved" is found by its quote */
    CHECK_INT(r->anchor.placed, 1);
    CHECK_INT(r->anchor.moved, 1);
    CHECK_STR(r->moved.data, "moved");
    CHECK_INT(moved->spans[0].start, 15);
    CHECK_INT(moved->spans[0].end, 20);
    stance_load_free(l);
    stance_buf_free(&ann);
  }
  tmp_cleanup(dir);
}

/* From the layer cache when its key starts as said: the store saved there, the annotation
 * file's bytes, the cache's whole key, and nothing made of the document; else from the files. */
static void load_takes_the_cache(void) {
  const char *dir = tmp_dir();
  const char *ann = "format stance 1\n\ndocument d.txt\n\nannotation a1\n  span 0-3\n  label claim\n";
  char ann_path[512], doc_path[512], snap_path[512], *want, *got;
  stance_problems p;
  stance_store *s;
  stance_buf snap;
  stance_load *l;
  stance_load_result *r;
  snprintf(ann_path, sizeof ann_path, "%s/d.txt.stance", dir);
  snprintf(doc_path, sizeof doc_path, "%s/d.txt", dir);
  snprintf(snap_path, sizeof snap_path, "%s/d.snap", dir);
  tmp_write(dir, "d.txt", "One two.\n", (size_t)-1);
  tmp_write(dir, "d.txt.stance", ann, (size_t)-1);
  stance_problems_init(&p);
  s = stance_read(ann, strlen(ann), NULL, &p);
  CHECK(s != NULL);
  CHECK(stance_store_set_header(s, STANCE_H_ANNOTATOR, "from the cache") == STANCE_OK);
  stance_buf_init(&snap);
  CHECK_INT(stance_store_snapshot(s, "v1|12:3|9:4|unix|", &snap), STANCE_OK);
  tmp_write(dir, "d.snap", snap.data, snap.len);
  want = write_str(s);
  /* made for these files */
  l = stance_load_start(ann_path, doc_path, NULL, snap_path, "v1|12:3|");
  r = stance_load_wait(l);
  CHECK_INT(r->oom, 0);
  CHECK_STR(r->key, "v1|12:3|9:4|unix|");
  got = write_str(r->store);
  CHECK_STR(got, want);
  free(got);
  CHECK(r->ann_len == strlen(ann) && memcmp(r->ann, ann, r->ann_len) == 0);
  CHECK(r->frame == NULL && r->anchored == 0);
  stance_load_free(l);
  /* made for other files, damaged, or missing: read from the files */
  for (int k = 0; k < 3; k++) {
    if (k == 1) {
      snap.data[snap.len - 1] ^= 1;
      tmp_write(dir, "d.snap", snap.data, snap.len);
    }
    l = stance_load_start(ann_path, doc_path, NULL, k == 2 ? doc_path : snap_path, k == 0 ? "v1|99:3|" : "v1|12:3|");
    r = stance_load_wait(l);
    CHECK(r->key == NULL && r->store != NULL && r->frame != NULL);
    CHECK(stance_store_get_header(r->store, STANCE_H_ANNOTATOR) == NULL);
    stance_load_free(l);
  }
  free(want);
  stance_buf_free(&snap);
  stance_store_free(s);
  stance_problems_free(&p);
  tmp_cleanup(dir);
}

const test_case load_tests[] = {{"load_gives_what_reading_gives", load_gives_what_reading_gives},
                                {"load_places_the_store", load_places_the_store},
                                {"load_takes_the_cache", load_takes_the_cache},
                                {NULL, NULL}};
