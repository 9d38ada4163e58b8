/* t.h: minimal TAP output for unit tests; no plan needed up front */
#ifndef KIRIM_T_H
#define KIRIM_T_H
#include <stdio.h>
#include <string.h>

static int t_n, t_fail;

#define ok(cond, name) do { \
    ++t_n; \
    if (cond) printf("ok %d - %s\n", t_n, (name)); \
    else { ++t_fail; printf("not ok %d - %s (%s:%d)\n", t_n, (name), __FILE__, __LINE__); } \
} while (0)

/* compare a (pointer, length) pair with a C string */
#define is_buf(p, len, str, name) \
    ok((size_t)(len) == strlen(str) && memcmp((p), (str), (len)) == 0, (name))

#define done_testing() (printf("1..%d\n", t_n), t_fail ? 1 : 0)

#endif
