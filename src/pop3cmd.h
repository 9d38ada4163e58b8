/* pop3cmd.h: POP3 command lines: bounded reading, splitting, numbers */
#ifndef KIRIM_POP3CMD_H
#define KIRIM_POP3CMD_H
#include <stddef.h>
#include "buffer.h"
#include "stralloc.h"

#define POP3CMD_LINEMAX 1024    /* bytes in a command line, CRLF included */
#define POP3CMD_VERBMAX 15      /* RFC 1939 keywords have 3 or 4 */

/* Read one line into sa, without its LF and without one CR before it.
   1: a line; 0: end of input (a partial last line is dropped);
   -1: read error (errno set, ETIMEDOUT on timeout);
   -2: longer than max bytes, CRLF counted: the rest of it was read and thrown away. */
int pop3cmd_getline(buffer *b, stralloc *sa, size_t max);

struct pop3cmd {
    char verb[POP3CMD_VERBMAX + 1];   /* upper case, NUL-ended */
    const char *arg;                  /* after the first space; may be empty */
    size_t arglen;
};

/* Split a line into verb and argument. 1 ok; 0 empty line or verb
   longer than POP3CMD_VERBMAX or not letters; -1 the line holds a NUL. */
int pop3cmd_parse(const char *line, size_t len, struct pop3cmd *c);

/* The argument's words, separated by one or more spaces: up to max of
   them into w[] and wl[]; returns how many there are (may exceed max). */
size_t pop3cmd_words(const char *s, size_t len, const char **w, size_t *wl,
                     size_t max);

/* A decimal number of 1 to 9 digits, nothing else: 1 and *n, or 0. */
int pop3cmd_num(const char *s, size_t len, unsigned long *n);

#endif
