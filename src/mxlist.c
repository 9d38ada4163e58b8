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

int
mxlist_add(struct mxlist *l, const char ip[16], unsigned long pref,
           const char *name, unsigned long key)
{
    struct mxaddr *a;
    size_t i;

    if (l->n >= MXLIST_MAX) return 1;
    for (i = 0; i < l->n; ++i) if (byte_equal(l->a[i].ip, 16, ip)) return 1;
    a = &l->a[l->n];
    byte_copy(a->ip, 16, ip);
    a->pref = pref;
    a->key = key;
    a->name = l->names.len;
    if (!stralloc_cats(&l->names, name) || !stralloc_0(&l->names)) return 0;
    ++l->n;
    return 1;
}

static int
mxlist_before(const struct mxaddr *x, const struct mxaddr *y)
{
    if (x->pref != y->pref) return x->pref < y->pref;
    return x->key < y->key;
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
