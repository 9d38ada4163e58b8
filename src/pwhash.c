/* pwhash.c: making and checking SHA-512 crypt(3) hashes (libcrypt) */
#include <crypt.h>
#include <errno.h>
#include <string.h>
#include "byte.h"
#include "pwhash.h"

static struct crypt_data cd;    /* zero: as crypt_rn wants it first */

int
pwhash_make(const char *pass, char *out)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    const char *h;
    size_t n;

    /* no random bytes given: libcrypt takes them from the kernel */
    if (!crypt_gensalt_rn("$6$", 0, 0, 0, salt, sizeof salt)) return -1;
    h = crypt_rn(pass, salt, &cd, sizeof cd);
    if (!h || strncmp(h, "$6$", 3)) { errno = EINVAL; return -1; }
    n = strlen(h);
    if (n >= PWHASH_MAX) { errno = EINVAL; return -1; }
    byte_copy(out, n + 1, h);
    byte_zero(&cd, sizeof cd);
    return 0;
}

int
pwhash_check(const char *pass, const char *hash, size_t hashlen)
{
    char setting[PWHASH_MAX];
    const char *h;
    size_t n, i;
    unsigned char diff;

    if (!hashlen || hash[0] == '!' || hash[0] == '*') {
        pwhash_dummy(pass);
        return 0;
    }
    if (hashlen >= sizeof setting) return -1;
    byte_copy(setting, hashlen, hash);
    setting[hashlen] = 0;
    h = crypt_rn(pass, setting, &cd, sizeof cd);
    if (!h) return -1;
    n = strlen(h);
    diff = n != hashlen;
    for (i = 0; i < hashlen; ++i)       /* every byte, whatever differs */
        diff |= (unsigned char)(h[i < n ? i : 0] ^ setting[i]);
    byte_zero(&cd, sizeof cd);
    byte_zero(setting, sizeof setting);
    return diff == 0;
}

void
pwhash_dummy(const char *pass)
{
    crypt_rn(pass, "$6$kirimnosuchusr", &cd, sizeof cd);
    byte_zero(&cd, sizeof cd);
}
