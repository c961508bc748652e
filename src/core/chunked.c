/* se_chunked_sum: see chunked.h. */
#include "chunked.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "jobs.h"

/* Rows per chunk: at least this many (a chunk is worth a thread's loop), more when n x width
 * partials would pass PARTS_MAX doubles (32 MB). */
#define CHUNK_ROWS 2048
#define PARTS_MAX ((int64_t)1 << 22)

typedef struct chunk_share {
    se_chunk_fn fn;
    const void *ctx;
    int64_t n, rows, width, chunks;
    double *parts;
    int first, step; /* this share runs chunks first, first + step, ... */
} chunk_share;

static void *run_share(void *arg)
{
    const chunk_share *s = arg;
    for (int64_t c = s->first; c < s->chunks; c += s->step) {
        if (se_interrupt_pending())
            break;
        int64_t lo = c * s->rows, hi = lo + s->rows < s->n ? lo + s->rows : s->n;
        s->fn(s->ctx, lo, hi, s->parts + c * s->width);
    }
    return NULL;
}

/* The chunk length for n rows of `width` partials each: a function of the problem only. */
static int64_t chunk_rows(int64_t n, int64_t width)
{
    int64_t most = PARTS_MAX / (width > 0 ? width : 1);
    int64_t chunks = (n + CHUNK_ROWS - 1) / CHUNK_ROWS;
    if (chunks > most)
        chunks = most > 0 ? most : 1;
    return (n + chunks - 1) / chunks;
}

se_status se_chunked_sum(se_chunk_fn fn, const void *ctx, int64_t n, int64_t width, int threads, double *sum)
{
    memset(sum, 0, (size_t)width * sizeof *sum);
    if (n <= 0)
        return SE_OK;
    int64_t rows = chunk_rows(n, width), chunks = (n + rows - 1) / rows;
    if (threads < 1)
        threads = 1;
    if (threads > chunks)
        threads = (int)chunks;
    double *parts = calloc((size_t)(chunks * width), sizeof *parts);
    chunk_share *shares = calloc((size_t)threads, sizeof *shares);
    se_status st = SE_ENOMEM;
    if (!parts || !shares)
        goto done;
    for (int t = 0; t < threads; t++)
        shares[t] = (chunk_share){fn, ctx, n, rows, width, chunks, parts, t, threads};
    se_run_jobs(run_share, shares, sizeof *shares, threads);
    if (se_interrupt_pending()) {
        st = SE_EINTR;
        goto done;
    }
    for (int64_t c = 0; c < chunks; c++)
        for (int64_t w = 0; w < width; w++)
            sum[w] += parts[c * width + w];
    st = SE_OK;
done:
    free(parts);
    free(shares);
    return st;
}
