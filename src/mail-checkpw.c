/* mail-checkpw: checkpassword interface over the virtual users of
   users/password.cdb (SHA-512 crypt hashes) */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>
#include "byte.h"
#include "case.h"
#include "stralloc.h"
#include "auto.h"
#include "die.h"
#include "pwfile.h"
#include "pwhash.h"

#define INMAX 512               /* bytes on fd 3, as checkpassword says */
#define EXIT_BAD 1              /* wrong name or password */
#define EXIT_MISUSE 2           /* the checkpassword interface's "misused" */

static char in[INMAX + 1];      /* one more: to notice longer input */

static void __attribute__((noreturn))
checkpw_misuse(const char *what)
{
    byte_zero(in, sizeof in);
    warn_x(what);
    _exit(EXIT_MISUSE);
}

static void __attribute__((noreturn))
checkpw_bad(void)
{
    byte_zero(in, sizeof in);
    _exit(EXIT_BAD);
}

/* fd 3 to EOF: the number of bytes */
static size_t
checkpw_read(void)
{
    size_t len = 0;
    ssize_t r;

    for (;;) {
        r = read(3, in + len, sizeof in - len);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1 && errno == EBADF) checkpw_misuse("fd 3 is not open");
        if (r == -1) die_temp("unable to read fd 3");
        if (r == 0) break;
        len += (size_t)r;
        if (len > INMAX) checkpw_misuse("more than 512 bytes on fd 3");
    }
    close(3);
    return len;
}

/* name=decimal u in the environment: 1 ok, 0 out of memory */
static int
checkpw_env(const char *name, unsigned long u)
{
    char num[24];
    char *p = num + sizeof num - 1;

    *p = 0;
    do *--p = (char)('0' + u % 10); while ((u /= 10) && p > num);
    return setenv(name, p, 1) == 0;
}

/* switch to the account when we can (root) and it says who; go home */
static void
checkpw_become(const struct pwent *e, const char *name)
{
    static stralloc home;
    gid_t gid;

    if (!stralloc_copyb(&home, e->home, e->homelen) || !stralloc_0(&home)) die_nomem();
    if (setenv("USER", name, 1) == -1) die_nomem();
    if (e->homelen && setenv("HOME", home.s, 1) == -1) die_nomem();
    if (e->hasids && geteuid() == 0 && getenv("ORIG_UID")) {
        /* Dovecot's checkpassword (it sets ORIG_UID): Dovecot refuses a
           reply from a switched uid and switches itself on userdb_uid
           and userdb_gid, which its reply program passes on (EXTRA) */
        if (!checkpw_env("userdb_uid", e->uid) || !checkpw_env("userdb_gid", e->gid)
            || setenv("EXTRA", "userdb_uid userdb_gid", 1) == -1) die_nomem();
    } else if (e->hasids && geteuid() == 0) {
        gid = (gid_t)e->gid;
        if (setgroups(1, &gid) == -1 || setgid(gid) == -1 || setuid((uid_t)e->uid) == -1)
            die_temp("unable to switch to the account of ", name);
    }
    /* an unprivileged caller that could not become the account (mail-smtpd's
       AUTH as kirimd) only wants the verdict: the home may be closed to it */
    if (e->hasids && geteuid() != 0 && geteuid() != (uid_t)e->uid) return;
    if (e->homelen && chdir(home.s) == -1) die_temp("unable to chdir to ", home.s);
}

int
main(int argc, char **argv)
{
    static stralloc path, line, name;
    struct pwent e;
    const char *user, *pass;
    size_t len, ulen, plen;
    int fd, r;

    progname = "mail-checkpw";
    if (argc < 2) checkpw_misuse("usage: mail-checkpw program [arg ...]");
    len = checkpw_read();
    user = in;
    ulen = byte_chr(in, len, 0);
    if (ulen >= len) checkpw_misuse("malformed input on fd 3 (no NUL after the name)");
    pass = in + ulen + 1;
    plen = byte_chr(pass, len - ulen - 1, 0);
    if (plen >= len - ulen - 1) checkpw_misuse("malformed input on fd 3 (no NUL after the password)");

    if (!stralloc_copyb(&name, user, ulen)) die_nomem();
    case_lowerb(name.s, name.len);
    if (!pwfile_name_ok(name.s, name.len)) { pwhash_dummy(pass); checkpw_bad(); }

    if (!stralloc_copys(&path, auto_home) || !stralloc_cats(&path, "/" PWFILE_CDB)
        || !stralloc_0(&path)) die_nomem();
    fd = open(path.s, O_RDONLY | O_CLOEXEC);
    if (fd == -1 && errno == ENOENT) { pwhash_dummy(pass); checkpw_bad(); }
    if (fd == -1) die_temp("unable to open ", path.s);
    r = pwfile_lookup(fd, name.s, name.len, &line, &e);
    close(fd);
    if (r == -1 && errno == EINVAL) {
        if (!stralloc_0(&name)) die_nomem();
        die_tempx("malformed record in ", path.s, " for ", name.s);
    }
    if (r == -1) die_temp("unable to read ", path.s);
    if (r == 0) { pwhash_dummy(pass); checkpw_bad(); }

    r = pwhash_check(pass, e.hash, e.hashlen);
    byte_zero(in, sizeof in);
    if (!stralloc_0(&name)) die_nomem();
    if (r == -1) die_tempx("the hash of ", name.s, " in ", path.s, " is not usable by crypt(3)");
    if (r == 0) checkpw_bad();

    checkpw_become(&e, name.s);
    execvp(argv[1], argv + 1);
    die_temp("unable to run ", argv[1]);
}
