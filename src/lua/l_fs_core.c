// module: semeq.util.fs.core
/* The C half of semeq.util.fs: questions about one path that stat(2) answers, without starting
 * a process (a shell and find cost a file-to-file EQ more page faults than its whole stream).
 *
 *   core.kind(path)        --> "file" | "directory" | "pipe (FIFO)" | "socket" | "character
 *                              device" | "block device" | "broken link" | "link loop" | "missing"
 *                              (links followed, as find -L's %Y)
 *   core.same_file(a, b)   --> true when both name one existing file (test a -ef b)
 *   core.identity(path)    --> "device:inode" of the file path names, or nil when there is none:
 *                              a file renamed into place over another has a new identity */
#include <errno.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

static const char *kind_of(const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return "file";
    if (S_ISDIR(st->st_mode))
        return "directory";
    if (S_ISFIFO(st->st_mode))
        return "pipe (FIFO)";
    if (S_ISSOCK(st->st_mode))
        return "socket";
    if (S_ISCHR(st->st_mode))
        return "character device";
    if (S_ISBLK(st->st_mode))
        return "block device";
    return "missing";
}

static int l_kind(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) == 0) {
        lua_pushstring(L, kind_of(&st));
    } else if (errno == ELOOP) {
        lua_pushstring(L, "link loop");
    } else {
        /* A link whose target is not there is itself there. */
        lua_pushstring(L, errno == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? "broken link" : "missing");
    }
    return 1;
}

static int l_same_file(lua_State *L)
{
    const char *a = luaL_checkstring(L, 1), *b = luaL_checkstring(L, 2);
    struct stat sa, sb;
    lua_pushboolean(L, stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
    return 1;
}

static int l_identity(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    lua_pushfstring(L, "%I:%I", (lua_Integer)st.st_dev, (lua_Integer)st.st_ino);
    return 1;
}

static const luaL_Reg functions[] = {
    {"kind", l_kind},
    {"same_file", l_same_file},
    {"identity", l_identity},
    {NULL, NULL},
};

int luaopen_semeq_util_fs_core(lua_State *L)
{
    luaL_newlib(L, functions);
    return 1;
}
