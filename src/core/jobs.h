/* A few jobs at once: the calling thread runs job 0 and each other job gets a thread of its
 * own (silhouette.c, chunked.c). A job whose thread cannot start runs on the calling thread
 * after job 0, so the work is always done; the jobs decide what it is and where it goes. */
#ifndef SE_JOBS_H
#define SE_JOBS_H

#include <stddef.h>

/* Calls run(&jobs[t]) for t = 0 .. count - 1 (jobs: count elements of `size` bytes) and
 * returns when every call has returned. */
void se_run_jobs(void *(*run)(void *), void *jobs, size_t size, int count);

#endif
