#include "status.h"

const char *se_status_str(se_status status)
{
    switch (status) {
    case SE_OK: return "ok";
    case SE_ENOMEM: return "out of memory";
    case SE_ESHAPE: return "size mismatch";
    case SE_EARG: return "invalid argument";
    case SE_EIO: return "input/output error";
    case SE_EFORMAT: return "malformed data";
    case SE_EUNSUPPORTED: return "not supported";
    case SE_ERANGE: return "too large";
    case SE_EINTR: return "interrupted";
    }
    return "unknown status";
}
