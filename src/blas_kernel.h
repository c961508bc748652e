/* The OpenBLAS kernel for this CPU, for the semeq interpreter (see blas_kernel.c). */
#ifndef SEMEQ_BLAS_KERNEL_H
#define SEMEQ_BLAS_KERNEL_H

/* Call first in main. Returns only if OpenBLAS already runs kernels that use the CPU's
 * vector units (or nothing better is known); otherwise runs this program again with
 * OPENBLAS_CORETYPE set and the same argv, and returns only if that fails. */
void semeq_choose_blas_kernel(char **argv);

#endif
