/*
 * linear.c - dual coordinate descent for L2-regularized logistic regression and L2-loss SVM
 * (after LIBLINEAR's solve_l2r_lr_dual and solve_l2r_l1l2_svc), naive Bayes, and the
 * calibration of scores. See linear.h.
 */
#include "linear.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The visiting order: a xorshift generator with a fixed seed, so that training is
 * deterministic. */
static uint64_t next_rand(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

static void shuffle(uint32_t *a, size_t n, uint64_t *seed) {
  size_t i;
  for (i = n; i > 1; i--) {
    size_t j = (size_t)(next_rand(seed) % i);
    uint32_t t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
  }
}

/* w . x_i, the bias (value 1) included. Four sums, four values at a time: one sum waited
 * for each addition before it (the solvers' inner loop is one dot and one axpy per example),
 * four let the additions overlap. The same sums in the same order every time: deterministic. */
static double dot(const stance_csr *x, size_t i, const double *w) {
  size_t p = x->row[i], end = x->row[i + 1];
  const uint32_t *col = x->col;
  const float *val = x->val;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (; p + 4 <= end; p += 4) {
    s0 += w[col[p]] * (double)val[p];
    s1 += w[col[p + 1]] * (double)val[p + 1];
    s2 += w[col[p + 2]] * (double)val[p + 2];
    s3 += w[col[p + 3]] * (double)val[p + 3];
  }
  for (; p < end; p++) s0 += w[col[p]] * (double)val[p];
  return w[x->features] + ((s0 + s1) + (s2 + s3));
}

static void axpy(const stance_csr *x, size_t i, double d, double *w) {
  size_t p;
  w[x->features] += d;
  for (p = x->row[i]; p < x->row[i + 1]; p++) w[x->col[p]] += d * (double)x->val[p];
}

static double sqnorm(const stance_csr *x, size_t i) {
  size_t p;
  double s = 1.0;
  for (p = x->row[i]; p < x->row[i + 1]; p++) s += (double)x->val[p] * (double)x->val[p];
  return s;
}

int stance_linear_lr(const stance_csr *x, const uint32_t *idx, size_t m, const signed char *y, const double *cost,
                     double eps, int max_iter, double *w) {
  double *alpha = malloc(2 * (m ? m : 1) * sizeof *alpha), *xx = malloc((m ? m : 1) * sizeof *xx);
  uint32_t *order = malloc((m ? m : 1) * sizeof *order);
  double innereps = 1e-2, innereps_min = eps < 1e-8 ? eps : 1e-8;
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  size_t j;
  int iter;
  if (alpha == NULL || xx == NULL || order == NULL) {
    free(alpha);
    free(xx);
    free(order);
    return -1;
  }
  memset(w, 0, ((size_t)x->features + 1) * sizeof *w);
  for (j = 0; j < m; j++) {
    double c = cost[j];
    alpha[2 * j] = 0.001 * c < 1e-8 ? 0.001 * c : 1e-8;
    alpha[2 * j + 1] = c - alpha[2 * j];
    xx[j] = sqnorm(x, idx[j]);
    axpy(x, idx[j], y[j] * alpha[2 * j], w);
    order[j] = (uint32_t)j;
  }
  for (iter = 0; iter < max_iter; iter++) {
    double gmax = 0;
    size_t newton = 0, s;
    shuffle(order, m, &seed);
    for (s = 0; s < m; s++) {
      size_t i = order[s], ind1 = 2 * i, ind2 = 2 * i + 1;
      double yi = y[i], c = cost[i], ywx = yi * dot(x, idx[i], w), xisq = xx[i], sign = 1, old, z, gp;
      int inner;
      if (0.5 * xisq * (alpha[ind2] - alpha[ind1]) + ywx < 0) {
        ind1 = 2 * i + 1;
        ind2 = 2 * i;
        sign = -1;
      }
      old = z = alpha[ind1];
      if (c - z < 0.5 * c) z *= 0.1;
      gp = xisq * (z - old) + sign * ywx + log(z / (c - z));
      if (fabs(gp) > gmax) gmax = fabs(gp);
      for (inner = 0; inner <= 100 && fabs(gp) >= innereps; inner++) {
        double gpp = xisq + c / (c - z) / z, t = z - gp / gpp;
        z = t <= 0 ? z * 0.1 : t;
        gp = xisq * (z - old) + sign * ywx + log(z / (c - z));
        newton++;
      }
      if (inner > 0) {
        alpha[ind1] = z;
        alpha[ind2] = c - z;
        axpy(x, idx[i], sign * (z - old) * yi, w);
      }
    }
    if (gmax < eps) break;
    if (newton <= m / 10) innereps = 0.1 * innereps > innereps_min ? 0.1 * innereps : innereps_min;
  }
  free(alpha);
  free(xx);
  free(order);
  return 0;
}

int stance_linear_svm(const stance_csr *x, const uint32_t *idx, size_t m, const signed char *y, const double *cost,
                      double eps, int max_iter, double *w, double *alpha_io) {
  double *alpha = alpha_io ? alpha_io : calloc(m ? m : 1, sizeof *alpha), *qd = malloc((m ? m : 1) * sizeof *qd);
  uint32_t *order = malloc((m ? m : 1) * sizeof *order);
  double pgmax_old = HUGE_VAL; /* (no upper bound on alpha with the L2 loss: no lower shrinking) */
  uint64_t seed = 0x2545F4914F6CDD1Dull;
  size_t j, active = m;
  int iter;
  if (alpha == NULL || qd == NULL || order == NULL) {
    if (alpha != alpha_io) free(alpha);
    free(qd);
    free(order);
    return -1;
  }
  memset(w, 0, ((size_t)x->features + 1) * sizeof *w);
  for (j = 0; j < m; j++) {
    qd[j] = 0.5 / cost[j] + sqnorm(x, idx[j]);
    order[j] = (uint32_t)j;
    if (alpha[j] > 0) axpy(x, idx[j], alpha[j] * y[j], w);
  }
  for (iter = 0; iter < max_iter; iter++) {
    double pgmax = -HUGE_VAL, pgmin = HUGE_VAL;
    size_t s;
    shuffle(order, active, &seed);
    for (s = 0; s < active; s++) {
      size_t i = order[s];
      double g = y[i] * dot(x, idx[i], w) - 1 + alpha[i] * (0.5 / cost[i]), pg = 0;
      if (alpha[i] == 0) {
        if (g > pgmax_old) { /* shrink: this one will stay at 0 */
          active--;
          order[s] = order[active];
          order[active] = (uint32_t)i;
          s--;
          continue;
        }
        if (g < 0) pg = g;
      } else {
        pg = g;
      }
      if (pg > pgmax) pgmax = pg;
      if (pg < pgmin) pgmin = pg;
      if (fabs(pg) > 1e-12) {
        double old = alpha[i];
        alpha[i] = old - g / qd[i];
        if (alpha[i] < 0) alpha[i] = 0;
        axpy(x, idx[i], (alpha[i] - old) * y[i], w);
      }
    }
    if (pgmax - pgmin <= eps) {
      if (active == m) break;
      active = m; /* check the shrunk ones once more */
      pgmax_old = HUGE_VAL;
      continue;
    }
    pgmax_old = pgmax <= 0 ? HUGE_VAL : pgmax;
  }
  if (alpha != alpha_io) free(alpha);
  free(qd);
  free(order);
  return 0;
}

int stance_linear_nb(const stance_csr *x, const uint32_t *idx, size_t m, const int *cls, int k, double alpha,
                     double *w, double *unseen) {
  size_t f, j, p, nf = x->features;
  double *total = calloc((size_t)k, sizeof *total), *docs = calloc((size_t)k, sizeof *docs);
  int c;
  if (total == NULL || docs == NULL) {
    free(total);
    free(docs);
    return -1;
  }
  memset(w, 0, (nf + 1) * (size_t)k * sizeof *w);
  for (j = 0; j < m; j++) {
    size_t i = idx[j];
    docs[cls[j]] += 1;
    for (p = x->row[i]; p < x->row[i + 1]; p++) {
      w[(size_t)x->col[p] * (size_t)k + (size_t)cls[j]] += x->val[p];
      total[cls[j]] += x->val[p];
    }
  }
  for (c = 0; c < k; c++) {
    double denom = total[c] + alpha * (double)nf;
    unseen[c] = log(alpha / denom);
    for (f = 0; f < nf; f++) {
      double *v = &w[f * (size_t)k + (size_t)c];
      *v = log((*v + alpha) / denom) - unseen[c];
    }
    w[nf * (size_t)k + (size_t)c] = log((docs[c] + 1.0) / ((double)m + (double)k));
  }
  free(total);
  free(docs);
  return 0;
}

/* ---- calibration ---------------------------------------------------------------------- */

#define CAL_MAX 17            /* 1 + classes */
#define CAL_DIM (2 * CAL_MAX) /* a, b[1..k-1], g[1..k-1] */
#define A_MIN 1e-6            /* the least scale: scores never count against their class */

/* Calibration's parameters th: th[0] = a, th[c] = b[c], th[k - 1 + c] = g[c] (c >= 1; with
 * d > k only). Class c of example i scores z_c = a * s_c + b_c + g_c * x_i: a linear
 * function of the parameters with the vector phi_c = (s_c, e_c, x_i e_c). */
static double cal_z(const double *si, int xi, int k, int d, const double *th, int c) {
  double z = th[0] * si[c];
  if (c > 0) z += th[c] + (d > k && xi ? th[k - 1 + c] : 0);
  return z;
}

/* log-loss of the calibrated softmax (with a small ridge on b and g), and into g, h (when not
 * NULL) its gradient and Hessian over the d parameters (k: without x; 2k - 1: with) */
static double cal_loss(const double *s, const unsigned char *x, const int *y, size_t n, int k, int d,
                       const double *th, double *g, double *h) {
  double loss = 0, ridge = 1e-3;
  int c, e;
  size_t i;
  if (g) memset(g, 0, (size_t)d * sizeof *g);
  if (h) memset(h, 0, (size_t)d * (size_t)d * sizeof *h);
  for (c = 1; c < d; c++) loss += 0.5 * ridge * th[c] * th[c];
  for (i = 0; i < n; i++) {
    const double *si = s + i * (size_t)k;
    int xi = x ? x[i] != 0 : 0;
    double z[CAL_MAX] = {0}, p[CAL_MAX] = {0}, mean[CAL_DIM], mx = -HUGE_VAL, sum = 0;
    for (c = 0; c < k; c++) {
      z[c] = cal_z(si, xi, k, d, th, c);
      if (z[c] > mx) mx = z[c];
    }
    for (c = 0; c < k; c++) sum += (p[c] = exp(z[c] - mx));
    for (c = 0; c < k; c++) p[c] /= sum;
    loss += mx + log(sum) - z[y[i]];
    if (!g) continue;
    /* the gradient: sum over c of (p_c - [c == y]) phi_c; the mean phi under p */
    memset(mean, 0, (size_t)d * sizeof *mean);
    for (c = 0; c < k; c++) {
      double r = p[c] - (c == y[i]);
      g[0] += r * si[c];
      mean[0] += p[c] * si[c];
      if (c > 0) {
        g[c] += r;
        mean[c] += p[c];
        if (d > k && xi) g[k - 1 + c] += r, mean[k - 1 + c] += p[c];
      }
    }
    if (!h) continue;
    /* the Hessian: sum over c of p_c phi_c phi_c^T, less mean mean^T */
    for (c = 0; c < k; c++) {
      int at[3], na = 0, u, v;
      double val[3];
      at[na] = 0, val[na++] = si[c];
      if (c > 0) {
        at[na] = c, val[na++] = 1;
        if (d > k && xi) at[na] = k - 1 + c, val[na++] = 1;
      }
      for (u = 0; u < na; u++)
        for (v = 0; v < na; v++) h[(size_t)at[u] * (size_t)d + (size_t)at[v]] += p[c] * val[u] * val[v];
    }
    for (c = 0; c < d; c++)
      for (e = 0; e < d; e++) h[(size_t)c * (size_t)d + (size_t)e] -= mean[c] * mean[e];
  }
  if (g)
    for (c = 1; c < d; c++) g[c] += ridge * th[c];
  if (h)
    for (c = 0; c < d; c++) h[(size_t)c * (size_t)d + (size_t)c] += c == 0 ? 1e-9 : ridge;
  return loss;
}

/* Solve h x = g (d x d, Gaussian elimination with partial pivoting) into g. 0, or -1 when
 * singular. */
static int solve(double *h, double *g, int d) {
  int i, j, r;
  for (i = 0; i < d; i++) {
    int piv = i;
    for (r = i + 1; r < d; r++)
      if (fabs(h[r * d + i]) > fabs(h[piv * d + i])) piv = r;
    if (fabs(h[piv * d + i]) < 1e-300) return -1;
    if (piv != i) {
      double t;
      for (j = 0; j < d; j++) {
        t = h[i * d + j];
        h[i * d + j] = h[piv * d + j];
        h[piv * d + j] = t;
      }
      t = g[i];
      g[i] = g[piv];
      g[piv] = t;
    }
    for (r = i + 1; r < d; r++) {
      double f = h[r * d + i] / h[i * d + i];
      for (j = i; j < d; j++) h[r * d + j] -= f * h[i * d + j];
      g[r] -= f * g[i];
    }
  }
  for (i = d - 1; i >= 0; i--) {
    for (j = i + 1; j < d; j++) g[i] -= h[i * d + j] * g[j];
    g[i] /= h[i * d + i];
  }
  return 0;
}

void stance_calibrate(const double *s, const unsigned char *x, const int *y, size_t n, int k, double *a, double *b,
                      double *g) {
  double th[CAL_DIM] = {0}, nt[CAL_DIM], grad[CAL_DIM], h[CAL_DIM * CAL_DIM], loss;
  int it, c, d = k, classes_seen = 0, with_x = 0, without_x = 0;
  unsigned char seen[CAL_MAX] = {0};
  size_t i;
  *a = 1;
  for (c = 0; c < k; c++) {
    b[c] = 0;
    if (g) g[c] = 0;
  }
  if (k < 2 || k > CAL_MAX - 1 || n < 4) return;
  for (i = 0; i < n; i++) {
    if (y[i] >= 0 && y[i] < k && !seen[y[i]]) seen[y[i]] = 1, classes_seen++;
    if (x && x[i]) with_x = 1;
    else without_x = 1;
  }
  if (classes_seen < 2) return;
  if (g && with_x && without_x) d = 2 * k - 1; /* x tells something only when it varies */
  th[0] = 1;
  loss = cal_loss(s, x, y, n, k, d, th, NULL, NULL);
  for (it = 0; it < 50; it++) {
    double step = 1, nl = loss, gnorm = 0;
    cal_loss(s, x, y, n, k, d, th, grad, h);
    if (th[0] <= A_MIN && grad[0] > 0) { /* the scale at its floor, pushed down: held there */
      grad[0] = 0;
      for (c = 1; c < d; c++) h[c] = h[(size_t)c * (size_t)d] = 0;
      h[0] = 1;
    }
    for (c = 0; c < d; c++) gnorm += grad[c] * grad[c];
    if (gnorm < 1e-10 * (double)n) break;
    if (solve(h, grad, d) != 0) break;
    for (;;) { /* backtracking: the loss must go down; the scale stays positive (held at its
                  floor when the step would take it below: scores that tell nothing must not
                  stop the offsets from moving) */
      for (c = 0; c < d; c++) nt[c] = th[c] - step * grad[c];
      if (nt[0] < A_MIN) nt[0] = A_MIN;
      if ((nl = cal_loss(s, x, y, n, k, d, nt, NULL, NULL)) <= loss) break;
      step *= 0.5;
      if (step < 1e-8) goto out;
    }
    memcpy(th, nt, (size_t)d * sizeof *th);
    if (loss - nl < 1e-10 * (double)n) break;
    loss = nl;
  }
out:
  *a = th[0];
  for (c = 1; c < k; c++) {
    b[c] = th[c];
    if (g && d > k) g[c] = th[k - 1 + c];
  }
}
