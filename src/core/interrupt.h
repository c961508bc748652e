/* Interrupting long computations (Ctrl-C).
 *
 * A SIGINT handler cannot reach the work it should stop: it receives no context. So the
 * core keeps ONE piece of process-wide mutable state, a `volatile sig_atomic_t` flag in
 * interrupt.c, and nothing else global (the random generator is per caller, see rng.h).
 * The interpreter's SIGINT handler (src/main.c) calls se_interrupt_request(); loops that
 * can run for long (reductions and elementwise work over large views, matrix products,
 * metrics, filterbank responses, EQ processing, fitting) poll se_interrupt_pending() every
 * few thousand elements and return SE_EINTR, which a binding raises as "<fn>: interrupted".
 *
 * One Ctrl-C is one interrupt: the flag stays set until the interrupt has been delivered.
 * The Lua bindings clear it when they raise SE_EINTR as an error ("sum: interrupted!"), the
 * interpreter's debug hook when it raises "interrupted!" in Lua code instead, and the
 * interpreter before each chunk it runs. So a script that catches the error (a training
 * loop saving a checkpoint) can go on calling kernels. A host that never calls
 * se_interrupt_request() (a plug-in) never sees SE_EINTR.
 *
 *   static void on_sigint(int sig) { se_interrupt_request(); }   // async-signal-safe
 *   for (i = 0; i < n; i++) { if (i % 65536 == 0 && se_interrupt_pending()) return SE_EINTR; ... } */
#ifndef SE_INTERRUPT_H
#define SE_INTERRUPT_H

#include <stdbool.h>

/* Elements (or comparable units of work) between two polls in a long loop: polling costs a
 * load, so this keeps it far below 0.1 % while a Ctrl-C is answered within milliseconds. */
#define SE_INTERRUPT_STRIDE 65536

void se_interrupt_request(void); /* async-signal-safe: only stores to the flag */
void se_interrupt_clear(void);
bool se_interrupt_pending(void);

#endif
