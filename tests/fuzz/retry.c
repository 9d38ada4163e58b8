/* retry.c (fuzz): the retry schedule. There is no text to parse; the
   inputs are a message's birth, the time now and the step, which come
   from queue files and the clock. Input: 12 bytes, read as a birth and a
   now within 2^40 seconds and a step below 2^20. The next attempt must
   be the first time on the schedule birth + step*k*k after now. */
#include "retry.h"
#include "fuzz.h"

static unsigned long
get(const uint8_t *p, int n)
{
    unsigned long u = 0;
    int i;

    for (i = 0; i < n; ++i) u = u << 8 | p[i];
    return u;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned long birth, now, step, next, k, lifetime;

    if (size < 12) return 0;
    birth = get(data, 5);
    now = get(data + 5, 5);
    step = get(data + 10, 2) << 4 | (size & 15);
    lifetime = get(data + 7, 3);
    next = retry_next(birth, now, step);
    if (!step) step = 1;
    fuzz_check(next > now);
    fuzz_check(next > birth);
    fuzz_check((next - birth) % step == 0);
    k = (next - birth) / step;
    /* k is a square, and the square before it was not after now */
    {
        unsigned long lo = 0, hi = 1UL << 21, mid;

        while (lo < hi) {               /* the largest r with r*r <= k */
            mid = (lo + hi + 1) / 2;
            if (mid * mid <= k) lo = mid; else hi = mid - 1;
        }
        fuzz_check(lo * lo == k);
        if (now >= birth && lo > 1) fuzz_check(birth + step * (lo - 1) * (lo - 1) <= now);
    }
    fuzz_check(retry_expired(birth, now, lifetime) == (now > birth && now - birth > lifetime));
    return 0;
}
