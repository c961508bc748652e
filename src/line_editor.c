/* Why readline is loaded, not linked: only the REPL edits lines, and a linked library is
 * mapped and relocated at every start of the interpreter. readline and libtinfo cost about
 * 25 of the ~480 page faults with which `semeq scripts/apply.lua` equalises a file (sox takes
 * ~230 for the same job); so the REPL loads the library when it starts, and a machine
 * without it still gets a REPL that reads plain lines. */
#include "line_editor.h"

#include <dlfcn.h>
#include <string.h>

#define READLINE_SONAME "libreadline.so.8"

bool line_editor_open(line_editor *ed)
{
    memset(ed, 0, sizeof *ed);
    void *lib = dlopen(READLINE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return false;
    /* POSIX dlsym returns data pointers; the cast through memcpy is the portable way to
     * turn one into a function pointer. */
    void *fn[4] = {dlsym(lib, "readline"), dlsym(lib, "add_history"), dlsym(lib, "read_history"),
                   dlsym(lib, "write_history")};
    for (int i = 0; i < 4; i++)
        if (!fn[i]) {
            dlclose(lib);
            return false;
        }
    ed->lib = lib;
    memcpy(&ed->readline, &fn[0], sizeof fn[0]);
    memcpy(&ed->add_history, &fn[1], sizeof fn[1]);
    memcpy(&ed->read_history, &fn[2], sizeof fn[2]);
    memcpy(&ed->write_history, &fn[3], sizeof fn[3]);
    return true;
}

void line_editor_close(line_editor *ed)
{
    if (ed->lib)
        dlclose(ed->lib);
    memset(ed, 0, sizeof *ed);
}
