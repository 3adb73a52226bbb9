/*
 * qgram.h - finding a string in a text again, exactly or approximately, in time that does
 * not grow with the text for each search: what re-anchoring annotations in an edited
 * document needs, bounded by a work budget so that no document, however large or
 * repetitive, makes it a denial of service.
 *
 * The text's 4-byte grams are indexed once (every position, or every s-th one in texts
 * over STANCE_QGRAM_FULL bytes). An exact search looks up the needle's rarest gram and
 * checks each place it occurs. An approximate search (at most k edits: insertions,
 * deletions, substitutions of bytes) counts, per bin of k + 1 diagonals, the grams of the
 * pattern found on it (the q-gram lemma: a match with k edits keeps at least m - 3 - 4k of
 * its m - 3 grams, fewer with sampling, which the threshold allows for; the commonest grams
 * are left out of the count and the threshold lowered by as many), and runs a banded edit
 * distance only where two neighbouring bins reach the threshold (a match's diagonals span
 * at most k + 1 values), stopping each row once no alignment can stay within k edits. When too many grams are too common for the count to say
 * anything, the pattern is cut in k + 1 pieces (one of them is intact) and the rarest gram
 * of each piece gives the candidates. Both filters lose no match.
 */
#ifndef STANCE_QGRAM_H
#define STANCE_QGRAM_H

#include <stddef.h>
#include <stdint.h>

#define STANCE_QGRAM_FULL (8u << 20) /* texts up to this many bytes index every position */

typedef struct stance_qgrams stance_qgrams;

/* Work left (in steps: a position looked at, a cell of edit distance); searches stop when it
 * is used up and say so. */
typedef struct stance_budget {
  uint64_t left;
  int exhausted;
} stance_budget;

/* Takes `steps` from the budget: 0, or -1 (and the budget marked used up) when there are
 * not that many left. */
int stance_budget_spend(stance_budget *b, uint64_t steps);

/* The index of `text` (not copied: it must outlive the index). NULL when out of memory. */
stance_qgrams *stance_qgrams_new(const char *text, size_t len);
/* The same, indexing every `stride`-th position (what large texts get; for tests). */
stance_qgrams *stance_qgrams_new_sampled(const char *text, size_t len, size_t stride);
void stance_qgrams_free(stance_qgrams *g);

/* Called for each place found; non-zero stops the search. */
typedef int (*stance_found_cb)(void *ud, size_t start, size_t end, size_t edits);

/* Every occurrence of `needle` (start, start + nlen, 0), at most `max` of them, in no
 * particular order. Returns how many were found, or -1 when the budget ran out (those found
 * before were reported). `g` may be NULL (no index: the text is scanned). */
long stance_qgrams_find(stance_qgrams *g, const char *text, size_t len, const char *needle, size_t nlen, size_t max,
                        stance_budget *b, stance_found_cb cb, void *ud);

/* The places where `pat` (m bytes) occurs with at most `k` edits: for each region of the
 * text the filters let through, its best alignment (fewest edits, then the leftmost end;
 * start and end in bytes, edits). Returns how many were reported, -1 when the budget ran
 * out, -2 when out of memory. */
long stance_qgrams_approx(stance_qgrams *g, const char *pat, size_t m, size_t k, stance_budget *b,
                          stance_found_cb cb, void *ud);

#endif
