/* The REPL's line editing (see line_editor.c). */
#ifndef SEMEQ_LINE_EDITOR_H
#define SEMEQ_LINE_EDITOR_H

#include <readline/history.h>
#include <readline/readline.h>
#include <stdbool.h>

/* GNU readline's functions the REPL calls, from the library loaded by line_editor_open. */
typedef struct line_editor {
    void *lib;
    __typeof__(readline) *readline;
    __typeof__(add_history) *add_history;
    __typeof__(read_history) *read_history;
    __typeof__(write_history) *write_history;
} line_editor;

/* Loads readline into ed; false (ed all NULL) when the library or a function is missing, and
 * the REPL then reads plain lines. */
bool line_editor_open(line_editor *ed);
void line_editor_close(line_editor *ed);

#endif
