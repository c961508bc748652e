/* Band energies through bandpass biquads: see bands.h. */
#include "bands.h"

#include <string.h>

#include "biquad.h"

se_status se_band_energies(const float *x, int64_t n, int64_t skip, const double *freqs, int nbands, double q,
                           double fs, float *scratch, double *out)
{
    if (n < 1 || skip < 0 || skip >= n || nbands < 0)
        return SE_EARG;
    se_biquad bq;
    for (int b = 0; b < nbands; b++) /* check every band before any work */
        if (se_biquad_design(&bq, SE_BQ_BANDPASS, fs, freqs[b], 0.0, q) != SE_OK)
            return SE_EARG;
    for (int b = 0; b < nbands; b++) {
        se_biquad_design(&bq, SE_BQ_BANDPASS, fs, freqs[b], 0.0, q);
        memcpy(scratch, x, (size_t)n * sizeof *scratch);
        double state[2] = {0.0, 0.0};
        se_biquad_run(&bq, state, scratch, n, 1);
        double sum = 0.0;
        for (int64_t i = skip; i < n; i++)
            sum += (double)scratch[i] * (double)scratch[i];
        out[b] = sum / (double)(n - skip);
    }
    return SE_OK;
}
