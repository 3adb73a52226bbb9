/*
 * query.h - search queries over a stance_index.
 *
 *   sanctions            a word (case-insensitive, whole word, as `grep -iw`)
 *   Jong-un, "U.S."      a word or phrase with punctuation: what `grep -iwF` finds for it;
 *                        the index finds the candidates (it keeps where punctuation
 *                        separates words, not which), the documents' text decides
 *   sanction*            words starting with "sanction"
 *   "human rights"       a phrase: the words in order, separated only by blanks/line ends
 *   a b, a AND b         documents holding both (AND is implied between terms)
 *   a OR b               documents holding either
 *   a NOT b, NOT b       documents holding a but not b / not holding b
 *   ( ... )              grouping
 * AND, OR and NOT are operators only in upper case. Hits are the occurrences of the
 * positive words and phrases in the documents that match; an occurrence is one hit however
 * often the query names it. Nesting (parentheses, NOT) is limited to 64 levels; chains of
 * AND and OR are not nesting.
 */
#ifndef STANCE_QUERY_H
#define STANCE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

typedef struct stance_query stance_query;

/* Parse `text`. NULL on a syntax error, with a message and its column (1-based) in
 * err/col; NULL with err "" when out of memory. */
stance_query *stance_query_parse(const char *text, size_t len, char *err, size_t errlen,
                                 size_t *col);
void stance_query_free(stance_query *q);

/* Reads document `doc` (a global id) for the leaves with punctuation: 0 with its bytes in
 * *data (malloc'd; the query frees them), -1 when out of memory, STANCE_INDEX_DAMAGED when
 * its entry is damaged, STANCE_QUERY_UNREAD when the file cannot be read (the reader keeps
 * which and why). */
typedef int (*stance_doc_reader)(void *ud, uint32_t doc, char **data, size_t *len);
/* Without a reader, a query with punctuation in a term fails with STANCE_QUERY_NO_TEXT:
 * the index alone cannot answer it. */
void stance_query_set_reader(stance_query *q, stance_doc_reader reader, void *ud);
#define STANCE_QUERY_NO_TEXT (-3)
#define STANCE_QUERY_UNREAD (-4)

typedef struct stance_hit {
  uint32_t doc;                 /* global document id */
  uint32_t pos;                 /* word position (see index.h) */
  uint32_t words;               /* words of the match; 0: the document matches as a whole */
} stance_hit;

typedef struct stance_hits {
  stance_hit *items;
  size_t n, cap;
} stance_hits;

/* Run the query; hits are appended in document order, then position. `globs` (NULL-
 * terminated, or NULL) keep only documents whose path matches one: a glob without '/'
 * matches the file name in any folder. 0, -1 when out of memory, STANCE_INDEX_DAMAGED
 * when a segment read from disk is damaged (the index must be rebuilt), or (a term with
 * punctuation) STANCE_QUERY_NO_TEXT or STANCE_QUERY_UNREAD. */
int stance_query_run(const stance_query *q, const stance_index *ix, const char *const *globs,
                     stance_hits *out);
void stance_hits_free(stance_hits *h);

/* The number of hits stance_query_run would give, without listing them: a single word or
 * prefix is counted from the dictionary's frequencies, in constant time per segment when
 * no document of it was deleted; an AND of distinct words from the documents' counts of
 * each, positions unread; other queries are run without keeping or sorting their hits (a term with punctuation
 * reads the documents of its candidates). The codes of stance_query_run. */
int stance_query_count(const stance_query *q, const stance_index *ix, const char *const *globs,
                       size_t *count);

/* Whether `path` matches the glob (the rule above). */
int stance_glob_match(const char *glob, const char *path);

#endif
