/* Test signals, sound files and the reference: noise and sines in planar float buffers,
 * float WAV files through libsndfile, and scripts/apply.lua run as a child process. */
#ifndef SPEC_LV2_SIGNALS_H
#define SPEC_LV2_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct track {
    int channels;
    int64_t frames;
    float *x[2]; /* planar */
} track;

bool track_new(track *s, int channels, int64_t frames);
void track_free(track *s);
/* Uniform noise in [-amp, amp], the same for a seed. */
void track_noise(track *s, uint32_t seed, float amp);
void track_sine(track *s, double freq, double rate, float amp);

bool wav_write(const char *path, const track *s, int rate);
bool wav_read(const char *path, track *s);

/* Runs argv[0] with argv (NULL-terminated), its output discarded unless `verbose`; true on
 * exit status 0. */
bool run_program(char *const argv[], bool verbose);

/* Runs `semeq scripts/apply.lua in out --model m --from a --to b --alpha x --intensity y
 * --force` from the current directory (the source tree); true on exit status 0. */
bool run_apply(const char *semeq, const char *in, const char *out, const char *model, const char *from, const char *to,
               float alpha, float intensity);

/* Pseudo-random integer in [lo, hi] (xorshift32 state). */
int rand_between(uint32_t *state, int lo, int hi);

#endif
