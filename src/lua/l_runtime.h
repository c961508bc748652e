/* Access to a semeq.Runtime userdata (src/lua/l_runtime.c) for other bindings: the
 * benchmarks time the C runtime in a C loop (l_bench_core.c), without Lua in between. */
#ifndef L_RUNTIME_H
#define L_RUNTIME_H

#include <stddef.h>

#include "../core/model.h"
#include "lse.h"

/* The model of the runtime at arg and its one-row scratch; raises if arg is not an open runtime. */
const se_model *lse_checkruntime(lua_State *L, int arg, void **scratch, size_t *scratch_bytes);

#endif
