#include "signals.h"

#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <sndfile.h>

extern char **environ;

bool track_new(track *s, int channels, int64_t frames)
{
    memset(s, 0, sizeof *s);
    s->channels = channels;
    s->frames = frames;
    for (int c = 0; c < channels; c++)
        if (!(s->x[c] = calloc((size_t)frames, sizeof(float))))
            return false;
    return true;
}

void track_free(track *s)
{
    for (int c = 0; c < 2; c++)
        free(s->x[c]);
    memset(s, 0, sizeof *s);
}

static uint32_t xorshift(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    return *state = x;
}

int rand_between(uint32_t *state, int lo, int hi) { return lo + (int)(xorshift(state) % (uint32_t)(hi - lo + 1)); }

void track_noise(track *s, uint32_t seed, float amp)
{
    uint32_t st = seed ? seed : 1;
    for (int64_t f = 0; f < s->frames; f++)
        for (int c = 0; c < s->channels; c++)
            s->x[c][f] = amp * (2.0f * (float)(xorshift(&st) >> 8) / 16777216.0f - 1.0f);
}

void track_sine(track *s, double freq, double rate, float amp)
{
    for (int64_t f = 0; f < s->frames; f++)
        for (int c = 0; c < s->channels; c++)
            s->x[c][f] = amp * (float)sin(2.0 * M_PI * freq * (double)f / rate);
}

bool wav_write(const char *path, const track *s, int rate)
{
    SF_INFO info = {.samplerate = rate, .channels = s->channels, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f)
        return false;
    float frame[2];
    bool ok = true;
    for (int64_t i = 0; ok && i < s->frames; i++) {
        for (int c = 0; c < s->channels; c++)
            frame[c] = s->x[c][i];
        ok = sf_writef_float(f, frame, 1) == 1;
    }
    return sf_close(f) == 0 && ok;
}

bool wav_read(const char *path, track *s)
{
    SF_INFO info = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &info);
    if (!f)
        return false;
    bool ok = info.channels <= 2 && track_new(s, info.channels, info.frames);
    float frame[2];
    for (int64_t i = 0; ok && i < info.frames; i++) {
        ok = sf_readf_float(f, frame, 1) == 1;
        for (int c = 0; ok && c < info.channels; c++)
            s->x[c][i] = frame[c];
    }
    sf_close(f);
    return ok;
}

bool run_program(char *const argv[], bool verbose)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!verbose) {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    int status;
    return err == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool run_apply(const char *semeq, const char *in, const char *out, const char *model, const char *from, const char *to,
               float alpha, float intensity)
{
    /* %.17g of the float's value: apply.lua computes with exactly the plug-in's number */
    char a[64], i[64];
    snprintf(a, sizeof a, "%.17g", (double)alpha);
    snprintf(i, sizeof i, "%.17g", (double)intensity);
    char *argv[] = {(char *)semeq, "scripts/apply.lua",
                    (char *)in,    (char *)out,
                    "--model",     (char *)model,
                    "--from",      (char *)from,
                    "--to",        (char *)to,
                    "--alpha",     a,
                    "--intensity", i,
                    "--force",     NULL};
    return run_program(argv, false);
}
