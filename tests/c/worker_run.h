/* worker_run.h - a helper the C suites share: run a worker job to its end. */
#ifndef STANCE_TEST_WORKER_RUN_H
#define STANCE_TEST_WORKER_RUN_H

#include "worker.h"

/* Drain `w` until `job` delivers its DONE event (1), or give up after 10000 waits (0); the
 * progress events it sent on the way counted in *progress_events when not NULL. Every event
 * drained is released. (tests/c/test_worker.c) */
int test_run_to_end(stance_worker *w, stance_job *job, int *progress_events);

#endif
