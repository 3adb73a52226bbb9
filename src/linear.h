/*
 * linear.h - the learners of the stance model: L2-regularized linear classifiers over sparse
 * examples, and the calibration of their scores.
 *
 *   logistic regression, L2-loss linear SVM: one class against the rest, trained by dual
 *     coordinate descent (Hsieh et al. 2008; Yu, Huang and Lin 2011: the solvers of
 *     LIBLINEAR), with a regularized bias feature of value 1, a cost per example (class
 *     weights) and a fixed visiting order (a seeded generator): the same data give the same
 *     weights, bit for bit;
 *   multinomial naive Bayes over the same examples (add-alpha smoothing), for comparison;
 *   calibration: a scale and per-class offsets of the scores, softmax(a * s + b), fitted by
 *     Newton's method on held-out scores to minimize their log-loss (temperature scaling with
 *     class offsets; Platt scaling when there are two classes); optionally per-class offsets
 *     g * x of a binary input x besides the scores (stacking: the model's score and whether
 *     the sentence names the target, weighed on held-out examples).
 */
#ifndef STANCE_LINEAR_H
#define STANCE_LINEAR_H

#include <stddef.h>
#include <stdint.h>

/* Examples as sparse rows: row i is col/val[row[i] .. row[i + 1]); columns < features. */
typedef struct stance_csr {
  size_t n;
  const size_t *row;
  const uint32_t *col;
  const float *val;
  uint32_t features;
} stance_csr;

/* One binary problem over the examples idx[0..m) of x: y[j] is +1 or -1 (for example
 * idx[j]), cost[j] > 0 its weight times C. w gets features + 1 weights (the bias last).
 * eps: the stopping tolerance (LIBLINEAR's default is 0.1); at most max_iter passes. 0, or -1
 * out of memory. */
int stance_linear_lr(const stance_csr *x, const uint32_t *idx, size_t m, const signed char *y, const double *cost,
                     double eps, int max_iter, double *w);
/* The SVM's alpha (may be NULL): m dual variables, >= 0, to start from (a warm start: e.g.
 * those of a problem over more examples; zeros: a cold one), which get the solution's. */
int stance_linear_svm(const stance_csr *x, const uint32_t *idx, size_t m, const signed char *y, const double *cost,
                      double eps, int max_iter, double *w, double *alpha);

/* Multinomial naive Bayes: cls[j] in [0, k) for example idx[j]. w gets (features + 1) x k
 * log-probabilities relative to a feature never seen in class c (w[f * k + c]); the last row
 * holds the log priors. unseen[c] gets the log-probability of a feature never seen in class
 * c: a text scores w's rows of its features plus unseen[c] times the sum of its values.
 * 0 or -1. */
int stance_linear_nb(const stance_csr *x, const uint32_t *idx, size_t m, const int *cls, int k, double alpha,
                     double *w, double *unseen);

/* Fit softmax(a * s + b + g * x) to n examples of k classes: scores s[i * k + c], class y[i],
 * and x[i] (0 or 1: e.g. whether the example mentions the target's terms; x and g may be
 * NULL). b[0] and g[0] stay 0; g stays 0 when x is the same for every example. Starts from
 * a = 1, b = g = 0 and keeps them when the data cannot move them (too few examples, one
 * class). */
void stance_calibrate(const double *s, const unsigned char *x, const int *y, size_t n, int k, double *a, double *b,
                      double *g);

#endif
