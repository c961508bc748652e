/* Symmetric solves and eigen-decompositions on LAPACK: see linalg.h. */
#include "linalg.h"

#include <limits.h>
#include <stdlib.h>

/* LAPACK's Fortran symbols (OpenBLAS exports them; Debian ships no LAPACKE header with
 * it). The trailing size_t values are gfortran's hidden character lengths. Row-major
 * symmetric matrices are their own column-major transposes, so no copy is needed. */
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb,
            int *info, size_t);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, size_t, size_t);

/* LAPACK counts in int. */
#define MAX_N (1 << 15)

se_status se_solve_spd(double *A, double *B, int64_t n, int64_t nrhs)
{
    if (n < 1 || n > MAX_N || nrhs < 1 || nrhs > MAX_N)
        return SE_EARG;
    int nn = (int)n, nr = (int)nrhs, info = 0;
    /* B is row-major n x nrhs; LAPACK wants column-major, so solve B^T's columns: with
     * nrhs > 1 transpose into a scratch copy and back. */
    double *Bc = B;
    if (nrhs > 1) {
        Bc = malloc((size_t)(n * nrhs) * sizeof *Bc);
        if (!Bc)
            return SE_ENOMEM;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < nrhs; j++)
                Bc[j * n + i] = B[i * nrhs + j];
    }
    dposv_("U", &nn, &nr, A, &nn, Bc, &nn, &info, 1);
    if (nrhs > 1) {
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < nrhs; j++)
                B[i * nrhs + j] = Bc[j * n + i];
        free(Bc);
    }
    return info == 0 ? SE_OK : SE_EARG;
}

se_status se_eigh(double *A, double *w, int64_t n)
{
    if (n < 1 || n > MAX_N)
        return SE_EARG;
    int nn = (int)n, info = 0, lwork = -1, liwork = -1, iq;
    double wq;
    dsyevd_("V", "U", &nn, A, &nn, w, &wq, &lwork, &iq, &liwork, &info, 1, 1);
    if (info != 0)
        return SE_EARG;
    if (!(wq >= 1.0 && wq <= (double)INT_MAX)) /* MAX_N keeps it far below */
        return SE_ERANGE;
    lwork = (int)wq;
    liwork = iq;
    double *work = malloc((size_t)lwork * sizeof *work);
    int *iwork = malloc((size_t)liwork * sizeof *iwork);
    se_status st = SE_ENOMEM;
    if (work && iwork) {
        /* Column i of the column-major result is row i of A as we hold it. */
        dsyevd_("V", "U", &nn, A, &nn, w, work, &lwork, iwork, &liwork, &info, 1, 1);
        st = info == 0 ? SE_OK : SE_EARG;
    }
    free(work);
    free(iwork);
    return st;
}
