/* deliverable_t.c: the account lookup and the "would local delivery accept it" answer */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cdb_make.h"
#include "stralloc.h"
#include "deliverable.h"
#include "dotqmail.h"
#include "t.h"

/* This test replaces the build's auto_home and auto_users (the linker
   then leaves the archive's copies out): conf-home is the test's
   temporary directory (the working directory), the alias user is
   nobody, and the instance is a multi-user one. */
const char auto_home[] = ".";
const char *const auto_users[8] = {
    "nobody", "kirimd", "kiriml", "kirimp", "kirimq", "kirimr", "kirims", "root"
};
const char *const auto_groups[2] = { "kirim", "nofiles" };

static char top[64];

static void
put(const char *fn, const char *s)
{
    int fd = open(fn, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) exit(2);
    close(fd);
}

/* users/cdb from an assign text where '@' stands for the test directory */
static void
assign(const char *text)
{
    static stralloc s;
    static struct cdb_make cm;
    unsigned long line;
    const char *why;
    int fd;

    stralloc_zero(&s);
    for (; *text; ++text)
        if (*text == '@') stralloc_cats(&s, top); else stralloc_append(&s, text);
    fd = open("users/cdb", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1 || cdb_make_start(&cm, fd) == -1) exit(2);
    if (usersdb_compile(s.s, s.len, &cm, &line, &why) != 1) exit(3);
    if (cdb_make_finish(&cm) == -1) exit(2);
    close(fd);
}

static int
dl(const char *local)
{
    return deliverable(local, strlen(local));
}

static int
account(const char *local, struct account *a)
{
    const char *why = "";

    return deliverable_account(local, strlen(local), a, deliverable_getpw, &why);
}

static void
test_alias(void)
{
    static struct account a;
    struct passwd *pw = getpwnam("nobody");

    ok(account("Nosuch", &a) == 1, "no users/cdb, no account: found the alias user");
    ok(pw && a.uid == pw->pw_uid && a.gid == pw->pw_gid, "alias: uid and gid of the alias user");
    ok(!strcmp(a.user.s, "nobody") && !strcmp(a.home.s, "./alias"), "alias: name, home conf-home/alias");
    ok(!strcmp(a.dash.s, "-") && !strcmp(a.ext.s, "Nosuch"), "alias: ext is the whole local part, case kept");
    ok(dl("nosuch") == 0, "alias without .qmail files: no such mailbox");
    put("alias/.qmail-nosuch", "./Maildir/\n");
    ok(dl("nosuch") == 1, "alias/.qmail-nosuch: yes");
    ok(dl("NoSuch") == 1, "the file name is lower case");
    ok(dl("nosuchx") == 0, "no prefix match without a default file");
    put("alias/.qmail-a:b", "./Maildir/\n");
    ok(dl("a.b") == 1, "'.' is ':' in file names");
    ok(dl("a/b") == 1, "'/' is ':' too (no subdirectories)");
    put("alias/.qmail-list-default", "./Maildir/\n");
    ok(dl("list-x") == 1 && dl("list-x-y") == 1, ".qmail-list-default takes list-anything");
    ok(dl("list") == 0, "but not list itself");
    ok(dl("lista") == 0, "nor lista");
    put("alias/.qmail-default", "./Maildir/\n");
    ok(dl("anything") == 1 && dl("root") == 1, ".qmail-default takes everything else");
    unlink("alias/.qmail-default");
    ok(dl("root") == 0, "root (uid 0 in the password file) goes to alias too");
}

static void
test_assign(void)
{
    static struct account a;

    assign("=joe:joe:1001:100:@/joe:::\n"
           "=ext:joe:1001:100:@/joe:-:box:\n"
           "+list-:ml:1002:100:@/ml:-:l-:\n"
           "=toor:toor:0:0:@/joe:::\n"
           ".\n");
    ok(account("JOE", &a) == 1 && a.uid == 1001 && !*a.dash.s, "users/cdb exact line");
    ok(dl("joe") == 1, "no extension: yes without looking (home is missing)");
    ok(dl("ext") == 0, "dash and ext: needs a .qmail-box file");
    mkdir("joe", 0755);
    put("joe/.qmail-box", "./Maildir/\n");
    ok(dl("ext") == 1, "joe/.qmail-box: yes");
    mkdir("ml", 0755);
    ok(account("list-Talk", &a) == 1 && !strcmp(a.ext.s, "l-Talk"), "prefix line, ext pre + rest");
    ok(dl("list-talk") == 0, "prefix line: no .qmail-l-talk");
    put("ml/.qmail-l-default", "./Maildir/\n");
    ok(dl("list-talk") == 1 && dl("list-other-x") == 1, "prefix line: .qmail-l-default");
    ok(account("toor", &a) == 1 && !strcmp(a.user.s, "nobody"), "an entry with uid 0 becomes the alias user");
    ok(dl("toor") == 0, "and is then looked up under alias");
    ok(dl("nosuch") == 1, "a miss in users/cdb still reaches alias");
    a.uid = 0;
    errno = 0;
    ok(deliverable_uidok(&a) == -1 && errno == EPERM, "uid 0 is never delivered to");
    a.uid = 1001;
    ok(deliverable_uidok(&a) == 1, "another uid is fine in a multi-user instance");
    ok(deliverable_single() == 0, "this table is a multi-user one");
    unlink("users/cdb");
    mkdir("users/cdb", 0755);
    errno = 0;
    ok(dl("joe") == -1 && errno != 0, "unreadable users/cdb: cannot tell, errno set");
    rmdir("users/cdb");
    ok(account("kdtnouser", &a) == 1 && !strcmp(a.user.s, "nobody"), "users/cdb gone: alias again");
}

/* a password-file account with an own home, not root, name getpw would ask for */
static struct passwd *
some_user(void)
{
    struct passwd *pw;
    struct stat st;
    size_t i;

    setpwent();
    while ((pw = getpwent())) {
        if (pw->pw_uid == 0 || stat(pw->pw_dir, &st) == -1) continue;
        if (!S_ISDIR(st.st_mode) || st.st_uid != pw->pw_uid) continue;
        for (i = 0; pw->pw_name[i]; ++i) {
            char c = pw->pw_name[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
                break;
        }
        if (!pw->pw_name[i] && i <= 32 && pw->pw_name[0] != '-' && !strchr(pw->pw_name, '-')) break;
    }
    endpwent();
    return pw;
}

static void
test_getpw(void)
{
    static struct account a;
    static stralloc s;
    struct passwd *pw;

    ok(deliverable_getpw("root", 4, &a) == 0, "getpw: root is never a match");
    ok(deliverable_getpw("nosuchuser-x", 12, &a) == 0, "getpw: no such user");
    ok(deliverable_getpw("../etc", 6, &a) == 0, "getpw: odd names are not asked for");
    ok(deliverable_getpw("", 0, &a) == 0, "getpw: empty local part");
    pw = some_user();
    if (!pw) {
        printf("ok %d - getpw: a user # SKIP no account with its own home here\n", ++t_n);
        return;
    }
    stralloc_copys(&s, pw->pw_name);
    stralloc_cats(&s, "-Box-x");
    ok(deliverable_getpw(s.s, s.len, &a) == 1 && a.uid == pw->pw_uid, "getpw: user-ext finds the user");
    ok(!strcmp(a.dash.s, "-") && !strcmp(a.ext.s, "Box-x"), "getpw: dash and ext, case kept");
    ok(deliverable_getpw(pw->pw_name, strlen(pw->pw_name), &a) == 1 && !*a.dash.s && !*a.ext.s,
       "getpw: the bare name, empty dash and ext");
}

int
main(void)
{
    char dir[] = "/tmp/kirim-deliverable-XXXXXX";
    char rm[64];

    if (!mkdtemp(dir) || chdir(dir) == -1) return 2;
    strcpy(top, dir);
    if (mkdir("users", 0755) == -1 || mkdir("alias", 0755) == -1) return 2;
    test_alias();
    test_assign();
    test_getpw();
    strcpy(rm, "rm -rf ");
    strcat(rm, dir);
    if (chdir("/") == -1 || system(rm) != 0) return 2;
    return done_testing();
}
