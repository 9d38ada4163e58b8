/* sasl.c: base64 responses, SASL PLAIN, credential limits (sasl.h) */
#include "byte.h"
#include "textcode.h"
#include "sasl.h"

int
sasl_b64(const char *b64, size_t len, stralloc *out)
{
    static stralloc in;
    size_t n;

    out->len = 0;
    if (len > SASL_B64MAX) return 0;
    if (len == 1 && b64[0] == '=') return stralloc_ready(out, 1) ? 1 : -1;
    if (!stralloc_copyb(&in, b64, len) || !stralloc_0(&in)) return -1;
    if (!stralloc_ready(out, len + 1)) return -1;
    /* scan_base64 stops at the first byte that is not base64: the NUL
       added above, or an earlier one, which makes the response invalid */
    if (scan_base64(in.s, out->s, &n) != len) {
        byte_zero(out->s, len);
        return 0;
    }
    out->len = n;
    return 1;
}

int
sasl_plain(const char *b64, size_t len, stralloc *user, stralloc *pass)
{
    static stralloc dec;
    size_t n, z1, z2;
    int r;

    r = sasl_b64(b64, len, &dec);
    if (r != 1) return r;
    n = dec.len;
    r = 0;
    z1 = byte_chr(dec.s, n, 0);
    if (z1 >= n) goto done;
    z2 = z1 + 1 + byte_chr(dec.s + z1 + 1, n - z1 - 1, 0);
    if (z2 >= n || byte_chr(dec.s + z2 + 1, n - z2 - 1, 0) != n - z2 - 1) goto done;
    if (z1 && (z1 != z2 - z1 - 1 || byte_diff(dec.s, z1, dec.s + z1 + 1))) goto done;
    r = -1;
    if (!stralloc_copyb(user, dec.s + z1 + 1, z2 - z1 - 1)) goto done;
    if (!stralloc_copyb(pass, dec.s + z2 + 1, n - z2 - 1)) goto done;
    r = 1;
done:
    byte_zero(dec.s, dec.len);
    dec.len = 0;
    return r;
}

int
sasl_creds(const stralloc *user, const stralloc *pass)
{
    if (user->len < 1 || user->len > SASL_PARTMAX) return 0;
    if (pass->len < 1 || pass->len > SASL_PARTMAX) return 0;
    if (byte_chr(user->s, user->len, 0) < user->len) return 0;
    return byte_chr(pass->s, pass->len, 0) == pass->len;
}
