/* spawner.c (fuzz): the records between mail-send and the spawners.
   Input: a stream of requests "slot\0id\0sender\0recipient\0" as
   mail-lspawn and mail-rspawn read them; the same bytes are then used as
   a child's output for the result text and record. */
#include "stralloc.h"
#include "spawner.h"
#include "fuzz.h"

/* a result record: digits NUL letter text NUL, text without NULs */
static void
check_result(const stralloc *rec, unsigned long slot, char letter, size_t textlen)
{
    size_t i = 0;

    while (i < rec->len && rec->s[i] >= '0' && rec->s[i] <= '9') ++i;
    fuzz_check(i > 0 && i + 2 < rec->len + 1 && !rec->s[i]);
    fuzz_check(rec->s[i + 1] == letter);
    fuzz_check(rec->len == i + 2 + (textlen > SPAWNER_TEXTMAX ? SPAWNER_TEXTMAX : textlen) + 1);
    fuzz_check(!memchr(rec->s + i + 2, 0, rec->len - i - 3) && !rec->s[rec->len - 1]);
    (void)slot;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stralloc rec, text;
    static const char letters[] = "KDZ";
    const char *s = (const char *)data;
    struct spawner_req r;
    size_t pos = 0;
    long n;
    int ws;
    char c;

    while (pos < size) {
        n = spawner_parse(s + pos, size - pos, &r);
        if (n <= 0) {
            fuzz_check(n == 0 || n == -1);
            if (n == 0) fuzz_check(size - pos <= SPAWNER_REQMAX);
            break;
        }
        fuzz_check((size_t)n <= size - pos && n <= SPAWNER_REQMAX);
        fuzz_check(r.sender >= s + pos && r.recipient > r.sender);
        fuzz_check(r.recipient + strlen(r.recipient) < s + pos + n);
        fuzz_check(*r.recipient);
        pos += (size_t)n;
    }

    c = letters[size % 3];
    stralloc_zero(&rec);
    fuzz_check(spawner_result(&rec, size, c, s, size));
    check_result(&rec, size, c, size);

    ws = size >= 4 ? (int)((unsigned)data[0] | (unsigned)data[1] << 8
                           | (unsigned)data[2] << 16 | (unsigned)data[3] << 24) : 0;
    c = spawner_outcome(ws, s, size, "mail-local", &text);
    fuzz_check(c == 'K' || c == 'D' || c == 'Z');
    fuzz_check(text.len > 0 && text.len <= SPAWNER_TEXTMAX);
    fuzz_check(!memchr(text.s, 0, text.len));
    return 0;
}
