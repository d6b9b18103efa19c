/*
 * test_workpool.c - http/workpool.c: jobs run in submission order, on
 * several threads at once, all of them before workpool_stop returns, and
 * none accepted after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/error.h"
#include "http/workpool.h"

#define NJOBS 1000

typedef struct test_job {
    workpool_job_t job;
    int index;
} test_job_t;

typedef struct record {
    pthread_mutex_t lock;
    int order[NJOBS];
    int ran;
    /* Held jobs wait here until the test lets them go. */
    pthread_cond_t changed;
    int running;
    bool release;
} record_t;

static void record_run(workpool_job_t *job, void *cls)
{
    record_t *rec = cls;
    test_job_t *t = (test_job_t *)((char *)job - offsetof(test_job_t, job));
    pthread_mutex_lock(&rec->lock);
    rec->order[rec->ran++] = t->index;
    pthread_mutex_unlock(&rec->lock);
}

static void held_run(workpool_job_t *job, void *cls)
{
    (void)job;
    record_t *rec = cls;
    pthread_mutex_lock(&rec->lock);
    rec->running++;
    pthread_cond_broadcast(&rec->changed);
    while (!rec->release)
        pthread_cond_wait(&rec->changed, &rec->lock);
    rec->ran++;
    pthread_mutex_unlock(&rec->lock);
}

static record_t *record_new(void)
{
    record_t *rec = calloc(1, sizeof(*rec));
    assert_non_null(rec);
    pthread_mutex_init(&rec->lock, NULL);
    pthread_cond_init(&rec->changed, NULL);
    return rec;
}

static void record_free(record_t *rec)
{
    pthread_cond_destroy(&rec->changed);
    pthread_mutex_destroy(&rec->lock);
    free(rec);
}

/* One thread: every job runs, in the order submitted, and stop waits for
 * the queue to drain. */
static void test_fifo_and_drain(void **state)
{
    (void)state;
    record_t *rec = record_new();
    test_job_t *jobs = calloc(NJOBS, sizeof(*jobs));
    assert_non_null(jobs);
    workpool_t *pool = NULL;
    assert_int_equal(workpool_start(1, record_run, rec, &pool), 0);
    for (int i = 0; i < NJOBS; i++) {
        jobs[i].index = i;
        assert_true(workpool_submit(pool, &jobs[i].job));
    }
    workpool_stop(pool);
    assert_int_equal(rec->ran, NJOBS);
    for (int i = 0; i < NJOBS; i++)
        assert_int_equal(rec->order[i], i);
    /* Stopped: refused, and the caller keeps the job. */
    test_job_t late = {.index = -1};
    assert_false(workpool_submit(pool, &late.job));
    workpool_free(pool);
    assert_int_equal(rec->ran, NJOBS);
    free(jobs);
    record_free(rec);
}

/* Four threads run four held jobs at the same time; a fifth waits queued
 * until one of them is free. */
static void test_threads_run_side_by_side(void **state)
{
    (void)state;
    record_t *rec = record_new();
    test_job_t jobs[5];
    workpool_t *pool = NULL;
    assert_int_equal(workpool_start(4, held_run, rec, &pool), 0);
    for (int i = 0; i < 5; i++)
        assert_true(workpool_submit(pool, &jobs[i].job));
    pthread_mutex_lock(&rec->lock);
    while (rec->running < 4)
        pthread_cond_wait(&rec->changed, &rec->lock);
    assert_int_equal(rec->running, 4);
    assert_int_equal(rec->ran, 0);
    rec->release = true;
    pthread_cond_broadcast(&rec->changed);
    pthread_mutex_unlock(&rec->lock);
    workpool_free(pool); /* stops first: the fifth job runs too */
    assert_int_equal(rec->running, 5);
    assert_int_equal(rec->ran, 5);
    record_free(rec);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    workpool_t *pool = (workpool_t *)&pool;
    assert_int_equal(workpool_start(0, record_run, NULL, &pool), BUFFR_EINVAL);
    assert_null(pool);
    assert_int_equal(workpool_start(2, NULL, NULL, &pool), BUFFR_EINVAL);
    workpool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_drain),
        cmocka_unit_test(test_threads_run_side_by_side),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
