/*
 * lcore.h - the parts of the stance.core Lua module; each adds its functions to the
 * module table on top of the stack.
 */
#ifndef STANCE_LCORE_H
#define STANCE_LCORE_H

#include <lua.h>

#define STANCE_VERSION "0.1.0"
/* the registry field host.c sets true in the `stance` executable's state (core.in_host) */
#define STANCE_HOST_KEY "stance.host"

void stance__open_worker(lua_State *L);
void stance__open_fs(lua_State *L);
void stance__open_proc(lua_State *L);
/* Push `data` (malloc'd, taken) as a stance.bytes (lfs.c). */
void stance__push_bytes(lua_State *L, char *data, size_t len);
/* The SHA-256 of len bytes at s as hex, or nil, err, "EHASH" (returns the count pushed). */
int stance__push_sha256(lua_State *L, const char *s, size_t len);
/* The same for `len` bytes at `data` that `owner` lends: release(owner) when they are
 * collected (the caller takes a reference on `owner` for them right after: nothing can
 * collect them before). */
void stance__push_lent_bytes(lua_State *L, const char *data, size_t len, void (*release)(void *), void *owner);
void stance__open_store(lua_State *L);
void stance__open_text(lua_State *L);
void stance__open_index(lua_State *L);
void stance__open_watch(lua_State *L);
void stance__open_frame(lua_State *L);
void stance__open_cues(lua_State *L);
void stance__open_model(lua_State *L);
/* The features and training options of a model from the table at `opts` (lmodel.c's
 * header lists them; nil: the defaults). Raises on misuse. */
struct stance_features;
struct stance_train_opts;
void stance__read_model_opts(lua_State *L, int opts, struct stance_features *f, struct stance_train_opts *o);
/* The cue matcher at index i (raises on misuse). */
struct stance_cues;
const struct stance_cues *stance__check_cues(lua_State *L, int i);

/* The store userdata at stack index i (raises otherwise). */
struct stance_store;
struct stance_store *stance__check_store(lua_State *L, int i);
/* A store userdata that owns `s`; problems as a list of {line, col, severity, message}; the
 * schema's values from opts.vocab of the table at `opts` (NULL when none). */
void stance__push_store(lua_State *L, struct stance_store *s);
/* A stance.store_view userdata that owns `v` (a view of the snapshot `snap`, made under the
 * static string `key`): release(owner) when it is collected (the caller takes a reference on
 * `owner` for it right after). */
struct stance_snapview;
/* A store view of the snapshot `snap` (in memory of `owner`, which `release` lets go of when
 * the view is collected), and the bytes of the file it was made from (`bytes`, `byteslen`,
 * in the same memory: view:bytes() lends them, taking one more hold on it with `lend`). */
void stance__push_store_view(lua_State *L, struct stance_snapview *v, const char *snap, size_t snaplen,
                             const char *key, void (*release)(void *), void (*lend)(void *), void *owner,
                             const char *bytes, size_t byteslen);
/* The annotations of kind `want` of the store view at index `view`, appended to the list at
 * `out` as view:lazy() makes them (see lstore.c): how many. The fields of their metatable's
 * model (view:lazy()'s `mt`) are the `npairs` keys and values at mt, mt + 1, ... (absolute
 * indices of the stack); keys[0] to keys[2] are indices of the strings "_layer", "_store" and
 * "_slot" (a caller's upvalues, or its stack). */
int stance__push_view_annotations(lua_State *L, int view, int want, int layer, int mt, int npairs, int out,
                                  const int keys[3]);
/* Header h (a stance_header) of the store view at index i: *len bytes, or NULL. */
const char *stance__view_header(lua_State *L, int i, int h, size_t *len);
struct stance_problems;
void stance__push_problems(lua_State *L, const struct stance_problems *p);
struct stance_vocab;
/* opts.vocab: a table (see stance.schema.vocab), made into a vocabulary the caller owns
 * (*owned = 1), or a core.vocab() userdata, lent (*owned = 0: valid while it is on the
 * stack). NULL when there is none. */
struct stance_vocab *stance__read_vocab(lua_State *L, int opts, int *owned);
void stance__open_load(lua_State *L);
void stance__open_layercache(lua_State *L);
void stance__open_brat(lua_State *L);
/* The text of a core.text userdata at index i (raises when it is not one, or closed). */
struct stance_text;
const struct stance_text *stance__check_text(lua_State *L, int i);
/* json_decode, json_encode (ljson.c). */
void stance__open_json(lua_State *L);
struct stance_frame;
/* A frame userdata that owns `f` (the caller has checked it is not NULL). */
void stance__push_frame(lua_State *L, struct stance_frame *f);

/* The index userdata at stack index i (raises otherwise), its root, and replacing its
 * content with a loaded index. */
struct stance_index;
struct stance_index *stance__check_index(lua_State *L, int i);
const char *stance__index_root(lua_State *L, int i);
struct stance_index *stance__index_swap(lua_State *L, int i, struct stance_index *ix);

/* A NULL-terminated list from opts[key] (a list of at most `max` strings, raising otherwise;
 * buf has max + 1 places), or NULL when opts or opts[key] is nil. The strings stay alive
 * as long as the opts table. */
const char **stance__read_list(lua_State *L, int opts, const char *key, const char **buf, int max);

#endif
