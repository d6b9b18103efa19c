/*
 * workpool.h - the threads that run request handlers, fed from one FIFO
 * queue.
 *
 * libmicrohttpd's few I/O threads read requests and write answers; a
 * handler, which may wait on the database, runs here instead, so a
 * connection never waits behind another connection's handler just because
 * both landed on the same I/O thread. Requests are taken strictly in the
 * order they were submitted.
 *
 * Not here: what a job does (server.c), suspending and resuming the
 * connection around it.
 */
#ifndef BUFFR_HTTP_WORKPOOL_H
#define BUFFR_HTTP_WORKPOOL_H

#include <stdbool.h>

/* A job is embedded in the caller's own record (container_of style); it
 * must stay valid until run has returned. */
typedef struct workpool_job {
    struct workpool_job *next;
} workpool_job_t;

typedef void (*workpool_run_fn)(workpool_job_t *job, void *cls);

typedef struct workpool workpool_t;

/* Start threads (>= 1) that call run(job, cls) for each submitted job.
 * Returns 0, BUFFR_EINVAL or BUFFR_ENOMEM (also when a thread cannot be
 * created; those already started are stopped again). */
int workpool_start(int threads, workpool_run_fn run, void *cls, workpool_t **out);

/* Queue job; false when the pool is stopping (the caller runs it itself). */
bool workpool_submit(workpool_t *pool, workpool_job_t *job);

/* Refuse new jobs, run every job already queued and join the threads.
 * workpool_submit stays callable (and answers false) until workpool_free. */
void workpool_stop(workpool_t *pool);

/* Free a stopped pool. NULL is a no-op. */
void workpool_free(workpool_t *pool);

#endif
