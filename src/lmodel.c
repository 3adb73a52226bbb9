/*
 * lmodel.c - Lua binding of the stance model (model.h): core.dataset(opts).
 *
 *   opts: targets = n (1..64), classes = k (2..16: no stance and the stances), matcher = cue
 *     matcher or nil, terms = cue matcher whose categories are target numbers (1..n) or nil,
 *     features = { 'words', 'pairs', 'triples', 'chars', 'cues', 'terms' } (default: the first
 *     four),
 *     char_min, char_max (default 3, 5: model.h says why); for training: learner = 'svm' |
 *     'lr' | 'nb' (default 'svm'), c (default 0.35; naive Bayes's smoothing: 1), balanced
 *     (default false), folds (default 3), char_weight,
 *     mark_weight (the weights of those blocks of features, model.h; words weigh 1),
 *     term_offsets (default true: the calibration weighs whether a sentence names the target),
 *     max_features (default 65536; 0: no limit: past it, the model leaves out the features of
 *     the fewest examples, model.h)
 *   d:add(text, labels[, group]) labels: per target a class 1..k (1: no stance) or 0 (unknown)
 *   d:count(target, class[, with_term]) -> examples; d:size() -> examples
 *   d:train([opts]) -> model
 *   m:predict(text) -> { per target { p1, ..., pk } } (all 0 for a target without a model),
 *     and the targets whose terms the text mentions, as a set { [t] = true }
 *   m:trained(t) -> boolean; m:scale(t) -> the calibration's scale; m:threshold(t) -> the
 *     decision's (model.h); d:close(), m:close()
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "lcore.h"
#include "model.h"

#define DATASET_MT "stance.dataset"
#define MODEL_MT "stance.model"

static const char *const feature_names[] = {"words", "pairs", "triples", "chars", "cues", "terms", NULL};

void stance__read_model_opts(lua_State *L, int opts, stance_features *f, stance_train_opts *o) {
  int i;
  memset(f, 0, sizeof *f);
  f->set = STANCE_FEAT_DEFAULT;
  f->char_min = 3;
  f->char_max = 5;
  stance_train_opts_default(o);
  if (lua_isnoneornil(L, opts)) return;
  luaL_checktype(L, opts, LUA_TTABLE);
  lua_getfield(L, opts, "matcher");
  if (!lua_isnil(L, -1)) f->cues = stance__check_cues(L, lua_gettop(L));
  lua_pop(L, 1);
  lua_getfield(L, opts, "terms");
  if (!lua_isnil(L, -1)) f->terms = stance__check_cues(L, lua_gettop(L));
  lua_pop(L, 1);
  lua_getfield(L, opts, "features");
  if (lua_istable(L, -1)) {
    int n = (int)lua_rawlen(L, -1), k;
    f->set = 0;
    for (i = 1; i <= n; i++) {
      const char *name;
      lua_rawgeti(L, -1, i);
      name = lua_tostring(L, -1);
      for (k = 0; name && feature_names[k] && strcmp(feature_names[k], name) != 0; k++) {
      }
      if (name == NULL || feature_names[k] == NULL)
        luaL_argerror(L, opts, "features: words, pairs, triples, chars, cues, terms");
      f->set |= 1u << k;
      lua_pop(L, 1);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_argerror(L, opts, "features should be a list of names");
  }
  lua_pop(L, 1);
  lua_getfield(L, opts, "char_min");
  if (!lua_isnil(L, -1)) f->char_min = (int)luaL_checkinteger(L, -1);
  lua_getfield(L, opts, "char_max");
  if (!lua_isnil(L, -1)) f->char_max = (int)luaL_checkinteger(L, -1);
  lua_pop(L, 2);
  if (f->char_min < 1 || f->char_max < f->char_min || f->char_max > STANCE_FEAT_CHAR_MAX)
    luaL_argerror(L, opts, "char_min, char_max: 1 <= char_min <= char_max <= 8");
  lua_getfield(L, opts, "learner");
  if (!lua_isnil(L, -1)) {
    const char *l = luaL_checkstring(L, -1);
    if (strcmp(l, "lr") == 0) o->learner = STANCE_LEARN_LR;
    else if (strcmp(l, "svm") == 0) o->learner = STANCE_LEARN_SVM;
    else if (strcmp(l, "nb") == 0) o->learner = STANCE_LEARN_NB;
    else luaL_argerror(L, opts, "learner: lr, svm or nb");
  }
  lua_getfield(L, opts, "c");
  if (!lua_isnil(L, -1)) o->c = luaL_checknumber(L, -1);
  else if (o->learner == STANCE_LEARN_NB) o->c = 1.0; /* naive Bayes's c is its smoothing: add-one */
  lua_getfield(L, opts, "balanced");
  if (!lua_isnil(L, -1)) o->balanced = lua_toboolean(L, -1);
  lua_getfield(L, opts, "folds");
  if (!lua_isnil(L, -1)) o->folds = (int)luaL_checkinteger(L, -1);
  lua_getfield(L, opts, "char_weight");
  if (!lua_isnil(L, -1)) o->weights[STANCE_BLOCK_CHARS] = luaL_checknumber(L, -1);
  lua_getfield(L, opts, "mark_weight");
  if (!lua_isnil(L, -1)) o->weights[STANCE_BLOCK_MARKS] = luaL_checknumber(L, -1);
  lua_getfield(L, opts, "term_offsets");
  if (!lua_isnil(L, -1)) o->term_offsets = lua_toboolean(L, -1);
  lua_getfield(L, opts, "max_features");
  if (!lua_isnil(L, -1)) {
    lua_Integer n = luaL_checkinteger(L, -1);
    if (n < 0 || n > UINT32_MAX) luaL_argerror(L, opts, "max_features: 0 (no limit) to 2^32 - 1");
    o->max_features = (size_t)n;
  }
  lua_pop(L, 8);
  for (i = 0; i < STANCE_BLOCKS; i++)
    if (!(o->weights[i] >= 0) || o->weights[i] > 1e3) luaL_argerror(L, opts, "char_weight, mark_weight: 0 to 1000");
  if (!(o->c > 0) || o->c > 1e6) luaL_argerror(L, opts, "c should be a positive number");
  if (o->folds < 0 || o->folds > 100) luaL_argerror(L, opts, "folds: 0 to 100");
}

typedef struct ldataset {
  stance_dataset *d;
  stance_train_opts o;
  int targets, classes, keep; /* keep: a table holding the matchers alive */
} ldataset;

typedef struct lmodel {
  stance_model *m;
  stance_model_scratch *s;
  int keep;
} lmodel;

static ldataset *check_dataset(lua_State *L) {
  ldataset *d = luaL_checkudata(L, 1, DATASET_MT);
  if (d->d == NULL) luaL_argerror(L, 1, "the dataset is closed");
  return d;
}

static lmodel *check_model(lua_State *L) {
  lmodel *m = luaL_checkudata(L, 1, MODEL_MT);
  if (m->m == NULL) luaL_argerror(L, 1, "the model is closed");
  return m;
}

static int l_dataset(lua_State *L) {
  stance_features f;
  stance_train_opts o;
  lua_Integer targets, classes;
  ldataset *d;
  luaL_checktype(L, 1, LUA_TTABLE);
  stance__read_model_opts(L, 1, &f, &o);
  lua_getfield(L, 1, "targets");
  targets = luaL_optinteger(L, -1, 1);
  lua_getfield(L, 1, "classes");
  classes = luaL_checkinteger(L, -1);
  lua_pop(L, 2);
  if (targets < 1 || targets > STANCE_MODEL_MAX_TARGETS) return luaL_argerror(L, 1, "targets: 1 to 64");
  if (classes < 2 || classes > STANCE_MODEL_MAX_CLASSES) return luaL_argerror(L, 1, "classes: 2 to 16");
  d = lua_newuserdata(L, sizeof *d);
  d->d = NULL;
  d->keep = LUA_NOREF;
  d->o = o;
  d->targets = (int)targets;
  d->classes = (int)classes;
  stance__setclass(L, DATASET_MT);
  lua_createtable(L, 2, 0); /* the matchers live as long as the dataset */
  lua_getfield(L, 1, "matcher");
  lua_rawseti(L, -2, 1);
  lua_getfield(L, 1, "terms");
  lua_rawseti(L, -2, 2);
  d->keep = luaL_ref(L, LUA_REGISTRYINDEX);
  if ((d->d = stance_dataset_new(&f, (int)targets, (int)classes)) == NULL)
    return stance__fail(L, "out of memory", "ENOMEM");
  return 1;
}

static void read_labels(lua_State *L, int i, const ldataset *d, int *labels) {
  int t;
  luaL_checktype(L, i, LUA_TTABLE);
  for (t = 0; t < d->targets; t++) {
    lua_Integer c;
    lua_rawgeti(L, i, t + 1);
    c = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    if (c < 0 || c > d->classes) luaL_argerror(L, i, "a class per target: 1 to classes, or 0 (unknown)");
    labels[t] = (int)c - 1;
  }
}

static int d_add(lua_State *L) {
  ldataset *d = check_dataset(L);
  size_t len;
  const char *text = luaL_checklstring(L, 2, &len);
  int labels[STANCE_MODEL_MAX_TARGETS];
  lua_Integer group = luaL_optinteger(L, 4, 0);
  read_labels(L, 3, d, labels);
  if (group < 0 || group > (lua_Integer)UINT32_MAX) return luaL_argerror(L, 4, "a group number");
  if (stance_dataset_add_text(d->d, text, len, labels, (uint32_t)group) != 0)
    return stance__fail(L, "out of memory", "ENOMEM");
  lua_pushboolean(L, 1);
  return 1;
}

static int d_count(lua_State *L) {
  ldataset *d = check_dataset(L);
  lua_Integer t = luaL_checkinteger(L, 2), c = luaL_checkinteger(L, 3);
  if (t < 1 || t > d->targets) return luaL_argerror(L, 2, "no such target");
  if (c < 1 || c > d->classes) return luaL_argerror(L, 3, "no such class");
  lua_pushinteger(L, (lua_Integer)stance_dataset_count(d->d, (int)t - 1, (int)c - 1, lua_toboolean(L, 4)));
  return 1;
}

static int d_size(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)stance_dataset_size(check_dataset(L)->d));
  return 1;
}

static int d_train(lua_State *L) {
  ldataset *d = check_dataset(L);
  stance_train_opts o = d->o;
  stance_features unused;
  lmodel *m;
  if (!lua_isnoneornil(L, 2)) {
    stance__read_model_opts(L, 2, &unused, &o);
    /* only the training options count here: the features are the dataset's */
  }
  m = lua_newuserdata(L, sizeof *m);
  m->m = NULL;
  m->s = NULL;
  m->keep = LUA_NOREF;
  stance__setclass(L, MODEL_MT);
  lua_rawgeti(L, LUA_REGISTRYINDEX, d->keep);
  m->keep = luaL_ref(L, LUA_REGISTRYINDEX);
  if ((m->m = stance_model_train(d->d, &o)) == NULL || (m->s = stance_model_scratch_new(m->m)) == NULL)
    return stance__fail(L, "out of memory", "ENOMEM");
  return 1;
}

static int d_close(lua_State *L) {
  ldataset *d = luaL_checkudata(L, 1, DATASET_MT);
  stance_dataset_free(d->d);
  d->d = NULL;
  if (d->keep != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, d->keep);
    d->keep = LUA_NOREF;
  }
  return 0;
}

static int m_predict(lua_State *L) {
  lmodel *m = check_model(L);
  size_t len, whole[2];
  const char *text = luaL_checklstring(L, 2, &len);
  int targets = stance_model_targets(m->m), classes = stance_model_classes(m->m), t, c;
  double p[STANCE_MODEL_MAX_TARGETS * STANCE_MODEL_MAX_CLASSES];
  uint64_t terms = 0;
  whole[0] = 0;
  whole[1] = len;
  if (stance_model_predict_spans(m->m, m->s, text, len, whole, 1, p, &terms) != 0)
    return stance__fail(L, "out of memory", "ENOMEM");
  lua_createtable(L, targets, 0);
  for (t = 0; t < targets; t++) {
    lua_createtable(L, classes, 0);
    for (c = 0; c < classes; c++) {
      lua_pushnumber(L, p[t * classes + c]);
      lua_rawseti(L, -2, c + 1);
    }
    lua_rawseti(L, -2, t + 1);
  }
  lua_createtable(L, 0, 0);
  for (t = 0; t < targets && t < 64; t++)
    if (terms >> t & 1) {
      lua_pushboolean(L, 1);
      lua_rawseti(L, -2, t + 1);
    }
  return 2;
}

static int m_trained(lua_State *L) {
  lmodel *m = check_model(L);
  lua_pushboolean(L, stance_model_trained(m->m, (int)luaL_checkinteger(L, 2) - 1));
  return 1;
}

static int m_scale(lua_State *L) {
  lmodel *m = check_model(L);
  lua_pushnumber(L, stance_model_scale(m->m, (int)luaL_checkinteger(L, 2) - 1));
  return 1;
}

static int m_threshold(lua_State *L) {
  lmodel *m = check_model(L);
  lua_pushnumber(L, stance_model_threshold(m->m, (int)luaL_checkinteger(L, 2) - 1));
  return 1;
}

static int m_close(lua_State *L) {
  lmodel *m = luaL_checkudata(L, 1, MODEL_MT);
  stance_model_scratch_free(m->s);
  stance_model_free(m->m);
  m->s = NULL;
  m->m = NULL;
  if (m->keep != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, m->keep);
    m->keep = LUA_NOREF;
  }
  return 0;
}

static int d_tostring(lua_State *L) {
  ldataset *d = luaL_checkudata(L, 1, DATASET_MT);
  lua_pushfstring(L, "stance.dataset (%d examples)", d->d ? (int)stance_dataset_size(d->d) : -1);
  return 1;
}

static int m_tostring(lua_State *L) {
  lmodel *m = luaL_checkudata(L, 1, MODEL_MT);
  lua_pushstring(L, m->m ? "stance.model" : "stance.model (closed)");
  return 1;
}

static const luaL_Reg dataset_meta[] = {{"__gc", d_close}, {"__tostring", d_tostring}, {NULL, NULL}};
static const luaL_Reg dataset_methods[] = {{"add", d_add},     {"count", d_count}, {"size", d_size},
                                           {"train", d_train}, {"close", d_close}, {NULL, NULL}};
static const luaL_Reg model_meta[] = {{"__gc", m_close}, {"__tostring", m_tostring}, {NULL, NULL}};
static const luaL_Reg model_methods[] = {
    {"predict", m_predict}, {"trained", m_trained}, {"scale", m_scale}, {"threshold", m_threshold}, {"close", m_close}, {NULL, NULL}};

void stance__open_model(lua_State *L) {
  stance__newclass(L, DATASET_MT, dataset_meta, dataset_methods);
  stance__newclass(L, MODEL_MT, model_meta, model_methods);
  lua_pushcfunction(L, l_dataset);
  lua_setfield(L, -2, "dataset");
}
