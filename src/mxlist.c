/* mxlist.c: MX records to an ordered list of addresses */
#include "byte.h"
#include "str.h"
#include "mxlist.h"

void
mxlist_reset(struct mxlist *l)
{
    l->n = 0;
    stralloc_zero(&l->names);
}

static int
mxlist_before(const struct mxaddr *x, const struct mxaddr *y)
{
    if (x->pref != y->pref) return x->pref < y->pref;
    return x->key < y->key;
}

/* the best MXLIST_MAX addresses whatever order DNS gives them in: a
   repeated address keeps its best preference, and a full list gives
   its worst entry up for a better one (the best MX, and this host's own
   address for the loop check, must not be lost) */
int
mxlist_add(struct mxlist *l, const char ip[16], unsigned long pref,
           const char *name, unsigned long key)
{
    struct mxaddr t;
    size_t i, at = l->n;

    byte_copy(t.ip, 16, ip);
    t.pref = pref;
    t.key = key;
    for (i = 0; i < l->n; ++i)
        if (byte_equal(l->a[i].ip, 16, ip)) {
            if (!mxlist_before(&t, &l->a[i])) return 1;
            at = i;
            break;
        }
    if (at == MXLIST_MAX) {
        for (at = 0, i = 1; i < l->n; ++i)
            if (mxlist_before(&l->a[at], &l->a[i])) at = i;
        if (!mxlist_before(&t, &l->a[at])) return 1;
    }
    t.name = l->names.len;
    if (!stralloc_cats(&l->names, name) || !stralloc_0(&l->names)) return 0;
    l->a[at] = t;
    if (at == l->n) ++l->n;
    return 1;
}

void
mxlist_sort(struct mxlist *l)
{
    struct mxaddr t;
    size_t i, j;

    for (i = 1; i < l->n; ++i) {        /* insertion sort: stable, n <= 64 */
        t = l->a[i];
        for (j = i; j > 0 && mxlist_before(&t, &l->a[j - 1]); --j) l->a[j] = l->a[j - 1];
        l->a[j] = t;
    }
}

void
mxlist_cut(struct mxlist *l, unsigned long pref)
{
    size_t i, k = 0;

    for (i = 0; i < l->n; ++i)
        if (l->a[i].pref < pref) l->a[k++] = l->a[i];
    l->n = k;
}

int
mxlist_next(const char *s, size_t len, size_t *pos, unsigned long *pref,
            const char **name)
{
    size_t i = *pos, n;

    if (i >= len) return 0;
    if (len - i < 3) return -1;
    n = byte_chr(s + i + 2, len - i - 2, '\0');
    if (i + 2 + n >= len) return -1;
    *pref = (unsigned long)(unsigned char)s[i] << 8 | (unsigned char)s[i + 1];
    *name = s + i + 2;
    *pos = i + 3 + n;
    return 1;
}

int
mxlist_isnull(const char *s, size_t len)
{
    size_t pos = 0;
    unsigned long pref;
    const char *name;

    if (mxlist_next(s, len, &pos, &pref, &name) != 1 || pos != len) return 0;
    return !*name || str_equal(name, ".");
}
