/* retry.c: the retry schedule birth + step*k^2, stateless across restarts */
#include "retry.h"

static unsigned long
isqrt(unsigned long x)
{
    unsigned long r = 0, b = 1UL << (sizeof x * 8 - 2);

    while (b > x) b >>= 2;
    while (b) {
        if (x >= r + b) { x -= r + b; r = (r >> 1) + b; }
        else r >>= 1;
        b >>= 2;
    }
    return r;
}

unsigned long
retry_next(unsigned long birth, unsigned long now, unsigned long step)
{
    unsigned long k;

    if (!step) step = 1;
    if (now < birth) return birth + step;
    k = isqrt((now - birth) / step);
    if (k) --k;
    while (birth + step * k * k <= now) ++k;
    return birth + step * k * k;
}

int
retry_expired(unsigned long birth, unsigned long now, unsigned long lifetime)
{
    return now > birth && now - birth > lifetime;
}
