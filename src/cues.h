/*
 * cues.h - matching a lexicon of stance cues ("should", "must not", "fail*") in a text in
 * one pass over its words. Cues are phrases of words folded as stance_tokenize folds them;
 * a word ending in `*` matches every word that starts with it. A cue does not match across
 * punctuation (what stance_tokenize reports as a break), but an apostrophe or a hyphen
 * between two words joins them ("don't", "well-founded"). The matcher follows every cue that
 * could still match (a trie over words, at most STANCE_CUES_MAX_WORDS deep), so a text is
 * read once, in time linear in its words times the longest cue.
 */
#ifndef STANCE_CUES_H
#define STANCE_CUES_H

#include <stddef.h>
#include <stdint.h>

#define STANCE_CUES_MAX_WORDS 8

typedef struct stance_cues stance_cues;

stance_cues *stance_cues_new(void);
void stance_cues_free(stance_cues *c);

/* Add the cue `phrase` of `category`. Returns its number (from 0), -1 out of memory, -2
 * when it has no word or more than STANCE_CUES_MAX_WORDS. */
long stance_cues_add(stance_cues *c, const char *phrase, size_t len, uint32_t category);

/* Called for each match: bytes [start, end) of the text, the cue's category and number.
 * Non-zero stops. */
typedef int (*stance_cue_cb)(void *ud, size_t start, size_t end, uint32_t category, uint32_t cue);

/* Every match of every cue in `text`, in order of their ends. Returns how many, or -1 when
 * out of memory. */
long stance_cues_match(const stance_cues *c, const char *text, size_t len, stance_cue_cb cb, void *ud);

/* The same, fed word by word by a caller that walks the words itself (stance_tokenize's
 * callback arguments; `text` is what start and end count from): one walk over a text then
 * serves the cues and other uses of its words. _reset forgets the cues under way (a new
 * sentence). _word returns non-zero when the callback asked to stop. */
typedef struct stance_cue_stream stance_cue_stream;
stance_cue_stream *stance_cue_stream_new(const stance_cues *c, const char *text, stance_cue_cb cb, void *ud);
int stance_cue_stream_word(stance_cue_stream *m, size_t start, size_t end, const char *folded, size_t n,
                           int broken);
void stance_cue_stream_reset(stance_cue_stream *m);
long stance_cue_stream_matches(const stance_cue_stream *m);
void stance_cue_stream_free(stance_cue_stream *m);

#endif
