/* Sums over the rows of a matrix on several threads, with a result that does not depend on
 * how many threads ran.
 *
 * The rows are cut into chunks whose size depends only on the problem (n, width), each
 * chunk writes its partial sums into its own slot, and the slots are added in chunk order
 * after every thread has finished: 1, 2 or 8 threads give the same bits.
 *
 *   // per-cluster sums of distances: partial[labels[i]] += dist(i)
 *   static void add_dists(const void *ctx, int64_t lo, int64_t hi, double *partial) { ... }
 *   se_chunked_sum(add_dists, &ctx, n, k, threads, sums);   // sums [k]
 */
#ifndef SE_CHUNKED_H
#define SE_CHUNKED_H

#include <stdint.h>

#include "status.h"

/* Adds what rows [lo, hi) contribute into partial (width doubles, zero on entry). It may
 * run on any thread, at the same time as other chunks: ctx must be read-only. */
typedef void (*se_chunk_fn)(const void *ctx, int64_t lo, int64_t hi, double *partial);

/* sum[width] = the chunks' partials of rows [0, n), added in chunk order; up to `threads`
 * threads (fewer when there are fewer chunks, or threads cannot start). SE_EINTR when the
 * interrupt flag was raised (the remaining chunks are not run), SE_ENOMEM. */
se_status se_chunked_sum(se_chunk_fn fn, const void *ctx, int64_t n, int64_t width, int threads, double *sum);

#endif
