/* Dense symmetric linear algebra in double precision, on LAPACK (OpenBLAS ships it):
 * what closed-form fits need — ridge and Newton steps (solve), LDA and PCA (eigen).
 * Matrices are row-major n x n; symmetric inputs are read in full. */
#ifndef SE_LINALG_H
#define SE_LINALG_H

#include <stdint.h>

#include "status.h"

/* Solves A X = B for symmetric positive definite A [n x n] (Cholesky). A is overwritten
 * by its factor, B [n x nrhs] by X. SE_EARG when A is not positive definite (or n, nrhs
 * are out of range), SE_ENOMEM when LAPACK's workspace cannot be allocated. */
se_status se_solve_spd(double *A, double *B, int64_t n, int64_t nrhs);

/* Eigen-decomposition of symmetric A [n x n]: w[n] ascending, and A overwritten so that
 * row i holds the unit eigenvector of w[i]. */
se_status se_eigh(double *A, double *w, int64_t n);

#endif
