#include "sndio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sndfile.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct se_snd {
    SNDFILE *sf;
    SF_INFO info;
    bool writer;
    char *path;      /* final name */
    char *tmp_path;  /* writers only */
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void snd_free(se_snd *s)
{
    free(s->path);
    free(s->tmp_path);
    free(s);
}

se_status se_snd_open(se_snd **out, const char *path, char msg[SE_SND_MSG])
{
    *out = NULL;
    se_snd *s = calloc(1, sizeof *s);
    if (!s || !(s->path = dup_str(path))) {
        free(s);
        snprintf(msg, SE_SND_MSG, "%s: out of memory", path);
        return SE_ENOMEM;
    }
    s->sf = sf_open(path, SFM_READ, &s->info);
    if (!s->sf) {
        int e = sf_error(NULL);
        snprintf(msg, SE_SND_MSG, "%s: %s", path, sf_strerror(NULL));
        snd_free(s);
        return e == SF_ERR_SYSTEM ? SE_EIO : SE_EFORMAT;
    }
    *out = s;
    return SE_OK;
}

se_snd_info se_snd_get_info(const se_snd *s)
{
    se_snd_info i = {s->info.frames, s->info.samplerate, s->info.channels, s->info.format};
    return i;
}

se_status se_snd_read(se_snd *s, float *buf, int64_t frames, int64_t *got, char msg[SE_SND_MSG])
{
    sf_count_t n = sf_readf_float(s->sf, buf, frames);
    *got = n;
    if (n < frames && sf_error(s->sf) != SF_ERR_NO_ERROR) {
        snprintf(msg, SE_SND_MSG, "%s: %s", s->path, sf_strerror(s->sf));
        return SE_EFORMAT;
    }
    return SE_OK;
}

bool se_snd_format_ok(int format, int channels, int samplerate)
{
    SF_INFO i = {.samplerate = samplerate, .channels = channels, .format = format};
    return sf_format_check(&i) != 0;
}

int se_snd_major_from_ext(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return 0;
    static const struct { const char *ext; int major; } table[] = {
        {".wav", SF_FORMAT_WAV}, {".flac", SF_FORMAT_FLAC}, {".aiff", SF_FORMAT_AIFF},
        {".aif", SF_FORMAT_AIFF}, {".ogg", SF_FORMAT_OGG}, {".au", SF_FORMAT_AU},
        {".caf", SF_FORMAT_CAF}, {".w64", SF_FORMAT_W64},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcasecmp(dot, table[i].ext) == 0) return table[i].major;
    return 0;
}

int se_snd_output_format(int major, int input_format, int channels, int samplerate)
{
    int sub = input_format & SF_FORMAT_SUBMASK;
    if (se_snd_format_ok(major | sub, channels, samplerate)) return major | sub;
    if (major == SF_FORMAT_OGG && se_snd_format_ok(major | SF_FORMAT_VORBIS, channels, samplerate))
        return major | SF_FORMAT_VORBIS;
    /* Float or double into a format without them: keep as much resolution as possible. */
    bool wide = sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE || sub == SF_FORMAT_PCM_32
             || sub == SF_FORMAT_PCM_24;
    int try_sub[] = {wide ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24};
    for (size_t i = 0; i < sizeof try_sub / sizeof try_sub[0]; i++)
        if (se_snd_format_ok(major | try_sub[i], channels, samplerate)) return major | try_sub[i];
    return 0;
}

se_status se_snd_create(se_snd **out, const char *path, int samplerate, int channels, int format,
                        char msg[SE_SND_MSG])
{
    *out = NULL;
    if (!se_snd_format_ok(format, channels, samplerate)) {
        snprintf(msg, SE_SND_MSG, "%s: libsndfile cannot write format 0x%06x with %d channels at %d Hz",
                 path, format, channels, samplerate);
        return SE_EARG;
    }
    se_snd *s = calloc(1, sizeof *s);
    size_t n = strlen(path);
    if (!s || !(s->path = dup_str(path)) || !(s->tmp_path = malloc(n + 12))) {
        if (s) snd_free(s);
        snprintf(msg, SE_SND_MSG, "%s: out of memory", path);
        return SE_ENOMEM;
    }
    snprintf(s->tmp_path, n + 12, "%s.tmpXXXXXX", path);
    int fd = mkstemp(s->tmp_path);
    if (fd < 0) {
        snprintf(msg, SE_SND_MSG, "%s: cannot create a temporary file: %s", path, strerror(errno));
        snd_free(s);
        return SE_EIO;
    }
    fchmod(fd, 0644);  /* mkstemp makes 0600; an output is an ordinary file */
    s->writer = true;
    s->info.samplerate = samplerate;
    s->info.channels = channels;
    s->info.format = format;
    s->sf = sf_open_fd(fd, SFM_WRITE, &s->info, SF_TRUE);
    if (!s->sf) {
        snprintf(msg, SE_SND_MSG, "%s: %s", path, sf_strerror(NULL));
        close(fd);
        unlink(s->tmp_path);
        snd_free(s);
        return SE_EIO;
    }
    sf_command(s->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    /* The PEAK chunk carries a time stamp: without it, equal audio gives equal bytes. */
    sf_command(s->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    *out = s;
    return SE_OK;
}

se_status se_snd_write(se_snd *s, const float *buf, int64_t frames, char msg[SE_SND_MSG])
{
    if (sf_writef_float(s->sf, buf, frames) != frames) {
        snprintf(msg, SE_SND_MSG, "%s: write failed: %s", s->path, sf_strerror(s->sf));
        return SE_EIO;
    }
    return SE_OK;
}

se_status se_snd_close(se_snd *s, bool commit, char msg[SE_SND_MSG])
{
    se_status st = SE_OK;
    if (s->sf && sf_close(s->sf) != 0 && s->writer && commit) {
        snprintf(msg, SE_SND_MSG, "%s: closing failed", s->path);
        st = SE_EIO;
    }
    s->sf = NULL;
    if (s->writer) {
        if (st == SE_OK && commit) {
            if (rename(s->tmp_path, s->path) != 0) {
                snprintf(msg, SE_SND_MSG, "%s: cannot rename %s into place: %s", s->path,
                         s->tmp_path, strerror(errno));
                st = SE_EIO;
                unlink(s->tmp_path);
            }
        } else {
            unlink(s->tmp_path);
        }
    }
    snd_free(s);
    return st;
}

bool se_snd_is_writer(const se_snd *s) { return s->writer; }
const char *se_snd_path(const se_snd *s) { return s->path; }
