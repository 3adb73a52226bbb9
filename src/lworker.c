/*
 * lworker.c - Lua binding of the worker and its jobs: stance.core.worker().
 *
 * A worker userdata keeps, in a registry table, the job userdata of every job still
 * running, keyed by the job's address, so that poll() hands back the object the caller
 * got from submitting it.
 */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "hashjob.h"
#include "tidyjob.h"
#include "cuejob.h"
#include "modeljob.h"
#include "text.h"
#include "index.h"
#include "indexfile.h"
#include "indexjob.h"
#include "lcore.h"
#include "worker.h"

#define WORKER_MT "stance.worker"
#define JOB_MT "stance.job"
#define MAX_EXTS 64

typedef int (*results_fn)(lua_State *L, stance_job *job);

typedef struct ljob {
  stance_job *job;
  results_fn results;
  int keep_ref; /* registry: a Lua value the job reads (a cue matcher), kept alive with it */
} ljob;

/* registry[JOB_WORKERS]: { [lightuserdata ljob] = worker userdata }, weak values (a job
 * does not keep its worker alive): the worker apply_to frees a replaced index on */
#define JOB_WORKERS "stance.job_workers"

static void job_worker_set(lua_State *L, ljob *j, int worker) {
  worker = worker < 0 ? lua_gettop(L) + worker + 1 : worker;
  lua_getfield(L, LUA_REGISTRYINDEX, JOB_WORKERS);
  if (!lua_istable(L, -1)) { /* (a state being closed) */
    lua_pop(L, 1);
    return;
  }
  lua_pushlightuserdata(L, j);
  if (worker != 0)
    lua_pushvalue(L, worker);
  else
    lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

typedef struct lworker {
  stance_worker *w;
  int jobs_ref;                 /* registry: { [lightuserdata job] = job userdata } */
} lworker;

static lworker *check_worker(lua_State *L) {
  lworker *lw = luaL_checkudata(L, 1, WORKER_MT);
  if (lw->w == NULL) luaL_argerror(L, 1, "the worker is closed");
  return lw;
}

static ljob *check_job(lua_State *L, int i) { return luaL_checkudata(L, i, JOB_MT); }

/* ---- jobs ------------------------------------------------------------------------- */

static void push_progress(lua_State *L, stance_job *job) {
  stance_job_progress p;
  stance_job_get_progress(job, &p);
  lua_pushinteger(L, (lua_Integer)p.done);
  lua_setfield(L, -2, "done");
  lua_pushinteger(L, (lua_Integer)p.total);
  lua_setfield(L, -2, "total");
  lua_pushinteger(L, (lua_Integer)p.bytes);
  lua_setfield(L, -2, "bytes");
  lua_pushinteger(L, (lua_Integer)p.total_bytes);
  lua_setfield(L, -2, "total_bytes");
}

static int job_id(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_job_id(check_job(L, 1)->job));
  return 1;
}

static int job_kind(lua_State *L) {
  lua_pushstring(L, stance_job_kind(check_job(L, 1)->job));
  return 1;
}

static int job_state(lua_State *L) {
  lua_pushstring(L, stance_job_state_name(stance_job_get_state(check_job(L, 1)->job)));
  return 1;
}

static int job_progress(lua_State *L) {
  ljob *j = check_job(L, 1);
  lua_newtable(L);
  push_progress(L, j->job);
  return 1;
}

static int job_cancel(lua_State *L) {
  stance_job_cancel(check_job(L, 1)->job);
  return 0;
}

static int job_error(lua_State *L) {
  ljob *j = check_job(L, 1);
  if (stance_job_get_state(j->job) != STANCE_JOB_FAILED) return 0;
  lua_pushstring(L, stance_job_error(j->job));
  return 1;
}

static int job_results(lua_State *L) {
  ljob *j = check_job(L, 1);
  stance_job_state s = stance_job_get_state(j->job);
  /* a tidy job says what it did whatever its end (cancelled after its rename: written) */
  if (strcmp(stance_job_kind(j->job), "tidy") == 0 && s != STANCE_JOB_PENDING && s != STANCE_JOB_RUNNING)
    return j->results(L, j->job);
  if (s == STANCE_JOB_FAILED) return stance__fail(L, stance_job_error(j->job), "EFAILED");
  if (s == STANCE_JOB_CANCELLED) return stance__fail(L, "the job was cancelled", "ECANCELED");
  if (s != STANCE_JOB_DONE) return stance__fail(L, "the job has not finished", "EBUSY");
  return j->results(L, j->job);
}

static int job_gc(lua_State *L) {
  ljob *j = check_job(L, 1);
  stance_job_unref(j->job);
  j->job = NULL;
  if (j->keep_ref != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, j->keep_ref);
    j->keep_ref = LUA_NOREF;
  }
  job_worker_set(L, j, 0);
  return 0;
}

static int job_tostring(lua_State *L) {
  ljob *j = check_job(L, 1);
  if (j->job == NULL) {
    lua_pushstring(L, "stance.job (freed)");
    return 1;
  }
  lua_pushfstring(L, "stance.job %s #%d (%s)", stance_job_kind(j->job),
                  (int)stance_job_id(j->job),
                  stance_job_state_name(stance_job_get_state(j->job)));
  return 1;
}

/* Submit `job` (ownership passes to the function) and push its userdata. */
static int submit(lua_State *L, lworker *lw, stance_job *job, results_fn results) {
  ljob *j;
  int rc;
  if (job == NULL) return stance__fail(L, "out of memory", "ENOMEM");
  j = lua_newuserdata(L, sizeof *j);
  j->job = job;
  j->results = results;
  j->keep_ref = LUA_NOREF;
  stance__setclass(L, JOB_MT);
  job_worker_set(L, j, 1); /* every worker method is called on the worker */
  rc = stance_worker_submit(lw->w, job);
  if (rc != 0) return stance__fail(L, "the worker cannot take the job", "ESUBMIT");
  lua_rawgeti(L, LUA_REGISTRYINDEX, lw->jobs_ref);
  lua_pushlightuserdata(L, job);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return 1;
}

/* ---- the hash job ----------------------------------------------------------------- */

static int hash_results(lua_State *L, stance_job *job) {
  const stance_hash_result *r;
  size_t n = stance_hashjob_results(job, &r), i;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 3);
    lua_pushstring(L, r[i].path);
    lua_setfield(L, -2, "path");
    lua_pushinteger(L, (lua_Integer)r[i].size);
    lua_setfield(L, -2, "size");
    if (r[i].error != NULL) {
      lua_pushstring(L, r[i].error);
      lua_setfield(L, -2, "error");
    } else {
      lua_pushstring(L, r[i].hex);
      lua_setfield(L, -2, "hash");
    }
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

/* Read opts.ext (a list of strings) into `exts`; returns `exts` or NULL for "all". */
static const char **read_exts(lua_State *L, int opts, const char **exts) {
  int n, i;
  if (lua_isnoneornil(L, opts)) return NULL;
  luaL_checktype(L, opts, LUA_TTABLE);
  lua_getfield(L, opts, "ext");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if (!lua_istable(L, -1)) luaL_argerror(L, opts, "ext should be a list of strings");
  n = (int)lua_rawlen(L, -1);
  if (n >= MAX_EXTS) luaL_argerror(L, opts, "too many extensions");
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, -1, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, opts, "ext should be a list of strings");
    exts[i] = lua_tostring(L, -1);
    lua_pop(L, 1);          /* the string stays alive in the table on the stack */
  }
  exts[n] = NULL;
  return exts;
}

static int worker_hash(lua_State *L) {
  lworker *lw = check_worker(L);
  const char *root = luaL_checkstring(L, 2);
  const char *buf[MAX_EXTS + 1];
  const char **exts = read_exts(L, 3, buf);
  stance_job *job = stance_hashjob_new(root, exts);
  int n = submit(L, lw, job, hash_results);
  return n;
}

/* ---- the tidy job ------------------------------------------------------------------ */

static int tidy_results(lua_State *L, stance_job *job) {
  const char *why = NULL;
  stance_tidy_outcome o = stance_tidyjob_outcome(job, &why);
  size_t len;
  char *text;
  lua_createtable(L, 0, 6);
  lua_pushstring(L, stance_tidy_outcome_name(o));
  lua_setfield(L, -2, "outcome");
  if (why != NULL && why[0] != '\0') {
    lua_pushstring(L, why);
    lua_setfield(L, -2, "error");
  }
  if (o == STANCE_TIDY_WRITTEN || o == STANCE_TIDY_SAME) {
    lua_pushstring(L, stance_tidyjob_stamp(job));
    lua_setfield(L, -2, "stamp");
    if (o == STANCE_TIDY_WRITTEN) {
      lua_pushstring(L, stance_tidyjob_hash(job));
      lua_setfield(L, -2, "hash");
    }
    text = stance_tidyjob_take_text(job, &len);
    if (text != NULL || len == 0) {
      lua_pushinteger(L, (lua_Integer)len);
      lua_setfield(L, -2, "size");
    }
    if (text != NULL) {
      stance__push_bytes(L, text, len); /* owned by the bytes from here: no copy of the file */
      lua_setfield(L, -2, "text");
    }
  }
  return 1;
}

static const char *opt_field(lua_State *L, int opts, const char *key) {
  const char *v;
  if (!lua_istable(L, opts)) return NULL;
  lua_getfield(L, opts, key);
  if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
    luaL_argerror(L, opts, lua_pushfstring(L, "%s should be a string", key));
  v = lua_tostring(L, -1); /* kept alive by the opts table */
  lua_pop(L, 1);
  return v;
}

/* tidy(path, {stamp, root, vocab, document, hash, annotator, status, wait}) -> job: write the
 * layer file `path` again in its canonical form on the worker, only while it has the stamp
 * `stamp` (core.stamp(path, true)); see tidyjob.h. job:results() once it has ended (whatever
 * its state) -> { outcome = "written"|"same"|"changed"|"busy"|"errors"|"failed"|"cancelled",
 * stamp, hash, size, text (a stance.bytes, once), error } */
static int worker_tidy(lua_State *L) {
  lworker *lw = check_worker(L);
  stance_tidy_opts o;
  int owned = 0, n;
  lua_Number wait = 0;
  stance_job *job;
  memset(&o, 0, sizeof o);
  o.path = luaL_checkstring(L, 2);
  luaL_checktype(L, 3, LUA_TTABLE);
  o.expect_stamp = opt_field(L, 3, "stamp");
  if (o.expect_stamp == NULL) return luaL_argerror(L, 3, "stamp is needed");
  o.root = opt_field(L, 3, "root");
  o.headers[STANCE_H_DOCUMENT] = opt_field(L, 3, "document");
  o.headers[STANCE_H_HASH] = opt_field(L, 3, "hash");
  o.headers[STANCE_H_ANNOTATOR] = opt_field(L, 3, "annotator");
  o.headers[STANCE_H_STATUS] = opt_field(L, 3, "status");
  lua_getfield(L, 3, "wait");
  if (!lua_isnil(L, -1)) wait = luaL_checknumber(L, -1);
  lua_pop(L, 1);
  if (!(wait >= 0 && wait <= 3600)) return luaL_argerror(L, 3, "wait should be seconds from 0 to 3600");
  o.lock_wait_ms = (unsigned)(wait * 1000.0);
  if (wait > 0 && o.lock_wait_ms == 0) o.lock_wait_ms = 1;
  o.durable = 1;
  o.vocab = stance__read_vocab(L, 3, &owned);
  job = stance_tidyjob_new(&o); /* (copies the vocabulary) */
  if (owned) stance_vocab_free((stance_vocab *)o.vocab);
  n = submit(L, lw, job, tidy_results);
  return n;
}

/* ---- the cue job -------------------------------------------------------------------- */

static int cue_results(lua_State *L, stance_job *job) {
  const stance_cue_result *r;
  size_t n = stance_cuejob_results(job, &r), i;
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    uint32_t c;
    lua_createtable(L, 0, 4);
    lua_pushstring(L, r[i].path);
    lua_setfield(L, -2, "path");
    lua_pushinteger(L, (lua_Integer)r[i].size);
    lua_setfield(L, -2, "size");
    if (r[i].error != NULL) {
      lua_pushstring(L, r[i].error);
      lua_setfield(L, -2, "error");
    } else {
      lua_pushinteger(L, (lua_Integer)r[i].matches);
      lua_setfield(L, -2, "matches");
      lua_newtable(L);
      for (c = 0; c < STANCE_CUEJOB_MAX_CATEGORIES; c++) {
        if (r[i].counts[c] == 0) continue;
        lua_pushinteger(L, (lua_Integer)r[i].counts[c]);
        lua_rawseti(L, -2, (int)c + 1);
      }
      lua_setfield(L, -2, "counts");
    }
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

/* worker:cues(dir, matcher[, {ext = {...}}]) -> job: cue counts per document and category */
static int worker_cues(lua_State *L) {
  lworker *lw = check_worker(L);
  const char *root = luaL_checkstring(L, 2);
  const stance_cues *cues = stance__check_cues(L, 3);
  const char *buf[MAX_EXTS + 1];
  const char **exts = read_exts(L, 4, buf);
  int n = submit(L, lw, stance_cuejob_new(root, exts, cues), cue_results);
  if (n == 1 && lua_isuserdata(L, -1)) {
    ljob *j = lua_touserdata(L, -1);
    lua_pushvalue(L, 3);
    j->keep_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  return n;
}

/* ---- the model job -------------------------------------------------------------------- */

static void push_counts(lua_State *L, stance_job *job, int targets, int classes, int with_term) {
  int t, c;
  lua_createtable(L, targets, 0);
  for (t = 0; t < targets; t++) {
    lua_createtable(L, classes, 0);
    for (c = 0; c < classes; c++) {
      lua_pushinteger(L, (lua_Integer)stance_modeljob_examples(job, t, c, with_term));
      lua_rawseti(L, -2, c + 1);
    }
    lua_rawseti(L, -2, t + 1);
  }
}

static void push_numbers(lua_State *L, const char *key, const double *v, size_t n) {
  size_t k;
  lua_createtable(L, (int)n, 0);
  for (k = 0; k < n; k++) {
    lua_pushnumber(L, v[k]);
    lua_rawseti(L, -2, (int)k + 1);
  }
  lua_setfield(L, -2, key);
}

static void push_cps(lua_State *L, const char *key, const uint32_t *v, size_t n) {
  size_t k;
  lua_createtable(L, (int)n, 0);
  for (k = 0; k < n; k++) {
    lua_pushinteger(L, (lua_Integer)v[k]);
    lua_rawseti(L, -2, (int)k + 1);
  }
  lua_setfield(L, -2, key);
}

/* job:results() -> { targets, classes, examples = { [t] = { per class } }, term_examples (the
 * same, of the sentences mentioning a term of t), trained = { [t] = boolean }, thresholds = { [t] = the decision's }, documents = {
 * { path, sentences, predicted, error, skipped = { { layer, line, col, errors, message, link }, ... } (its
 * layers' files left out for their errors, or reached through a link: `link` its path below the
 * annotations folder, no message; absent when none) }, ... } }; job:results(i) -> { start = {...}, stop =
 * {...}, probs = { n x targets x classes }, known = { n x targets: class from 1, 0 unknown },
 * terms = { n x targets: 1 when the sentence mentions a term of the target, else 0 } } for
 * document i (code points). Classes: 1 is no stance, then the stances in the order given. */
static int model_results(lua_State *L, stance_job *job) {
  const stance_model_result *r;
  size_t n = stance_modeljob_results(job, &r), i, k;
  const stance_model *m = stance_modeljob_model(job);
  int targets, classes, t;
  stance_modeljob_shape(job, &targets, &classes);
  if (!lua_isnoneornil(L, 2)) {
    lua_Integer d = luaL_checkinteger(L, 2);
    const stance_model_result *x;
    if (d < 1 || (size_t)d > n) return luaL_argerror(L, 2, "no such document");
    x = &r[d - 1];
    lua_createtable(L, 0, 5);
    push_cps(L, "start", x->start, x->n);
    push_cps(L, "stop", x->end, x->n);
    push_numbers(L, "probs", x->probs, x->n * (size_t)targets * (size_t)classes);
    lua_createtable(L, (int)(x->n * (size_t)targets), 0);
    for (k = 0; k < x->n * (size_t)targets; k++) {
      lua_pushinteger(L, (lua_Integer)x->known[k] + 1);
      lua_rawseti(L, -2, (int)k + 1);
    }
    lua_setfield(L, -2, "known");
    lua_createtable(L, (int)(x->n * (size_t)targets), 0);
    for (k = 0; k < x->n; k++)
      for (t = 0; t < targets; t++) {
        lua_pushinteger(L, t < 64 ? (lua_Integer)(x->terms[k] >> t & 1) : 0);
        lua_rawseti(L, -2, (int)(k * (size_t)targets) + t + 1);
      }
    lua_setfield(L, -2, "terms");
    return 1;
  }
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, targets);
  lua_setfield(L, -2, "targets");
  lua_pushinteger(L, classes);
  lua_setfield(L, -2, "classes");
  push_counts(L, job, targets, classes, 0);
  lua_setfield(L, -2, "examples");
  push_counts(L, job, targets, classes, 1);
  lua_setfield(L, -2, "term_examples");
  lua_createtable(L, targets, 0);
  for (t = 0; t < targets; t++) {
    lua_pushboolean(L, m != NULL && stance_model_trained(m, t));
    lua_rawseti(L, -2, t + 1);
  }
  lua_setfield(L, -2, "trained");
  lua_createtable(L, targets, 0);
  for (t = 0; t < targets; t++) {
    lua_pushnumber(L, m != NULL ? stance_model_threshold(m, t) : 0.5);
    lua_rawseti(L, -2, t + 1);
  }
  lua_setfield(L, -2, "thresholds");
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 4);
    lua_pushstring(L, r[i].path);
    lua_setfield(L, -2, "path");
    lua_pushinteger(L, (lua_Integer)r[i].sentences);
    lua_setfield(L, -2, "sentences");
    lua_pushinteger(L, (lua_Integer)r[i].n);
    lua_setfield(L, -2, "predicted");
    if (r[i].error != NULL) {
      lua_pushstring(L, r[i].error);
      lua_setfield(L, -2, "error");
    }
    if (r[i].nskipped > 0) {
      lua_createtable(L, (int)r[i].nskipped, 0);
      for (k = 0; k < r[i].nskipped; k++) {
        const stance_model_skipped *s = &r[i].skipped[k];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, s->layer);
        lua_setfield(L, -2, "layer");
        lua_pushinteger(L, (lua_Integer)s->line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, (lua_Integer)s->col);
        lua_setfield(L, -2, "col");
        lua_pushinteger(L, (lua_Integer)s->errors);
        lua_setfield(L, -2, "errors");
        if (s->conflicts > 0) {
          lua_pushinteger(L, (lua_Integer)s->conflicts);
          lua_setfield(L, -2, "conflicts");
        }
        lua_pushstring(L, s->message);
        lua_setfield(L, -2, "message");
        lua_pushstring(L, s->link); /* (nil for a file with errors) */
        lua_setfield(L, -2, "link");
        lua_rawseti(L, -2, (int)k + 1);
      }
      lua_setfield(L, -2, "skipped");
    }
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, -2, "documents");
  return 1;
}

/* A list of strings at opts[key] into a NULL-terminated array of at most `max` (the strings
 * stay alive in opts); NULL when absent. */
static const char **string_list(lua_State *L, int opts, const char *key, const char **out, int max) {
  int n = 0, i;
  lua_getfield(L, opts, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if (lua_istable(L, -1)) n = (int)lua_rawlen(L, -1);
  if (!lua_istable(L, -1) || n >= max)
    luaL_argerror(L, opts, lua_pushfstring(L, "%s should be a list of at most %d strings", key, max - 1));
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, -1, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, opts, lua_pushfstring(L, "%s should be a list of strings", key));
    out[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  out[n] = NULL;
  lua_pop(L, 1);
  return out;
}

/* The targets a document does not belong to, from its scope at the top of the stack: nil
 * (it belongs to every target: none), or the list of the targets (from 1) it belongs to;
 * numbers out of 1..targets are ignored. */
static uint64_t outside_of(lua_State *L, int targets) {
  uint64_t m = 0, all = targets >= 64 ? UINT64_MAX : ((uint64_t)1 << targets) - 1;
  size_t k, n;
  if (!lua_istable(L, -1)) return 0;
  n = lua_rawlen(L, -1);
  for (k = 0; k < n; k++) {
    lua_Integer t;
    lua_rawgeti(L, -1, (int)k + 1);
    t = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (t >= 1 && t <= targets && t <= 64) m |= (uint64_t)1 << (t - 1);
  }
  return all & ~m;
}

/* worker:model(root, docs, opts) -> job. docs: { { path, predict = true | 'all' | false,
 * learn = boolean (default true), scope = { targets (from 1) it belongs to } (nil: all),
 * labels = { start, stop, target, class, ... } (optional:
 * code points; target from 1; class 1: no stance, 2..: the stances, 0: covers without
 * teaching) }, ... }; opts: stances = { names }, targets = { names } (nil: one target, any
 * annotation's), layers = { folders of .stance/annotations to learn from }, prefer (one of
 * them: a document with a file in it is learnt from that file alone), unit = 'line' (lines as
 * units; default sentences), and the model's
 * options (lmodel.c: matcher, terms, features, learner, c, balanced, folds) */
static int worker_model(lua_State *L) {
  lworker *lw = check_worker(L);
  const char *root = luaL_checkstring(L, 2);
  const char *stances_buf[STANCE_MODEL_MAX_CLASSES], *targets_buf[STANCE_MODEL_MAX_TARGETS + 1], *layers_buf[256];
  stance_model_opts o;
  size_t n, i, k;
  stance_model_doc *docs;
  stance_model_label **labels;
  stance_job *job;
  int rc, oom = 0;
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  memset(&o, 0, sizeof o);
  stance__read_model_opts(L, 4, &o.features, &o.train);
  o.stance_names = string_list(L, 4, "stances", stances_buf, STANCE_MODEL_MAX_CLASSES);
  o.target_names = string_list(L, 4, "targets", targets_buf, STANCE_MODEL_MAX_TARGETS + 1);
  o.layers = string_list(L, 4, "layers", layers_buf, 256);
  lua_getfield(L, 4, "unit");
  o.unit = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "line") == 0 ? STANCE_UNIT_LINE
                                                                                     : STANCE_UNIT_SENTENCE;
  lua_pop(L, 1);
  lua_getfield(L, 4, "prefer");
  o.prefer = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL; /* copied by the job */
  lua_pop(L, 1);
  for (k = 0; o.stance_names && o.stance_names[k]; k++) {
  }
  if (k < 1) return luaL_argerror(L, 4, "stances: 1 to 15 names");
  o.classes = (int)k + 1;
  o.targets = 1;
  if (o.target_names) {
    for (k = 0; o.target_names[k]; k++) {
    }
    if (k < 1) return luaL_argerror(L, 4, "targets: 1 to 64 names, or nil");
    o.targets = (int)k;
  }
  n = lua_rawlen(L, 3);
  docs = calloc(n ? n : 1, sizeof *docs);
  labels = calloc(n ? n : 1, sizeof *labels);
  if (docs == NULL || labels == NULL) oom = 1;
  for (i = 0; !oom && i < n; i++) {
    size_t nl;
    lua_rawgeti(L, 3, (int)i + 1);
    if (!lua_istable(L, -1)) {
      free(docs);
      free(labels);
      return luaL_argerror(L, 3, "a list of documents");
    }
    lua_getfield(L, -1, "path");
    docs[i].path = lua_tostring(L, -1); /* kept alive by the table until the job copies it */
    lua_getfield(L, -2, "predict");
    docs[i].predict = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "all") == 0 ? STANCE_PREDICT_ALL
                      : lua_toboolean(L, -1)                                                     ? STANCE_PREDICT_UNKNOWN
                                                                                                 : STANCE_PREDICT_NONE;
    lua_getfield(L, -3, "learn");
    docs[i].learn = lua_isnil(L, -1) || lua_toboolean(L, -1);
    lua_getfield(L, -4, "scope");
    docs[i].outside = outside_of(L, o.targets);
    lua_pop(L, 4);
    lua_getfield(L, -1, "labels");
    nl = lua_istable(L, -1) ? lua_rawlen(L, -1) / 4 : 0;
    if (nl > 0 && (labels[i] = malloc(nl * sizeof **labels)) == NULL) oom = 1;
    for (k = 0; !oom && k < nl; k++) {
      lua_Integer v[4];
      int f;
      for (f = 0; f < 4; f++) {
        lua_rawgeti(L, -1 - f, (int)(4 * k) + f + 1);
        v[f] = lua_tointeger(L, -1);
      }
      lua_pop(L, 4);
      labels[i][k].start = (uint32_t)(v[0] < 0 ? 0 : v[0] > UINT32_MAX ? UINT32_MAX : v[0]);
      labels[i][k].end = (uint32_t)(v[1] < 0 ? 0 : v[1] > UINT32_MAX ? UINT32_MAX : v[1]);
      labels[i][k].target = v[2] < 1 || v[2] > o.targets ? STANCE_MODEL_MAX_TARGETS : (int)v[2] - 1;
      labels[i][k].cls = v[3] < 0 || v[3] > o.classes ? STANCE_MODEL_MAX_CLASSES : (int)v[3] - 1;
    }
    docs[i].labels = labels[i];
    docs[i].nlabels = nl;
    lua_pop(L, 2);
    if (docs[i].path == NULL) {
      for (k = 0; k <= i; k++) free(labels[k]);
      free(docs);
      free(labels);
      return luaL_argerror(L, 3, "a document without a path");
    }
  }
  job = oom ? NULL : stance_modeljob_new(root, docs, n, &o);
  for (i = 0; i < n && labels; i++) free(labels[i]);
  free(docs);
  free(labels);
  rc = submit(L, lw, job, model_results);
  if (rc == 1 && lua_isuserdata(L, -1)) { /* the matchers live as long as the job */
    ljob *j = lua_touserdata(L, -1);
    lua_createtable(L, 2, 0);
    lua_getfield(L, 4, "matcher");
    lua_rawseti(L, -2, 1);
    lua_getfield(L, 4, "terms");
    lua_rawseti(L, -2, 2);
    j->keep_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  return rc;
}

/* ---- index jobs --------------------------------------------------------------------- */

static int index_results(lua_State *L, stance_job *job) {
  stance_indexjob_stats st;
  const char *const *paths, *const *msgs;
  size_t n = stance_indexjob_errors(job, &paths, &msgs), i;
  stance_indexjob_stats_get(job, &st);
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, st.seen);
  lua_setfield(L, -2, "seen");
  lua_pushinteger(L, st.unchanged);
  lua_setfield(L, -2, "unchanged");
  lua_pushinteger(L, st.verified);
  lua_setfield(L, -2, "verified");
  lua_pushinteger(L, st.listed);
  lua_setfield(L, -2, "listed");
  lua_pushinteger(L, st.indexed);
  lua_setfield(L, -2, "indexed");
  lua_pushinteger(L, st.removed);
  lua_setfield(L, -2, "removed");
  lua_pushinteger(L, st.failed);
  lua_setfield(L, -2, "failed");
  lua_pushinteger(L, (lua_Integer)st.bytes);
  lua_setfield(L, -2, "bytes");
  if (st.damaged) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "damaged");
  }
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, paths[i]);
    lua_setfield(L, -2, "path");
    lua_pushstring(L, msgs[i]);
    lua_setfield(L, -2, "error");
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, -2, "errors");
  return 1;
}

static int simple_results(lua_State *L, stance_job *job) {
  stance_job_progress p;
  stance_job_get_progress(job, &p);
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, (lua_Integer)p.bytes);
  lua_setfield(L, -2, "bytes");
  return 1;
}

static int load_results(lua_State *L, stance_job *job) {
  lua_createtable(L, 0, 1);
  lua_pushboolean(L, stance_loadjob_missing(job));
  lua_setfield(L, -2, "missing");
  return 1;
}

/* (lcore.h) */
const char **stance__read_list(lua_State *L, int opts, const char *key, const char **buf, int max) {
  int n, i;
  if (lua_isnoneornil(L, opts)) return NULL;
  lua_getfield(L, opts, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return NULL;
  }
  if (!lua_istable(L, -1)) luaL_argerror(L, opts, lua_pushfstring(L, "%s should be a list", key));
  n = (int)lua_rawlen(L, -1);
  if (n > max) luaL_argerror(L, opts, lua_pushfstring(L, "%s has too many entries", key));
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, -1, i + 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, opts, lua_pushfstring(L, "%s should be a list of strings", key));
    buf[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  buf[n] = NULL;
  lua_pop(L, 1); /* the opts table keeps the strings alive */
  return buf;
}

/* index(idx[, {include, exclude, only, dir, rebuild}]) -> job: (re)index what changed in
 * idx's corpus (with rebuild, everything, from nothing); new segments are written into the
 * index folder `dir` as they are made; job:apply_to(idx) puts the new index in place */
static int worker_index(lua_State *L) {
  lworker *lw = check_worker(L);
  stance_index *ix = stance__check_index(L, 2);
  const char *inc[65], *exc[65];
  const char **include = stance__read_list(L, 3, "include", inc, 64);
  const char **exclude = stance__read_list(L, 3, "exclude", exc, 64);
  const char **only = NULL, *dir = NULL;
  int n;
  if (!lua_isnoneornil(L, 3)) {
    lua_getfield(L, 3, "rebuild");
    if (lua_toboolean(L, -1)) ix = NULL;
    lua_pop(L, 1);
    lua_getfield(L, 3, "dir");
    dir = lua_tostring(L, -1); /* kept alive by the opts table */
    lua_pop(L, 1);
    lua_getfield(L, 3, "only");
    if (lua_istable(L, -1)) {
      int k, m = (int)lua_rawlen(L, -1);
      only = lua_newuserdata(L, ((size_t)m + 1) * sizeof *only); /* freed with the stack */
      for (k = 0; k < m; k++) {
        lua_rawgeti(L, -2, k + 1);
        only[k] = lua_tostring(L, -1);
        lua_pop(L, 1);
        if (only[k] == NULL) return luaL_argerror(L, 3, "only should be a list of paths");
      }
      only[m] = NULL;
      lua_insert(L, -2);
    }
    lua_pop(L, 1);
  }
  n = submit(L, lw,
             stance_indexjob_new(stance__index_root(L, 2), include, exclude, only, ix,
                                 stance_worker_tasks(lw->w), dir),
             index_results);
  return n;
}

/* save_index(idx, dir) -> job: save into the index folder; job:apply_to(idx) afterwards
 * records what was saved (so that it is not written again) */
static int worker_save_index(lua_State *L) {
  lworker *lw = check_worker(L);
  stance_index *ix = stance__check_index(L, 2);
  const char *path = luaL_checkstring(L, 3);
  return submit(L, lw, stance_savejob_new(ix, path), simple_results);
}

/* load_index(dir[, lazy]) -> job; job:apply_to(idx) takes the loaded index; a done job's
 * results say { missing = true } when there was no index at all (nothing to apply). With
 * `lazy`, the index's tables by path are made by its first use that needs them, on the
 * caller's thread, instead of on the worker (a process that waits anyway, and may only
 * count). */
static int worker_load_index(lua_State *L) {
  lworker *lw = check_worker(L);
  const char *path = luaL_checkstring(L, 2);
  return submit(L, lw, stance_loadjob_new(path, lua_toboolean(L, 3)), load_results);
}

/* watch(dir[, rel]) -> true | nil, err */
static int worker_watch(lua_State *L) {
  lworker *lw = check_worker(L);
  int rc = stance_worker_watch(lw->w, luaL_checkstring(L, 2), luaL_optstring(L, 3, ""));
  if (rc != 0) return stance__fail(L, "cannot watch the folder", "EWATCH");
  lua_pushboolean(L, 1);
  return 1;
}

/* watch_wait([timeout_ms]) -> boolean: the watches asked for so far are started */
static int worker_watch_wait(lua_State *L) {
  lua_Integer ms = luaL_optinteger(L, 2, 1000);
  if (ms < 0 || ms > 600000) return luaL_argerror(L, 2, "a time in milliseconds from 0 to 600000");
  lua_pushboolean(L, stance_worker_watch_wait(check_worker(L)->w, (int)ms));
  return 1;
}

static int worker_unwatch(lua_State *L) {
  stance_worker_unwatch(check_worker(L)->w);
  return 0;
}

/* ---- applying jobs to an index -------------------------------------------------------- */

/* Free an index that was swapped out, on the worker of job `j` (its documents and
 * segments take milliseconds to free); here when that worker is closed. */
static void release_index(lua_State *L, ljob *j, stance_index *ix) {
  lworker *lw;
  stance_job *job;
  if (ix == NULL) return;
  lua_getfield(L, LUA_REGISTRYINDEX, JOB_WORKERS);
  if (lua_istable(L, -1)) {
    lua_pushlightuserdata(L, j);
    lua_rawget(L, -2);
    lw = luaL_testudata(L, -1, WORKER_MT);
    lua_pop(L, 1);
  } else {
    lw = NULL;
  }
  lua_pop(L, 1);
  if (lw == NULL || lw->w == NULL || (job = stance_releasejob_new(ix)) == NULL) {
    stance_index_free(ix);
    return;
  }
  /* nobody tracks it: its events are dropped; when refused, dropping it frees the index */
  stance_worker_submit(lw->w, job);
  stance_job_unref(job);
}

/* apply_to(job, idx) -> true | nil, err, code: put a done index, load or save job's new
 * index in place of idx's (an O(1) swap: the new index was built on the worker; the old one
 * is freed there). "ESTALE": idx was replaced since the job was made from it (an index job
 * must then run again; a save's files stay, what it merged is not brought in). */
static int job_apply(lua_State *L) {
  ljob *j = check_job(L, 1);
  stance_index *ix = stance__check_index(L, 2), *fresh = NULL;
  const char *kind = stance_job_kind(j->job);
  int stale = 0;
  if (stance_job_get_state(j->job) != STANCE_JOB_DONE)
    return stance__fail(L, "the job has not finished well", "EBUSY");
  if (strcmp(kind, "index") == 0) {
    fresh = stance_indexjob_take(j->job, ix, &stale);
  } else if (strcmp(kind, "load-index") == 0) {
    if ((fresh = stance_loadjob_take(j->job)) == NULL)
      return stance__fail(L, "the loaded index was taken already", "EINVAL");
  } else if (strcmp(kind, "save-index") == 0) {
    fresh = stance_savejob_take(j->job, ix, &stale);
  } else {
    return luaL_argerror(L, 1, "not an index, load or save job");
  }
  if (stale) return stance__fail(L, "the index changed since the job started", "ESTALE");
  /* NULL: applied already, nothing more to bring in */
  if (fresh != NULL) release_index(L, j, stance__index_swap(L, 2, fresh));
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- the worker ------------------------------------------------------------------- */

static int push_events(lua_State *L, lworker *lw) {
  stance_event ev[64];
  size_t n, i;
  int count = 0;
  lua_newtable(L);
  {
    char **paths;
    int overflow;
    size_t nc = stance_worker_changes(lw->w, &paths, &overflow);
    if (nc > 0 || overflow) {
      lua_createtable(L, 0, 3);
      lua_pushstring(L, "changed");
      lua_setfield(L, -2, "kind");
      lua_pushboolean(L, overflow);
      lua_setfield(L, -2, "overflow");
      lua_createtable(L, (int)nc, 0);
      for (i = 0; i < nc; i++) {
        lua_pushstring(L, paths[i]);
        lua_rawseti(L, -2, (int)i + 1);
        free(paths[i]);
      }
      free(paths);
      lua_setfield(L, -2, "paths");
      lua_rawseti(L, -2, ++count);
    }
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, lw->jobs_ref);
  while ((n = stance_worker_drain(lw->w, ev, sizeof ev / sizeof ev[0])) > 0) {
    for (i = 0; i < n; i++) {
      stance_job *job = ev[i].job;
      int done = ev[i].kind == STANCE_EVENT_DONE;
      lua_createtable(L, 0, 8);
      lua_pushstring(L, done ? "done" : "progress");
      lua_setfield(L, -2, "kind");
      lua_pushinteger(L, (lua_Integer)stance_job_id(job));
      lua_setfield(L, -2, "id");
      lua_pushstring(L, stance_job_state_name(stance_job_get_state(job)));
      lua_setfield(L, -2, "state");
      push_progress(L, job);
      if (done && stance_job_get_state(job) == STANCE_JOB_FAILED) {
        lua_pushstring(L, stance_job_error(job));
        lua_setfield(L, -2, "error");
      }
      lua_pushlightuserdata(L, job);
      lua_rawget(L, -3);
      lua_setfield(L, -2, "job");
      lua_rawseti(L, -3, ++count);
      if (done) {
        lua_pushlightuserdata(L, job);
        lua_pushnil(L);
        lua_rawset(L, -3);
      }
      stance_job_unref(job);
    }
  }
  lua_pop(L, 1);
  return 1;
}

static int worker_poll(lua_State *L) { return push_events(L, check_worker(L)); }

static int worker_wait(lua_State *L) {
  lworker *lw = check_worker(L);
  int timeout = (int)luaL_optinteger(L, 2, -1);
  stance_worker_wait(lw->w, timeout);
  return push_events(L, lw);
}

static int worker_fd(lua_State *L) {
  lua_pushinteger(L, stance_worker_fd(check_worker(L)->w));
  return 1;
}

static int worker_tasks(lua_State *L) {
  lua_pushinteger(L, stance_worker_tasks(check_worker(L)->w));
  return 1;
}

static int worker_active(lua_State *L) {
  lua_pushinteger(L, stance_worker_active(check_worker(L)->w));
  return 1;
}

static int worker_close(lua_State *L) {
  lworker *lw = luaL_checkudata(L, 1, WORKER_MT);
  if (lw->w == NULL) return 0;
  stance_worker_free(lw->w);
  lw->w = NULL;
  luaL_unref(L, LUA_REGISTRYINDEX, lw->jobs_ref);
  lw->jobs_ref = LUA_NOREF;
  return 0;
}

static int worker_tostring(lua_State *L) {
  lworker *lw = luaL_checkudata(L, 1, WORKER_MT);
  if (lw->w == NULL)
    lua_pushstring(L, "stance.worker (closed)");
  else
    lua_pushfstring(L, "stance.worker (%d tasks, %d active jobs)", stance_worker_tasks(lw->w),
                    stance_worker_active(lw->w));
  return 1;
}

/* cpus() -> how many threads stance's work may keep busy (worker.h: stance_cpus). */
static int l_cpus(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_cpus());
  return 1;
}

static int worker_new(lua_State *L) {
  int tasks = 0;
  char err[256];
  lworker *lw;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "tasks");
    tasks = (int)luaL_optinteger(L, -1, 0);
    if (tasks < 0 || tasks > 256) luaL_argerror(L, 1, "tasks should be between 0 and 256");
    lua_pop(L, 1);
  }
  lw = lua_newuserdata(L, sizeof *lw);
  lw->w = NULL;
  lw->jobs_ref = LUA_NOREF;
  stance__setclass(L, WORKER_MT);
  lua_newtable(L);
  lw->jobs_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lw->w = stance_worker_new(tasks, err, sizeof err);
  if (lw->w == NULL) return stance__fail(L, err, "EWORKER");
  return 1;
}

static const luaL_Reg job_meta[] = {{"__gc", job_gc}, {"__tostring", job_tostring}, {NULL, NULL}};
static const luaL_Reg job_methods[] = {
    {"id", job_id},           {"kind", job_kind},   {"state", job_state},
    {"progress", job_progress}, {"cancel", job_cancel}, {"error", job_error},
    {"results", job_results}, {"apply_to", job_apply}, {NULL, NULL}};

static const luaL_Reg worker_meta[] = {
    {"__gc", worker_close}, {"__tostring", worker_tostring}, {NULL, NULL}};
static const luaL_Reg worker_methods[] = {
    {"hash", worker_hash}, {"tidy", worker_tidy}, {"cues", worker_cues}, {"model", worker_model}, {"index", worker_index}, {"save_index", worker_save_index},
    {"load_index", worker_load_index}, {"watch", worker_watch}, {"watch_wait", worker_watch_wait}, {"unwatch", worker_unwatch},
    {"poll", worker_poll},     {"wait", worker_wait},
    {"fd", worker_fd},     {"tasks", worker_tasks},   {"active", worker_active},
    {"close", worker_close}, {NULL, NULL}};

void stance__open_worker(lua_State *L) {
  stance__newclass(L, JOB_MT, job_meta, job_methods);
  stance__newclass(L, WORKER_MT, worker_meta, worker_methods);
  lua_getfield(L, LUA_REGISTRYINDEX, JOB_WORKERS);
  if (lua_isnil(L, -1)) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushstring(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, JOB_WORKERS);
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, worker_new);
  lua_setfield(L, -2, "worker");
  lua_pushcfunction(L, l_cpus);
  lua_setfield(L, -2, "cpus");
}
