/*
 * cues.c - the cue matcher: words to symbols (exact words by hash, prefixes by hash of each
 * prefix length in use), a trie of symbols, and the set of live trie nodes carried along the
 * words. See cues.h.
 */
#include "cues.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct entry {
  uint64_t key;   /* hash of the word (or of the node and symbol, for edges) */
  uint32_t value; /* symbol, or child node; 0 = empty slot */
  uint32_t aux;   /* for words: length checked against `text`; for edges: unused */
  char *text;     /* the word or prefix, to confirm a hash hit */
} entry;

typedef struct map {
  entry *e;
  uint32_t cap, used;
} map;

typedef struct cue_end {
  uint32_t cue, category, next; /* next: index + 1 of the next cue ending at the node */
} cue_end;

/* The first two bytes of every word (one bit each), and every first byte of a one-byte word. */
typedef struct first_filter {
  uint64_t first2[65536 / 64];
  unsigned char first1[256];
} first_filter;

struct stance_cues {
  map words, prefixes, edges;
  uint32_t nsym, nnodes;  /* node 0: the root */
  uint32_t *end_head;     /* per node: index + 1 of its first cue_end */
  uint32_t nodes_cap;
  cue_end *ends;
  uint32_t nends, ends_cap;
  uint32_t ncues;
  size_t max_prefix;
  unsigned char prefix_lens[256]; /* which prefix lengths (< 256) are in use */
  /* How the words and, apart, the prefixes of the lexicon start: most words of a text start
   * otherwise, and are then no cue (nor a prefix of one) without any lookup. */
  first_filter word_starts, prefix_starts;
};

static int may_start(const first_filter *f, const char *w, size_t n) {
  const unsigned char *u = (const unsigned char *)w;
  unsigned k;
  if (f->first1[u[0]]) return 1;
  if (n < 2) return 0;
  k = (unsigned)u[0] << 8 | u[1];
  return (f->first2[k >> 6] >> (k & 63)) & 1;
}

static void mark_first(first_filter *f, const char *w, size_t n) {
  const unsigned char *u = (const unsigned char *)w;
  unsigned k;
  if (n < 2) {
    f->first1[u[0]] = 1;
    return;
  }
  k = (unsigned)u[0] << 8 | u[1];
  f->first2[k >> 6] |= 1ull << (k & 63);
}

static uint64_t hash_bytes(const char *s, size_t n) { return XXH3_64bits(s, n) | 1; }

static int map_grow(map *m) {
  uint32_t cap = m->cap ? m->cap * 2 : 64, i;
  entry *e = calloc(cap, sizeof *e);
  if (e == NULL) return -1;
  for (i = 0; i < m->cap; i++) {
    if (m->e[i].value != 0) {
      uint32_t j = (uint32_t)(m->e[i].key & (cap - 1));
      while (e[j].value != 0) j = (j + 1) & (cap - 1);
      e[j] = m->e[i];
    }
  }
  free(m->e);
  m->e = e;
  m->cap = cap;
  return 0;
}

/* Find (key, text) in m; NULL when absent. text may be NULL for edge keys. */
static entry *map_find(const map *m, uint64_t key, const char *text, size_t n) {
  uint32_t j;
  if (m->cap == 0) return NULL;
  for (j = (uint32_t)(key & (m->cap - 1)); m->e[j].value != 0; j = (j + 1) & (m->cap - 1)) {
    if (m->e[j].key == key &&
        (text == NULL || (m->e[j].aux == n && memcmp(m->e[j].text, text, n) == 0)))
      return &m->e[j];
  }
  return NULL;
}

static entry *map_put(map *m, uint64_t key, const char *text, size_t n, uint32_t value) {
  uint32_t j;
  entry *e = map_find(m, key, text, n);
  if (e != NULL) return e;
  if ((m->used + 1) * 2 > m->cap && map_grow(m) != 0) return NULL;
  for (j = (uint32_t)(key & (m->cap - 1)); m->e[j].value != 0; j = (j + 1) & (m->cap - 1)) {
  }
  if (text != NULL) {
    if ((m->e[j].text = malloc(n + 1)) == NULL) return NULL;
    memcpy(m->e[j].text, text, n);
    m->e[j].text[n] = '\0';
  }
  m->e[j].key = key;
  m->e[j].aux = (uint32_t)n;
  m->e[j].value = value;
  m->used++;
  return &m->e[j];
}

static void map_free(map *m) {
  uint32_t i;
  for (i = 0; i < m->cap; i++) free(m->e[i].text);
  free(m->e);
}

stance_cues *stance_cues_new(void) {
  stance_cues *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->nnodes = 1;
  c->nodes_cap = 64;
  if ((c->end_head = calloc(c->nodes_cap, sizeof *c->end_head)) == NULL) {
    free(c);
    return NULL;
  }
  return c;
}

void stance_cues_free(stance_cues *c) {
  if (c == NULL) return;
  map_free(&c->words);
  map_free(&c->prefixes);
  map_free(&c->edges);
  free(c->end_head);
  free(c->ends);
  free(c);
}

static uint64_t edge_key(uint32_t node, uint32_t sym) {
  return (((uint64_t)node << 32) | sym) * 0x9E3779B97F4A7C15ull | 1;
}

/* The symbol of a word (or prefix), made if new; 0 when out of memory. */
static uint32_t symbol(stance_cues *c, map *m, const char *w, size_t n) {
  entry *e = map_find(m, hash_bytes(w, n), w, n);
  if (e != NULL) return e->value;
  e = map_put(m, hash_bytes(w, n), w, n, c->nsym + 1);
  if (e == NULL) return 0;
  return ++c->nsym;
}

typedef struct words_acc {
  char *w[STANCE_CUES_MAX_WORDS];
  size_t n[STANCE_CUES_MAX_WORDS];
  size_t end[STANCE_CUES_MAX_WORDS];
  int count, too_many, oom;
} words_acc;

static int add_word(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  words_acc *a = ud;
  (void)start;
  (void)broken;
  if (a->count == STANCE_CUES_MAX_WORDS) {
    a->too_many = 1;
    return 1;
  }
  if ((a->w[a->count] = malloc(n + 1)) == NULL) {
    a->oom = 1;
    return 1;
  }
  memcpy(a->w[a->count], folded, n);
  a->w[a->count][n] = '\0';
  a->n[a->count] = n;
  a->end[a->count] = end;
  a->count++;
  return 0;
}

long stance_cues_add(stance_cues *c, const char *phrase, size_t len, uint32_t category) {
  words_acc a;
  uint32_t node = 0;
  long rc = -2;
  int i;
  memset(&a, 0, sizeof a);
  if (stance_tokenize(phrase, len, add_word, &a) < 0) a.oom = 1;
  if (a.oom) rc = -1;
  if (!a.oom && !a.too_many && a.count > 0) {
    rc = (long)c->ncues;
    for (i = 0; i < a.count && rc >= 0; i++) {
      /* "fail*": the word is a prefix when a `*` follows it in the phrase */
      int prefix = a.end[i] < len && phrase[a.end[i]] == '*';
      uint32_t sym = symbol(c, prefix ? &c->prefixes : &c->words, a.w[i], a.n[i]);
      entry *e;
      mark_first(prefix ? &c->prefix_starts : &c->word_starts, a.w[i], a.n[i]);
      if (sym == 0) {
        rc = -1;
        break;
      }
      if (prefix) {
        if (a.n[i] < sizeof c->prefix_lens) c->prefix_lens[a.n[i]] = 1;
        if (a.n[i] > c->max_prefix) c->max_prefix = a.n[i];
      }
      e = map_find(&c->edges, edge_key(node, sym), NULL, 0);
      if (e == NULL) {
        if (c->nnodes == c->nodes_cap) {
          uint32_t *nh = realloc(c->end_head, (size_t)c->nodes_cap * 2 * sizeof *nh);
          if (nh == NULL) {
            rc = -1;
            break;
          }
          memset(nh + c->nodes_cap, 0, (size_t)c->nodes_cap * sizeof *nh);
          c->end_head = nh;
          c->nodes_cap *= 2;
        }
        if ((e = map_put(&c->edges, edge_key(node, sym), NULL, 0, c->nnodes)) == NULL) {
          rc = -1;
          break;
        }
        c->nnodes++;
      }
      node = e->value;
    }
    if (rc >= 0) {
      if (c->nends == c->ends_cap) {
        uint32_t cap = c->ends_cap ? c->ends_cap * 2 : 64;
        cue_end *ne = realloc(c->ends, (size_t)cap * sizeof *ne);
        if (ne == NULL) rc = -1;
        else {
          c->ends = ne;
          c->ends_cap = cap;
        }
      }
      if (rc >= 0) {
        c->ends[c->nends].cue = c->ncues;
        c->ends[c->nends].category = category;
        c->ends[c->nends].next = c->end_head[node];
        c->end_head[node] = ++c->nends;
        c->ncues++;
      }
    }
  }
  for (i = 0; i < a.count; i++) free(a.w[i]);
  return rc;
}

#define MAX_LIVE 256

typedef struct live {
  uint32_t node;
  size_t start;
} live;

struct stance_cue_stream {
  const stance_cues *c;
  const char *text;
  size_t prev_end;
  stance_cue_cb cb;
  void *ud;
  live cur[MAX_LIVE], nxt[MAX_LIVE];
  int ncur;
  long matches;
  int stop;
};
typedef stance_cue_stream match_state;

static void step(match_state *m, uint32_t sym, size_t start, size_t end, int *nn) {
  int i;
  /* every live node, and a new match starting at this word (the root) */
  for (i = -1; i < m->ncur && !m->stop; i++) {
    uint32_t from = i < 0 ? 0 : m->cur[i].node;
    size_t s = i < 0 ? start : m->cur[i].start;
    const entry *e = map_find(&m->c->edges, edge_key(from, sym), NULL, 0);
    uint32_t k;
    if (e == NULL) continue;
    if (*nn < MAX_LIVE) {
      m->nxt[*nn].node = e->value;
      m->nxt[*nn].start = s;
      (*nn)++;
    }
    for (k = m->c->end_head[e->value]; k != 0 && !m->stop; k = m->c->ends[k - 1].next) {
      m->matches++;
      if (m->cb && m->cb(m->ud, s, end, m->c->ends[k - 1].category, m->c->ends[k - 1].cue)) m->stop = 1;
    }
  }
}

int stance_cue_stream_word(stance_cue_stream *m, size_t start, size_t end, const char *w, size_t n, int broken) {
  const stance_cues *c = m->c;
  const entry *e;
  int nn = 0, as_word, as_prefix;
  size_t l;
  if (broken) {
    /* cues do not run over punctuation, but an apostrophe or a hyphen inside a word
     * ("don't", "well-founded") is part of it */
    size_t gap = start - m->prev_end;
    const char *g = m->text + m->prev_end;
    int joined = (gap == 1 && (g[0] == '\'' || g[0] == '-')) ||
                 (gap == 3 && memcmp(g, "\xE2\x80\x99", 3) == 0); /* U+2019 */
    if (!joined) m->ncur = 0;
  }
  m->prev_end = end;
  as_word = n > 0 && may_start(&c->word_starts, w, n);
  as_prefix = n > 0 && may_start(&c->prefix_starts, w, n);
  if (!as_word && !as_prefix) { /* no cue has this word, nor any under way */
    m->ncur = 0;
    return m->stop;
  }
  if (as_word && (e = map_find(&c->words, hash_bytes(w, n), w, n)) != NULL) step(m, e->value, start, end, &nn);
  for (l = 1; as_prefix && l <= n && l <= c->max_prefix && !m->stop; l++) {
    if (l < sizeof c->prefix_lens && !c->prefix_lens[l]) continue;
    if ((e = map_find(&c->prefixes, hash_bytes(w, l), w, l)) != NULL) step(m, e->value, start, end, &nn);
  }
  memcpy(m->cur, m->nxt, (size_t)nn * sizeof *m->cur);
  m->ncur = nn;
  return m->stop;
}

stance_cue_stream *stance_cue_stream_new(const stance_cues *c, const char *text, stance_cue_cb cb, void *ud) {
  match_state *m = malloc(sizeof *m);
  if (m == NULL) return NULL;
  m->c = c;
  m->text = text;
  m->prev_end = 0;
  m->cb = cb;
  m->ud = ud;
  m->ncur = 0;
  m->matches = 0;
  m->stop = 0;
  return m;
}

void stance_cue_stream_reset(stance_cue_stream *m) { m->ncur = 0; }

long stance_cue_stream_matches(const stance_cue_stream *m) { return m->matches; }

void stance_cue_stream_free(stance_cue_stream *m) { free(m); }

static int on_word(void *ud, size_t start, size_t end, const char *w, size_t n, int broken) {
  return stance_cue_stream_word(ud, start, end, w, n, broken);
}

long stance_cues_match(const stance_cues *c, const char *text, size_t len, stance_cue_cb cb, void *ud) {
  match_state *m = stance_cue_stream_new(c, text, cb, ud);
  long r;
  if (m == NULL) return -1;
  r = stance_tokenize(text, len, on_word, m) < 0 ? -1 : m->matches;
  free(m);
  return r;
}
