/* libFuzzer target: reading a sound file through semeq's reader (src/core/sndio.c,
 * libsndfile underneath) on arbitrary bytes.
 *
 * se_snd_open takes a path, so the bytes are written to a private temporary file
 * (on /dev/shm when it exists) and read back block by block exactly as semeq.audio and
 * scripts/apply.lua do. Failures must come with a message naming the file. Reads are
 * capped so that a header claiming billions of frames cannot make a run slow. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sndio.h"

#define BLOCK 1024
#define MAX_BLOCKS 256

static char path[96];

static void cleanup(void) { unlink(path); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/semeq_fuzz_audio.%ld", dir, (long)getpid());
    atexit(cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    se_snd *s;
    char msg[SE_SND_MSG];
    msg[0] = '\0';
    if (se_snd_open(&s, path, msg) != SE_OK) {
        if (!strstr(msg, path))
            abort(); /* the message names the file */
        return 0;
    }
    se_snd_info info = se_snd_get_info(s);
    if (info.channels < 1 || info.channels > 1024) { /* libsndfile caps channels itself */
        se_snd_close(s, false, msg);
        return 0;
    }
    float *buf = malloc(sizeof(float) * BLOCK * (size_t)info.channels);
    for (int b = 0; buf && b < MAX_BLOCKS; b++) {
        int64_t got = 0;
        if (se_snd_read(s, buf, BLOCK, &got, msg) != SE_OK) {
            if (!strstr(msg, path))
                abort();
            break;
        }
        if (got < 0 || got > BLOCK)
            abort();
        if (got == 0)
            break;
    }
    free(buf);
    se_snd_close(s, false, msg);
    return 0;
}
