/* The interrupt flag: see interrupt.h for why this one global exists. */
#include "interrupt.h"

#include <signal.h>

/* The core's only process-wide mutable state. sig_atomic_t is the one type a signal
 * handler may store to; volatile makes every poll read memory. */
static volatile sig_atomic_t interrupt_requested = 0;

void se_interrupt_request(void) { interrupt_requested = 1; }

void se_interrupt_clear(void) { interrupt_requested = 0; }

bool se_interrupt_pending(void) { return interrupt_requested != 0; }
