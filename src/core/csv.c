/* RFC 4180 CSV parser: see csv.h. One pass over the buffer, no copies of the input
 * beyond the unquoted field bytes. */
#include "csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable array of size_t. */
typedef struct sizevec {
    size_t *v;
    size_t n, cap;
} sizevec;

static int sizevec_push(sizevec *s, size_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        size_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

typedef struct ptrvec {
    const char **v;
    size_t n, cap;
} ptrvec;

static int ptrvec_push(ptrvec *s, const char *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        const char **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

void se_csv_free(se_csv *csv)
{
    free(csv->text);
    free(csv->field_start);
    free(csv->record_first);
    free(csv->record_line);
    free((void *)csv->record_error);
    memset(csv, 0, sizeof *csv);
}

const char *se_csv_field(const se_csv *csv, size_t record, size_t field, size_t *len)
{
    size_t i = csv->record_first[record] + field;
    if (len)
        *len = csv->field_start[i + 1] - csv->field_start[i] - 1;
    return csv->text + csv->field_start[i];
}

/* Parser state shared by the helpers below. */
typedef struct parser {
    const char *buf;
    size_t len, pos, line;
    char *out;
    size_t outn;
    sizevec fields, firsts, lines;
    ptrvec errors;
} parser;

/* Is there a line break at p->pos? Returns its length (0, 1 or 2). */
static size_t newline_at(const parser *p, size_t pos)
{
    if (pos >= p->len)
        return 0;
    if (p->buf[pos] == '\n')
        return 1;
    if (p->buf[pos] == '\r')
        return (pos + 1 < p->len && p->buf[pos + 1] == '\n') ? 2 : 1;
    return 0;
}

/* Reads one field starting at p->pos into p->out; sets *reason on a rule break.
 * Leaves p->pos on the separator, the line break or the end. */
static void read_field(parser *p, const char **reason)
{
    if (p->pos < p->len && p->buf[p->pos] == '"') {
        p->pos++;
        for (;;) {
            if (p->pos >= p->len) {
                if (!*reason)
                    *reason = "unterminated quoted field";
                return;
            }
            char c = p->buf[p->pos];
            if (c == '"') {
                if (p->pos + 1 < p->len && p->buf[p->pos + 1] == '"') {
                    p->out[p->outn++] = '"';
                    p->pos += 2;
                    continue;
                }
                p->pos++;
                break;
            }
            size_t nl = newline_at(p, p->pos);
            if (nl) {
                /* A line break inside quotes is data: keep its bytes, count the line. */
                for (size_t i = 0; i < nl; i++)
                    p->out[p->outn++] = p->buf[p->pos++];
                p->line++;
                continue;
            }
            p->out[p->outn++] = c;
            p->pos++;
        }
        /* After the closing quote only a separator, a line break or the end may follow. */
        if (p->pos < p->len && p->buf[p->pos] != ',' && !newline_at(p, p->pos)) {
            if (!*reason)
                *reason = "text after a closing quote";
            while (p->pos < p->len && p->buf[p->pos] != ',' && !newline_at(p, p->pos))
                p->out[p->outn++] = p->buf[p->pos++];
        }
        return;
    }
    while (p->pos < p->len && p->buf[p->pos] != ',' && !newline_at(p, p->pos)) {
        if (p->buf[p->pos] == '"' && !*reason)
            *reason = "quote inside an unquoted field";
        p->out[p->outn++] = p->buf[p->pos++];
    }
}

static int end_field(parser *p)
{
    p->out[p->outn++] = '\0';
    return sizevec_push(&p->fields, p->outn);
}

/* Parses one record (the caller has checked that the line is not empty). */
static int read_record(parser *p)
{
    const char *reason = NULL;
    if (sizevec_push(&p->firsts, p->fields.n - 1) || sizevec_push(&p->lines, p->line))
        return -1;
    for (;;) {
        read_field(p, &reason);
        if (end_field(p))
            return -1;
        if (p->pos < p->len && p->buf[p->pos] == ',') {
            p->pos++;
            continue;
        }
        break;
    }
    size_t nl = newline_at(p, p->pos);
    if (nl) {
        p->pos += nl;
        p->line++;
    }
    return ptrvec_push(&p->errors, reason);
}

se_status se_csv_parse(se_csv *csv, const char *buf, size_t len)
{
    memset(csv, 0, sizeof *csv);
    parser p = {.buf = buf, .len = len, .line = 1};
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
        p.pos = 3;
    /* Each field's bytes are at most its source bytes, plus one NUL per field, and
     * there are at most len + 1 fields. */
    if (len > (SIZE_MAX - 2) / 2)
        return SE_ENOMEM;
    p.out = malloc(2 * len + 2);
    if (!p.out || sizevec_push(&p.fields, 0))
        goto nomem;
    while (p.pos < p.len) {
        size_t nl = newline_at(&p, p.pos);
        if (nl) { /* an empty line is not a record */
            p.pos += nl;
            p.line++;
            continue;
        }
        if (read_record(&p))
            goto nomem;
    }
    if (sizevec_push(&p.firsts, p.fields.n - 1))
        goto nomem;
    csv->text = p.out;
    csv->field_start = p.fields.v;
    csv->record_first = p.firsts.v;
    csv->record_line = p.lines.v;
    csv->record_error = p.errors.v;
    csv->nrecords = p.lines.n;
    csv->nfields_total = p.fields.n - 1;
    return SE_OK;
nomem:
    free(p.out);
    free(p.fields.v);
    free(p.firsts.v);
    free(p.lines.v);
    free((void *)p.errors.v);
    return SE_ENOMEM;
}

se_status se_read_file(const char *path, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return SE_EIO;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) {
        fclose(f);
        return SE_ENOMEM;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                fclose(f);
                return SE_ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(b);
        return SE_EIO;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return SE_OK;
}

se_status se_csv_read_file(se_csv *csv, const char *path, se_csv_error *err)
{
    memset(csv, 0, sizeof *csv);
    char *buf;
    size_t len;
    se_status st = se_read_file(path, &buf, &len);
    if (st == SE_OK) {
        st = se_csv_parse(csv, buf, len);
        free(buf);
    }
    if (st != SE_OK && err) {
        snprintf(err->message, sizeof err->message, "%s: %s", path, st == SE_EIO ? strerror(errno) : se_status_str(st));
    }
    return st;
}
