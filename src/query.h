/*
 * query.h - search queries over a stance_index.
 *
 *   sanctions            a word (case-insensitive, whole word, as `grep -iw`)
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
 * matches the file name in any folder. 0, -1 when out of memory, or STANCE_INDEX_DAMAGED
 * when a segment read from disk is damaged (the index must be rebuilt). */
int stance_query_run(const stance_query *q, const stance_index *ix, const char *const *globs,
                     stance_hits *out);
void stance_hits_free(stance_hits *h);

/* The number of hits stance_query_run would give, without listing them: a single word or
 * prefix is counted from the dictionary's frequencies, in constant time per segment when
 * no document of it was deleted; an AND of distinct words from the documents' counts of
 * each, positions unread; other queries are run without keeping or sorting their hits. 0, -1 when out of memory, or STANCE_INDEX_DAMAGED. */
int stance_query_count(const stance_query *q, const stance_index *ix, const char *const *globs,
                       size_t *count);

/* Whether `path` matches the glob (the rule above). */
int stance_glob_match(const char *glob, const char *path);

#endif
