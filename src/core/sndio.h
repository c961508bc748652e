/* Sound files through libsndfile: streaming reads and safe writes.
 *
 * A reader opens anything libsndfile reads and hands out float frames block by
 * block, so memory does not grow with the file. A writer writes to a temporary file
 * next to the destination ("<path>.tmpXXXXXX"); se_snd_close(w, true) renames it into
 * place, se_snd_close(w, false) removes it, so a crash or an error never leaves a
 * half-written output under the final name and an existing file is replaced atomically.
 *
 * Errors come back as a status plus a message in a caller buffer that names the file
 * (libsndfile's own message when it has one, else the system's).
 *
 * No silent wrong audio: a read fails on a non-finite sample (NaN, Inf in a float file),
 * naming the frame and channel, unless the reader was told to replace such samples by 0
 * (se_snd_set_nonfinite); it fails with "truncated" when the file holds fewer frames than
 * its header declares (any container whose length libsndfile reports: WAV, WAVEX, RF64,
 * AIFF, AU, W64, CAF, VOC from the header notes in libsndfile's log, FLAC and the others
 * from a read that ends early, Ogg from a missing last page; not MPEG, whose length may be
 * an estimate, nor a pipe, nor the formats whose length libsndfile ignores or that have
 * none: NIST, IRCAM, PAF, MAT). A write refuses non-finite samples before libsndfile sees
 * them, and a writer's close reads the finished file back (frame count, last frame) before
 * publishing it: libsndfile's FLAC writer loses a failed final write without an error.
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

/* What a reader does with a NaN or Inf sample. */
typedef enum se_snd_nonfinite {
    SE_SND_NONFINITE_ERROR = 0, /* the read fails, naming the file, frame and channel (default) */
    SE_SND_NONFINITE_ZERO,      /* the sample becomes 0 and is counted (se_snd_nonfinite_count) */
} se_snd_nonfinite;

/* Largest block a caller should read at once, in samples (8 MB of floats; 2^20 stereo
 * frames): the output of semeq's processing does not depend on the block size, so a larger
 * request only costs memory. se_snd_max_block() gives it in frames of a file. */
#define SE_SND_MAX_BLOCK_SAMPLES ((int64_t)1 << 21)

typedef struct se_snd_info {
    int64_t frames;
    int samplerate;
    int channels;
    int format; /* libsndfile SF_FORMAT_* (major | subtype) */
} se_snd_info;

se_status se_snd_open(se_snd **out, const char *path, char msg[SE_SND_MSG]);
se_snd_info se_snd_get_info(const se_snd *s);
/* Reads up to frames frames (interleaved) into buf; *got is 0 at the end. A file cut
 * inside its data (fewer frames than its header declares) fails with SE_EFORMAT and
 * "<path>: truncated: N of M frames" on the read that reaches the end of the data; a
 * non-finite sample fails with "<path>: sample nan at frame F (T s), channel C: ...". */
se_status se_snd_read(se_snd *s, float *buf, int64_t frames, int64_t *got, char msg[SE_SND_MSG]);
void se_snd_set_nonfinite(se_snd *s, se_snd_nonfinite mode);
int64_t se_snd_nonfinite_count(const se_snd *s); /* samples replaced by 0 so far */
/* Frames left to read when the length is known exactly, else -1: a block need not be larger. */
int64_t se_snd_remaining(const se_snd *s);
/* SE_SND_MAX_BLOCK_SAMPLES in frames of this file (at least 1). */
int64_t se_snd_max_block(const se_snd *s);

/* format: SF_FORMAT_* major | subtype; SE_EARG (with a message) if libsndfile cannot
 * write that combination. Floats beyond [-1, 1] are clipped when writing integer PCM. */
se_status se_snd_create(se_snd **out, const char *path, int samplerate, int channels, int format, char msg[SE_SND_MSG]);
/* SE_EARG, writing nothing, when a sample is NaN or Inf (the message names frame and channel). */
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
