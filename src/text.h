/*
 * text.h - the text model of a document: UTF-8 that survives invalid bytes, line ends
 * (LF and CRLF), conversions between byte offsets, code points and (line, column),
 * words (tokens) with case folding, sentences and paragraphs.
 *
 * Conventions: offsets are 0-based, ends exclusive. A byte that is not part of a valid
 * UTF-8 sequence counts as one code point (U+FFFD). Lines are 0-based here (the Lua API
 * adds 1). A line's end ("\n", or "\r\n") belongs to the line it ends.
 */
#ifndef STANCE_TEXT_H
#define STANCE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* ---- characters ------------------------------------------------------------------- */

/* Decode the code point at s (len > 0). *n gets its length in bytes (1 for an invalid
 * byte, whose code point is 0xFFFD and *invalid is set). */
uint32_t stance_utf8_decode(const unsigned char *s, size_t len, int *n, int *invalid);
/* Encode code point cp (< 0x110000) into out (4 bytes of room); returns its length. */
size_t stance_utf8_encode(uint32_t cp, char *out);
/* Word characters are what `grep -w` counts as such in a UTF-8 locale: letters, digits
 * and '_' (glibc's iswalnum; tables in unicode_data.h). */
int stance_is_word_cp(uint32_t cp);
/* Lowercase (glibc's towlower), the case folding of search. */
uint32_t stance_fold_cp(uint32_t cp);

/* ---- documents ------------------------------------------------------------------- */

typedef struct stance_text stance_text;

/* Index `len` bytes of `s` (copied). NULL when out of memory. */
stance_text *stance_text_new(const char *s, size_t len);
/* The same without a copy: `s` (malloc'd, with room for len + 1 bytes) is taken, and freed
 * with the text (or at once when NULL is returned). */
stance_text *stance_text_new_take(char *s, size_t len);
void stance_text_free(stance_text *t);

const char *stance_text_bytes(const stance_text *t, size_t *len);
size_t stance_text_cps(const stance_text *t);       /* code points in all */
uint32_t stance_text_lines(const stance_text *t);   /* a last line without "\n" counts */
/* Bytes that are not valid UTF-8, and the offset of the first one (if any). */
size_t stance_text_invalid(const stance_text *t, size_t *first);

/* O(1): the code point at or containing byte b (b <= len). */
size_t stance_text_byte_to_cp(const stance_text *t, size_t b);
/* O(log n): the first byte of code point c (c <= cps; cps gives len). */
size_t stance_text_cp_to_byte(const stance_text *t, size_t c);
/* The same, faster for a series of nearby code points in increasing order (the spans of a
 * file, read in order): `h` remembers the last one (zero it before the first call). */
typedef struct stance_text_hint {
  size_t k, cp, byte;
  int valid;
} stance_text_hint;
size_t stance_text_cp_to_byte_hint(const stance_text *t, size_t c, stance_text_hint *h);
/* O(log n): the line holding byte b, and b's column in bytes and in code points. The
 * column of a line's end is the length of its content. */
void stance_text_pos(const stance_text *t, size_t b, uint32_t *line, size_t *col_bytes,
                     size_t *col_cps);
/* First byte of line l (l <= lines), and where its content ends (before "\r\n" or "\n"). */
size_t stance_text_line_start(const stance_text *t, uint32_t line);
size_t stance_text_line_end(const stance_text *t, uint32_t line);

/* ---- words, sentences, paragraphs --------------------------------------------------- */

/* Called for each word: its bytes [start, end), its case-folded form (`folded`, valid
 * during the call), and whether something other than blanks and line ends separates it
 * from the word before (`broken`: punctuation ends a phrase). Non-zero stops the walk. */
typedef int (*stance_token_cb)(void *ud, size_t start, size_t end, const char *folded,
                               size_t folded_len, int broken);
/* Walk the words of s: maximal runs of word characters (stance_is_word_cp). Returns the
 * number of words, or -1 when out of memory. */
long stance_tokenize(const char *s, size_t len, stance_token_cb cb, void *ud);

/* Fold a string the way stance_tokenize folds words (out needs 2 * len + 4 bytes).
 * Returns the folded length. */
size_t stance_fold(const char *s, size_t len, char *out);

typedef int (*stance_span_fn)(void *ud, size_t start, size_t end);
/* Paragraphs: runs of lines separated by blank lines (empty or only blanks). */
int stance_paragraphs(const char *s, size_t len, stance_span_fn cb, void *ud);
/* Sentences inside paragraphs: after ., ! or ? (with closing quotes and brackets) when
 * a blank and a new sentence follow; not after titles (Mr., Dr.), initials (J. R.),
 * decimals (4.2), or abbreviations (U.S., Jr., etc.) unless the next word clearly
 * starts a sentence. Leading and trailing blanks are not part of a sentence. */
int stance_sentences(const char *s, size_t len, stance_span_fn cb, void *ud);
/* Lines as units (a schema's `unit line`: one post per line): each line that is not blank,
 * without blanks at either end; a unit never crosses a line end. */
int stance_lines(const char *s, size_t len, stance_span_fn cb, void *ud);
/* The units of a corpus: sentences (STANCE_UNIT_SENTENCE) or lines (STANCE_UNIT_LINE). */
enum { STANCE_UNIT_SENTENCE = 0, STANCE_UNIT_LINE = 1 };
int stance_units(const char *s, size_t len, int unit, stance_span_fn cb, void *ud);

#endif
