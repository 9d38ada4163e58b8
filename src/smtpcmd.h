/* smtpcmd.h: parsing SMTP command lines: verb, MAIL FROM and RCPT TO paths, parameters */
#ifndef KIRIM_SMTPCMD_H
#define KIRIM_SMTPCMD_H
#include <stddef.h>
#include "stralloc.h"

#define SMTPCMD_ADDRMAX 512     /* bytes in an address, after unquoting */

/* results of smtpcmd_mail and smtpcmd_rcpt */
#define SMTPCMD_OK 0
#define SMTPCMD_NOMEM -1
#define SMTPCMD_SYNTAX 1        /* not "FROM:<path>" / "TO:<path>" */
#define SMTPCMD_ADDR 2          /* the address inside <> is malformed */
#define SMTPCMD_TOOLONG 3       /* longer than SMTPCMD_ADDRMAX */
#define SMTPCMD_PARAM 4         /* unknown parameter, or one not allowed here */
#define SMTPCMD_PARAMVAL 5      /* known parameter with a bad value, or twice */
#define SMTPCMD_8BIT 6          /* 8-bit address without SMTPUTF8 */

#define SMTPCMD_BODY_NONE 0
#define SMTPCMD_BODY_7BIT 1
#define SMTPCMD_BODY_8BITMIME 2

struct smtppath {
    stralloc addr;          /* local@domain, local part unquoted; "" for <> */
    size_t at;              /* index of the '@' before the domain, or addr.len */
    int utf8;               /* SMTPUTF8 given (MAIL) */
    int body;               /* SMTPCMD_BODY_* (MAIL) */
    int hassize;            /* SIZE= given (MAIL) */
    unsigned long long size;/* its value; ULLONG_MAX when it overflowed */
};

/* Split a command line into its verb and argument: the verb is the
   bytes before the first space; *arg is what follows the spaces after
   it.  Returns the verb's length. */
size_t smtpcmd_split(const char *s, size_t len, const char **arg, size_t *arglen);

/* Parse the argument of MAIL: "FROM:<path> [param ...]".  Blanks are
   allowed after the colon; the angle brackets are required.  A source
   route ("@a,@b:") is dropped, as RFC 5321 asks.  A quoted local part
   is unquoted.  Trailing dots of the domain are removed.  <> (the null
   sender) gives an empty addr.  Parameters: SIZE=n, BODY=7BIT or
   BODY=8BITMIME, SMTPUTF8; keywords without regard to case. */
int smtpcmd_mail(const char *arg, size_t len, struct smtppath *p);

/* Parse the argument of RCPT: "TO:<path>", no parameters.  utf8 says
   whether the transaction's MAIL had SMTPUTF8.  "<postmaster>" (any
   case) is accepted without a domain; other addresses need one. */
int smtpcmd_rcpt(const char *arg, size_t len, int utf8, struct smtppath *p);

#endif
