/* The one assertion macro of the C unit tests: a failed check is printed with its
 * place and counted; main() returns non-zero when `failures` is. */
#ifndef SPEC_CHECK_H
#define SPEC_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                   \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

#endif
