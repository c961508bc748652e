/* Helpers shared by every Lua binding of semeq (src/lua/l_*.c).
 *
 * A binding unpacks its arguments, calls the core, pushes results and turns a
 * se_status into a Lua error. It holds no malloc'd memory across a call that can
 * raise: allocate result tensors with lse_newtensor() (owned by Lua from the start)
 * and free C temporaries before calling lse_error()/luaL_error().
 *
 * Each binding file that defines a Lua module has a line
 *     // module: semeq.NAME
 * and a function luaopen_semeq_NAME (dots become underscores); the build collects
 * those lines and the interpreter preloads every module listed. */
#ifndef LSE_H
#define LSE_H

#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>

#include "../core/rng.h"
#include "../core/tensor.h"

#define LSE_TENSOR "semeq.Tensor"

/* The tensor userdata at arg; raises "bad argument #arg to 'fn' (semeq.Tensor expected, got X)". */
se_tensor *lse_checktensor(lua_State *L, int arg);
/* The tensor at idx, or NULL if that value is not a semeq.Tensor. */
se_tensor *lse_totensor(lua_State *L, int idx);
/* Pushes a new contiguous zero-filled tensor; raises on a bad size or out of memory,
 * naming the calling function and the shape ("zeros: cannot allocate [2^35]: out of memory"). */
se_tensor *lse_newtensor(lua_State *L, int ndim, const int64_t *size);
/* Pushes a new tensor with the shape of like (zero-filled). */
se_tensor *lse_newtensor_like(lua_State *L, const se_tensor *like);
/* Pushes a new header sharing src's storage (for views). */
se_tensor *lse_pushview(lua_State *L, const se_tensor *src);
/* Pushes an empty (released) header that the caller fills with a se_tensor_* function;
 * if that fails, the header stays empty and __gc has nothing to free. */
se_tensor *lse_pushempty(lua_State *L);

/* Raises the message formatted like lua_pushfstring (%s %d %f %I %p %%; %I is
 * lua_Integer), e.g. lse_error(L, st, "mm: size mismatch, %s @ %s", a, b). When st is
 * SE_ENOMEM or SE_EINTR the message becomes "<message>: out of memory" or
 * "<message>: interrupted!" whatever it said, since that is the fault to report; raising
 * SE_EINTR clears the interrupt flag (the interrupt is delivered). Does not return: free C
 * temporaries first. */
int lse_error(lua_State *L, se_status status, const char *fmt, ...);
/* Nothing if st is SE_OK, else raises "fn: <what went wrong>" ("sum: interrupted"). */
void lse_check(lua_State *L, se_status st, const char *fn);

/* An environment failure (a file that cannot be read or written): pushes nil and the
 * message formatted like lua_pushfstring, as io.open does, and returns 2 (return it).
 * Messages name the file first: "path: reason". Out of memory is raised, not returned. */
int lse_fail(lua_State *L, const char *fmt, ...);

/* Argument helpers that raise argument errors naming the argument. */
int64_t lse_checksize(lua_State *L, int arg); /* integer >= 0 */
int lse_checkdim(lua_State *L, int arg,
                 const se_tensor *t);         /* 1-based Lua dim (negative counts from the end) -> 0-based */
float lse_checkfinite(lua_State *L, int arg); /* a finite number */

/* Tensor from the Lua value at arg: a tensor, or a nested table of numbers (made into a
 * new tensor). Pushes that tensor on the stack (Lua owns it) and returns it; raises an
 * argument error naming arg otherwise. */
se_tensor *lse_pushtensor_arg(lua_State *L, int arg);

/* The interpreter's random number generator (one per lua_State, kept in the registry). */
se_rng *lse_rng(lua_State *L);

/* JSON (lse_json.c, the one codec; see semeq.util.json for the mapping). */
/* Pushes the Lua value of a parsed tree; JSON null becomes a light userdata NULL. */
void lse_json_push(lua_State *L, const cJSON *v);
/* Parses text[0..len) as one JSON value (only white space may follow) into *out; returns
 * NULL on success, or the position of the first bad byte (*out is then NULL). */
const char *lse_json_parse(const char *text, size_t len, cJSON **out);
/* Pushes a GC-owned holder of one cJSON tree (freed by __gc/__close) and returns its slot. */
cJSON **lse_json_box(lua_State *L);
/* Pushes the JSON text of the Lua value at idx (object keys sorted); raises "fn: ..."
 * for values JSON cannot hold. */
void lse_json_encode(lua_State *L, int idx, const char *fn);

/* Installs the semeq.Tensor metatable if it is not there yet (defined in l_tensor.c). */
void lse_tensor_metatable(lua_State *L);

#endif
