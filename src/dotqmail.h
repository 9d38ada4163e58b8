/* dotqmail.h: finding, classifying and checking .qmail files (mail-local, later mail-smtpd) */
#ifndef KIRIM_DOTQMAIL_H
#define KIRIM_DOTQMAIL_H
#include <stddef.h>
#include "buffer.h"
#include "stralloc.h"

#define DOTQMAIL_LINEMAX 1000       /* bytes in one line, blanks included */
#define DOTQMAIL_MAX 1000           /* instructions in one file */
#define DOTQMAIL_SIZEMAX 1048576    /* bytes in one file */

/* instruction types */
#define DQ_BLANK 0      /* empty or blanks only: ignored */
#define DQ_COMMENT 1    /* # ... */
#define DQ_PROGRAM 2    /* |command */
#define DQ_FORWARD 3    /* &address, or an address starting with a letter or digit */
#define DQ_MAILDIR 4    /* /path/ or ./path/ */
#define DQ_MBOX 5       /* /path or ./path */
#define DQ_PLUS 6       /* +word: "+list" makes the rest forward-only, others are ignored */
#define DQ_BAD -1       /* anything else: the file is broken */

struct dotqmail_line {
    int type;
    const char *arg;    /* command, address or path, inside the parsed text */
    size_t len;
};

/* The .qmail file for dash and ext under home (the cwd when home is 0),
   in qmail's order: .qmail<dash><ext>, then (only when dash is not
   empty) .qmail<dash><ext-prefix>-default from the longest prefix to
   the shortest, then .qmail<dash>default. ext is folded to lower case,
   '.' and '/' become ':'. Only stat(2) is used, so a caller that may
   search home but not read the user's files gets the same answer.
   fn gets the path, NUL-ended. *dpos gets the offset in ext of the
   part a "default" file stands for ($DEFAULT), or -1 for an exact match.
   Returns 1 found, 0 no such file, -1 trouble (errno; not ENOENT). */
int dotqmail_find(stralloc *fn, const char *home, const char *dash,
                  const char *ext, long *dpos);

/* Does .qmail<dash><ext><suffix> exist in the cwd (ext folded as
   above)? 1 yes, 0 no, -1 trouble (errno). fn gets the path. */
int dotqmail_exists(stralloc *fn, const char *dash, const char *ext, const char *suffix);

/* Would mail-local accept mail for this address of the user at home?
   1 yes (dash is empty: .qmail or the default delivery, home is not
   even searched; or a matching .qmail file), 0 no ("no mailbox here by
   that name"), -1 cannot tell (errno, e.g. EACCES on home). */
int dotqmail_deliverable(const char *home, const char *dash, const char *ext);

/* Classify one line (s, len: without its newline). Blanks (space, tab,
   CR) at both ends are ignored. *arg and *arglen get the argument:
   the command, the address without '&', the path. */
int dotqmail_class(const char *s, size_t len, const char **arg, size_t *arglen);

/* Split a whole file into instructions (blanks and comments dropped),
   up to max entries of l, pointing into s. Returns the number of
   instructions, or -1 with *why set and *lineno the 1-based line.
   A blank first line is an error (as in qmail: a file that starts with
   one was most likely damaged by an editor). */
long dotqmail_parse(const char *s, size_t len, struct dotqmail_line *l,
                    size_t max, const char **why, unsigned long *lineno);

/* Does the header of the message read from b hold a line
   "Delivered-To: rcpt" (case-insensitive)? 1 yes, 0 no, -1 read error. */
int dotqmail_seen(buffer *b, const char *rcpt, size_t len);

#endif
