/* A minimal work-sharing loop: threads take the next index until none is
 * left. Files are independent, so parallelism across files is the cheap
 * win on a few cores (threads inside one stream would only contend). */
#include <pthread.h>
#include <stdlib.h>

#include "cli.h"

typedef struct pool {
    pthread_mutex_t lock;
    size_t next, count;
    void (*fn)(size_t, void *);
    void *ctx;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->count ? p->next++ : p->count;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->count) return NULL;
        p->fn(i, p->ctx);
    }
}

void cli_parallel_for(size_t count, int jobs, void (*fn)(size_t i, void *ctx), void *ctx)
{
    pool p = {PTHREAD_MUTEX_INITIALIZER, 0, count, fn, ctx};
    if (jobs < 1) jobs = 1;
    if ((size_t)jobs > count) jobs = (int)count;
    pthread_t *t = jobs > 1 ? calloc((size_t)jobs - 1, sizeof *t) : NULL;
    int started = 0;
    for (int k = 0; t && k < jobs - 1; k++) {
        if (pthread_create(&t[k], NULL, worker, &p) != 0) break;
        started++;
    }
    worker(&p); /* this thread works too; with no helpers it does everything */
    for (int k = 0; k < started; k++) pthread_join(t[k], NULL);
    free(t);
}
