/*
 * reader.h - annotation files (doc/format.md) into a store, and a store back into the
 * canonical text of its file.
 *
 * Reading never stops at the first problem: every record that is valid loads, and every
 * problem is listed with its line and column (see problems.h for what errors and
 * warnings mean). Writing produces the canonical form: the same store always gives the
 * same bytes, and reading a canonical file then writing it gives the file back.
 */
#ifndef STANCE_READER_H
#define STANCE_READER_H

#include "buf.h"
#include "problems.h"
#include "store.h"

#define STANCE_FORMAT_VERSION 1

/* The values a schema allows for label, target, stance, role and relation type. A field
 * without any value added is not checked. */
typedef struct stance_vocab stance_vocab;

stance_vocab *stance_vocab_new(void);
void stance_vocab_free(stance_vocab *v);
/* A copy of v (an empty vocabulary for NULL); NULL when out of memory. */
stance_vocab *stance_vocab_copy(const stance_vocab *v);
/* f is one of STANCE_F_LABEL, _TARGET, _STANCE, _ROLE, _TYPE. 0, or STANCE_ENOMEM /
 * STANCE_EINVAL. */
int stance_vocab_add(stance_vocab *v, stance_field f, const char *value);
int stance_vocab_has(const stance_vocab *v, stance_field f, const char *value);
/* Declare an attribute of records beyond the format's own (the schema's `attribute NAME`):
 * the reader keeps it as it keeps any unknown attribute, without a warning. */
int stance_vocab_add_attribute(stance_vocab *v, const char *name);
/* A digest of the vocabulary (NULL: none) and of the reader's version: what a file's
 * problems depend on besides its bytes (layercache.h). */
uint64_t stance_vocab_digest(const stance_vocab *v);

/* Read an annotation file. `vocab` may be NULL. Problems are appended to `problems`,
 * sorted by position. NULL only when out of memory. */
stance_store *stance_read(const char *text, size_t len, const stance_vocab *vocab,
                          stance_problems *problems);

/* The same, read in `parts` parts at once on threads (0: as many as the text's size and
 * the processors make worth it; 1: in one). The result is the same whatever the parts.
 * `used` (if not NULL) receives the number of parts read (1 when the file had to be read
 * whole: an ID or a `document` record in two parts, or too few places to cut). */
stance_store *stance_read_parts(const char *text, size_t len, const stance_vocab *vocab,
                                stance_problems *problems, int parts, int *used);

/* Whether `store`, made some other way than by reading (a snapshot loaded from disk), holds
 * only what the reader could have made: valid IDs, spans, the fields each kind needs, and
 * comments or unknown attributes that read back as themselves. NULL, or what is wrong. */
const char *stance_store_check(const stance_store *store);
/* The same rules for one record (not what it keeps as written): why it breaks one, or NULL. */
const char *stance_rec_check(const stance_rec *r);

/* Append the canonical text of `store` to `out`. 0, or STANCE_ENOMEM. */
int stance_write(const stance_store *store, stance_buf *out);
/* The same, each span offset converted by `conv` (orphans are written as they are). */
int stance_write_conv(const stance_store *store, stance_buf *out, stance_conv conv, void *ud);
/* Append the text of record `r` of `store` alone, as it would follow the others (what an
 * append to the end of the file needs); STANCE_EINVAL when the file ends with comments of
 * its own, which the record would then take as its own. */
int stance_write_one(const stance_store *store, const stance_rec *r, stance_buf *out, stance_conv conv,
                     void *ud);

#endif
