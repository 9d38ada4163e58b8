/* hier.c: every installed path with its type, owner, group and mode */
#include "auto.h"
#include "hier.h"

#define BIN(n, m)  { 'f', "bin/" n, "bin/" n, U_ROOT, OWNER_SAME, m }
#define MAN(sec, n) { 'f', "doc/man/man" sec "/" n "." sec, "man/" n "." sec, \
                      U_ROOT, OWNER_SAME, 0644 }

const struct hier hier[] = {
    { 'd', "", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "bin", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "control", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "users", 0, U_ROOT, OWNER_SAME, 0755 },
    /* empty; its owner is the daemon user's uid, for mail-queue (doc/internals.md) */
    { 'z', "users/daemon.uid", 0, U_DAEMON, OWNER_SAME, 0444 },
    { 'd', "alias", 0, U_ALIAS, G_OTHER, 0755 },
    { 'd', "doc", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "doc/man", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "doc/man/man1", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "doc/man/man5", 0, U_ROOT, OWNER_SAME, 0755 },
    { 'd', "doc/man/man8", 0, U_ROOT, OWNER_SAME, 0755 },

    /* the queue (DESIGN section 5); mail-queue runs as kirimq:kirim */
    { 'd', "queue", 0, U_QUEUE, G_QUEUE, 0750 },
    { 'd', "queue/pid", 0, U_QUEUE, G_QUEUE, 0700 },
    { 's', "queue/mess", 0, U_QUEUE, G_QUEUE, 0750 },
    { 's', "queue/intd", 0, U_QUEUE, G_QUEUE, 0700 },
    { 's', "queue/todo", 0, U_QUEUE, G_QUEUE, 0750 },
    { 's', "queue/info", 0, U_SEND, G_QUEUE, 0700 },
    { 's', "queue/local", 0, U_SEND, G_QUEUE, 0700 },
    { 's', "queue/remote", 0, U_SEND, G_QUEUE, 0700 },
    { 'd', "queue/bounce", 0, U_SEND, G_QUEUE, 0700 },
    { 'd', "queue/lock", 0, U_QUEUE, G_QUEUE, 0750 },
    { 'z', "queue/lock/tcpto", 0, U_REMOTE, G_QUEUE, 0644 },
    { 'z', "queue/lock/sendmutex", 0, U_SEND, G_QUEUE, 0600 },
    { 'p', "queue/lock/trigger", 0, U_SEND, G_QUEUE, 0620 },

    /* programs: only mail-queue is set-id, to kirimq:kirim, never root */
    { 'f', "bin/mail-queue", "bin/mail-queue", U_QUEUE, G_QUEUE, 06711 },
    BIN("kirim-install", 0755),
    BIN("kirim-instcheck", 0755),
    BIN("mail-inject", 0755),
    BIN("mail-lspawn", 0700),
    BIN("mail-local", 0755),
    BIN("mail-getpw", 0755),
    BIN("mail-newu", 0700),
    BIN("mail-send", 0755),
    BIN("mail-clean", 0755),
    BIN("mail-start", 0700),
    BIN("sendmail", 0755),
    BIN("maildirmake", 0755),
    BIN("mail-qstat", 0755),
    BIN("mail-qread", 0755),
    BIN("mail-showctl", 0755),
    BIN("mail-smtpd", 0755),
    BIN("mail-rspawn", 0755),
    BIN("mail-remote", 0755),
    BIN("mail-tcpto", 0755),
    BIN("mail-tcpok", 0755),
    BIN("mail-popup", 0755),
    BIN("mail-pop3d", 0755),
    BIN("mail-checkpw", 0755),
    BIN("mail-passwd", 0700),
    BIN("mail-account", 0700),

    MAN("8", "mail-queue"),
    MAN("5", "kirim-queue"),
    MAN("8", "kirim-install"),
    MAN("8", "kirim-instcheck"),
    MAN("8", "mail-inject"),
    MAN("8", "mail-lspawn"),
    MAN("8", "mail-local"),
    MAN("5", "dot-qmail"),
    MAN("8", "mail-getpw"),
    MAN("8", "mail-newu"),
    MAN("5", "users-assign"),
    MAN("8", "mail-send"),
    MAN("8", "mail-clean"),
    MAN("8", "mail-start"),
    MAN("8", "sendmail"),
    MAN("1", "maildirmake"),
    MAN("8", "mail-qstat"),
    MAN("8", "mail-qread"),
    MAN("8", "mail-showctl"),
    MAN("8", "mail-smtpd"),
    MAN("5", "kirim-control"),
    MAN("8", "mail-rspawn"),
    MAN("8", "mail-remote"),
    MAN("5", "smtproutes"),
    MAN("5", "tlsdestinations"),
    MAN("8", "mail-tcpto"),
    MAN("8", "mail-tcpok"),
    MAN("8", "mail-popup"),
    MAN("8", "mail-pop3d"),
    MAN("8", "mail-checkpw"),
    MAN("8", "mail-passwd"),
    MAN("5", "users-password"),
    MAN("8", "mail-account"),
    MAN("5", "kirim-quota"),
};

const unsigned int hier_count = sizeof hier / sizeof hier[0];

#include <grp.h>
#include <pwd.h>
#include "fmt.h"

int
hier_ids(const struct hier *h, uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam(auto_users[h->owner]);
    struct group *gr;

    if (!pw) return 0;
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (h->group != OWNER_SAME) {
        if (!(gr = getgrnam(auto_groups[h->group]))) return 0;
        *gid = gr->gr_gid;
    }
    return 1;
}

int
hier_path(stralloc *sa, const char *destdir, const char *path, long sub)
{
    char num[FMT_ULONG];
    size_t n;

    if (!stralloc_copys(sa, destdir) || !stralloc_cats(sa, auto_home)) return 0;
    if (*path && (!stralloc_append(sa, "/") || !stralloc_cats(sa, path))) return 0;
    if (sub >= 0) {
        n = fmt_ulong(num, (unsigned long)sub);
        if (!stralloc_append(sa, "/") || !stralloc_catb(sa, num, n)) return 0;
    }
    return stralloc_0(sa);
}
