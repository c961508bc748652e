/* CSV parsing (RFC 4180) into an owned table of byte strings.
 *
 * Overview
 *   se_csv_parse() splits a buffer into records and fields:
 *     - fields are separated by ',' and records by "\n", "\r\n" or a lone "\r";
 *     - a field that starts with '"' is quoted: it may hold ',', '"' (written "")
 *       and line breaks; the quotes are removed and "" becomes ";
 *     - a UTF-8 byte order mark at the start is skipped; every other byte is kept
 *       as it is (UTF-8 text stays UTF-8, nothing is decoded);
 *     - empty lines are skipped (they are not records).
 *   A record that breaks the rules (a quote inside an unquoted field, text after a
 *   closing quote, a quoted field that never closes) is still returned, flagged with
 *   a static reason, so that a loader can skip and count it with its line number
 *   instead of failing the whole file.
 *
 *   se_csv csv;
 *   se_csv_error err;
 *   if (se_csv_read_file(&csv, "x.csv", &err) != SE_OK) fprintf(stderr, "%s\n", err.message);
 *   for (size_t r = 0; r < csv.nrecords; r++)
 *       for (size_t f = 0; f < se_csv_nfields(&csv, r); f++) puts(se_csv_field(&csv, r, f, NULL));
 *   se_csv_free(&csv);
 */
#ifndef SE_CSV_H
#define SE_CSV_H

#include <stddef.h>

#include "status.h"

typedef struct se_csv {
    char *text;                /* field bytes, each followed by a NUL */
    size_t *field_start;       /* offset of each field in text; nfields_total + 1 entries */
    size_t *record_first;      /* index of each record's first field; nrecords + 1 entries */
    size_t *record_line;       /* 1-based line where each record starts */
    const char **record_error; /* NULL, or why the record is malformed (static string) */
    size_t nrecords;
    size_t nfields_total;
} se_csv;

typedef struct se_csv_error {
    char message[256]; /* "path: reason" for a failure of the whole file */
} se_csv_error;

/* Parses len bytes of buf. On failure csv is left empty (safe to free). */
se_status se_csv_parse(se_csv *csv, const char *buf, size_t len);
/* Reads and parses a file; on failure err->message names the file and the reason. */
se_status se_csv_read_file(se_csv *csv, const char *path, se_csv_error *err);
void se_csv_free(se_csv *csv);

static inline size_t se_csv_nfields(const se_csv *csv, size_t record)
{
    return csv->record_first[record + 1] - csv->record_first[record];
}
/* The field's bytes (NUL-terminated; may also contain NUL bytes, see len). */
const char *se_csv_field(const se_csv *csv, size_t record, size_t field, size_t *len);

/* Reads a whole file into a malloc'd buffer (NUL-terminated); *len excludes the NUL. */
se_status se_read_file(const char *path, char **buf, size_t *len);

#endif
