// module: semeq.audio
/* semeq.audio: sound files through libsndfile, streamed in blocks.
 *
 *   local audio = require "semeq.audio"
 *   local r <close> = audio.open(path [, {nonfinite = "error" | "zero"}])  -- anything libsndfile reads
 *   local info = r:info()   -- {frames=, samplerate=, channels=, format="wav", subtype="pcm_16", format_code=}
 *   local x = r:read(4096)  -- tensor [n x channels] (n <= 4096), nil at the end; n is also at
 *                           -- most what the file still holds and 2^21 samples (2^20 stereo
 *                           -- frames), so a huge request allocates no more than that
 *   local x = r:read(4096, buf)  -- the same into buf, a contiguous [m x channels] tensor (at
 *                           -- most m frames): buf itself, or a view of its first rows
 *   r:nonfinite()           -- NaN/Inf samples replaced by 0 so far (with nonfinite = "zero")
 *   r:close()               -- idempotent; also run by __close and __gc
 *   A read raises when a sample is NaN or Inf (naming the file, frame and channel), unless
 *   the file was opened with nonfinite = "zero", and when the file holds fewer frames than
 *   its header declares ("truncated: N of M frames").
 *
 *   local w <close> = audio.create(path, {samplerate=, channels=, format=, subtype=, like=info})
 *       format: "wav", "flac", ... (default: from the extension of path)
 *       subtype: "pcm_16", "pcm_24", "pcm_32", "float", ... (default: like.subtype when the
 *       format can store it, else the nearest that it can: FLAC gets pcm_24 for float input;
 *       without like: float for WAV, pcm_24 for FLAC)
 *   w:write(x)              -- x [n x channels] (or [n] mono) float tensor; NaN/Inf is refused
 *   w:close()               -- finishes the file and renames it from its temporary name
 *   w:abort()               -- removes the temporary file
 *   A writer that is garbage-collected or leaves a <close> scope without :close()
 *   is aborted: only an explicit close publishes a file. Integer PCM clips at +-1.
 *
 *   local x, info = audio.read(path [, opts])  -- the whole file (small files only); opts as open
 *   audio.write(path, x, {samplerate=, like=info, ...})
 *
 * Failures of the files themselves (cannot be opened, read or written, an unknown
 * output format) return nil and a message that starts with the file's name, as io.open
 * does: "song.wav: Format not recognised." — r:read returns nil alone at the end of the
 * file. Bad arguments raise. */
#include <math.h>
#include <sndfile.h>
#include <string.h>

#include "../core/sndio.h"
#include "lse.h"

#define AUDIO_FILE "semeq.audio.File"

typedef struct file_ud {
    se_snd *snd; /* NULL while closed */
} file_ud;

static const struct {
    const char *name;
    int code;
} majors[] = {
    {"wav", SF_FORMAT_WAV},     {"flac", SF_FORMAT_FLAC}, {"aiff", SF_FORMAT_AIFF}, {"ogg", SF_FORMAT_OGG},
    {"au", SF_FORMAT_AU},       {"caf", SF_FORMAT_CAF},   {"w64", SF_FORMAT_W64},   {"raw", SF_FORMAT_RAW},
    {"wavex", SF_FORMAT_WAVEX}, {"mp3", 0x230000},
};
static const struct {
    const char *name;
    int code;
} subtypes[] = {
    {"pcm_s8", SF_FORMAT_PCM_S8},
    {"pcm_16", SF_FORMAT_PCM_16},
    {"pcm_24", SF_FORMAT_PCM_24},
    {"pcm_32", SF_FORMAT_PCM_32},
    {"pcm_u8", SF_FORMAT_PCM_U8},
    {"float", SF_FORMAT_FLOAT},
    {"double", SF_FORMAT_DOUBLE},
    {"ulaw", SF_FORMAT_ULAW},
    {"alaw", SF_FORMAT_ALAW},
    {"vorbis", SF_FORMAT_VORBIS},
    {"opus", 0x0064},
    {"mpeg_layer_iii", 0x0082},
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *major_name(int code)
{
    for (size_t i = 0; i < COUNT(majors); i++)
        if (majors[i].code == (code & SF_FORMAT_TYPEMASK))
            return majors[i].name;
    return "other";
}

static const char *subtype_name(int code)
{
    for (size_t i = 0; i < COUNT(subtypes); i++)
        if (subtypes[i].code == (code & SF_FORMAT_SUBMASK))
            return subtypes[i].name;
    return "other";
}

static file_ud *check_open(lua_State *L, int arg)
{
    file_ud *u = luaL_checkudata(L, arg, AUDIO_FILE);
    if (!u->snd)
        luaL_argerror(L, arg, "attempt to use a closed sound file");
    return u;
}

/* Pushes a closed handle; the resource is attached after it exists (as liolib.c does). */
static file_ud *new_handle(lua_State *L)
{
    file_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->snd = NULL;
    luaL_setmetatable(L, AUDIO_FILE);
    return u;
}

static void push_info(lua_State *L, se_snd_info i)
{
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, i.frames);
    lua_setfield(L, -2, "frames");
    lua_pushinteger(L, i.samplerate);
    lua_setfield(L, -2, "samplerate");
    lua_pushinteger(L, i.channels);
    lua_setfield(L, -2, "channels");
    lua_pushstring(L, major_name(i.format));
    lua_setfield(L, -2, "format");
    lua_pushstring(L, subtype_name(i.format));
    lua_setfield(L, -2, "subtype");
    lua_pushinteger(L, i.format);
    lua_setfield(L, -2, "format_code");
}

/* The nonfinite option of the table at arg (absent: an error on NaN/Inf). */
static se_snd_nonfinite check_nonfinite(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg))
        return SE_SND_NONFINITE_ERROR;
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_getfield(L, arg, "nonfinite");
    const char *mode = lua_tostring(L, -1);
    bool absent = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (absent || (mode && strcmp(mode, "error") == 0))
        return SE_SND_NONFINITE_ERROR;
    if (mode && strcmp(mode, "zero") == 0)
        return SE_SND_NONFINITE_ZERO;
    return luaL_argerror(L, arg, "option 'nonfinite' must be \"error\" or \"zero\"");
}

static int l_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    se_snd_nonfinite mode = check_nonfinite(L, 2);
    file_ud *u = new_handle(L);
    char msg[SE_SND_MSG];
    se_status st = se_snd_open(&u->snd, path, msg);
    if (st == SE_ENOMEM)
        return lse_error(L, st, "audio.open: %s", path);
    if (st != SE_OK)
        return lse_fail(L, "%s", msg);
    se_snd_set_nonfinite(u->snd, mode);
    return 1;
}

static int f_info(lua_State *L)
{
    push_info(L, se_snd_get_info(check_open(L, 1)->snd));
    return 1;
}

static int f_nonfinite(lua_State *L)
{
    lua_pushinteger(L, se_snd_nonfinite_count(check_open(L, 1)->snd));
    return 1;
}

/* r:read(n [, into]): with into, a contiguous [m x channels] tensor, at most m frames are
 * read into it and the frames read are returned as into itself (m read) or a view of its
 * first rows: a stream reads every block into one buffer. */
static int f_read(lua_State *L)
{
    lua_settop(L, 3);
    file_ud *u = check_open(L, 1);
    if (se_snd_is_writer(u->snd))
        luaL_argerror(L, 1, "sound file is open for writing");
    int64_t n = lse_checksize(L, 2);
    luaL_argcheck(L, n >= 1, 2, "block size must be >= 1");
    se_snd_info info = se_snd_get_info(u->snd);
    se_tensor *into = lua_isnil(L, 3) ? NULL : lse_checktensor(L, 3);
    if (into) {
        if (into->ndim != 2 || into->size[1] != info.channels || into->size[0] < 1 || !se_tensor_is_contiguous(into)) {
            char shape[64];
            se_tensor_shape_str(into, shape, sizeof shape);
            luaL_argerror(
                L, 3, lua_pushfstring(L, "expected a contiguous [frames x %d] tensor, got %s", info.channels, shape));
        }
        if (n > into->size[0])
            n = into->size[0];
    }
    /* Never more than the file still holds, nor more than 2^21 samples: a block of 1e9
     * frames on a half-second file allocated gigabytes. At least 1, so that the read at the
     * end still happens (it is the one that reports a cut file). */
    int64_t left = se_snd_remaining(u->snd), most = se_snd_max_block(u->snd);
    if (n > most)
        n = most;
    if (left >= 0 && n > left)
        n = left > 0 ? left : 1;
    se_tensor *t = into;
    if (!into) {
        int64_t size[2] = {n, info.channels};
        t = lse_newtensor(L, 2, size);
    }
    int64_t got;
    char msg[SE_SND_MSG];
    se_status st = se_snd_read(u->snd, se_tensor_data(t), n, &got, msg);
    if (st != SE_OK)
        return lse_fail(L, "%s", msg);
    if (got == 0) {
        lua_pushnil(L);
        return 1;
    }
    if (into && got == into->size[0]) {
        lua_pushvalue(L, 3); /* the whole buffer: no new header */
        return 1;
    }
    if (into)
        t = lse_pushview(L, into);
    if (got < t->size[0])
        se_tensor_narrow(t, 0, 0, got);
    return 1;
}

/* NULL if x fits a file of `channels` channels, else the message (pushed on the stack). */
static const char *shape_error(lua_State *L, const se_tensor *x, int channels)
{
    int64_t ch = x->ndim == 2 ? x->size[1] : 1;
    if (x->ndim >= 1 && x->ndim <= 2 && ch == channels)
        return NULL;
    char s1[64];
    return lua_pushfstring(L, "expected [frames x %d] audio, got %s", channels, se_tensor_shape_str(x, s1, sizeof s1));
}

static int f_write(lua_State *L)
{
    file_ud *u = check_open(L, 1);
    if (!se_snd_is_writer(u->snd))
        luaL_argerror(L, 1, "sound file is open for reading");
    se_tensor *x = lse_checktensor(L, 2);
    char msg[SE_SND_MSG];
    const char *bad = shape_error(L, x, se_snd_get_info(u->snd).channels);
    if (bad)
        luaL_argerror(L, 2, bad);
    if (!se_tensor_is_contiguous(x)) {
        x = lse_pushempty(L);
        if (se_tensor_contiguous(x, lse_checktensor(L, 2)) != SE_OK)
            lse_error(L, SE_ENOMEM, "writer:write");
    }
    se_status st = se_snd_write(u->snd, se_tensor_data(x), x->size[0], msg);
    if (st != SE_OK)
        return lse_fail(L, "%s", msg);
    lua_pushboolean(L, 1);
    return 1;
}

/* close(commit): for a writer, commit publishes the file; readers ignore it. */
static int close_handle(lua_State *L, bool commit)
{
    file_ud *u = luaL_checkudata(L, 1, AUDIO_FILE);
    if (!u->snd) { /* idempotent */
        lua_pushboolean(L, 1);
        return 1;
    }
    se_snd *s = u->snd;
    u->snd = NULL; /* closed before anything can raise */
    char msg[SE_SND_MSG];
    se_status st = se_snd_close(s, commit, msg);
    if (st != SE_OK && commit)
        return lse_fail(L, "%s", msg);
    lua_pushboolean(L, 1);
    return 1;
}

static int f_close(lua_State *L) { return close_handle(L, true); }
static int f_abort(lua_State *L) { return close_handle(L, false); }
/* __gc and __close: never publish a writer that was not closed explicitly. */
static int f_release(lua_State *L) { return close_handle(L, false); }

static int f_tostring(lua_State *L)
{
    file_ud *u = luaL_checkudata(L, 1, AUDIO_FILE);
    if (!u->snd)
        lua_pushliteral(L, "semeq.audio.File (closed)");
    else
        lua_pushfstring(L, "semeq.audio.File (%s, %s)", se_snd_path(u->snd),
                        se_snd_is_writer(u->snd) ? "writing" : "reading");
    return 1;
}

static int lookup(lua_State *L, int arg, const char *key, bool major)
{
    lua_getfield(L, arg, key);
    const char *name = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (!name)
        return -1;
    size_t n = major ? COUNT(majors) : COUNT(subtypes);
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, major ? majors[i].name : subtypes[i].name) == 0)
            return major ? majors[i].code : subtypes[i].code;
    return luaL_argerror(L, arg, lua_pushfstring(L, "unknown %s '%s'", key, name));
}

static int opt_int(lua_State *L, int arg, const char *key, int def)
{
    lua_getfield(L, arg, key);
    int isnum;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil)
        return def;
    if (!isnum || v < 1 || v > 10000000)
        luaL_argerror(L, arg, lua_pushfstring(L, "option '%s' must be a positive integer", key));
    return (int)v;
}

/* Output format from the options table at arg (see the header comment), or 0 when the
 * path's extension names no format libsndfile writes. */
static int choose_format(lua_State *L, const char *path, int arg, int sr, int ch)
{
    int major = lookup(L, arg, "format", true);
    if (major < 0)
        major = se_snd_major_from_ext(path);
    if (major <= 0)
        return 0;
    int sub = lookup(L, arg, "subtype", false);
    if (sub >= 0)
        return major | sub;
    int like = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    if (lua_getfield(L, arg, "like") == LUA_TTABLE) {
        lua_getfield(L, -1, "format_code");
        like = (int)luaL_optinteger(L, -1, like);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    int fmt = se_snd_output_format(major, like, ch, sr);
    return fmt ? fmt : (major | (like & SF_FORMAT_SUBMASK));
}

/* Pushes a writer for the path at index pi with the options table at oi; or returns
 * NULL after pushing nil and a message. */
static file_ud *create_at(lua_State *L, int pi, int oi)
{
    const char *path = luaL_checkstring(L, pi);
    luaL_checktype(L, oi, LUA_TTABLE);
    int sr = -1, ch = -1;
    if (lua_getfield(L, oi, "like") == LUA_TTABLE) {
        sr = opt_int(L, lua_gettop(L), "samplerate", -1);
        ch = opt_int(L, lua_gettop(L), "channels", -1);
    }
    lua_pop(L, 1);
    sr = opt_int(L, oi, "samplerate", sr);
    ch = opt_int(L, oi, "channels", ch > 0 ? ch : 1);
    if (sr < 0)
        luaL_argerror(L, oi, "samplerate is required");
    int fmt = choose_format(L, path, oi, sr, ch);
    if (!fmt) {
        lse_fail(L,
                 "%s: cannot tell the sound format from the file name; end it in .wav, .flac, .aiff, .au, "
                 ".caf or .w64",
                 path);
        return NULL;
    }
    file_ud *u = new_handle(L);
    char msg[SE_SND_MSG];
    se_status st = se_snd_create(&u->snd, path, sr, ch, fmt, msg);
    if (st == SE_ENOMEM)
        lse_error(L, st, "audio.create: %s", path);
    if (st != SE_OK) {
        lse_fail(L, "%s", msg);
        return NULL;
    }
    return u;
}

static int l_create(lua_State *L) { return create_at(L, 1, 2) ? 1 : 2; }

/* Samples audio.read reads at once at most (64 GB of floats); beyond, stream with audio.open. */
#define READ_ALL_MAX_SAMPLES ((int64_t)1 << 34)

/* audio.read(path [, opts]) --> tensor [frames x channels], info
 * The buffer grows as frames arrive, from min(header frames, 2^20): a header (FLAC's
 * STREAMINFO) can claim any length, and nothing is allocated for frames that are not there. */
static int l_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    se_snd_nonfinite mode = check_nonfinite(L, 2);
    lua_settop(L, 1);
    file_ud *u = new_handle(L); /* 2 */
    char msg[SE_SND_MSG];
    se_status st = se_snd_open(&u->snd, path, msg);
    if (st == SE_ENOMEM)
        return lse_error(L, st, "audio.read: %s", path);
    if (st != SE_OK)
        return lse_fail(L, "%s", msg);
    se_snd_set_nonfinite(u->snd, mode);
    se_snd_info info = se_snd_get_info(u->snd);
    int64_t ch = info.channels, known = se_snd_remaining(u->snd); /* -1: length unknown */
    int64_t most = se_snd_max_block(u->snd);
    int64_t cap = known >= 0 && known < most ? known : most, total = 0;
    if (cap < 1)
        cap = 1;
    int64_t size[2] = {cap, ch};
    se_tensor *t = lse_newtensor(L, 2, size); /* 3 */
    for (;;) {
        int64_t want = cap - total, got;
        st = se_snd_read(u->snd, se_tensor_data(t) + total * ch, want, &got, msg);
        if (st == SE_ENOMEM)
            return lse_error(L, st, "audio.read: %s", path);
        if (st != SE_OK)
            return lse_fail(L, "%s", msg);
        total += got;
        if (got < want || total == known)
            break; /* the end, or all the header declares */
        if (2 * cap * ch > READ_ALL_MAX_SAMPLES)
            return lse_fail(L, "%s: too long to read at once; use audio.open", path);
        int64_t rest = se_snd_remaining(u->snd);
        int64_t grown = rest >= 0 && rest < cap ? cap + (rest > 0 ? rest : 1) : 2 * cap;
        size[0] = grown;
        se_tensor *bigger = lse_newtensor(L, 2, size); /* 4 */
        memcpy(se_tensor_data(bigger), se_tensor_data(t), sizeof(float) * (size_t)(total * ch));
        se_tensor_release(t); /* now, not at the next collection */
        lua_replace(L, 3);
        t = bigger;
        cap = grown;
    }
    if (total < cap)
        se_tensor_narrow(t, 0, 0, total);
    info.frames = total;
    push_info(L, info); /* 4 */
    lua_pushvalue(L, 2);
    lua_pushcfunction(L, f_release);
    lua_insert(L, -2);
    lua_call(L, 1, 0);
    return 2;
}

/* audio.write(path, x, opts): one call, published on success. */
static int l_write(lua_State *L)
{
    lua_settop(L, 3);
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    se_tensor *x = lse_checktensor(L, 2);
    lua_getfield(L, 3, "channels");
    if (lua_isnil(L, -1) && (lua_getfield(L, 3, "like"), !lua_istable(L, -1))) {
        lua_pushinteger(L, x->ndim == 2 ? x->size[1] : 1);
        lua_setfield(L, 3, "channels");
    }
    lua_settop(L, 3);
    file_ud *u = create_at(L, 1, 3); /* 4 */
    if (!u)
        return 2;
    /* Checked here, not only in f_write: an error raised inside the pcall below has no
     * function name ("bad argument #2 to '?'"). */
    const char *bad = shape_error(L, x, se_snd_get_info(u->snd).channels); /* 5 */
    if (bad) {
        lua_pushcfunction(L, f_abort);
        lua_pushvalue(L, 4);
        lua_call(L, 1, 0);
        return luaL_argerror(L, 2, bad);
    }
    lua_settop(L, 4);
    lua_pushcfunction(L, f_write);
    lua_pushvalue(L, 4);
    lua_pushvalue(L, 2);
    int raised = lua_pcall(L, 2, 2, 0) != LUA_OK;
    if (raised || lua_isnil(L, -2)) {
        lua_pushcfunction(L, f_abort); /* remove the temporary file now, not at some gc */
        lua_pushvalue(L, 4);
        lua_call(L, 1, 0);
        return raised ? lua_error(L) : 2;
    }
    lua_settop(L, 4);
    lua_pushcfunction(L, f_close);
    lua_pushvalue(L, 4);
    lua_call(L, 1, 2);
    return 2;
}

static const luaL_Reg file_methods[] = {
    {"info", f_info},   {"read", f_read}, {"nonfinite", f_nonfinite}, {"write", f_write}, {"close", f_close},
    {"abort", f_abort}, {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"open", l_open}, {"create", l_create}, {"read", l_read}, {"write", l_write}, {NULL, NULL},
};

int luaopen_semeq_audio(lua_State *L)
{
    lse_tensor_metatable(L);
    lua_pop(L, 1);
    if (luaL_newmetatable(L, AUDIO_FILE)) {
        luaL_newlib(L, file_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, f_release);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, f_release);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, f_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, functions);
    return 1;
}
