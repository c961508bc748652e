/* semeq: the Lua 5.4 interpreter with semeq's modules built in.
 *
 * Usage follows lua(1): semeq [options] [script [args]]
 *   -e code   run code          -l mod   require mod into global mod
 *   -i        REPL after script -v       print versions
 *   -         run stdin         --       stop handling options
 *   --run NAME [args]  run the recipe scripts/NAME.lua of semeq's home (the install's
 *             share/semeq, or the source tree); --run alone lists the recipes
 *   -h, --help
 * With no script, a terminal gets the REPL (readline, history in ~/.semeq_history) and
 * anything else is read as a script from stdin. The structure is that of Lua's own lua.c:
 * everything runs inside pmain under lua_pcall, errors get a traceback, Ctrl-C
 * interrupts the running chunk through a debug hook (Lua code) and the core's interrupt
 * flag (long C kernels, which the hook cannot reach: see src/core/interrupt.h). */
#include <cblas.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <lauxlib.h>
#include <limits.h>
#include <lua.h>
#include <lualib.h>
#include <signal.h>
#include <stdbool.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blas_kernel.h"
#include "interrupt.h"
#include "line_editor.h"
#include "preload.h"

#define PROMPT "> "
#define PROMPT_MORE ">> "
#define HISTORY_FILE ".semeq_history"

/* The state a SIGINT should interrupt. A signal handler receives no context, so this
 * is the one piece of process-wide state the interpreter needs (lua.c does the same);
 * it is set only while a chunk runs. */
static lua_State *volatile running_state = NULL;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    /* A C kernel that saw the flag has raised the interrupt already and cleared the flag:
     * raising a second error here would skip the handler that caught the first. */
    if (!se_interrupt_pending())
        return;
    se_interrupt_clear();
    luaL_error(L, "interrupted!");
}

static void on_sigint(int sig)
{
    signal(sig, SIG_DFL);   /* a second Ctrl-C kills the process */
    se_interrupt_request(); /* a C kernel polls this and returns; the hook then stops Lua */
    lua_State *L = running_state;
    if (L)
        lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* The name messages start with: how the program was called, as lua.c does. */
static const char *program_name(char **argv) { return argv[0] && argv[0][0] ? argv[0] : "semeq"; }

/* Prints the error on the stack, if status is one, after the program's name (prog). */
static void report(lua_State *L, int status, const char *prog)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "%s: %s\n", prog, msg ? msg : "(error object is not a string)");
        fflush(stderr);
        lua_pop(L, 1);
    }
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Runs the function on the stack with narg arguments under the traceback handler. */
static int docall(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    running_state = L;
    se_interrupt_clear(); /* a Ctrl-C stops the chunk it came in, not the next one */
    signal(SIGINT, on_sigint);
    int status = lua_pcall(L, narg, nres, base);
    signal(SIGINT, SIG_DFL);
    running_state = NULL;
    lua_remove(L, base);
    return status;
}

static int dochunk(lua_State *L, int status, const char *prog)
{
    if (status == LUA_OK)
        status = docall(L, 0, 0);
    report(L, status, prog);
    return status;
}

static int dostring(lua_State *L, const char *code, const char *name, const char *prog)
{
    return dochunk(L, luaL_loadbuffer(L, code, strlen(code), name), prog);
}

static int dolibrary(lua_State *L, const char *name, const char *prog)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, name);
    int status = docall(L, 1, 1);
    if (status == LUA_OK)
        lua_setglobal(L, name); /* as lua 5.4.4 does: the global has the module's full name */
    report(L, status, prog);
    return status;
}

/* ---- versions ---- */

static void print_version(void)
{
    char sndver[128];
    sf_command(NULL, SFC_GET_LIB_VERSION, sndver, sizeof sndver);
    printf("semeq %s\n", SEMEQ_VERSION);
    printf("  %s\n", LUA_RELEASE);
    printf("  OpenBLAS %s\n", openblas_get_config());
    printf("  %s\n", sndver);
    printf("  cJSON %s\n", cJSON_Version());
    fflush(stdout);
}

/* ---- semeq's home: where its Lua modules, recipes and models are ---- */

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder holding lua/, scripts/ and models/: beside an installed binary
 * (PREFIX/bin/semeq -> PREFIX/share/semeq), otherwise the source tree the binary was
 * built from. Not the working directory: semeq runs the same from anywhere. */
static void home_dir(char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char home[PATH_MAX + 64], probe[PATH_MAX + 96], real[PATH_MAX];
            snprintf(home, sizeof home, "%s/../%s", exe, SEMEQ_INSTALL_SUBDIR);
            snprintf(probe, sizeof probe, "%s/lua/semeq", home);
            /* resolved, so that messages name PREFIX/share/semeq, not PREFIX/bin/../share/semeq */
            if (is_dir(probe) && realpath(home, real) && strlen(real) < len) {
                memcpy(out, real, strlen(real) + 1);
                return;
            }
        }
    }
    snprintf(out, len, "%s", SEMEQ_SOURCE_DIR);
}

static void setup_paths(lua_State *L)
{
    char home[PATH_MAX], dir[PATH_MAX + 8];
    home_dir(home, sizeof home);
    snprintf(dir, sizeof dir, "%s/lua", home);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    lua_getfield(L, -1, "preload");
    for (int i = 0; semeq_preload[i].name; i++) {
        lua_pushcfunction(L, semeq_preload[i].open);
        lua_setfield(L, -2, semeq_preload[i].name);
    }
    lua_pop(L, 2);
}

/* ---- recipes: semeq --run NAME ---- */

/* HOME/scripts/NAME.lua (NAME may end in .lua) into out; false if there is none. */
static bool recipe_path(const char *name, char *out, size_t len)
{
    if (!*name || strchr(name, '/'))
        return false;
    char home[PATH_MAX];
    home_dir(home, sizeof home);
    size_t n = strlen(name);
    bool has_ext = n > 4 && strcmp(name + n - 4, ".lua") == 0;
    int w = snprintf(out, len, "%s/scripts/%s%s", home, name, has_ext ? "" : ".lua");
    return w > 0 && (size_t)w < len && is_file(out);
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The first comment line of a recipe, without its dashes: what it does. */
static void recipe_summary(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    if (fgets(line, sizeof line, f) && strncmp(line, "--", 2) == 0) {
        const char *p = line;
        while (*p == '-' || *p == ' ')
            p++;
        size_t n = strcspn(p, "\n");
        if (n > 72) { /* cut at a word, and say so */
            n = 69;
            while (n > 20 && p[n] != ' ')
                n--;
        }
        snprintf(out, len, "%.*s%s", (int)n, p, p[n] && p[n] != '\n' ? " ..." : "");
    }
    fclose(f);
}

/* Lists HOME/scripts/\*.lua with what each does (its first comment line). */
static int list_recipes(FILE *to, const char *prog)
{
    char home[PATH_MAX], dir[PATH_MAX + 16];
    home_dir(home, sizeof home);
    snprintf(dir, sizeof dir, "%s/scripts", home);
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(to, "%s: no recipes: cannot read %s\n", prog, dir);
        return 1;
    }
    char *names[256];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) && count < 256) {
        size_t n = strlen(e->d_name);
        if (n > 4 && strcmp(e->d_name + n - 4, ".lua") == 0 && (names[count] = strdup(e->d_name)))
            count++;
    }
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], compare_names);
    fprintf(to, "recipes in %s (semeq --run NAME --help for each):\n", dir);
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX + 300], summary[128];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        recipe_summary(path, summary, sizeof summary);
        names[i][strlen(names[i]) - 4] = '\0';
        fprintf(to, "  %-18s %s\n", names[i], summary);
        free(names[i]);
    }
    return 0;
}

static void print_help(const char *prog)
{
    printf("usage: %s [options] [script [args]]\n"
           "  script.lua args    run a Lua script with semeq's modules (its arguments in arg and ...)\n"
           "  --run NAME args    run the recipe NAME (scripts/NAME.lua of this install or source tree);\n"
           "                     --run alone lists them; each recipe takes --help\n"
           "  -e code            run code\n"
           "  -l mod             require module mod into the global mod\n"
           "  -i                 open the REPL after the script (alone: the REPL)\n"
           "  -v                 print the versions of semeq, Lua, OpenBLAS, libsndfile, cJSON\n"
           "  -                  read the script from stdin\n"
           "  --                 stop handling options\n"
           "  -h, --help         this help\n"
           "With no script, a terminal gets the REPL (require \"semeq.tensor\", \"semeq.nn\", ...).\n"
           "EQ a sound file with a word:  %s --run apply in.wav out.wav --term warm\n"
           "The words a model knows:      %s --run apply --list-terms\n",
           prog, prog, prog);
    fflush(stdout);
}

/* ---- the REPL ---- */

static const char *history_path(char *buf, size_t len)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    snprintf(buf, len, "%s/%s", home, HISTORY_FILE);
    return buf;
}

/* Reads one line with the given prompt into a Lua string; false at end of input. ed: the
 * line editor of a terminal, NULL to read plain lines. */
static bool push_line(lua_State *L, bool first, const line_editor *ed)
{
    const char *prompt = first ? PROMPT : PROMPT_MORE;
    if (ed) {
        char *line = ed->readline(prompt);
        if (!line)
            return false;
        lua_pushstring(L, line);
        free(line);
        return true;
    }
    if (isatty(STDIN_FILENO)) { /* a terminal without readline */
        fputs(prompt, stdout);
        fflush(stdout);
    }
    char buf[4096];
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    bool got = false;
    while (fgets(buf, sizeof buf, stdin)) {
        got = true;
        size_t n = strlen(buf);
        bool end = n > 0 && buf[n - 1] == '\n';
        luaL_addlstring(&b, buf, end ? n - 1 : n);
        if (end)
            break;
    }
    luaL_pushresult(&b);
    if (!got)
        lua_pop(L, 1);
    return got;
}

static bool incomplete(lua_State *L, int status)
{
    static const char eof_mark[] = "<eof>";
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    if (status == LUA_ERRSYNTAX && len >= sizeof eof_mark - 1 &&
        strcmp(msg + len - (sizeof eof_mark - 1), eof_mark) == 0) {
        lua_pop(L, 1);
        return true;
    }
    return false;
}

/* Compiles the line on the stack as "return line" (an expression to print) or as a
 * statement, reading more lines while it is incomplete. Leaves the chunk (or an error). */
static int load_input(lua_State *L, const line_editor *ed)
{
    const char *line = lua_tostring(L, -1);
    const char *ret = lua_pushfstring(L, "return %s", line);
    int status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
    if (status == LUA_OK) {
        lua_remove(L, -2); /* the "return" string */
    } else {
        lua_pop(L, 2); /* error and "return" string; keep the line */
        for (;;) {
            size_t len;
            const char *code = lua_tolstring(L, -1, &len);
            status = luaL_loadbuffer(L, code, len, "=stdin");
            if (!incomplete(L, status))
                break;
            if (!push_line(L, false, ed))
                break;
            lua_pushliteral(L, "\n");
            lua_insert(L, -2);
            lua_concat(L, 3);
        }
    }
    if (ed) {
        const char *entry = lua_tostring(L, -2);
        if (entry && *entry)
            ed->add_history(entry);
    }
    lua_remove(L, -2); /* the source line(s) */
    return status;
}

static void print_results(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0)
        return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    if (lua_pcall(L, n, 0, 0) != LUA_OK)
        fprintf(stderr, "error calling 'print' (%s)\n", lua_tostring(L, -1)); /* no name: as lua.c's REPL */
}

static void repl(lua_State *L)
{
    char hist[PATH_MAX];
    const char *hpath = history_path(hist, sizeof hist);
    bool tty = isatty(STDIN_FILENO);
    line_editor editor;
    const line_editor *ed = tty && line_editor_open(&editor) ? &editor : NULL;
    if (ed && hpath)
        ed->read_history(hpath);
    for (;;) {
        lua_settop(L, 0);
        if (!push_line(L, true, ed))
            break;
        int status = load_input(L, ed);
        if (status == LUA_OK)
            status = docall(L, 0, LUA_MULTRET);
        if (status == LUA_OK)
            print_results(L);
        else {
            const char *msg = lua_tostring(L, -1);
            fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
            lua_pop(L, 1);
        }
    }
    lua_settop(L, 0);
    if (tty)
        putchar('\n');
    if (ed && hpath)
        ed->write_history(hpath);
    if (ed)
        line_editor_close(&editor);
    fflush(stdout);
}

/* ---- command line ---- */

typedef struct options {
    const char *prog; /* the program's name, for messages: argv[0] */
    bool interactive, version, exec, help, list;
    int script;                  /* index in argv of the script, 0 if none */
    char recipe[PATH_MAX + 300]; /* --run NAME's path, which argv points to */
} options;

/* --run NAME: argv[i] becomes the recipe's path, so that the script sees itself in
 * arg[0] (apply.lua starts its workers from it) exactly as if run by path. */
static bool resolve_recipe(char **argv, int i, options *o)
{
    if (!recipe_path(argv[i], o->recipe, sizeof o->recipe)) {
        fprintf(stderr, "%s: --run: no recipe '%s'\n", o->prog, argv[i]);
        list_recipes(stderr, o->prog);
        return false;
    }
    argv[i] = o->recipe;
    return true;
}

/* Returns false on a bad option (after printing usage). */
static bool scan_args(int argc, char **argv, options *o)
{
    *o = (options){.prog = program_name(argv)};
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            break;
        if (strcmp(a, "-") == 0)
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = true;
            return true;
        } else if (strcmp(a, "--run") == 0) {
            if (++i >= argc) {
                o->list = true;
                return true;
            }
            if (!resolve_recipe(argv, i, o))
                return false;
            break;
        } else if (strcmp(a, "-i") == 0) {
            o->interactive = o->version = true;
        } else if (strcmp(a, "-v") == 0) {
            o->version = true;
        } else if (strcmp(a, "-e") == 0 || strcmp(a, "-l") == 0) {
            o->exec = true;
            if (++i >= argc) {
                fprintf(stderr, "%s: '%s' needs an argument\n", o->prog, a);
                return false;
            }
        } else if ((a[1] == 'e' || a[1] == 'l') && a[2]) {
            o->exec = true; /* -ecode, -lmod */
        } else {
            fprintf(stderr, "%s: unrecognized option '%s' (%s --help lists the options)\n", o->prog, a, o->prog);
            return false;
        }
    }
    o->script = i < argc ? i : 0;
    return true;
}

static void create_arg_table(lua_State *L, int argc, char **argv, int script)
{
    if (script == 0)
        script = argc; /* no script: the program name is arg[0] */
    lua_createtable(L, argc - script, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

static int run_options(lua_State *L, char **argv, int stop, const char *prog)
{
    for (int i = 1; i < stop; i++) {
        const char *a = argv[i];
        if (a[1] != 'e' && a[1] != 'l')
            continue;
        const char *value = a[2] ? a + 2 : argv[++i];
        int status = a[1] == 'e' ? dostring(L, value, "=(command line)", prog) : dolibrary(L, value, prog);
        if (status != LUA_OK)
            return status;
    }
    return LUA_OK;
}

static int run_script(lua_State *L, int argc, char **argv, int script, const char *prog)
{
    const char *name = argv[script];
    if (strcmp(name, "-") == 0 && strcmp(argv[script - 1], "--") != 0)
        name = NULL; /* stdin */
    int status = luaL_loadfile(L, name);
    char recipe[PATH_MAX + 300];
    if (status == LUA_ERRFILE && name && recipe_path(name, recipe, sizeof recipe) && !is_file(name)) {
        lua_pushfstring(L, "%s (to run the recipe %s: %s --run %s)", lua_tostring(L, -1), name, prog, name);
        lua_remove(L, -2);
    }
    if (status == LUA_OK) {
        int n = argc - script - 1;
        luaL_checkstack(L, n + 3, "too many arguments to script");
        for (int i = 1; i <= n; i++)
            lua_pushstring(L, argv[script + i]);
        status = docall(L, n, LUA_MULTRET);
    }
    report(L, status, prog);
    return status;
}

static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    options o;
    if (!scan_args(argc, argv, &o)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (o.help || o.list) {
        if (o.help)
            print_help(o.prog);
        lua_pushboolean(L, o.help || list_recipes(stdout, o.prog) == 0);
        return 1;
    }
    luaL_checkversion(L);
    luaL_openlibs(L);
    setup_paths(L);
    create_arg_table(L, argc, argv, o.script);
    lua_gc(L, LUA_GCGEN, 0, 0);
    if (o.version && !o.interactive)
        print_version();
    int stop = o.script ? o.script : argc;
    if (run_options(L, argv, stop, o.prog) != LUA_OK ||
        (o.script && run_script(L, argc, argv, o.script, o.prog) != LUA_OK)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (o.interactive) {
        if (isatty(STDIN_FILENO))
            print_version();
        repl(L);
    } else if (!o.script && !o.exec && !o.version) {
        if (isatty(STDIN_FILENO)) {
            print_version();
            repl(L);
        } else if (dochunk(L, luaL_loadfile(L, NULL), o.prog) != LUA_OK) {
            lua_pushboolean(L, 0);
            return 1;
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

int main(int argc, char **argv)
{
    semeq_choose_blas_kernel(argv);
    const char *prog = program_name(argv);
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create state: not enough memory\n", prog);
        return EXIT_FAILURE;
    }
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int status = lua_pcall(L, 2, 1, 0);
    int ok = lua_toboolean(L, -1);
    report(L, status, prog);
    lua_close(L);
    return (ok && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
