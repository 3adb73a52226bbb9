/*
 * query.c - parse and run search queries (see query.h).
 *
 * Per segment, each leaf (word, prefix, phrase) becomes a list of documents with the
 * positions of its matches; AND, OR and NOT combine those lists document by document.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "text.h"

/* ---- the query tree ------------------------------------------------------------------ */

typedef enum { Q_WORD, Q_PREFIX, Q_PHRASE, Q_AND, Q_OR, Q_NOT, Q_ALL } qkind;

/* AND and OR take any number of operands (a chain of terms is one node, not a deep tree);
 * NOT takes what it keeps first, then what it removes. */
typedef struct qnode {
  qkind kind;
  struct qnode **kids;
  size_t nkids, kids_cap;
  char **words;                 /* folded words of a leaf */
  size_t *lens;
  uint32_t *offs;               /* each word's position after the first's (a gap of
                                 * punctuation counts 2, as the index counts it) */
  size_t nwords, words_cap;
  /* A leaf with punctuation in or around its words ("Jong-un", "U.S."): the index holds
   * only where punctuation separates words, not which, so its candidates are checked
   * against the documents' text (a grep -iw of `pat`, blanks matching blanks). */
  char *pat;
  size_t patlen, lead;          /* lead: bytes of pat before its first word */
  int check;
  int depth;                    /* of the tree below, this node included */
} qnode;

struct stance_query {
  qnode *root;
  stance_doc_reader reader;
  void *reader_ud;
};

/* What a run needs besides the index: where documents are read for the leaves to check. */
typedef struct qctx {
  stance_doc_reader reader;
  void *ud;
} qctx;

/* Every recursion over a query (parsing, running, freeing) is bounded by this depth:
 * parentheses and NOT nest, a chain of AND or OR does not. */
#define MAX_DEPTH 64

static void free_node(qnode *n) {
  size_t i;
  if (n == NULL) return;
  for (i = 0; i < n->nkids; i++) free_node(n->kids[i]);
  free(n->kids);
  for (i = 0; i < n->nwords; i++) free(n->words[i]);
  free(n->words);
  free(n->lens);
  free(n->offs);
  free(n->pat);
  free(n);
}

void stance_query_free(stance_query *q) {
  if (q == NULL) return;
  free_node(q->root);
  free(q);
}

typedef struct parser {
  const char *s;
  size_t len, i;
  char *err;
  size_t errlen, *col;
  int failed, oom;
  int nesting;                  /* open parentheses and NOTs around the current term */
} parser;

static void fail(parser *p, size_t at, const char *msg) {
  if (p->failed) return;
  p->failed = 1;
  snprintf(p->err, p->errlen, "%s", msg);
  *p->col = at + 1;
}

/* Add `kid` to n's operands (n takes it, or frees it on failure). 0 or -1. */
static int adopt(parser *p, qnode *n, qnode *kid) {
  if (n->nkids == n->kids_cap) {
    size_t cap = n->kids_cap ? n->kids_cap * 2 : 2;
    qnode **k = cap <= SIZE_MAX / sizeof *k ? realloc(n->kids, cap * sizeof *k) : NULL;
    if (k == NULL) {
      p->oom = 1;
      free_node(kid);
      return -1;
    }
    n->kids = k;
    n->kids_cap = cap;
  }
  n->kids[n->nkids++] = kid;
  if (kid->depth + 1 > n->depth) n->depth = kid->depth + 1;
  return 0;
}

/* A node of `kind` over a and b (either may be NULL); it takes them, or frees them when it
 * cannot be made. */
static qnode *node(parser *p, qkind kind, qnode *a, qnode *b) {
  qnode *n = calloc(1, sizeof *n);
  if (n == NULL) {
    p->oom = 1;
    free_node(a);
    free_node(b);
    return NULL;
  }
  n->kind = kind;
  n->depth = 1;
  if (a != NULL && adopt(p, n, a) != 0) {
    free_node(b);
    free_node(n);
    return NULL;
  }
  if (b != NULL && adopt(p, n, b) != 0) {
    free_node(n);
    return NULL;
  }
  return n;
}

/* `left op right`: right joins left's operands when left is already such a chain (AND and
 * OR are associative, and (a NOT b) NOT c is a NOT b NOT c: what is kept comes first). */
static qnode *chain(parser *p, qkind kind, qnode *left, qnode *right, size_t at) {
  qnode *n;
  if (left->kind == kind) {
    n = left;
    if (adopt(p, n, right) != 0) {
      free_node(n);
      return NULL;
    }
  } else if ((n = node(p, kind, left, right)) == NULL) {
    return NULL;
  }
  if (n->depth > MAX_DEPTH) {
    fail(p, at, "the query nests too deeply (parentheses and NOT, more than 64 levels)");
    free_node(n);
    return NULL;
  }
  return n;
}

static void skip_blanks(parser *p) {
  while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
    p->i++;
}

/* Is the next bare token exactly `kw` (an operator)? */
static int keyword(parser *p, const char *kw) {
  size_t n = strlen(kw), e = p->i + n;
  if (p->i + n > p->len || memcmp(p->s + p->i, kw, n) != 0) return 0;
  if (e < p->len && p->s[e] != ' ' && p->s[e] != '\t' && p->s[e] != '\n' && p->s[e] != '\r' &&
      p->s[e] != '(' && p->s[e] != '"')
    return 0;
  return 1;
}

typedef struct collect {
  qnode *n;
  int oom, broken;              /* broken: punctuation between two of the words */
  size_t first, last;           /* the first word's start, the last one's end */
  uint32_t pos;
} collect;

static int collect_word(void *ud, size_t start, size_t end, const char *folded, size_t n,
                        int broken) {
  collect *c = ud;
  qnode *q = c->n;
  if (q->nwords == 0) {
    c->first = start;
    c->pos = 0;
  } else {
    c->pos += broken ? 2 : 1;
    if (broken) c->broken = 1;
  }
  c->last = end;
  if (q->nwords == q->words_cap) {
    size_t cap = q->words_cap ? q->words_cap * 2 : 4;
    char **w;
    size_t *l;
    uint32_t *o;
    if (cap > SIZE_MAX / sizeof *w) goto oom;
    if ((w = realloc(q->words, cap * sizeof *w)) == NULL) goto oom;
    q->words = w;
    if ((l = realloc(q->lens, cap * sizeof *l)) == NULL) goto oom;
    q->lens = l;
    if ((o = realloc(q->offs, cap * sizeof *o)) == NULL) goto oom;
    q->offs = o;
    q->words_cap = cap;
  }
  q->offs[q->nwords] = c->pos;
  q->words[q->nwords] = malloc(n + 1);
  if (q->words[q->nwords] == NULL) goto oom;
  memcpy(q->words[q->nwords], folded, n);
  q->words[q->nwords][n] = '\0';
  q->lens[q->nwords] = n;
  q->nwords++;
  return 0;
oom:
  c->oom = 1;
  return 1;
}

/* The length of the blank (as stance_tokenize counts blanks: they do not break a phrase)
 * at s[i], or 0. */
static size_t blank_at(const unsigned char *s, size_t len, size_t i) {
  uint32_t cp;
  int n;
  if (s[i] < 0x80) return (s[i] == ' ' || (s[i] >= 9 && s[i] <= 13)) ? 1 : 0;
  cp = stance_utf8_decode(s + i, len - i, &n, NULL);
  return (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
          cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x85)
             ? (size_t)n
             : 0;
}

/* The start of the character that ends at s[i - 1] (i > 0). */
static size_t prev_start(const unsigned char *s, size_t len, size_t i) {
  size_t k = i - 1;
  int n;
  while (k > 0 && i - k < 4 && (s[k] & 0xC0) == 0x80) k--;
  stance_utf8_decode(s + k, len - k, &n, NULL);
  return k + (size_t)n == i ? k : i - 1;
}

/* A leaf from text: its words; one word is a word (or a prefix), several a phrase. With
 * punctuation in or around its words it is checked against the documents' text. */
static qnode *leaf(parser *p, const char *text, size_t n, size_t at, int quoted) {
  const unsigned char *u = (const unsigned char *)text;
  qnode *q = node(p, Q_WORD, NULL, NULL);
  collect c;
  int prefix = 0;
  size_t a = 0, b, k;
  if (q == NULL) return NULL;
  if (!quoted && n > 1 && text[n - 1] == '*') {
    prefix = 1;
    n--;
  }
  memset(&c, 0, sizeof c);
  c.n = q;
  if (stance_tokenize(text, n, collect_word, &c) < 0 || c.oom) {
    p->oom = 1;
    free_node(q);
    return NULL;
  }
  if (q->nwords == 0) {
    fail(p, at, quoted ? "an empty phrase" : "a search term needs a letter or a digit");
    free_node(q);
    return NULL;
  }
  /* the text without its blanks around: punctuation before the first word, after the last
   * or between two makes a leaf to check */
  while (a < c.first && (k = blank_at(u, n, a)) > 0) a += k;
  for (b = n; b > c.last && (k = blank_at(u, n, prev_start(u, n, b))) > 0;) b -= k;
  if (c.broken || a < c.first || b > c.last) {
    if (prefix) {
      fail(p, at, "a prefix (word*) is one word, without punctuation");
      free_node(q);
      return NULL;
    }
    if ((q->pat = malloc(b - a + 1)) == NULL) {
      p->oom = 1;
      free_node(q);
      return NULL;
    }
    memcpy(q->pat, text + a, b - a);
    q->pat[b - a] = '\0';
    q->patlen = b - a;
    q->lead = c.first - a;
    q->check = 1;
  }
  if (q->nwords > 1) {
    if (prefix) {
      fail(p, at, "a prefix (word*) is one word, without punctuation");
      free_node(q);
      return NULL;
    }
    q->kind = Q_PHRASE;
  } else if (prefix) {
    q->kind = Q_PREFIX;
  }
  return q;
}

static qnode *parse_or(parser *p);

/* Entering a parenthesis or a NOT: refused beyond MAX_DEPTH, before any recursion. */
static int nest(parser *p, size_t at) {
  if (++p->nesting > MAX_DEPTH) {
    fail(p, at, "the query nests too deeply (parentheses and NOT, more than 64 levels)");
    return -1;
  }
  return 0;
}

static qnode *parse_primary(parser *p) {
  size_t start;
  skip_blanks(p);
  if (p->i >= p->len) {
    fail(p, p->i, "the query ends where a term was expected");
    return NULL;
  }
  start = p->i;
  if (p->s[p->i] == '(') {
    qnode *n;
    if (nest(p, start) != 0) return NULL;
    p->i++;
    n = parse_or(p);
    p->nesting--;
    if (n == NULL) return NULL;
    skip_blanks(p);
    if (p->i >= p->len || p->s[p->i] != ')') {
      fail(p, start, "unbalanced parenthesis");
      free_node(n);
      return NULL;
    }
    p->i++;
    return n;
  }
  if (p->s[p->i] == ')') {
    fail(p, p->i, "unbalanced parenthesis");
    return NULL;
  }
  if (p->s[p->i] == '"') {
    const char *q = memchr(p->s + p->i + 1, '"', p->len - p->i - 1);
    size_t a = p->i + 1;
    if (q == NULL) {
      fail(p, start, "unterminated phrase (a closing \" is missing)");
      return NULL;
    }
    p->i = (size_t)(q - p->s) + 1;
    return leaf(p, p->s + a, (size_t)(q - p->s) - a, start, 1);
  }
  while (p->i < p->len && p->s[p->i] != ' ' && p->s[p->i] != '\t' && p->s[p->i] != '\n' &&
         p->s[p->i] != '\r' && p->s[p->i] != '(' && p->s[p->i] != ')' && p->s[p->i] != '"')
    p->i++;
  return leaf(p, p->s + start, p->i - start, start, 0);
}

static qnode *parse_unary(parser *p) {
  skip_blanks(p);
  if (keyword(p, "NOT")) {
    size_t at = p->i;
    qnode *a, *all;
    if (nest(p, at) != 0) return NULL;
    p->i += 3;
    a = parse_unary(p);
    p->nesting--;
    if (a == NULL) return NULL;
    all = node(p, Q_ALL, NULL, NULL);
    if (all == NULL) {
      free_node(a);
      return NULL;
    }
    return chain(p, Q_NOT, all, a, at);
  }
  return parse_primary(p);
}

/* Terms joined by AND (said or implied) and NOT: `a NOT b c NOT d` is (a AND c) NOT (b, d),
 * one node whatever the number of terms. */
static qnode *parse_and(parser *p) {
  qnode *left = parse_unary(p), *removed = NULL, *n;
  size_t i, not_at = 0;
  while (left != NULL) {
    qnode *right;
    size_t at;
    int negated = 0;
    skip_blanks(p);
    if (p->i >= p->len || p->s[p->i] == ')' || keyword(p, "OR")) break;
    if (keyword(p, "AND")) p->i += 3;
    skip_blanks(p);
    at = p->i;
    if (keyword(p, "NOT")) {
      p->i += 3;
      negated = 1;
    }
    right = parse_unary(p);
    if (right == NULL) {
      free_node(left);
      left = NULL;
      break;
    }
    if (!negated) {
      left = chain(p, Q_AND, left, right, at);
      continue;
    }
    if (removed == NULL && (removed = node(p, Q_NOT, NULL, NULL)) == NULL) {
      free_node(right);
      free_node(left);
      left = NULL;
      break;
    }
    if (adopt(p, removed, right) != 0) {
      free_node(left);
      left = NULL;
      break;
    }
    not_at = at;
  }
  if (removed == NULL) return left;
  if (left == NULL || (n = node(p, Q_NOT, left, NULL)) == NULL) {
    free_node(removed);
    return NULL;
  }
  for (i = 0; i < removed->nkids; i++) {
    qnode *kid = removed->kids[i];
    removed->kids[i] = NULL;
    if (adopt(p, n, kid) != 0) break;
  }
  free_node(removed); /* its operands moved to n (or are NULL) */
  if (p->oom) {
    free_node(n);
    return NULL;
  }
  if (n->depth > MAX_DEPTH) {
    fail(p, not_at, "the query nests too deeply (parentheses and NOT, more than 64 levels)");
    free_node(n);
    return NULL;
  }
  return n;
}

static qnode *parse_or(parser *p) {
  qnode *left = parse_and(p);
  while (left != NULL) {
    qnode *right;
    size_t at;
    skip_blanks(p);
    if (!keyword(p, "OR")) break;
    at = p->i;
    p->i += 2;
    right = parse_and(p);
    if (right == NULL) {
      free_node(left);
      return NULL;
    }
    left = chain(p, Q_OR, left, right, at);
  }
  return left;
}

stance_query *stance_query_parse(const char *text, size_t len, char *err, size_t errlen,
                                 size_t *col) {
  parser p;
  stance_query *q;
  qnode *root;
  memset(&p, 0, sizeof p);
  p.s = text;
  p.len = len;
  p.err = err;
  p.errlen = errlen;
  p.col = col;
  err[0] = '\0';
  *col = 0;
  skip_blanks(&p);
  if (p.i >= len) {
    fail(&p, 0, "the query is empty");
    return NULL;
  }
  root = parse_or(&p);
  if (root != NULL) {
    skip_blanks(&p);
    if (p.i < len) {
      fail(&p, p.i, p.s[p.i] == ')' ? "unbalanced parenthesis" : "unexpected text");
      free_node(root);
      root = NULL;
    }
  }
  if (root == NULL) {
    if (p.oom) err[0] = '\0';
    return NULL;
  }
  q = malloc(sizeof *q);
  if (q == NULL) {
    free_node(root);
    err[0] = '\0';
    return NULL;
  }
  q->root = root;
  q->reader = NULL;
  q->reader_ud = NULL;
  return q;
}

void stance_query_set_reader(stance_query *q, stance_doc_reader reader, void *ud) {
  q->reader = reader;
  q->reader_ud = ud;
}

/* ---- running ----------------------------------------------------------------------------- */

typedef struct occ {
  uint32_t pos, words;
} occ;

/* Documents (local numbers, ascending) with their occurrences. */
typedef struct plist {
  uint32_t *docs;
  uint32_t *start;              /* ndocs + 1 offsets into occ */
  occ *occ;
  uint32_t ndocs, nocc, docs_cap, occ_cap;
  int oom;                      /* out of memory, or (bad) a damaged segment, or (code)
                                 * another failure: STANCE_QUERY_NO_TEXT, _UNREAD */
  int bad, code;
} plist;

static void plist_free(plist *l) {
  free(l->docs);
  free(l->start);
  free(l->occ);
  memset(l, 0, sizeof *l);
}

/* Lists never hold more than this many documents or occurrences (a segment's numbers are
 * 32-bit); asking for more is running out of memory. */
#define PLIST_MAX (UINT32_MAX / 2)

/* Room for `cap` documents (and their start offsets); sets oom on failure. */
static void plist_grow_docs(plist *l, uint64_t cap) {
  uint32_t *d, *s;
  if (cap > PLIST_MAX || (d = realloc(l->docs, (size_t)cap * sizeof *d)) == NULL) {
    l->oom = 1;
    return;
  }
  l->docs = d;
  s = realloc(l->start, ((size_t)cap + 1) * sizeof *s);
  if (s == NULL) {
    l->oom = 1;
    return;
  }
  l->start = s;
  l->docs_cap = (uint32_t)cap;
}

/* Room for `cap` occurrences; sets oom on failure. */
static void plist_grow_occ(plist *l, uint64_t cap) {
  occ *o;
  if (cap > PLIST_MAX || (o = realloc(l->occ, (size_t)cap * sizeof *o)) == NULL) {
    l->oom = 1;
    return;
  }
  l->occ = o;
  l->occ_cap = (uint32_t)cap;
}

static void plist_doc(plist *l, uint32_t doc) {
  if (l->oom) return;
  if ((uint64_t)l->ndocs + 2 > l->docs_cap) {
    plist_grow_docs(l, l->docs_cap ? (uint64_t)l->docs_cap * 2 : 64);
    if (l->oom) return;
  }
  l->docs[l->ndocs] = doc;
  l->start[l->ndocs] = l->nocc;
  l->ndocs++;
  l->start[l->ndocs] = l->nocc;
}

static void plist_occ(plist *l, uint32_t pos, uint32_t words) {
  if (l->oom) return;
  if (l->nocc == l->occ_cap) {
    plist_grow_occ(l, l->occ_cap ? (uint64_t)l->occ_cap * 2 : 256);
    if (l->oom) return;
  }
  l->occ[l->nocc].pos = pos;
  l->occ[l->nocc].words = words;
  l->nocc++;
  l->start[l->ndocs] = l->nocc;
}

/* Reserve room for `docs` more documents and `occs` more occurrences. */
static void plist_reserve(plist *l, uint64_t docs, uint64_t occs) {
  if (l->oom) return;
  if (l->ndocs + docs + 2 > l->docs_cap) plist_grow_docs(l, l->ndocs + docs + 2);
  if (!l->oom && l->nocc + occs > l->occ_cap) plist_grow_occ(l, l->nocc + occs);
}

/* Is global document `id` (from a segment's table) live? */
static int live(const stance_index *ix, uint32_t id) { return stance_index_is_live(ix, id); }

/* Decode the postings of dictionary entry t, keeping documents not deleted, or (`only` not
 * NULL) only the documents of `only` (ascending, live): the others' positions are skipped
 * unread. The word's frequency (checked against its bytes) bounds what is needed, so
 * nothing grows while decoding. */
static void decode_term(const stance_segment *seg, const stance_index *ix, uint32_t t, const uint32_t *only,
                        uint32_t nonly, plist *out) {
  stance_postings it;
  uint32_t local, count, pos, freq, k = 0;
  if (stance_postings_init(&it, seg, t, &freq) != 0) {
    out->bad = out->oom = 1;
    return;
  }
  plist_reserve(out, only != NULL && nonly < freq ? nonly : freq, freq);
  if (out->oom) return;
  while ((only == NULL || k < nonly) && stance_postings_doc(&it, &local, &count)) {
    if (only != NULL) {
      while (k < nonly && only[k] < local) k++;
      if (k == nonly || only[k] != local) continue;
      k++;
    } else if (local >= seg->ndocs || !live(ix, seg->docs[local])) {
      continue;
    }
    if (out->ndocs + 1 > out->docs_cap || out->nocc + count > out->occ_cap) {
      plist_reserve(out, 1, count);
      if (out->oom) return;
    }
    out->docs[out->ndocs] = local;
    out->start[out->ndocs] = out->nocc;
    while (stance_postings_pos(&it, &pos)) {
      out->occ[out->nocc].pos = pos;
      out->occ[out->nocc].words = 1;
      out->nocc++;
    }
    out->ndocs++;
    out->start[out->ndocs] = out->nocc;
  }
  if (it.broken) out->bad = out->oom = 1;
}

/* The live documents holding entry t (local numbers, ascending), positions skipped unread.
 * 0, or -1 when damaged or out of memory (*bad set when damaged). */
static int term_docs(const stance_segment *seg, const stance_index *ix, uint32_t t, uint32_t **docs,
                     uint32_t **counts, uint32_t *n, int *bad) {
  stance_postings it;
  uint32_t local, count, cap = 0;
  *docs = NULL;
  if (counts != NULL) *counts = NULL;
  *n = 0;
  if (stance_postings_init(&it, seg, t, NULL) != 0) return *bad = 1, -1;
  while (stance_postings_doc(&it, &local, &count)) {
    if (local >= seg->ndocs || !live(ix, seg->docs[local])) continue;
    if (*n == cap) {
      uint32_t ncap = cap ? cap * 2 : 256, *nd;
      if (ncap > seg->ndocs + 1) ncap = seg->ndocs + 1;
      if ((nd = realloc(*docs, (size_t)ncap * sizeof *nd)) == NULL) return -1;
      *docs = nd;
      if (counts != NULL) {
        if ((nd = realloc(*counts, (size_t)ncap * sizeof *nd)) == NULL) return -1;
        *counts = nd;
      }
      cap = ncap;
    }
    if (counts != NULL) (*counts)[*n] = count;
    (*docs)[(*n)++] = local;
  }
  if (it.broken) return *bad = 1, -1;
  return 0;
}

static int cmp_occ(const void *a, const void *b) {
  const occ *x = a, *y = b;
  if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
  return (x->words > y->words) - (x->words < y->words);
}

/* The last document's occurrences in order, each once (a word the query names twice
 * matches the same places twice). */
static void sort_last_doc(plist *l) {
  uint32_t from, i, k;
  if (l->oom || l->ndocs == 0) return;
  from = l->start[l->ndocs - 1];
  if (l->nocc - from < 2) return; /* nothing to sort (and maybe no array yet) */
  qsort(l->occ + from, l->nocc - from, sizeof *l->occ, cmp_occ);
  for (i = k = from; i < l->nocc; i++)
    if (k == from || l->occ[i].pos != l->occ[k - 1].pos || l->occ[i].words != l->occ[k - 1].words)
      l->occ[k++] = l->occ[i];
  l->nocc = k;
  l->start[l->ndocs] = k;
}

/* Union of two lists (both documents and occurrences). */
static void plist_union(const plist *a, const plist *b, plist *out) {
  uint32_t i = 0, j = 0, k;
  while (i < a->ndocs || j < b->ndocs) {
    uint32_t d;
    int ta, tb;
    if (j >= b->ndocs || (i < a->ndocs && a->docs[i] < b->docs[j])) {
      d = a->docs[i];
    } else {
      d = b->docs[j];
    }
    ta = i < a->ndocs && a->docs[i] == d;
    tb = j < b->ndocs && b->docs[j] == d;
    plist_doc(out, d);
    if (ta)
      for (k = a->start[i]; k < a->start[i + 1]; k++) plist_occ(out, a->occ[k].pos, a->occ[k].words);
    if (tb)
      for (k = b->start[j]; k < b->start[j + 1]; k++) plist_occ(out, b->occ[k].pos, b->occ[k].words);
    if (ta && tb) sort_last_doc(out);
    i += (uint32_t)ta;
    j += (uint32_t)tb;
  }
}

/* Documents in both; occurrences of both. */
static void plist_and(const plist *a, const plist *b, plist *out) {
  uint32_t i = 0, j = 0, k;
  while (i < a->ndocs && j < b->ndocs) {
    if (a->docs[i] < b->docs[j]) {
      i++;
    } else if (a->docs[i] > b->docs[j]) {
      j++;
    } else {
      plist_doc(out, a->docs[i]);
      for (k = a->start[i]; k < a->start[i + 1]; k++) plist_occ(out, a->occ[k].pos, a->occ[k].words);
      for (k = b->start[j]; k < b->start[j + 1]; k++) plist_occ(out, b->occ[k].pos, b->occ[k].words);
      sort_last_doc(out);
      i++;
      j++;
    }
  }
}

/* Documents of a not in b; a's occurrences. */
static void plist_not(const plist *a, const plist *b, plist *out) {
  uint32_t i = 0, j = 0, k;
  while (i < a->ndocs) {
    while (j < b->ndocs && b->docs[j] < a->docs[i]) j++;
    if (j >= b->ndocs || b->docs[j] != a->docs[i]) {
      plist_doc(out, a->docs[i]);
      for (k = a->start[i]; k < a->start[i + 1]; k++) plist_occ(out, a->occ[k].pos, a->occ[k].words);
    }
    i++;
  }
}

static int has_pos(const plist *l, uint32_t di, uint32_t pos) {
  uint32_t lo = l->start[di], hi = l->start[di + 1];
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (l->occ[mid].pos == pos) return 1;
    if (l->occ[mid].pos < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

static void eval(const qnode *n, const stance_segment *seg, const stance_index *ix, const qctx *cx,
                 plist *out);

static void eval_phrase(const qnode *n, const stance_segment *seg, const stance_index *ix,
                        plist *out) {
  plist *parts = calloc(n->nwords, sizeof *parts);
  int64_t *terms = calloc(n->nwords, sizeof *terms);
  uint32_t *cand = NULL, ncand = 0;
  size_t w;
  uint32_t *at;
  if (parts == NULL || terms == NULL) {
    free(parts);
    free(terms);
    out->oom = 1;
    return;
  }
  for (w = 0; w < n->nwords; w++) {
    int64_t t = stance_segment_find(seg, n->words[w], n->lens[w]);
    if (t == STANCE_INDEX_DAMAGED) out->bad = out->oom = 1;
    if (t < 0) goto done; /* a word the segment lacks: no match here */
    terms[w] = t;
  }
  /* the rarest word's positions first; then each other word's, rarest first, only in the
   * documents that hold every word so far (the others' positions are skipped unread) */
  {
    uint64_t *rank = calloc(n->nwords, sizeof *rank); /* the words' frequencies; taken: max */
    size_t k;
    if (rank == NULL) {
      out->oom = 1;
      goto done;
    }
    for (w = 0; w < n->nwords; w++) {
      stance_postings it;
      uint32_t f = 0;
      if (stance_postings_init(&it, seg, (uint32_t)terms[w], &f) != 0) out->bad = out->oom = 1;
      rank[w] = f;
    }
    for (k = 0; k < n->nwords && !out->oom; k++) {
      size_t next = 0;
      for (w = 1; w < n->nwords; w++)
        if (rank[w] < rank[next]) next = w;
      rank[next] = UINT64_MAX;
      decode_term(seg, ix, (uint32_t)terms[next], k == 0 ? NULL : cand, ncand, &parts[next]);
      if (k == 0 && !parts[next].oom && (cand = malloc(((size_t)parts[next].ndocs + 1) * sizeof *cand)) == NULL)
        parts[next].oom = 1;
      if (parts[next].oom) {
        out->oom = 1;
        out->bad = parts[next].bad;
        break;
      }
      ncand = parts[next].ndocs;
      if (ncand == 0) break;
      memcpy(cand, parts[next].docs, (size_t)ncand * sizeof *cand);
    }
    free(rank);
    if (out->oom || ncand == 0) goto done;
  }
  at = calloc(n->nwords, sizeof *at);
  if (at == NULL) {
    out->oom = 1;
    goto done;
  }
  /* walk the documents of the first word; find each in the others */
  {
    uint32_t i;
    for (i = 0; i < parts[0].ndocs; i++) {
      uint32_t d = parts[0].docs[i], k;
      int in_all = 1, opened = 0;
      for (w = 1; w < n->nwords && in_all; w++) {
        while (at[w] < parts[w].ndocs && parts[w].docs[at[w]] < d) at[w]++;
        in_all = at[w] < parts[w].ndocs && parts[w].docs[at[w]] == d;
      }
      if (!in_all) continue;
      for (k = parts[0].start[i]; k < parts[0].start[i + 1]; k++) {
        uint32_t p0 = parts[0].occ[k].pos;
        int ok = 1;
        for (w = 1; w < n->nwords && ok; w++) ok = has_pos(&parts[w], at[w], p0 + n->offs[w]);
        if (!ok) continue;
        if (!opened) {
          plist_doc(out, d);
          opened = 1;
        }
        plist_occ(out, p0, n->offs[n->nwords - 1] + 1);
      }
    }
  }
  free(at);
done:
  for (w = 0; w < n->nwords; w++) plist_free(&parts[w]);
  free(parts);
  free(terms);
  free(cand);
}

/* Words [lo, hi) of the dictionary (a prefix) as one list: occurrences counted per document,
 * then placed (a counting sort: linear, whatever the number of words). */
static void eval_words(const stance_segment *seg, const stance_index *ix, uint32_t lo, uint32_t hi,
                       plist *out) {
  uint32_t *at, t, local, count, pos, d, k;
  uint64_t total = 0, ndocs = 0;
  stance_postings it;
  if (hi - lo == 1) {
    decode_term(seg, ix, lo, NULL, 0, out);
    return;
  }
  if ((at = calloc((size_t)seg->ndocs + 1, sizeof *at)) == NULL) {
    out->oom = 1;
    return;
  }
  for (t = lo; t < hi; t++) {
    if (stance_postings_init(&it, seg, t, NULL) != 0) goto bad;
    while (stance_postings_doc(&it, &local, &count)) {
      if (local >= seg->ndocs || !live(ix, seg->docs[local])) continue;
      if (at[local] == 0) ndocs++;
      if (count > PLIST_MAX - at[local]) goto oom;
      at[local] += count;
      total += count;
    }
    if (it.broken) goto bad;
  }
  plist_reserve(out, ndocs, total);
  if (out->oom) goto oom;
  /* at[d]: where document d's occurrences go next */
  for (d = 0, k = 0; d < seg->ndocs; d++) {
    uint32_t c = at[d];
    if (c == 0) continue;
    out->docs[out->ndocs] = d;
    out->start[out->ndocs] = k;
    out->ndocs++;
    at[d] = k;
    k += c;
  }
  out->start[out->ndocs] = k;
  out->nocc = k;
  for (t = lo; t < hi; t++) {
    if (stance_postings_init(&it, seg, t, NULL) != 0) goto bad;
    while (stance_postings_doc(&it, &local, &count)) {
      if (local >= seg->ndocs || !live(ix, seg->docs[local])) continue;
      while (stance_postings_pos(&it, &pos)) {
        out->occ[at[local]].pos = pos;
        out->occ[at[local]].words = 1;
        at[local]++;
      }
    }
  }
  for (d = 0; d < out->ndocs; d++) {
    uint32_t a = out->start[d], b = out->start[d + 1];
    if (b - a > 1) qsort(out->occ + a, b - a, sizeof *out->occ, cmp_occ);
  }
  free(at);
  return;
bad:
  out->bad = 1;
oom:
  out->oom = 1;
  free(at);
}

/* ---- checking a leaf with punctuation against the text ------------------------------------ */

/* Do the characters at a[*i] and b[*j] fold to the same? Both advance. */
static int same_char(const unsigned char *a, size_t alen, size_t *i, const unsigned char *b, size_t blen,
                     size_t *j) {
  int na, nb, ia = 0, ib = 0, ok;
  uint32_t ca = stance_utf8_decode(a + *i, alen - *i, &na, &ia);
  uint32_t cb = stance_utf8_decode(b + *j, blen - *j, &nb, &ib);
  if (ia || ib)
    ok = ia && ib && a[*i] == b[*j];
  else
    ok = stance_fold_cp(ca) == stance_fold_cp(cb);
  *i += (size_t)na;
  *j += (size_t)nb;
  return ok;
}

/* Match pat[from, patlen) at doc[at] forward: the end of the match, or (size_t)-1. A run of
 * blanks in the pattern matches a run of blanks (phrases ignore how words are spaced). */
static size_t match_forward(const unsigned char *d, size_t dlen, size_t at, const unsigned char *pat,
                            size_t from, size_t patlen) {
  size_t i = at, j = from, k;
  while (j < patlen) {
    if (blank_at(pat, patlen, j) > 0) {
      while (j < patlen && (k = blank_at(pat, patlen, j)) > 0) j += k;
      if (i >= dlen || blank_at(d, dlen, i) == 0) return (size_t)-1;
      while (i < dlen && (k = blank_at(d, dlen, i)) > 0) i += k;
      continue;
    }
    if (i >= dlen || !same_char(d, dlen, &i, pat, patlen, &j)) return (size_t)-1;
  }
  return i;
}

/* Match pat[0, to) backward, ending at doc[at]: the start of the match, or (size_t)-1. */
static size_t match_backward(const unsigned char *d, size_t dlen, size_t at, const unsigned char *pat,
                             size_t to) {
  size_t i = at, j = to;
  while (j > 0) {
    size_t pj = prev_start(pat, to, j), di, pj2;
    if (blank_at(pat, to, pj) > 0) {
      while (j > 0 && blank_at(pat, to, (pj = prev_start(pat, to, j))) > 0) j = pj;
      if (i == 0 || blank_at(d, dlen, prev_start(d, dlen, i)) == 0) return (size_t)-1;
      while (i > 0 && blank_at(d, dlen, (di = prev_start(d, dlen, i))) > 0) i = di;
      continue;
    }
    if (i == 0) return (size_t)-1;
    di = prev_start(d, dlen, i);
    pj2 = pj;
    if (!same_char(d, dlen, &di, pat, to, &pj2) || di != i || pj2 != j) return (size_t)-1;
    i = prev_start(d, dlen, i);
    j = pj;
  }
  return i;
}

static int word_before(const unsigned char *d, size_t dlen, size_t i) {
  int n;
  if (i == 0) return 0;
  i = prev_start(d, dlen, i);
  return stance_is_word_cp(stance_utf8_decode(d + i, dlen - i, &n, NULL));
}

static int word_at(const unsigned char *d, size_t dlen, size_t i) {
  int n;
  return i < dlen && stance_is_word_cp(stance_utf8_decode(d + i, dlen - i, &n, NULL));
}

/* Where each word of a document starts, by position (as the index numbers them). */
typedef struct wstarts {
  size_t *start;
  uint32_t *pos;
  size_t n, cap;
  uint32_t at;
  int oom;
} wstarts;

static int on_doc_word(void *ud, size_t start, size_t end, const char *folded, size_t n, int broken) {
  wstarts *w = ud;
  (void)end;
  (void)folded;
  (void)n;
  if (w->n > 0) w->at += broken ? 2 : 1;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 1024, *ns;
    uint32_t *np;
    if (cap > SIZE_MAX / sizeof *ns || (ns = realloc(w->start, cap * sizeof *ns)) == NULL) goto oom;
    w->start = ns;
    if ((np = realloc(w->pos, cap * sizeof *np)) == NULL) goto oom;
    w->pos = np;
    w->cap = cap;
  }
  w->start[w->n] = start;
  w->pos[w->n] = w->at;
  w->n++;
  return 0;
oom:
  w->oom = 1;
  return 1;
}

/* The byte where the word at position `pos` starts, or (size_t)-1. */
static size_t word_start(const wstarts *w, uint32_t pos) {
  size_t lo = 0, hi = w->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (w->pos[mid] == pos) return w->start[mid];
    if (w->pos[mid] < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (size_t)-1;
}

/* Keep of l's occurrences (the candidates of leaf n, found by its words) those where the
 * document's text is what `grep -iwF` finds for the leaf's text, each once (as grep -o: a
 * match does not start inside the one before); a document left without any goes. */
static void check_leaf(const qnode *n, const stance_segment *seg, const qctx *cx, plist *l) {
  const unsigned char *pat = (const unsigned char *)n->pat;
  uint32_t i, nd = 0, no = 0, a;
  if (l->oom || l->ndocs == 0) return;
  if (cx->reader == NULL) {
    l->oom = 1;
    l->code = STANCE_QUERY_NO_TEXT;
    return;
  }
  a = l->start[0];
  for (i = 0; i < l->ndocs; i++) {
    uint32_t b = l->start[i + 1], k, first = no;
    char *data = NULL;
    size_t len = 0, last_end = 0;
    wstarts w;
    int rc = cx->reader(cx->ud, seg->docs[l->docs[i]], &data, &len);
    if (rc != 0) {
      l->oom = 1;
      if (rc == STANCE_INDEX_DAMAGED)
        l->bad = 1;
      else
        l->code = rc == -1 ? -1 : STANCE_QUERY_UNREAD;
      return;
    }
    memset(&w, 0, sizeof w);
    if (stance_tokenize(data, len, on_doc_word, &w) < 0 || w.oom) {
      free(w.start);
      free(w.pos);
      free(data);
      l->oom = 1;
      return;
    }
    for (k = a; k < b; k++) {
      const unsigned char *d = (const unsigned char *)data;
      size_t s = word_start(&w, l->occ[k].pos), from, to;
      if (s == (size_t)-1) continue; /* the file changed since it was indexed */
      from = match_backward(d, len, s, pat, n->lead);
      if (from == (size_t)-1 || from < last_end || word_before(d, len, from)) continue;
      to = match_forward(d, len, s, pat, n->lead, n->patlen);
      if (to == (size_t)-1 || word_at(d, len, to)) continue;
      last_end = to;
      l->occ[no++] = l->occ[k];
    }
    free(w.start);
    free(w.pos);
    free(data);
    a = b;
    if (no > first) {
      l->docs[nd] = l->docs[i];
      l->start[nd] = first;
      nd++;
      l->start[nd] = no;
    }
  }
  l->ndocs = nd;
  l->nocc = no;
  l->start[nd] = no;
}

static void eval(const qnode *n, const stance_segment *seg, const stance_index *ix, const qctx *cx,
                 plist *out) {
  switch (n->kind) {
    case Q_WORD: {
      int64_t t = stance_segment_find(seg, n->words[0], n->lens[0]);
      if (t >= 0)
        decode_term(seg, ix, (uint32_t)t, NULL, 0, out);
      else if (t == STANCE_INDEX_DAMAGED)
        out->bad = out->oom = 1;
      if (n->check) check_leaf(n, seg, cx, out);
      return;
    }
    case Q_PREFIX: {
      uint32_t lo, hi;
      if (stance_segment_prefix(seg, n->words[0], n->lens[0], &lo, &hi) != 0)
        out->bad = out->oom = 1;
      else if (lo < hi)
        eval_words(seg, ix, lo, hi, out);
      return;
    }
    case Q_PHRASE:
      eval_phrase(n, seg, ix, out);
      if (n->check) check_leaf(n, seg, cx, out);
      return;
    case Q_ALL: {
      uint32_t d;
      for (d = 0; d < seg->ndocs; d++)
        if (live(ix, seg->docs[d])) plist_doc(out, d);
      return;
    }
    default: {
      /* AND, OR, NOT: the first operand, then each of the others in turn */
      plist acc, k, out2;
      size_t i;
      memset(&acc, 0, sizeof acc);
      eval(n->kids[0], seg, ix, cx, &acc);
      for (i = 1; i < n->nkids && !acc.oom; i++) {
        memset(&k, 0, sizeof k);
        memset(&out2, 0, sizeof out2);
        eval(n->kids[i], seg, ix, cx, &k);
        if (n->kind == Q_AND)
          plist_and(&acc, &k, &out2);
        else if (n->kind == Q_OR)
          plist_union(&acc, &k, &out2);
        else
          plist_not(&acc, &k, &out2);
        if (k.oom) out2.oom = 1;
        if (k.bad) out2.bad = 1;
        if (k.code) out2.code = k.code;
        plist_free(&k);
        plist_free(&acc);
        acc = out2;
      }
      plist_free(out);
      *out = acc;
    }
  }
}

int stance_glob_match(const char *glob, const char *path) {
  if (strchr(glob, '/') == NULL) {
    const char *base = strrchr(path, '/');
    return fnmatch(glob, base ? base + 1 : path, 0) == 0;
  }
  return fnmatch(glob, path, FNM_PATHNAME) == 0;
}

static int wanted(const char *const *globs, const char *path) {
  if (globs == NULL || globs[0] == NULL) return 1;
  for (; *globs; globs++)
    if (stance_glob_match(*globs, path)) return 1;
  return 0;
}

/* Does document `doc` match the globs: 1, 0, or -1 when its entry is damaged (only the
 * entries of the documents asked about are decoded). */
static int wanted_doc(const char *const *globs, const stance_index *ix, uint32_t doc) {
  const char *path;
  if (globs == NULL || globs[0] == NULL) return 1;
  if ((path = stance_index_path(ix, doc)) == NULL) return -1;
  return wanted(globs, path);
}

static int push_hit(stance_hits *h, uint32_t doc, uint32_t pos, uint32_t words) {
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 256;
    stance_hit *ni = realloc(h->items, cap * sizeof *ni);
    if (ni == NULL) return -1;
    h->items = ni;
    h->cap = cap;
  }
  h->items[h->n].doc = doc;
  h->items[h->n].pos = pos;
  h->items[h->n].words = words;
  h->n++;
  return 0;
}

/* Hits sorted by document path, then position (segments added by updates hold documents
 * out of path order). The keys carry the path so that qsort needs no context. */
typedef struct hit_key {
  const char *path;
  stance_hit hit;
} hit_key;

static int cmp_hit_keys(const void *pa, const void *pb) {
  const hit_key *a = pa, *b = pb;
  int c = a->hit.doc == b->hit.doc ? 0 : strcmp(a->path, b->path);
  if (c != 0) return c;
  if (a->hit.pos != b->hit.pos) return a->hit.pos < b->hit.pos ? -1 : 1;
  return (a->hit.words > b->hit.words) - (a->hit.words < b->hit.words);
}

static int sort_hits(const stance_index *ix, stance_hits *h, size_t from) {
  size_t i, n = h->n - from;
  hit_key *keys;
  for (i = from + 1; i < h->n; i++) {
    const stance_hit *a = &h->items[i - 1], *b = &h->items[i];
    const char *pa, *pb;
    if (a->doc == b->doc) continue;
    if ((pa = stance_index_path(ix, a->doc)) == NULL || (pb = stance_index_path(ix, b->doc)) == NULL)
      return STANCE_INDEX_DAMAGED;
    if (strcmp(pa, pb) > 0) break;
  }
  if (i >= h->n) return 0; /* in order already */
  keys = malloc(n * sizeof *keys);
  if (keys == NULL) return -1;
  for (i = 0; i < n; i++) {
    keys[i].hit = h->items[from + i];
    if ((keys[i].path = stance_index_path(ix, keys[i].hit.doc)) == NULL) {
      free(keys);
      return STANCE_INDEX_DAMAGED;
    }
  }
  qsort(keys, n, sizeof *keys, cmp_hit_keys);
  for (i = 0; i < n; i++) h->items[from + i] = keys[i].hit;
  free(keys);
  return 0;
}

/* The query over one segment: its documents with their occurrences, in `l`. 0, -1 (out of
 * memory) or STANCE_INDEX_DAMAGED. */
static int run_segment(const stance_query *q, const stance_segment *seg, const stance_index *ix,
                       plist *l) {
  qctx cx;
  cx.reader = q->reader;
  cx.ud = q->reader_ud;
  memset(l, 0, sizeof *l);
  eval(q->root, seg, ix, &cx, l);
  if (l->oom) {
    int rc = l->bad ? STANCE_INDEX_DAMAGED : l->code ? l->code : -1;
    plist_free(l);
    return rc;
  }
  return 0;
}

int stance_query_run(const stance_query *q, const stance_index *ix, const char *const *globs,
                     stance_hits *out) {
  uint32_t s, nseg = stance_index_nsegments(ix);
  size_t from = out->n;
  for (s = 0; s < nseg; s++) {
    const stance_segment *seg = stance_index_segment(ix, s);
    plist l;
    uint32_t i, k;
    int rc = run_segment(q, seg, ix, &l);
    if (rc != 0) return rc;
    if (out->cap < out->n + l.nocc + l.ndocs) {
      stance_hit *ni = realloc(out->items, (out->n + l.nocc + l.ndocs + 1) * sizeof *ni);
      if (ni == NULL) goto oom;
      out->items = ni;
      out->cap = out->n + l.nocc + l.ndocs + 1;
    }
    for (i = 0; i < l.ndocs; i++) {
      uint32_t doc = seg->docs[l.docs[i]];
      int want = wanted_doc(globs, ix, doc);
      if (want < 0) {
        plist_free(&l);
        return STANCE_INDEX_DAMAGED;
      }
      if (!want) continue;
      if (l.start[i] == l.start[i + 1]) {
        if (push_hit(out, doc, 0, 0) != 0) goto oom;
      }
      for (k = l.start[i]; k < l.start[i + 1]; k++)
        if (push_hit(out, doc, l.occ[k].pos, l.occ[k].words) != 0) goto oom;
    }
    plist_free(&l);
    continue;
  oom:
    plist_free(&l);
    return -1;
  }
  return sort_hits(ix, out, from);
}

void stance_hits_free(stance_hits *h) {
  free(h->items);
  memset(h, 0, sizeof *h);
}

/* Occurrences of dictionary entry t in live documents of `seg`; -1 when damaged. */
static int64_t live_count(const stance_segment *seg, const stance_index *ix, uint32_t t, int any_deleted) {
  stance_postings it;
  uint32_t local, count, freq;
  int64_t n = 0;
  /* every document live: the dictionary's count, the postings not read */
  if (!any_deleted) return stance_segment_freq(seg, t, &freq) != 0 ? -1 : (int64_t)freq;
  if (stance_postings_init(&it, seg, t, &freq) != 0) return -1;
  while (stance_postings_doc(&it, &local, &count))
    if (local < seg->ndocs && live(ix, seg->docs[local])) n += count;
  return it.broken ? -1 : n;
}

/* Is n an AND of words, no two the same? Its hits are then every occurrence of each word in
 * the documents holding them all (no two at one place): counted without positions. */
static int and_of_words(const qnode *n) {
  size_t i, k;
  /* a few words (the test for doubles is quadratic); a long chain goes the general way */
  if (n->kind != Q_AND || n->nkids < 2 || n->nkids > 32) return 0;
  for (i = 0; i < n->nkids; i++) {
    if (n->kids[i]->kind != Q_WORD || n->kids[i]->check) return 0;
    for (k = 0; k < i; k++)
      if (n->kids[k]->lens[0] == n->kids[i]->lens[0] &&
          memcmp(n->kids[k]->words[0], n->kids[i]->words[0], n->kids[i]->lens[0]) == 0)
        return 0;
  }
  return 1;
}

/* The hits of an AND of words (and_of_words) in one segment, added to *count. */
static int count_and_words(const qnode *n, const stance_segment *seg, const stance_index *ix,
                           const char *const *globs, size_t *count) {
  uint32_t *cand = NULL, *sum = NULL, ncand = 0, i, j, k;
  size_t w;
  int rc = 0;
  for (w = 0; w < n->nkids; w++) {
    const qnode *kid = n->kids[w];
    int64_t t = stance_segment_find(seg, kid->words[0], kid->lens[0]);
    uint32_t *docs = NULL, *counts = NULL, nd;
    int bad = 0;
    if (t == STANCE_INDEX_DAMAGED) {
      rc = STANCE_INDEX_DAMAGED;
      break;
    }
    if (t < 0) {
      ncand = 0;
      break;
    }
    if (term_docs(seg, ix, (uint32_t)t, &docs, &counts, &nd, &bad) != 0) {
      free(docs);
      free(counts);
      rc = bad ? STANCE_INDEX_DAMAGED : -1;
      break;
    }
    if (w == 0) {
      cand = docs;
      sum = counts;
      ncand = nd;
    } else {
      for (i = j = k = 0; i < ncand && j < nd;) {
        if (cand[i] < docs[j]) {
          i++;
        } else if (cand[i] > docs[j]) {
          j++;
        } else {
          cand[k] = cand[i];
          sum[k++] = sum[i++] + counts[j++];
        }
      }
      ncand = k;
      free(docs);
      free(counts);
    }
    if (ncand == 0) break;
  }
  for (i = 0; rc == 0 && i < ncand; i++) {
    int want = wanted_doc(globs, ix, seg->docs[cand[i]]);
    if (want < 0) rc = STANCE_INDEX_DAMAGED;
    if (want > 0) *count += sum[i];
  }
  free(cand);
  free(sum);
  return rc;
}

int stance_query_count(const stance_query *q, const stance_index *ix, const char *const *globs,
                       size_t *count) {
  const qnode *n = q->root;
  uint32_t s, nseg = stance_index_nsegments(ix);
  int all = globs == NULL || globs[0] == NULL;
  *count = 0;
  for (s = 0; s < nseg; s++) {
    const stance_segment *seg = stance_index_segment(ix, s);
    uint32_t d, lo, hi, t, i;
    int any_deleted = 0, rc;
    plist l;
    if ((n->kind == Q_WORD || n->kind == Q_PREFIX) && all && !n->check) {
      /* from the dictionary's counts, unless the segment lost documents since */
      for (d = 0; d < seg->ndocs && !any_deleted; d++) any_deleted = !live(ix, seg->docs[d]);
      if (n->kind == Q_WORD) {
        int64_t f = stance_segment_find(seg, n->words[0], n->lens[0]), c;
        if (f == STANCE_INDEX_DAMAGED) return STANCE_INDEX_DAMAGED;
        if (f >= 0) {
          if ((c = live_count(seg, ix, (uint32_t)f, any_deleted)) < 0) return STANCE_INDEX_DAMAGED;
          *count += (size_t)c;
        }
      } else {
        if (stance_segment_prefix(seg, n->words[0], n->lens[0], &lo, &hi) != 0) return STANCE_INDEX_DAMAGED;
        for (t = lo; t < hi; t++) {
          int64_t c = live_count(seg, ix, t, any_deleted);
          if (c < 0) return STANCE_INDEX_DAMAGED;
          *count += (size_t)c;
        }
      }
      continue;
    }
    if (and_of_words(n)) {
      if ((rc = count_and_words(n, seg, ix, all ? NULL : globs, count)) != 0) return rc;
      continue;
    }
    /* the hits counted, neither kept nor sorted */
    if ((rc = run_segment(q, seg, ix, &l)) != 0) return rc;
    for (i = 0; i < l.ndocs; i++) {
      uint32_t c = l.start[i + 1] - l.start[i];
      int want = all ? 1 : wanted_doc(globs, ix, seg->docs[l.docs[i]]);
      if (want < 0) {
        plist_free(&l);
        return STANCE_INDEX_DAMAGED;
      }
      if (!want) continue;
      *count += c > 0 ? c : 1;
    }
    plist_free(&l);
  }
  return 0;
}
