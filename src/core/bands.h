/* Energy of a signal in frequency bands, measured with cookbook bandpass biquads.
 *
 * Each band is one RBJ bandpass (constant 0 dB peak gain) at its centre frequency with
 * quality q (q = sqrt 2 is about one octave wide). The energy of a band is the mean
 * square of the filtered signal over samples skip .. n - 1: skipping the start leaves
 * out the filters' settling (a 31.5 Hz band rings for tens of milliseconds). This is
 * how semeq describes what an EQ does to a test signal (pink noise) by features that do
 * not depend on the EQ's own parametrisation.
 *
 *   double e[10];
 *   se_band_energies(x, n, 4410, freqs, 10, M_SQRT2, 44100, scratch, e);  // scratch: n floats */
#ifndef SE_BANDS_H
#define SE_BANDS_H

#include <stdint.h>

#include "status.h"

/* out[b] = mean over samples skip..n-1 of (x through band b)^2. scratch holds n floats
 * (caller-owned). SE_EARG unless 0 <= skip < n, q > 0, fs > 0 and every frequency lies
 * in (0, fs/2). */
se_status se_band_energies(const float *x, int64_t n, int64_t skip, const double *freqs, int nbands, double q,
                           double fs, float *scratch, double *out);

#endif
