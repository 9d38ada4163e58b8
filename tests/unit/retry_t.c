/* retry_t.c: the retry schedule birth + step*k^2 and the queue lifetime */
#include "retry.h"
#include "t.h"

int
main(void)
{
    unsigned long b = 1000000, t, prev;
    int good = 1, k;

    ok(retry_next(b, b, 100) == b + 100, "first retry one step after birth");
    ok(retry_next(b, b + 99, 100) == b + 100, "just before the first step");
    ok(retry_next(b, b + 100, 100) == b + 400, "at a step: the next one");
    ok(retry_next(b, b + 401, 100) == b + 900, "then 9 steps");
    ok(retry_next(b, b + 1000, 400) == b + 1600, "remote step 400");
    ok(retry_next(b, b - 50, 100) == b + 100, "clock behind birth");
    ok(retry_next(b, b, 0) == b + 1, "zero step treated as one");
    for (k = 1, prev = b; k < 200; ++k) {
        t = retry_next(b, prev, 100);
        if (t != b + 100UL * k * k || t <= prev) good = 0;
        prev = t;
    }
    ok(good, "successive retries follow birth + step*k^2");
    ok(retry_next(b, b + 604800, 400) > b + 604800, "always later than now");
    ok(!retry_expired(b, b + 604800, 604800), "at the lifetime: not expired");
    ok(retry_expired(b, b + 604801, 604800), "past the lifetime: expired");
    ok(!retry_expired(b, b - 10, 604800), "clock behind birth: not expired");
    return done_testing();
}
