/*
 * clock.h - the time of a clock in nanoseconds: the one way the module reads a clock
 * (CLOCK_MONOTONIC for durations and deadlines, CLOCK_REALTIME to compare with file times).
 */
#ifndef STANCE_CLOCK_H
#define STANCE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of clock `clk`; 0 when it cannot be read. */
static inline int64_t stance_now_ns(clockid_t clk) {
  struct timespec ts;
  if (clock_gettime(clk, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
