/* se_run_jobs: see jobs.h. */
#include "jobs.h"

#include <pthread.h>
#include <stdlib.h>

void se_run_jobs(void *(*run)(void *), void *jobs, size_t size, int count)
{
    char *job = jobs;
    /* No memory to track threads: every job runs here. */
    pthread_t *tid = count > 1 ? malloc((size_t)count * sizeof *tid) : NULL;
    int started = 1; /* jobs 1 .. started - 1 run on their own threads */
    while (tid && started < count && pthread_create(&tid[started], NULL, run, job + (size_t)started * size) == 0)
        started++;
    run(job);
    for (int t = started; t < count; t++)
        run(job + (size_t)t * size);
    for (int t = 1; t < started; t++)
        pthread_join(tid[t], NULL);
    free(tid);
}
