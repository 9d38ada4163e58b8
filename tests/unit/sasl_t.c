/* sasl_t.c: base64 responses, PLAIN, credential limits */
#include "stralloc.h"
#include "sasl.h"
#include "t.h"

int
main(void)
{
    static stralloc o, u, p;
    static char big[SASL_B64MAX + 8];
    size_t i;

    ok(sasl_b64("am9l", 4, &o) == 1, "base64 decoded");
    is_buf(o.s, o.len, "joe", "its bytes");
    ok(sasl_b64("AGEA", 4, &o) == 1 && o.len == 3 && !o.s[0] && o.s[1] == 'a' && !o.s[2],
       "NUL bytes kept");
    ok(sasl_b64("=", 1, &o) == 1 && o.len == 0, "= is the empty response");
    ok(sasl_b64("", 0, &o) == 1 && o.len == 0, "an empty line too");
    ok(sasl_b64("am9l!", 5, &o) == 0 && o.len == 0, "a byte not base64");
    ok(sasl_b64("am\0l", 4, &o) == 0, "a NUL inside");
    ok(sasl_b64("am9l ", 5, &o) == 0, "a trailing space");
    for (i = 0; i < sizeof big; ++i) big[i] = 'A';
    ok(sasl_b64(big, SASL_B64MAX, &o) == 1 && o.len == SASL_B64MAX / 4 * 3, "the longest response");
    ok(sasl_b64(big, SASL_B64MAX + 4, &o) == 0, "one longer refused");

    ok(sasl_plain("AGpvZQBzZWNyZXQ=", 16, &u, &p) == 1, "PLAIN without authzid");
    is_buf(u.s, u.len, "joe", "PLAIN user");
    is_buf(p.s, p.len, "secret", "PLAIN password");
    ok(sasl_plain("am9lAGpvZQBzZWNyZXQ=", 20, &u, &p) == 1, "authzid equal to the user");
    ok(sasl_plain("AGpvZQBzZWNyZXQ", 15, &u, &p) == 1, "padding may be missing");
    u.len = p.len = 0;
    ok(sasl_plain("Ym9iAGpvZQBzZWNyZXQ=", 20, &u, &p) == 0 && !u.len && !p.len,
       "another authzid refused, nothing set");
    ok(sasl_plain("AGpvZXNlY3JldA==", 16, &u, &p) == 0, "one NUL only");
    ok(sasl_plain("AGpvZQBzZWNyZXQAeA==", 20, &u, &p) == 0, "a third NUL");
    ok(sasl_plain("AGpvZQBz*WNyZXQ=", 16, &u, &p) == 0, "invalid base64 character");
    ok(sasl_plain("", 0, &u, &p) == 0, "empty response");
    ok(sasl_plain("AABzZWNyZXQ=", 12, &u, &p) == 1 && !u.len, "empty user: well formed");
    ok(!sasl_creds(&u, &p), "but not credentials");
    ok(sasl_plain("AGpvZQA=", 8, &u, &p) == 1 && !p.len, "empty password: well formed");
    ok(!sasl_creds(&u, &p), "but not credentials");

    stralloc_copys(&u, "joe");
    stralloc_copys(&p, "secret");
    ok(sasl_creds(&u, &p), "joe/secret");
    stralloc_copyb(&p, "sec\0ret", 7);
    ok(!sasl_creds(&u, &p), "a NUL in the password");
    stralloc_copyb(&p, big, SASL_PARTMAX);
    ok(sasl_creds(&u, &p), "a password of SASL_PARTMAX bytes");
    stralloc_copyb(&p, big, SASL_PARTMAX + 1);
    ok(!sasl_creds(&u, &p), "one longer refused");
    stralloc_copyb(&u, big, SASL_PARTMAX + 1);
    stralloc_copys(&p, "x");
    ok(!sasl_creds(&u, &p), "a user name over the limit");
    return done_testing();
}
