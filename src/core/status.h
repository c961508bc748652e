/* Status codes returned by every fallible function of the C core.
 *
 * The core never raises, longjmps or aborts: it returns a status and the caller
 * (a Lua binding, a plug-in host) decides how to report it. */
#ifndef SE_STATUS_H
#define SE_STATUS_H

typedef enum se_status {
    SE_OK = 0,
    SE_ENOMEM,       /* an allocation failed */
    SE_ESHAPE,       /* sizes of the operands do not fit the operation */
    SE_EARG,         /* an argument is out of its domain (negative size, bad dim, NaN, ...) */
    SE_EIO,          /* reading or writing a file failed */
    SE_EFORMAT,      /* a file or buffer is malformed */
    SE_EUNSUPPORTED, /* the object cannot do this (a model without a decoder asked for EQ settings) */
    SE_ERANGE,       /* a size, count or value is beyond what can be represented or materialised */
    SE_EINTR,        /* a long computation stopped because an interrupt was requested (interrupt.h) */
} se_status;

/* A short, static, human-readable description ("out of memory", ...). */
const char *se_status_str(se_status status);

#endif
