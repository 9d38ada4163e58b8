/* mail-passwd: add, change, remove and list the virtual users of
   users/password, rebuilding users/password.cdb under a lock */
#include <errno.h>
#include <pwd.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "case.h"
#include "fmt.h"
#include "scan.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "die.h"
#include "pwfile.h"
#include "pwhash.h"
#include "pwread.h"

#define USAGE "mail-passwd add name [-u uid -g gid] [-d home] | change name | remove name | list | rebuild"

/* the new password, hashed into hash */
static void
passwd_read(char *hash)
{
    const char *why;
    int code = pwread_new(hash, &why);

    if (code == EXIT_PERM) die_perm(why);
    if (code) die_temp(why);
}

/* name:hash:uid:gid:home\n */
static void
passwd_line(stralloc *sa, const stralloc *name, const char *hash,
            const char *uid, const char *gid, const char *home, size_t homelen)
{
    if (!stralloc_copy(sa, name) || !stralloc_append(sa, ":")
        || !stralloc_cats(sa, hash) || !stralloc_append(sa, ":")
        || !stralloc_cats(sa, uid) || !stralloc_append(sa, ":")
        || !stralloc_cats(sa, gid) || !stralloc_append(sa, ":")
        || !stralloc_catb(sa, home, homelen) || !stralloc_append(sa, "\n"))
        die_nomem();
}

static void
passwd_save(const stralloc *text)
{
    struct passwd *pw = 0;
    unsigned long line;
    const char *why;
    char num[FMT_ULONG];
    size_t n;
    int root = geteuid() == 0;

    if (root && !(pw = getpwnam(auto_users[U_DAEMON])))
        die_tempx("unknown user ", auto_users[U_DAEMON]);
    switch (pwfile_save(text, root, pw ? pw->pw_uid : 0, pw ? pw->pw_gid : 0, &line, &why)) {
    case -1: die_temp(why);
    case -2:
        n = fmt_ulong(num, line);
        num[n] = 0;
        die_perm(PWFILE " line ", num, ": ", why, "; nothing changed");
    }
}

static void
passwd_list(const stralloc *text)
{
    struct pwent e;
    const char *why;
    size_t pos = 0, end;

    while (pos < text->len) {
        end = pos + byte_chr(text->s + pos, text->len - pos, '\n');
        if (pwfile_parse(text->s + pos, end - pos, &e, &why)) {
            char num[FMT_ULONG];
            size_t n;

            buffer_put(buffer_1, e.name, e.namelen);
            if (e.hasids) {
                n = fmt_ulong(num, e.uid);
                buffer_puts(buffer_1, " ");
                buffer_put(buffer_1, num, n);
                n = fmt_ulong(num, e.gid);
                buffer_puts(buffer_1, " ");
                buffer_put(buffer_1, num, n);
            } else buffer_puts(buffer_1, " - -");
            buffer_puts(buffer_1, " ");
            if (e.homelen) buffer_put(buffer_1, e.home, e.homelen);
            else buffer_puts(buffer_1, "-");
            buffer_puts(buffer_1, "\n");
        }
        pos = end + 1;
    }
    if (buffer_flush(buffer_1) == -1) die_temp("unable to write output");
}

int
main(int argc, char **argv)
{
    static stralloc text, name, line, rest, oldhome;
    const char *uid = "", *gid = "", *home = "", *why;
    char hash[PWHASH_MAX];
    unsigned long u;
    size_t start, end;
    struct pwent e;
    int i;

    progname = "mail-passwd";
    if (argc < 2) die_usage(USAGE);
    if (!str_equal(argv[1], "list") && !str_equal(argv[1], "rebuild")) {
        if (argc < 3) die_usage(USAGE);
        if (!stralloc_copys(&name, argv[2])) die_nomem();
        case_lowerb(name.s, name.len);
        if (!pwfile_name_ok(name.s, name.len))
            die_perm("bad name ", argv[2], ": use a-z 0-9 . _ - + = @ (at most 255 bytes)");
    }
    for (i = 3; i < argc; i += 2) {
        if (!str_equal(argv[1], "add") || i + 1 >= argc) die_usage(USAGE);
        if (str_equal(argv[i], "-u")) uid = argv[i + 1];
        else if (str_equal(argv[i], "-g")) gid = argv[i + 1];
        else if (str_equal(argv[i], "-d")) home = argv[i + 1];
        else die_usage(USAGE);
    }
    if ((*uid || *gid) && (!*uid || !*gid || uid[scan_ulong(uid, &u)] || gid[scan_ulong(gid, &u)]))
        die_perm("-u and -g take numbers, and go together");
    if (*home && (home[0] != '/' || home[str_chr(home, ':')] || home[str_chr(home, '\n')]))
        die_perm("-d takes an absolute path without : or newline");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);

    if (str_equal(argv[1], "list")) {
        if (argc != 2) die_usage(USAGE);
        if (control_readfile(&text, PWFILE) == -1) die_temp("unable to read " PWFILE);
        passwd_list(&text);
        return 0;
    }
    if (pwfile_lock() == -1) die_temp("unable to lock " PWFILE_LOCK);
    switch (control_readfile(&text, PWFILE)) {
    case -1: die_temp("unable to read " PWFILE);
    case 0: text.len = 0;
    }
    if (text.len && text.s[text.len - 1] != '\n' && !stralloc_append(&text, "\n")) die_nomem();
    if (!stralloc_0(&name)) die_nomem();
    --name.len;

    if (str_equal(argv[1], "add")) {
        if (pwfile_find(text.s, text.len, name.s, name.len, &start, &end))
            die_perm(name.s, " already exists");
        passwd_read(hash);
        passwd_line(&line, &name, hash, uid, gid, home, str_len(home));
        if (!stralloc_cat(&text, &line)) die_nomem();
    } else if (str_equal(argv[1], "change") || str_equal(argv[1], "remove")) {
        if (argc != 3) die_usage(USAGE);
        if (!pwfile_find(text.s, text.len, name.s, name.len, &start, &end))
            die_perm("no such user: ", name.s);
        if (!stralloc_copyb(&rest, text.s + end, text.len - end)) die_nomem();
        if (argv[1][0] == 'c') {
            if (!pwfile_parse(text.s + start, end - start - (text.s[end - 1] == '\n'), &e, &why))
                die_perm(PWFILE ": the line of ", name.s, " is malformed: ", why);
            passwd_read(hash);
            if (!stralloc_copyb(&oldhome, e.home, e.homelen)) die_nomem();
            {   /* keep uid, gid and home */
                char ubuf[FMT_ULONG], gbuf[FMT_ULONG];
                ubuf[e.hasids ? fmt_ulong(ubuf, e.uid) : 0] = 0;
                gbuf[e.hasids ? fmt_ulong(gbuf, e.gid) : 0] = 0;
                passwd_line(&line, &name, hash, ubuf, gbuf, oldhome.s, oldhome.len);
            }
        } else line.len = 0;
        text.len = start;
        if (!stralloc_cat(&text, &line) || !stralloc_cat(&text, &rest)) die_nomem();
    } else if (!str_equal(argv[1], "rebuild") || argc != 2) die_usage(USAGE);

    passwd_save(&text);
    return 0;
}
