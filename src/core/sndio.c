#include "sndio.h"

#include <errno.h>
#include <math.h>
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
    char *path;       /* final name */
    char *tmp_path;   /* writers only */
    int64_t pos;      /* readers: frames read so far */
    bool cut;         /* readers: the header declares more data than the file holds */
    int64_t declared; /* readers: frames the header declares, when known (-1: unknown) */
    se_snd_nonfinite nonfinite_mode;
    int64_t nonfinite; /* readers: non-finite samples replaced by 0 so far */
    int64_t written;   /* writers: frames handed to libsndfile */
};

/* Bytes per frame of a subtype with a fixed sample size, 0 for the others. */
static int64_t frame_bytes(const SF_INFO *i)
{
    switch (i->format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_ULAW:
    case SF_FORMAT_ALAW: return i->channels;
    case SF_FORMAT_PCM_16: return 2 * (int64_t)i->channels;
    case SF_FORMAT_PCM_24: return 3 * (int64_t)i->channels;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT: return 4 * (int64_t)i->channels;
    case SF_FORMAT_DOUBLE: return 8 * (int64_t)i->channels;
    default: return 0;
    }
}

/* Whether libsndfile's frame count of this format comes from the file itself (header,
 * data size or stream index) rather than an estimate. MPEG without a Xing/Info tag gets
 * an estimate from the bit rate, so a shortfall there is no proof of a cut. */
static bool exact_length(const SF_INFO *i)
{
    return (i->format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG && i->frames < SF_COUNT_MAX;
}

/* An Ogg file libsndfile can seek in but finds no length for ends without its last page
 * (the one that carries the stream's length): it was cut. */
static bool ogg_without_end(const SF_INFO *i)
{
    return (i->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_OGG && i->seekable && i->frames == SF_COUNT_MAX;
}

/* Whether a log line "<key> : <claimed> (should be <actual>)" sizes the audio data. */
static bool is_data_key(const char *line, const char *colon)
{
    while (*line == ' ')
        line++;
    size_t n = (size_t)(colon - line);
    while (n > 0 && line[n - 1] == ' ')
        n--;
    return (n == 4 && strncmp(line, "data", 4) == 0) || (n == 9 && strncmp(line, "Data Size", 9) == 0) ||
        (n == 4 && strncmp(line, "SSND", 4) == 0);
}

/* libsndfile shortens info.frames to the data that is in the file and only notes the
 * header's claim in its log, in one of a few forms:
 *     data : 128 (should be 88)               WAV, WAVEX, CAF
 *     Data Size   : 32000 (should be 15988)   AU
 *     SSND : 32008 (should be 15981)          AIFF, AIFC
 *     frames  : 8000 / Frames : 8000          the frame count of WAV's fact chunk, AIFF's
 *                                             COMM, RF64's ds64, above what is there
 *     data : 32024                            W64 (the chunk with its 24-byte header)
 *     Seems to be a truncated file.           VOC
 * That note is the one trace of a file cut inside its data, so read it back. The data size
 * claimed gives the frames declared when the frame size is fixed. A
 * file written to a pipe cannot fix its header and claims 0 or a placeholder near 2^31 or
 * 2^32 bytes: not a truncation. A size mismatch of the container alone (RIFF, FORM) with
 * the data complete is not one either: the audio is all there. */
static void find_cut(SNDFILE *sf, const SF_INFO *i, bool *cut, int64_t *declared)
{
    *cut = false;
    *declared = -1;
    char log[8192];
    log[0] = '\0';
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    int64_t fb = frame_bytes(i);
    long long data_claimed = -1, header_frames = -1, w64_data = -1;
    int major = i->format & SF_FORMAT_TYPEMASK;
    bool w64 = major == SF_FORMAT_W64;
    /* Bytes of a data chunk that are not audio: CAF's edit count, AIFF's offset and block size. */
    long long overhead = major == SF_FORMAT_CAF ? 4 : major == SF_FORMAT_AIFF ? 8 : 0;
    for (const char *line = log; *line;) {
        const char *eol = strchr(line, '\n');
        const char *colon = strchr(line, ':');
        if (colon && eol && colon > eol)
            colon = NULL;
        long long claimed, actual, n;
        if (colon && is_data_key(line, colon)) {
            int got = sscanf(colon, ": %lld (should be %lld)", &claimed, &actual);
            if (got == 2 && claimed > actual && claimed < 0x7F000000LL) {
                *cut = true;
                data_claimed = claimed;
            } else if (got == 1 && w64) {
                w64_data = claimed;
            }
        }
        const char *f = line;
        while (*f == ' ')
            f++;
        if (colon && (strncmp(f, "frames ", 7) == 0 || strncmp(f, "Frames ", 7) == 0) &&
            sscanf(colon, ": %lld", &n) == 1)
            header_frames = n;
        if (strncmp(f, "Seems to be a truncated file", 28) == 0)
            *cut = true;
        line = eol ? eol + 1 : line + strlen(line);
    }
    bool packets = (i->format & SF_FORMAT_SUBMASK) == SF_FORMAT_IMA_ADPCM; /* AIFC's ima4 COMM counts packets */
    if (header_frames > i->frames && !packets) {
        *cut = true;
        *declared = header_frames;
    } else if (fb > 0 && data_claimed > overhead) {
        *declared = (data_claimed - overhead) / fb;
    } else if (fb > 0 && w64_data > 24 && (w64_data - 24) / fb > i->frames && w64_data < 0x7F000000LL) {
        *cut = true;
        *declared = (w64_data - 24) / fb;
    }
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void snd_free(se_snd *s)
{
    free(s->path);
    free(s->tmp_path);
    free(s);
}

/* Why sf_open could not read path, in words a person can act on: the system's for a file
 * that is missing or unreadable, ours for a folder or an empty file, otherwise libsndfile's.
 * For a file that is there but cannot be decoded libsndfile's text is not enough: a damaged
 * MP3 gets "File does not exist or is not a regular file", which is false, so that text is
 * replaced, and the remedy is added. */
static void open_failure(const char *path, int e, char msg[SE_SND_MSG])
{
    struct stat st;
    const char *why = sf_strerror(NULL);
    /* A missing or unreadable file: the system's words ("No such file or directory"), not
     * libsndfile's "System error : ..." around them. */
    if (stat(path, &st) != 0 || (e == SF_ERR_SYSTEM && access(path, R_OK) != 0)) {
        snprintf(msg, SE_SND_MSG, "%s: %s", path, strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0)) {
        snprintf(msg, SE_SND_MSG, "%s: %s", path, S_ISDIR(st.st_mode) ? "a folder, not a sound file" : "an empty file");
        return;
    }
    if (e == SF_ERR_SYSTEM || !S_ISREG(st.st_mode)) {
        snprintf(msg, SE_SND_MSG, "%s: %s", path, why);
        return;
    }
    if (strstr(why, "does not exist"))
        why = "cannot be decoded";
    int n = (int)strlen(why);
    if (n > 0 && why[n - 1] == '.')
        n--; /* "Format not recognised." ends the sentence before the remedy */
    snprintf(msg, SE_SND_MSG,
             "%s: %.*s (damaged, or not a sound format libsndfile reads: check that it plays, "
             "or convert it to WAV or FLAC)",
             path, n, why);
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
        open_failure(path, e, msg);
        snd_free(s);
        return e == SF_ERR_SYSTEM ? SE_EIO : SE_EFORMAT;
    }
    find_cut(s->sf, &s->info, &s->cut, &s->declared);
    *out = s;
    return SE_OK;
}

se_snd_info se_snd_get_info(const se_snd *s)
{
    se_snd_info i = {s->info.frames, s->info.samplerate, s->info.channels, s->info.format};
    return i;
}

void se_snd_set_nonfinite(se_snd *s, se_snd_nonfinite mode) { s->nonfinite_mode = mode; }

int64_t se_snd_nonfinite_count(const se_snd *s) { return s->nonfinite; }

/* Finds (or, in SE_SND_NONFINITE_ZERO mode, zeroes) the non-finite samples of n frames
 * that start at frame s->pos; false with the message for the first one otherwise. */
static bool check_finite(se_snd *s, float *buf, int64_t n, char msg[SE_SND_MSG])
{
    int ch = s->info.channels;
    for (int64_t k = 0; k < n * ch; k++) {
        if (isfinite(buf[k]))
            continue;
        if (s->nonfinite_mode == SE_SND_NONFINITE_ZERO) {
            buf[k] = 0.0f;
            s->nonfinite++;
            continue;
        }
        int64_t frame = s->pos + k / ch;
        snprintf(msg, SE_SND_MSG,
                 "%s: sample %s at frame %lld (%.3f s), channel %d: the input has "
                 "non-finite samples",
                 s->path,
                 isnan(buf[k])    ? "nan"
                     : buf[k] > 0 ? "inf"
                                  : "-inf",
                 (long long)frame, (double)frame / (s->info.samplerate > 0 ? s->info.samplerate : 1),
                 (int)(k % ch) + 1);
        return false;
    }
    return true;
}

se_status se_snd_read(se_snd *s, float *buf, int64_t frames, int64_t *got, char msg[SE_SND_MSG])
{
    sf_count_t n = sf_readf_float(s->sf, buf, frames);
    *got = n;
    if (n < frames && sf_error(s->sf) != SF_ERR_NO_ERROR) {
        if (exact_length(&s->info) && s->pos + n < s->info.frames) /* FLAC cut: "lost sync" */
            snprintf(msg, SE_SND_MSG, "%s: damaged or truncated at frame %lld of %lld: %s", s->path,
                     (long long)(s->pos + n), (long long)s->info.frames, sf_strerror(s->sf));
        else
            snprintf(msg, SE_SND_MSG,
                     "%s: cannot be decoded at frame %lld (%s): the file is damaged; check that "
                     "it plays, or convert it to WAV or FLAC",
                     s->path, (long long)(s->pos + n), sf_strerror(s->sf));
        return SE_EFORMAT;
    }
    if (!check_finite(s, buf, n, msg))
        return SE_EFORMAT;
    s->pos += n;
    /* Raised by the read that reaches the end of what is there (libsndfile stops there,
     * or returns less than asked), so a whole-file read fails and a streaming read fails
     * at its last block; complete files never do. */
    bool at_end = n < frames || s->pos >= s->info.frames;
    int64_t expected = s->declared > s->info.frames ? s->declared : s->info.frames;
    if (at_end && s->cut) {
        if (s->declared > s->pos)
            snprintf(msg, SE_SND_MSG, "%s: truncated: %lld of %lld frames", s->path, (long long)s->pos,
                     (long long)s->declared);
        else
            snprintf(msg, SE_SND_MSG, "%s: truncated: %lld frames, fewer than its header declares", s->path,
                     (long long)s->pos);
        return SE_EFORMAT;
    }
    if (n < frames && exact_length(&s->info) && s->pos < expected) {
        snprintf(msg, SE_SND_MSG, "%s: truncated: %lld of %lld frames", s->path, (long long)s->pos,
                 (long long)expected);
        return SE_EFORMAT;
    }
    if (n < frames && ogg_without_end(&s->info)) {
        snprintf(msg, SE_SND_MSG, "%s: truncated: %lld frames, the Ogg stream ends without its last page", s->path,
                 (long long)s->pos);
        return SE_EFORMAT;
    }
    return SE_OK;
}

int64_t se_snd_max_block(const se_snd *s)
{
    int64_t n = SE_SND_MAX_BLOCK_SAMPLES / (s->info.channels > 0 ? s->info.channels : 1);
    return n > 0 ? n : 1;
}

int64_t se_snd_remaining(const se_snd *s)
{
    if (s->writer || !exact_length(&s->info))
        return -1;
    return s->info.frames > s->pos ? s->info.frames - s->pos : 0;
}

bool se_snd_format_ok(int format, int channels, int samplerate)
{
    SF_INFO i = {.samplerate = samplerate, .channels = channels, .format = format};
    return sf_format_check(&i) != 0;
}

int se_snd_major_from_ext(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return 0;
    static const struct {
        const char *ext;
        int major;
    } table[] = {
        {".wav", SF_FORMAT_WAV}, {".flac", SF_FORMAT_FLAC}, {".aiff", SF_FORMAT_AIFF}, {".aif", SF_FORMAT_AIFF},
        {".ogg", SF_FORMAT_OGG}, {".au", SF_FORMAT_AU},     {".caf", SF_FORMAT_CAF},   {".w64", SF_FORMAT_W64},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcasecmp(dot, table[i].ext) == 0)
            return table[i].major;
    return 0;
}

/* A lossy encoding (MPEG, Vorbis, Opus) belongs to its own container: sf_format_check
 * accepts WAV with MPEG layer III, but libsndfile cannot write it ("unsupported
 * encoding"), so an MP3 input must not hand its encoding to a WAV output. */
static bool lossy(int sub)
{
    return sub == SF_FORMAT_VORBIS || sub == 0x0064 /* OPUS */ || (sub >= 0x0080 && sub <= 0x0082) /* MPEG I-III */;
}

int se_snd_output_format(int major, int input_format, int channels, int samplerate)
{
    int sub = input_format & SF_FORMAT_SUBMASK;
    if (lossy(sub) && (input_format & SF_FORMAT_TYPEMASK) != major)
        sub = SF_FORMAT_PCM_16;
    if (se_snd_format_ok(major | sub, channels, samplerate))
        return major | sub;
    if (major == SF_FORMAT_OGG && se_snd_format_ok(major | SF_FORMAT_VORBIS, channels, samplerate))
        return major | SF_FORMAT_VORBIS;
    /* Float or double into a format without them: keep as much resolution as possible. */
    bool wide = sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE || sub == SF_FORMAT_PCM_32 || sub == SF_FORMAT_PCM_24;
    int try_sub[] = {wide ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16, SF_FORMAT_PCM_16, SF_FORMAT_PCM_24};
    for (size_t i = 0; i < sizeof try_sub / sizeof try_sub[0]; i++)
        if (se_snd_format_ok(major | try_sub[i], channels, samplerate))
            return major | try_sub[i];
    return 0;
}

se_status se_snd_create(se_snd **out, const char *path, int samplerate, int channels, int format, char msg[SE_SND_MSG])
{
    *out = NULL;
    if (!se_snd_format_ok(format, channels, samplerate)) {
        snprintf(msg, SE_SND_MSG, "%s: libsndfile cannot write format 0x%06x with %d channels at %d Hz", path, format,
                 channels, samplerate);
        return SE_EARG;
    }
    se_snd *s = calloc(1, sizeof *s);
    size_t n = strlen(path);
    if (!s || !(s->path = dup_str(path)) || !(s->tmp_path = malloc(n + 12))) {
        if (s)
            snd_free(s);
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
    fchmod(fd, 0644); /* mkstemp makes 0600; an output is an ordinary file */
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

/* libsndfile's message for the last failure on sf, else the system's (errno): some of its
 * writers (FLAC) fail without setting an error of their own ("No Error."). */
static const char *failure_text(SNDFILE *sf, int saved_errno, char *buf, size_t len)
{
    if (sf_error(sf) != SF_ERR_NO_ERROR)
        return sf_strerror(sf);
    if (saved_errno != 0)
        return strerror(saved_errno);
    snprintf(buf, len, "libsndfile reported no reason");
    return buf;
}

se_status se_snd_write(se_snd *s, const float *buf, int64_t frames, char msg[SE_SND_MSG])
{
    int ch = s->info.channels;
    for (int64_t k = 0; k < frames * ch; k++)
        if (!isfinite(buf[k])) {
            snprintf(msg, SE_SND_MSG,
                     "%s: sample %s at frame %lld of the block, channel %d: refusing to "
                     "write a non-finite sample",
                     s->path,
                     isnan(buf[k])    ? "nan"
                         : buf[k] > 0 ? "inf"
                                      : "-inf",
                     (long long)(k / ch), (int)(k % ch) + 1);
            return SE_EARG;
        }
    errno = 0;
    sf_count_t n = sf_writef_float(s->sf, buf, frames);
    if (n != frames) {
        int e = errno;
        char why[64];
        snprintf(msg, SE_SND_MSG, "%s: write failed after %lld of %lld frames: %s", s->path, (long long)n,
                 (long long)frames, failure_text(s->sf, e, why, sizeof why));
        return SE_EIO;
    }
    s->written += n;
    return SE_OK;
}

/* Whether the finished temporary file reads back with every frame written. libsndfile's
 * FLAC writer loses a failed write at close (a full disk, a file size limit) without an
 * error, and would publish a cut file; a short file shows here as a frame count that
 * differs or a last frame that cannot be read. */
static se_status verify_written(const se_snd *s, char msg[SE_SND_MSG])
{
    SF_INFO i = {0};
    SNDFILE *sf = sf_open(s->tmp_path, SFM_READ, &i);
    if (!sf) {
        snprintf(msg, SE_SND_MSG, "%s: the written file does not read back (%s); the disk may be full", s->path,
                 sf_strerror(NULL));
        return SE_EIO;
    }
    se_status st = SE_OK;
    float *last = malloc(sizeof(float) * (size_t)(i.channels > 0 ? i.channels : 1));
    if (!last) {
        snprintf(msg, SE_SND_MSG, "%s: out of memory", s->path);
        st = SE_ENOMEM;
    } else if (i.frames < s->written) { /* more is fine: libsndfile pads tiny AIFF float files */
        snprintf(msg, SE_SND_MSG,
                 "%s: the written file holds %lld of the %lld frames written; the disk may "
                 "be full",
                 s->path, (long long)i.frames, (long long)s->written);
        st = SE_EIO;
    } else if (s->written > 0 &&
               (sf_seek(sf, s->written - 1, SEEK_SET) != s->written - 1 || sf_readf_float(sf, last, 1) != 1)) {
        snprintf(msg, SE_SND_MSG, "%s: the last frame written does not read back; the disk may be full", s->path);
        st = SE_EIO;
    }
    free(last);
    sf_close(sf);
    return st;
}

se_status se_snd_close(se_snd *s, bool commit, char msg[SE_SND_MSG])
{
    se_status st = SE_OK;
    errno = 0;
    int rc = s->sf ? sf_close(s->sf) : 0;
    if (rc != 0 && s->writer && commit) {
        int e = errno;
        snprintf(msg, SE_SND_MSG, "%s: finishing the file failed: %s", s->path, e ? strerror(e) : sf_error_number(rc));
        st = SE_EIO;
    }
    s->sf = NULL;
    if (s->writer && st == SE_OK && commit)
        st = verify_written(s, msg);
    if (s->writer) {
        if (st == SE_OK && commit) {
            if (rename(s->tmp_path, s->path) != 0) {
                snprintf(msg, SE_SND_MSG, "%s: cannot rename %s into place: %s", s->path, s->tmp_path, strerror(errno));
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
