/* mail-account: hosted domains, virtual mailboxes, aliases, catch-alls
   and quotas on top of virtualdomains, users/assign, .qmail files and
   users/password (design: doc/accounts.md) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "buffer.h"
#include "byte.h"
#include "case.h"
#include "str.h"
#include "stralloc.h"
#include "auto.h"
#include "control.h"
#include "die.h"
#include "mdquota.h"
#include "pwfile.h"
#include "pwhash.h"
#include "pwread.h"
#include "usersdb.h"
#include "vmail.h"

#define VUSER "kirimv"          /* owner of every virtual mailbox */
#define LOGFILE "users/mail-account.log"
#define HUPFIFO "service/send/supervise/control"
#define MARK "# mail-account: "
#define USAGE "mail-account domain add DOMAIN [-d DIR] | domain del DOMAIN | domain list\n" \
    " | user add|del|passwd ADDRESS | user list [DOMAIN]\n" \
    " | alias add ADDRESS TARGET... | alias del ADDRESS [TARGET...] | alias list [DOMAIN]\n" \
    " | catchall DOMAIN TARGET|none | quota ADDRESS SIZE|none"

static uid_t vuid;
static gid_t vgid;
static stralloc local, domain;  /* of the ADDRESS or DOMAIN argument, lower case, NUL-ended */
static stralloc ddir;           /* the domain's directory (users/assign), NUL-ended */
static stralloc fn, text, line, key, val, out;
static int washup;              /* virtualdomains changed: mail-send must reread */

/* ---- small helpers ---- */

static void
acct_cats(stralloc *sa, const char *s)
{
    if (!stralloc_cats(sa, s)) die_nomem();
}

static void
acct_catb(stralloc *sa, const char *s, size_t n)
{
    if (!stralloc_catb(sa, s, n)) die_nomem();
}

static void
acct_0(stralloc *sa)
{
    if (!stralloc_0(sa)) die_nomem();
    --sa->len;
}

/* decimal by hand: libowfat declares fmt_ulong pure (doc/internals.md) */
static void
acct_num(stralloc *sa, unsigned long u)
{
    char num[24];
    char *p = num + sizeof num;

    do *--p = (char)('0' + u % 10); while ((u /= 10) && p > num);
    acct_catb(sa, p, (size_t)(num + sizeof num - p));
}

/* read a whole file (missing: empty) */
static void
acct_read(stralloc *sa, const char *f)
{
    if (control_readfile(sa, f) == -1) die_temp("unable to read ", f);
}

static void
acct_write(const char *f, const stralloc *sa, mode_t mode, int vowned)
{
    const char *why;

    if (vmail_write(f, sa->s, sa->len, mode, vowned ? vuid : (uid_t)-1, vgid, &why) == -1)
        die_temp(why, " for ", f);
}

/* mkdir (or an existing directory), owned by VUSER with mode */
static void
acct_mkdir(const char *d, mode_t mode)
{
    struct stat st;

    if (mkdir(d, mode) == -1 && errno != EEXIST) die_temp("unable to create ", d);
    if (lstat(d, &st) == -1) die_temp("unable to stat ", d);
    if (!S_ISDIR(st.st_mode)) die_perm(d, " exists and is not a directory");
    if (chown(d, vuid, vgid) == -1 || chmod(d, mode) == -1)
        die_temp("unable to set owner and mode of ", d);
}

/* ADDRESS into local and domain; dies when it is not one */
static void
acct_address(const char *a)
{
    size_t n = str_len(a), at = str_rchr(a, '@');

    if (!a[at]) die_perm("not an address: ", a);
    if (!stralloc_copyb(&local, a, at) || !stralloc_copyb(&domain, a + at + 1, n - at - 1))
        die_nomem();
    case_lowerb(local.s, local.len);
    case_lowerb(domain.s, domain.len);
    acct_0(&local);
    acct_0(&domain);
    if (!vmail_local_ok(local.s, local.len))
        die_perm("bad name ", local.s, ": use a-z 0-9 . _ - (at most 64 bytes, not default)");
    if (!vmail_domain_ok(domain.s, domain.len)) die_perm("bad domain ", domain.s);
}

static void
acct_domainarg(const char *d)
{
    if (!stralloc_copys(&domain, d)) die_nomem();
    case_lowerb(domain.s, domain.len);
    acct_0(&domain);
    if (!vmail_domain_ok(domain.s, domain.len)) die_perm("bad domain ", domain.s);
}

/* "+kv-DOMAIN-:" into key */
static void
acct_assignkey(stralloc *k, const char *d)
{
    if (!stralloc_copys(k, "+" VMAIL_PREFIX)) die_nomem();
    acct_cats(k, d);
    acct_cats(k, "-:");
}

/* the directory of a hosted domain into ddir: 1, or 0 not hosted */
static int
acct_hosted(const char *d)
{
    static stralloc assign, k;
    static struct account a;
    const char *why;
    size_t start, end;

    acct_read(&assign, "users/assign");
    acct_assignkey(&k, d);
    if (!vmail_line_find(&assign, k.s, k.len, 0, &start, &end)) return 0;
    if (assign.s[end - 1] == '\n') --end;
    if (usersdb_line(assign.s + start, end - start, &key, &val, &why) != 1
        || account_parse(&a, val.s, val.len) != 1)
        die_perm("users/assign: the line of ", d, " is malformed");
    if (!stralloc_copy(&ddir, &a.home)) die_nomem();
    acct_0(&ddir);
    return 1;
}

static void
acct_needdomain(void)
{
    if (!acct_hosted(domain.s)) die_perm("not a hosted domain: ", domain.s);
}

/* ddir/.qmail-NAME into fn ('.' is ':' in .qmail file names) */
static void
acct_qmailfn(const char *name)
{
    size_t i;

    if (!stralloc_copy(&fn, &ddir)) die_nomem();
    acct_cats(&fn, "/.qmail-");
    i = fn.len;
    acct_cats(&fn, name);
    for (; i < fn.len; ++i) if (fn.s[i] == '.') fn.s[i] = ':';
    acct_0(&fn);
}

/* what the .qmail file fn is: 'u' user, 'a' alias, 'c' catch-all,
   0 none, '?' not written by mail-account; its text in sa */
static int
acct_kind(const char *f, stralloc *sa)
{
    size_t n = sizeof MARK - 1;

    switch (control_readfile(sa, f)) {
    case -1: die_temp("unable to read ", f);
    case 0: return 0;
    }
    if (sa->len <= n || !byte_equal(sa->s, n, MARK)) return '?';
    if (sa->len >= n + 5 && byte_equal(sa->s + n, 5, "user\n")) return 'u';
    if (sa->len >= n + 6 && byte_equal(sa->s + n, 6, "alias\n")) return 'a';
    if (sa->len >= n + 9 && byte_equal(sa->s + n, 9, "catchall\n")) return 'c';
    return '?';
}

/* ddir/LOCAL (and /Maildir) into fn */
static void
acct_boxdir(const char *name, int maildir)
{
    if (!stralloc_copy(&fn, &ddir)) die_nomem();
    acct_cats(&fn, "/");
    acct_cats(&fn, name);
    if (maildir) acct_cats(&fn, "/Maildir");
    acct_0(&fn);
}

/* remove f and sync its directory (ddir) */
static void
acct_unlink(const char *f)
{
    int fd;

    if (unlink(f) == -1 && errno != ENOENT) die_temp("unable to remove ", f);
    fd = open(ddir.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 || fsync(fd) == -1) die_temp("unable to sync ", ddir.s);
    close(fd);
}

/* ---- logging and telling others ---- */

static void
acct_log(int argc, char **argv)
{
    static stralloc l;
    char t[32];
    time_t now = time(0);
    struct tm *tm = gmtime(&now);
    size_t stamp = 0;
    int fd, i;

    l.len = 0;
    if (tm && strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S ", tm)) acct_cats(&l, t);
    stamp = l.len;              /* stderr gets the line without the time */
    acct_cats(&l, "uid ");
    acct_num(&l, (unsigned long)getuid());
    for (i = 1; i < argc; ++i) { acct_cats(&l, " "); acct_cats(&l, argv[i]); }
    acct_cats(&l, "\n");
    buffer_puts(buffer_2, "mail-account: ");
    buffer_put(buffer_2, l.s + stamp, l.len - stamp);
    buffer_flush(buffer_2);
    fd = open(LOGFILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1 || write(fd, l.s, l.len) != (ssize_t)l.len || fsync(fd) == -1)
        warn_sys("the change is made, but it could not be logged in ", auto_home, "/" LOGFILE);
    if (fd != -1) close(fd);
}

/* mail-send rereads control/ on SIGHUP: through its supervisor when
   there is one (daemontools or runit read "h" on supervise/control) */
static void
acct_hup(void)
{
    int fd = open(HUPFIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd != -1 && write(fd, "h", 1) == 1) {
        close(fd);
        buffer_putsflush(buffer_2, "mail-account: told mail-send to reread its control files\n");
        return;
    }
    if (fd != -1) close(fd);
    warn_x("no supervisor reads ", auto_home, "/" HUPFIFO ": tell mail-send to reread"
           " its control files (svc -h on its service, or kill -HUP mail-start's pid)");
}

static void
acct_newu(void)
{
    pid_t pid;
    int ws;

    pid = fork();
    if (pid == -1) die_temp("unable to fork");
    if (pid == 0) {
        execl("bin/mail-newu", "mail-newu", (char *)0);
        _exit(111);
    }
    while (waitpid(pid, &ws, 0) == -1)
        if (errno != EINTR) die_temp("unable to wait for mail-newu");
    if (!WIFEXITED(ws) || WEXITSTATUS(ws)) die_tempx("bin/mail-newu failed");
}

/* ---- the password file ---- */

static void
acct_pwsave(void)
{
    struct passwd *pw = getpwnam(auto_users[U_DAEMON]);
    unsigned long l;
    const char *why;

    if (!pw) die_tempx("unknown user ", auto_users[U_DAEMON]);
    switch (pwfile_save(&text, 1, pw->pw_uid, pw->pw_gid, &l, &why)) {
    case -1: die_temp(why);
    case -2: die_perm(PWFILE ": ", why, "; nothing changed");
    }
}

static void
acct_pwread(void)
{
    acct_read(&text, PWFILE);
    if (text.len && text.s[text.len - 1] != '\n') acct_cats(&text, "\n");
}

/* the password line of local@domain: 1 (start, end), 0 none */
static int
acct_pwfind(size_t *start, size_t *end)
{
    if (!stralloc_copy(&key, &local)) die_nomem();
    acct_cats(&key, "@");
    acct_cats(&key, domain.s);
    return pwfile_find(text.s, text.len, key.s, key.len, start, end);
}

/* ---- domains ---- */

static void
domain_add(const char *dir)
{
    static stralloc k;
    struct stat st;
    size_t s, e;

    if (acct_hosted(domain.s)) die_perm(domain.s, " is hosted already");
    acct_read(&text, "control/locals");
    if (vmail_line_find(&text, domain.s, domain.len, 1, &s, &e))
        die_perm(domain.s, " is in control/locals: remove it there first");
    acct_read(&text, "control/virtualdomains");
    if (!stralloc_copy(&k, &domain)) die_nomem();
    acct_cats(&k, ":");
    if (vmail_line_find(&text, k.s, k.len, 0, &s, &e))
        die_perm(domain.s, " has a line in control/virtualdomains already");
    if (dir) {
        if (dir[0] != '/' || dir[str_chr(dir, ':')] || dir[str_chr(dir, '\n')])
            die_perm("-d takes an absolute path without : or newline");
        if (!stralloc_copys(&ddir, dir)) die_nomem();
    } else {
        if (!stralloc_copys(&ddir, auto_home)) die_nomem();
        acct_cats(&ddir, "/vmail");
        acct_0(&ddir);
        if (mkdir(ddir.s, 0755) == -1 && errno != EEXIST) die_temp("unable to create ", ddir.s);
        if (stat(ddir.s, &st) == -1 || !S_ISDIR(st.st_mode)) die_temp("unable to use ", ddir.s);
        acct_cats(&ddir, "/");
        acct_cats(&ddir, domain.s);
    }
    acct_0(&ddir);
    acct_mkdir(ddir.s, 0711);   /* others may search it: deliverable() stats .qmail files */

    /* users/assign: every kv-DOMAIN-NAME is VUSER in ddir with .qmail-NAME */
    acct_read(&text, "users/assign");
    acct_assignkey(&line, domain.s);
    acct_cats(&line, VUSER ":");
    acct_num(&line, (unsigned long)vuid);
    acct_cats(&line, ":");
    acct_num(&line, (unsigned long)vgid);
    acct_cats(&line, ":");
    acct_cats(&line, ddir.s);
    acct_cats(&line, ":-::");
    if (vmail_assign_add(&text, line.s, line.len) == -1) die_nomem();
    acct_write("users/assign", &text, 0644, 0);
    acct_newu();

    acct_read(&text, "control/virtualdomains");
    if (!stralloc_copy(&line, &k)) die_nomem();
    acct_cats(&line, VMAIL_PREFIX);
    acct_cats(&line, domain.s);
    if (vmail_line_add(&text, line.s, line.len) == -1) die_nomem();
    acct_write("control/virtualdomains", &text, 0644, 0);

    acct_read(&text, "control/rcpthosts");
    if (vmail_line_add(&text, domain.s, domain.len) == -1) die_nomem();
    acct_write("control/rcpthosts", &text, 0644, 0);
    washup = 1;
}

static void
domain_del(void)
{
    static stralloc k;
    struct pwent e;
    const char *why;
    size_t pos, end;

    acct_needdomain();
    acct_read(&text, "control/rcpthosts");
    if (vmail_line_del(&text, domain.s, domain.len, 1))
        acct_write("control/rcpthosts", &text, 0644, 0);
    acct_read(&text, "control/virtualdomains");
    if (!stralloc_copy(&k, &domain)) die_nomem();
    acct_cats(&k, ":" VMAIL_PREFIX);
    acct_cats(&k, domain.s);
    if (vmail_line_del(&text, k.s, k.len, 1))
        acct_write("control/virtualdomains", &text, 0644, 0);
    washup = 1;
    acct_read(&text, "users/assign");
    acct_assignkey(&k, domain.s);
    vmail_line_del(&text, k.s, k.len, 0);
    acct_write("users/assign", &text, 0644, 0);
    acct_newu();

    /* the passwords of the domain's mailboxes */
    acct_pwread();
    if (!stralloc_copys(&k, "@")) die_nomem();
    acct_cats(&k, domain.s);
    for (pos = 0; pos < text.len; pos = end) {
        end = pos + byte_chr(text.s + pos, text.len - pos, '\n');
        if (end < text.len) ++end;
        if (pwfile_parse(text.s + pos, end - pos - (text.s[end - 1] == '\n'), &e, &why)
            && e.namelen > k.len && byte_equal(e.name + e.namelen - k.len, k.len, k.s)) {
            byte_copy(text.s + pos, text.len - end, text.s + end);
            text.len -= end - pos;
            end = pos;
        }
    }
    acct_pwsave();
    buffer_puts(buffer_2, "mail-account: the mailboxes stay in ");
    buffer_puts(buffer_2, ddir.s);
    buffer_putsflush(buffer_2, " (remove them with rm -r when they are not needed)\n");
}

static void
domain_list(void)
{
    static struct account a;
    const char *why;
    size_t pos, end, n = sizeof "+" VMAIL_PREFIX - 1;

    acct_read(&text, "users/assign");
    for (pos = 0; pos < text.len; pos = end + 1) {
        end = pos + byte_chr(text.s + pos, text.len - pos, '\n');
        if (end - pos <= n || !byte_equal(text.s + pos, n, "+" VMAIL_PREFIX)) continue;
        if (usersdb_line(text.s + pos, end - pos, &key, &val, &why) != 1) continue;
        if (account_parse(&a, val.s, val.len) != 1 || key.len < n + 2) continue;
        buffer_put(buffer_1, key.s + n, key.len - n - 1);      /* without the last '-' */
        buffer_puts(buffer_1, " ");
        buffer_puts(buffer_1, a.home.s);
        buffer_puts(buffer_1, "\n");
    }
}

/* ---- mailboxes ---- */

static void
user_add(const char *hash)
{
    static stralloc boxdir;
    size_t start, end;

    acct_needdomain();
    acct_qmailfn(local.s);
    if (acct_kind(fn.s, &out)) die_perm(local.s, "@", domain.s, " exists already (", fn.s, ")");
    acct_pwread();
    if (acct_pwfind(&start, &end)) die_perm(key.s, " has a line in " PWFILE " already");

    acct_boxdir(local.s, 0);
    if (!stralloc_copy(&boxdir, &fn)) die_nomem();
    acct_0(&boxdir);
    acct_mkdir(boxdir.s, 0700);
    acct_boxdir(local.s, 1);
    acct_mkdir(fn.s, 0700);
    acct_cats(&fn, "/tmp"); acct_0(&fn); acct_mkdir(fn.s, 0700); fn.len -= 3;
    acct_cats(&fn, "new"); acct_0(&fn); acct_mkdir(fn.s, 0700); fn.len -= 3;
    acct_cats(&fn, "cur"); acct_0(&fn); acct_mkdir(fn.s, 0700);

    if (!stralloc_copy(&line, &key)) die_nomem();
    acct_cats(&line, ":");
    acct_cats(&line, hash);
    acct_cats(&line, ":");
    acct_num(&line, (unsigned long)vuid);
    acct_cats(&line, ":");
    acct_num(&line, (unsigned long)vgid);
    acct_cats(&line, ":");
    acct_cats(&line, boxdir.s);
    acct_cats(&line, "\n");
    if (!stralloc_cat(&text, &line)) die_nomem();
    acct_pwsave();

    /* last: the address goes live */
    if (!stralloc_copys(&out, MARK "user\n./")) die_nomem();
    acct_cats(&out, local.s);
    acct_cats(&out, "/Maildir/\n");
    acct_qmailfn(local.s);
    acct_write(fn.s, &out, 0600, 1);
}

static void
user_del(void)
{
    size_t start, end;

    acct_needdomain();
    acct_qmailfn(local.s);
    if (acct_kind(fn.s, &out) != 'u') die_perm("no such mailbox: ", local.s, "@", domain.s);
    acct_unlink(fn.s);
    acct_pwread();
    if (acct_pwfind(&start, &end)) {
        byte_copy(text.s + start, text.len - end, text.s + end);
        text.len -= end - start;
        acct_pwsave();
    }
    acct_boxdir(local.s, 0);
    buffer_puts(buffer_2, "mail-account: the mailbox stays in ");
    buffer_puts(buffer_2, fn.s);
    buffer_putsflush(buffer_2, " (remove it with rm -r when it is not needed)\n");
}

static void
user_passwd(const char *hash)
{
    static stralloc rest;
    struct pwent e;
    const char *why;
    size_t start, end;

    acct_needdomain();
    acct_qmailfn(local.s);
    if (acct_kind(fn.s, &out) != 'u') die_perm("no such mailbox: ", local.s, "@", domain.s);
    acct_pwread();
    if (!acct_pwfind(&start, &end)) die_perm("no line in " PWFILE " for ", key.s);
    if (!pwfile_parse(text.s + start, end - start - (text.s[end - 1] == '\n'), &e, &why))
        die_perm(PWFILE ": the line of ", key.s, " is malformed: ", why);
    /* name:HASH:rest */
    if (!stralloc_copyb(&rest, e.hash + e.hashlen, text.len - (size_t)(e.hash + e.hashlen - text.s)))
        die_nomem();
    text.len = (size_t)(e.hash - text.s);
    acct_cats(&text, hash);
    if (!stralloc_cat(&text, &rest)) die_nomem();
    acct_pwsave();
}

static void
user_listone(const struct pwent *e)
{
    static stralloc name;
    unsigned long limit, used;
    size_t at = byte_rchr(e->name, e->namelen, '@');
    int r;

    if (!stralloc_copyb(&name, e->name, at)) die_nomem();
    acct_0(&name);
    acct_qmailfn(name.s);
    if (acct_kind(fn.s, &out) != 'u') return;
    acct_boxdir(name.s, 1);
    buffer_put(buffer_1, e->name, e->namelen);
    r = mdquota_limit(fn.s, &limit);
    if (r == -1) die_temp("unable to read the quota of ", fn.s);
    if (mdquota_usage(fn.s, &used) == -1) die_temp("unable to measure ", fn.s);
    stralloc_zero(&out);
    acct_cats(&out, " quota ");
    if (r) acct_num(&out, limit); else acct_cats(&out, "none");
    acct_cats(&out, " used ");
    acct_num(&out, used);
    acct_cats(&out, "\n");
    buffer_put(buffer_1, out.s, out.len);
}

/* list the mailboxes (what = 'u') or aliases ('a') of one domain, or of all */
static void
acct_listall(const char *onlydomain, void (*each)(const char *))
{
    static stralloc all;
    static stralloc d;
    size_t pos, end, n = sizeof "+" VMAIL_PREFIX - 1;

    if (onlydomain) {
        acct_domainarg(onlydomain);
        acct_needdomain();
        each(domain.s);
        return;
    }
    acct_read(&all, "users/assign");
    for (pos = 0; pos < all.len; pos = end + 1) {
        end = pos + byte_chr(all.s + pos, all.len - pos, '\n');
        if (end - pos <= n || !byte_equal(all.s + pos, n, "+" VMAIL_PREFIX)) continue;
        {
            size_t c = byte_chr(all.s + pos, end - pos, ':');
            if (c < n + 2 || c >= end - pos) continue;
            if (!stralloc_copyb(&d, all.s + pos + n, c - n - 1)) die_nomem();
        }
        acct_0(&d);
        if (!acct_hosted(d.s)) continue;
        each(d.s);
    }
}

static void
user_listdomain(const char *d)
{
    static stralloc k, pw;
    struct pwent e;
    const char *why;
    size_t pos, end;

    acct_read(&pw, PWFILE);
    if (!stralloc_copys(&k, "@")) die_nomem();
    acct_cats(&k, d);
    for (pos = 0; pos < pw.len; pos = end + 1) {
        end = pos + byte_chr(pw.s + pos, pw.len - pos, '\n');
        if (!pwfile_parse(pw.s + pos, end - pos, &e, &why)) continue;
        if (e.namelen > k.len && byte_equal(e.name + e.namelen - k.len, k.len, k.s))
            user_listone(&e);
    }
}

static void
user_quota(const char *size)
{
    unsigned long bytes;

    acct_needdomain();
    acct_qmailfn(local.s);
    if (acct_kind(fn.s, &out) != 'u') die_perm("no such mailbox: ", local.s, "@", domain.s);
    acct_boxdir(local.s, 1);
    acct_cats(&fn, "/" MDQUOTA_FILE);
    acct_0(&fn);
    if (str_equal(size, "none")) {
        if (unlink(fn.s) == -1 && errno != ENOENT) die_temp("unable to remove ", fn.s);
        return;
    }
    if (!vmail_size(size, &bytes)) die_perm("bad size ", size, ": a number of bytes, or with K, M or G");
    stralloc_zero(&out);
    acct_num(&out, bytes);
    acct_cats(&out, "\n");
    acct_write(fn.s, &out, 0644, 0);
}

/* ---- aliases and catch-alls ---- */

/* a target into line (lower case domain); dies when it cannot be one,
   or names nothing in a domain hosted here */
static void
acct_target(const char *t)
{
    static stralloc savedir, tl;
    size_t at;

    if (!stralloc_copys(&line, t)) die_nomem();
    at = byte_rchr(line.s, line.len, '@');
    if (at < line.len) case_lowerb(line.s + at + 1, line.len - at - 1);
    acct_0(&line);
    if (!vmail_addr_ok(line.s, line.len)) die_perm("bad target address: ", t);
    if (!stralloc_copy(&savedir, &ddir) || !stralloc_copyb(&tl, line.s, at)) die_nomem();
    acct_0(&tl);
    case_lowerb(tl.s, tl.len);
    if (acct_hosted(line.s + at + 1)) {     /* ours: names are lower case */
        int k;
        case_lowerb(line.s, at);
        acct_qmailfn(tl.s);
        k = acct_kind(fn.s, &out);
        if (k != 'u' && k != 'a') die_perm("no mailbox or alias ", line.s, " here");
    }
    if (!stralloc_copy(&ddir, &savedir)) die_nomem();
}

/* the targets of an alias or catch-all file text: lines "&address" */
static void
alias_write(const char *kind, const stralloc *targets)
{
    if (!stralloc_copys(&out, MARK)) die_nomem();
    acct_cats(&out, kind);
    acct_cats(&out, "\n");
    if (!stralloc_cat(&out, targets)) die_nomem();
    acct_write(fn.s, &out, 0600, 1);
}

static void
alias_add(int n, char **t)
{
    static stralloc targets;
    int i, k;

    acct_needdomain();
    acct_qmailfn(local.s);
    k = acct_kind(fn.s, &targets);
    if (k && k != 'a') die_perm(local.s, "@", domain.s, " exists and is not an alias");
    if (k) {        /* keep the old targets, without the mark line */
        size_t e = byte_chr(targets.s, targets.len, '\n') + 1;
        byte_copy(targets.s, targets.len - e, targets.s + e);
        targets.len -= e;
    }
    for (i = 0; i < n; ++i) {
        acct_target(t[i]);
        if (!stralloc_copys(&key, "&")) die_nomem();
        acct_cats(&key, line.s);
        if (vmail_line_add(&targets, key.s, key.len) == -1) die_nomem();
    }
    acct_qmailfn(local.s);
    alias_write("alias", &targets);
}

static void
alias_del(int n, char **t)
{
    static stralloc targets;
    size_t e;
    int i;

    acct_needdomain();
    acct_qmailfn(local.s);
    if (acct_kind(fn.s, &targets) != 'a') die_perm("no such alias: ", local.s, "@", domain.s);
    e = byte_chr(targets.s, targets.len, '\n') + 1;
    byte_copy(targets.s, targets.len - e, targets.s + e);
    targets.len -= e;
    for (i = 0; i < n; ++i) {
        if (!stralloc_copys(&key, "&")) die_nomem();
        acct_cats(&key, t[i]);
        e = byte_rchr(key.s, key.len, '@');
        if (e < key.len) case_lowerb(key.s + e, key.len - e);
        if (!vmail_line_del(&targets, key.s, key.len, 1))
            die_perm(t[i], " is not a target of ", local.s, "@", domain.s);
    }
    if (!n || !targets.len) acct_unlink(fn.s);
    else alias_write("alias", &targets);
}

static void
alias_listdomain(const char *d)
{
    static stralloc name;
    struct dirent *de;
    DIR *dp = opendir(ddir.s);
    size_t i;

    if (!dp) die_temp("unable to read ", ddir.s);
    while ((de = readdir(dp))) {
        if (!str_start(de->d_name, ".qmail-") || str_equal(de->d_name, ".qmail-default")) continue;
        if (!stralloc_copys(&name, de->d_name + 7)) die_nomem();
        for (i = 0; i < name.len; ++i) if (name.s[i] == ':') name.s[i] = '.';
        acct_0(&name);
        acct_qmailfn(name.s);
        if (acct_kind(fn.s, &out) != 'a') continue;
        buffer_puts(buffer_1, name.s);
        buffer_puts(buffer_1, "@");
        buffer_puts(buffer_1, d);
        buffer_puts(buffer_1, ":");
        for (i = sizeof MARK + 5; i < out.len; ++i) {
            if (out.s[i] == '&') buffer_puts(buffer_1, " ");
            else if (out.s[i] != '\n') buffer_put(buffer_1, out.s + i, 1);
        }
        buffer_puts(buffer_1, "\n");
    }
    closedir(dp);
}

static void
catchall(const char *t)
{
    static stralloc targets;
    int k;

    acct_needdomain();
    acct_qmailfn("default");
    k = acct_kind(fn.s, &out);
    if (k && k != 'c') die_perm(fn.s, " was not written by mail-account; edit it by hand");
    if (str_equal(t, "none")) { if (k) acct_unlink(fn.s); return; }
    acct_target(t);
    if (!stralloc_copys(&targets, "&")) die_nomem();
    acct_cats(&targets, line.s);
    acct_cats(&targets, "\n");
    acct_qmailfn("default");
    alias_write("catchall", &targets);
}

/* ---- main ---- */

static void
acct_usage(int ok)
{
    if (!ok) die_usage(USAGE);
}

int
main(int argc, char **argv)
{
    char hash[PWHASH_MAX];
    const char *cmd, *verb = "", *why;
    struct passwd *pw;
    int lock, code;

    progname = "mail-account";
    acct_usage(argc >= 2);
    cmd = argv[1];
    if (argc >= 3) verb = argv[2];
    if (geteuid() != 0) die_perm("only root may change accounts");
    if (!(pw = getpwnam(VUSER))) die_tempx("unknown user " VUSER " (make setup creates it)");
    vuid = pw->pw_uid;
    vgid = pw->pw_gid;
    if (vuid == 0) die_perm("user " VUSER " has uid 0");
    if (chdir(auto_home) == -1) die_temp("unable to chdir to ", auto_home);
    umask(022);
    signal(SIGPIPE, SIG_IGN);

    /* check the arguments, and read a password, before taking the lock */
    if (str_equal(cmd, "domain")) {
        acct_usage(argc >= 3);
        if (str_equal(verb, "list")) acct_usage(argc == 3);
        else if (str_equal(verb, "add")) acct_usage(argc == 4 || (argc == 6 && str_equal(argv[4], "-d")));
        else acct_usage(str_equal(verb, "del") && argc == 4);
        if (argc >= 4) acct_domainarg(argv[3]);
    } else if (str_equal(cmd, "user") || str_equal(cmd, "alias")) {
        acct_usage(argc >= 3);
        if (str_equal(verb, "list")) acct_usage(argc <= 4);
        else if (cmd[0] == 'u') acct_usage(argc == 4 && (str_equal(verb, "add") || str_equal(verb, "del") || str_equal(verb, "passwd")));
        else acct_usage((str_equal(verb, "add") && argc >= 5) || (str_equal(verb, "del") && argc >= 4));
        if (!str_equal(verb, "list")) acct_address(argv[3]);
        if (cmd[0] == 'u' && (str_equal(verb, "add") || str_equal(verb, "passwd"))) {
            code = pwread_new(hash, &why);
            if (code == EXIT_PERM) die_perm(why);
            if (code) die_temp(why);
        }
    } else if (str_equal(cmd, "catchall")) {
        acct_usage(argc == 4);
        acct_domainarg(argv[2]);
    } else if (str_equal(cmd, "quota")) {
        acct_usage(argc == 4);
        acct_address(argv[2]);
    } else acct_usage(0);

    if ((lock = pwfile_lock()) == -1) die_temp("unable to lock " PWFILE_LOCK);
    if (str_equal(cmd, "domain")) {
        if (verb[0] == 'l') domain_list();
        else if (verb[0] == 'a') domain_add(argc == 6 ? argv[5] : 0);
        else domain_del();
    } else if (cmd[0] == 'u') {
        if (verb[0] == 'l') acct_listall(argc == 4 ? argv[3] : 0, user_listdomain);
        else if (verb[0] == 'a') user_add(hash);
        else if (verb[0] == 'd') user_del();
        else user_passwd(hash);
    } else if (cmd[0] == 'a') {
        if (verb[0] == 'l') acct_listall(argc == 4 ? argv[3] : 0, alias_listdomain);
        else if (verb[0] == 'a') alias_add(argc - 4, argv + 4);
        else alias_del(argc - 4, argv + 4);
    } else if (cmd[0] == 'c') catchall(argv[3]);
    else user_quota(argv[3]);
    byte_zero(hash, sizeof hash);

    if (buffer_flush(buffer_1) == -1) die_temp("unable to write output");
    if (!str_equal(verb, "list")) {
        acct_log(argc, argv);
        if (washup) acct_hup();
    }
    close(lock);
    return 0;
}
