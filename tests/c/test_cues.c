/* cues.c: phrases, wildcards, case, punctuation, overlapping cues, and a brute-force check
 * on random texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cues.h"
#include "text.h"

typedef struct got {
  char out[4096];
  size_t len;
  long n;
} got;

static int collect(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue) {
  got *g = ud;
  g->n++;
  g->len += (size_t)snprintf(g->out + g->len, sizeof g->out - g->len, "%u:%u:%zu-%zu ", category, cue, start, end);
  return 0;
}

static void cues_match_phrases_and_prefixes(void) {
  stance_cues *c = stance_cues_new();
  got g;
  const char *t = "They SHOULD act. It must not fail; it failed. No doubt, they must. Not now. I don't know.";
  CHECK_INT(stance_cues_add(c, "should", 6, 1), 0);
  CHECK_INT(stance_cues_add(c, "must not", 8, 1), 1);
  CHECK_INT(stance_cues_add(c, "fail*", 5, 2), 2);
  CHECK_INT(stance_cues_add(c, "no doubt", 8, 3), 3);
  CHECK_INT(stance_cues_add(c, "don't", 5, 4), 4);
  CHECK_INT(stance_cues_add(c, "must", 4, 5), 5);
  CHECK_INT(stance_cues_add(c, "  ", 2, 5), -2);
  CHECK_INT(stance_cues_add(c, "a b c d e f g h i", 17, 5), -2);
  memset(&g, 0, sizeof g);
  CHECK_INT(stance_cues_match(c, t, strlen(t), collect, &g), 8);
  /* "must" alone and "must not" both match at 20; "must. Not" is not "must not" */
  CHECK_STR(g.out, "1:0:5-11 5:5:20-24 1:1:20-28 2:2:29-33 2:2:38-44 3:3:46-54 5:5:61-65 4:4:78-83 ");
  stance_cues_free(c);
}

/* Brute force: every cue (a sequence of words from a small vocabulary) against every
 * position of random texts of those words with random punctuation. */
static void cues_equal_brute_force(void) {
  static const char *vocab[] = {"a", "bb", "ab", "ba", "abc"};
  unsigned seed = 99;
  int round;
  for (round = 0; round < 200; round++) {
    stance_cues *c = stance_cues_new();
    char text[512], pats[8][32];
    size_t tl = 0;
    int np = 1 + rand_r(&seed) % 6, i, w, nwords = 0;
    size_t starts[128], ends[128];
    int brk[128];
    got g;
    long want = 0;
    for (i = 0; i < np; i++) {
      int k = 1 + rand_r(&seed) % 3, j;
      pats[i][0] = '\0';
      for (j = 0; j < k; j++) {
        strcat(pats[i], vocab[rand_r(&seed) % 5]);
        if (j + 1 < k) strcat(pats[i], " ");
      }
      CHECK_INT(stance_cues_add(c, pats[i], strlen(pats[i]), (uint32_t)i + 1), i);
    }
    for (w = 0; w < 60; w++) {
      const char *v = vocab[rand_r(&seed) % 5];
      int p = rand_r(&seed) % 5 == 0;
      if (w > 0) {
        if (p) text[tl++] = '.';
        text[tl++] = ' ';
      }
      brk[nwords] = p;
      starts[nwords] = tl;
      memcpy(text + tl, v, strlen(v));
      tl += strlen(v);
      ends[nwords++] = tl;
    }
    /* count by brute force: pattern words equal to text words, no break inside */
    for (i = 0; i < np; i++) {
      char words[3][8];
      int k = 0, s;
      char *tok, tmp[32], *save = NULL;
      strcpy(tmp, pats[i]);
      for (tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) strcpy(words[k++], tok);
      for (s = 0; s + k <= nwords; s++) {
        int j, ok = 1;
        for (j = 0; j < k && ok; j++) {
          size_t n = ends[s + j] - starts[s + j];
          if (n != strlen(words[j]) || memcmp(text + starts[s + j], words[j], n) != 0) ok = 0;
          if (j > 0 && brk[s + j]) ok = 0;
        }
        want += ok;
      }
    }
    memset(&g, 0, sizeof g);
    CHECK_INT(stance_cues_match(c, text, tl, collect, &g), want);
    stance_cues_free(c);
  }
}

const test_case cues_tests[] = {
    {"cues_match_phrases_and_prefixes", cues_match_phrases_and_prefixes},
    {"cues_equal_brute_force", cues_equal_brute_force},
    {NULL, NULL}};
