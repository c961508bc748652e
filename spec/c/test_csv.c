/* Unit tests of the CSV parser (src/core/csv.c): quoting, CRLF, BOM, UTF-8 bytes,
 * malformed records flagged with their line. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "csv.h"

#include "check.h"

static int field_is(const se_csv *c, size_t r, size_t f, const char *want)
{
    size_t len;
    const char *s = se_csv_field(c, r, f, &len);
    return len == strlen(want) && memcmp(s, want, len) == 0;
}

static void test_basic(void)
{
    se_csv c;
    const char *in = "a,b,c\n1,,3\n";
    CHECK(se_csv_parse(&c, in, strlen(in)) == SE_OK);
    CHECK(c.nrecords == 2);
    CHECK(se_csv_nfields(&c, 0) == 3 && se_csv_nfields(&c, 1) == 3);
    CHECK(field_is(&c, 0, 0, "a") && field_is(&c, 0, 2, "c"));
    CHECK(field_is(&c, 1, 1, "") && field_is(&c, 1, 2, "3"));
    CHECK(c.record_line[0] == 1 && c.record_line[1] == 2);
    CHECK(c.record_error[0] == NULL && c.record_error[1] == NULL);
    se_csv_free(&c);
}

static void test_quotes_crlf_bom(void)
{
    se_csv c;
    const char *in = "\xEF\xBB\xBFid,\"Toppy, Thick\",\"say \"\"hi\"\"\"\r\n"
                     "2,\"two\r\nlines\",fr\xC3\xADo\r\n\r\n"
                     "3,x,\r\n";
    CHECK(se_csv_parse(&c, in, strlen(in)) == SE_OK);
    CHECK(c.nrecords == 3);
    CHECK(field_is(&c, 0, 0, "id")); /* BOM removed */
    CHECK(field_is(&c, 0, 1, "Toppy, Thick"));
    CHECK(field_is(&c, 0, 2, "say \"hi\""));
    CHECK(field_is(&c, 1, 1, "two\r\nlines"));
    CHECK(field_is(&c, 1, 2, "fr\xC3\xADo"));              /* UTF-8 kept as bytes */
    CHECK(c.record_line[1] == 2 && c.record_line[2] == 5); /* the quoted break and the empty line count */
    CHECK(se_csv_nfields(&c, 2) == 3 && field_is(&c, 2, 2, ""));
    se_csv_free(&c);
}

static void test_malformed(void)
{
    se_csv c;
    const char *in = "1,ok\n2,bad\"quote\n3,\"x\"y\n4,\"never closed\n5,z\n";
    CHECK(se_csv_parse(&c, in, strlen(in)) == SE_OK);
    CHECK(c.nrecords == 4);
    CHECK(c.record_error[0] == NULL);
    CHECK(c.record_error[1] && strcmp(c.record_error[1], "quote inside an unquoted field") == 0);
    CHECK(c.record_error[2] && strcmp(c.record_error[2], "text after a closing quote") == 0);
    CHECK(c.record_error[3] && strcmp(c.record_error[3], "unterminated quoted field") == 0);
    CHECK(c.record_line[3] == 4);
    se_csv_free(&c);
}

static void test_empty_and_no_final_newline(void)
{
    se_csv c;
    CHECK(se_csv_parse(&c, "", 0) == SE_OK);
    CHECK(c.nrecords == 0);
    se_csv_free(&c);
    const char *in = "a\rb"; /* old Mac line break, no final newline */
    CHECK(se_csv_parse(&c, in, strlen(in)) == SE_OK);
    CHECK(c.nrecords == 2 && field_is(&c, 1, 0, "b"));
    se_csv_free(&c);
}

static void test_missing_file(void)
{
    se_csv c;
    se_csv_error err;
    CHECK(se_csv_read_file(&c, "/nonexistent/x.csv", &err) == SE_EIO);
    CHECK(strstr(err.message, "/nonexistent/x.csv: ") == err.message);
    se_csv_free(&c);
}

static void test_real_safe(void)
{
    se_csv c;
    se_csv_error err;
    if (se_csv_read_file(&c, "../shared/data/SAFEEqualiserUserData.csv", &err) != SE_OK) {
        printf("skip: %s\n", err.message);
        return;
    }
    CHECK(c.nrecords > 1000);
    for (size_t r = 0; r < c.nrecords; r++)
        CHECK(se_csv_nfields(&c, r) == 25);
    se_csv_free(&c);
}

/* Random buffers of CSV-significant bytes: the parser must not crash (run under
 * ASan in CI) and its tables must be consistent. */
static void test_random(void)
{
    static const char alphabet[] = {',', '"', '\n', '\r', 'a', ' ', '\xC3', '\xEF', '\xBB', '\xBF'};
    uint64_t x = 88172645463325252ull;
    char buf[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = (size_t)(iter % 64);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = alphabet[x % sizeof alphabet];
        }
        se_csv c;
        if (se_csv_parse(&c, buf, len) != SE_OK) {
            CHECK(0);
            continue;
        }
        size_t total = 0;
        for (size_t r = 0; r < c.nrecords; r++) {
            CHECK(se_csv_nfields(&c, r) >= 1);
            CHECK(r == 0 || c.record_line[r] > c.record_line[r - 1]);
            total += se_csv_nfields(&c, r);
            for (size_t f = 0; f < se_csv_nfields(&c, r); f++) {
                size_t flen;
                const char *s = se_csv_field(&c, r, f, &flen);
                CHECK(s[flen] == '\0' && flen <= len);
            }
        }
        CHECK(total == c.nfields_total);
        se_csv_free(&c);
    }
}

int main(void)
{
    test_basic();
    test_quotes_crlf_bom();
    test_malformed();
    test_empty_and_no_final_newline();
    test_missing_file();
    test_real_safe();
    test_random();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_csv: ok\n");
    return 0;
}
