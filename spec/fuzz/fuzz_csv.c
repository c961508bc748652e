/* libFuzzer target: the CSV parser (src/core/csv.c) on arbitrary bytes.
 *
 * Beyond "no crash, no sanitizer report", it checks the invariants a loader relies
 * on: every field lies inside the text buffer and is NUL-terminated, records tile
 * the fields in order, and line numbers never decrease. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    se_csv csv;
    if (se_csv_parse(&csv, (const char *)data, size) != SE_OK)
        return 0;
    size_t text_len = csv.nfields_total ? csv.field_start[csv.nfields_total] : 0;
    size_t prev_line = 0;
    for (size_t r = 0; r < csv.nrecords; r++) {
        if (csv.record_first[r] > csv.record_first[r + 1])
            abort();
        if (csv.record_line[r] < prev_line)
            abort();
        prev_line = csv.record_line[r];
        for (size_t f = 0; f < se_csv_nfields(&csv, r); f++) {
            size_t len;
            const char *s = se_csv_field(&csv, r, f, &len);
            if (s < csv.text || (size_t)(s - csv.text) + len >= text_len + 1)
                abort();
            if (s[len] != '\0')
                abort();
        }
    }
    if (csv.record_first[csv.nrecords] != csv.nfields_total)
        abort();
    se_csv_free(&csv);
    return 0;
}
