/*
 * workpool.c - a fixed set of threads taking jobs from one FIFO queue (see
 * workpool.h). One mutex and one condition variable: a job costs a lock, a
 * signal when a thread is idle, and no allocation (the job is embedded in
 * the caller's record).
 */
#include "http/workpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"

struct workpool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or stopping was set */
    workpool_job_t *head;
    workpool_job_t *tail;
    int idle; /* threads waiting on work */
    bool stopping;
    workpool_run_fn run;
    void *cls;
    int nthreads; /* started and not joined yet */
    pthread_t threads[];
};

static void *workpool_main(void *arg)
{
    workpool_t *pool = arg;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->head == NULL && !pool->stopping) {
            pool->idle++;
            pthread_cond_wait(&pool->work, &pool->lock);
            pool->idle--;
        }
        workpool_job_t *job = pool->head;
        if (job == NULL)
            break; /* stopping, and nothing is left to run */
        pool->head = job->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pthread_mutex_unlock(&pool->lock);
        job->next = NULL;
        pool->run(job, pool->cls);
        pthread_mutex_lock(&pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

void workpool_stop(workpool_t *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    pool->nthreads = 0;
}

void workpool_free(workpool_t *pool)
{
    if (pool == NULL)
        return;
    workpool_stop(pool); /* a no-op when already stopped */
    pthread_cond_destroy(&pool->work);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

int workpool_start(int threads, workpool_run_fn run, void *cls, workpool_t **out)
{
    *out = NULL;
    if (threads < 1 || run == NULL)
        return BUFFR_EINVAL;
    workpool_t *pool = calloc(1, sizeof(*pool) + (size_t)threads * sizeof(pthread_t));
    if (pool == NULL)
        return BUFFR_ENOMEM;
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return BUFFR_ENOMEM;
    }
    if (pthread_cond_init(&pool->work, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return BUFFR_ENOMEM;
    }
    pool->run = run;
    pool->cls = cls;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, workpool_main, pool) != 0) {
            workpool_free(pool);
            return BUFFR_ENOMEM;
        }
        pool->nthreads = i + 1;
    }
    *out = pool;
    return 0;
}

bool workpool_submit(workpool_t *pool, workpool_job_t *job)
{
    pthread_mutex_lock(&pool->lock);
    if (pool->stopping) {
        pthread_mutex_unlock(&pool->lock);
        return false;
    }
    job->next = NULL;
    if (pool->tail != NULL)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    bool wake = pool->idle > 0;
    pthread_mutex_unlock(&pool->lock);
    if (wake)
        pthread_cond_signal(&pool->work);
    return true;
}
