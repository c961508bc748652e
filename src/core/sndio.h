/* Sound files through libsndfile: streaming reads and safe writes.
 *
 * A reader opens anything libsndfile reads and hands out float frames block by
 * block, so memory does not grow with the file. A writer writes to a temporary file
 * next to the destination ("<path>.tmpXXXXXX"); se_snd_close(w, true) renames it into
 * place, se_snd_close(w, false) removes it, so a crash or an error never leaves a
 * half-written output under the final name and an existing file is replaced atomically.
 *
 * Errors come back as a status plus a message in a caller buffer that names the file
 * (libsndfile's own message when it has one).
 *
 *   se_snd *r, *w; char msg[SE_SND_MSG]; float buf[4096 * 2]; int64_t got;
 *   if (se_snd_open(&r, "in.flac", msg) != SE_OK) puts(msg);
 *   se_snd_info info = se_snd_get_info(r);
 *   se_snd_create(&w, "out.wav", info.samplerate, info.channels, format, msg);
 *   while (se_snd_read(r, buf, 4096, &got, msg) == SE_OK && got > 0)
 *       se_snd_write(w, buf, got, msg);
 *   se_snd_close(r, false, msg);
 *   se_snd_close(w, true, msg); */
#ifndef SE_SNDIO_H
#define SE_SNDIO_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

#define SE_SND_MSG 512

typedef struct se_snd se_snd;

typedef struct se_snd_info {
    int64_t frames;
    int samplerate;
    int channels;
    int format;       /* libsndfile SF_FORMAT_* (major | subtype) */
} se_snd_info;

se_status se_snd_open(se_snd **out, const char *path, char msg[SE_SND_MSG]);
se_snd_info se_snd_get_info(const se_snd *s);
/* Reads up to frames frames (interleaved) into buf; *got is 0 at the end. */
se_status se_snd_read(se_snd *s, float *buf, int64_t frames, int64_t *got, char msg[SE_SND_MSG]);

/* format: SF_FORMAT_* major | subtype; SE_EARG (with a message) if libsndfile cannot
 * write that combination. Floats beyond [-1, 1] are clipped when writing integer PCM. */
se_status se_snd_create(se_snd **out, const char *path, int samplerate, int channels, int format,
                        char msg[SE_SND_MSG]);
se_status se_snd_write(se_snd *s, const float *buf, int64_t frames, char msg[SE_SND_MSG]);
/* Closes and frees s. For a writer, commit renames the temporary file to the final
 * name, otherwise it is removed. Always frees, even when it reports an error. */
se_status se_snd_close(se_snd *s, bool commit, char msg[SE_SND_MSG]);
bool se_snd_is_writer(const se_snd *s);
const char *se_snd_path(const se_snd *s);

/* Helpers for choosing an output format. */
bool se_snd_format_ok(int format, int channels, int samplerate);
/* Major format from a file name's extension (".wav", ".flac", ...); 0 if unknown. */
int se_snd_major_from_ext(const char *path);
/* The input's subtype when the major format can hold it, else a sensible substitute
 * (FLAC cannot store float: PCM_24; a lossy input into WAV: PCM_16). */
int se_snd_output_format(int major, int input_format, int channels, int samplerate);

#endif
