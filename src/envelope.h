/* envelope.h: the queue envelope, "F" sender NUL ("T" recipient NUL)* NUL */
#ifndef KIRIM_ENVELOPE_H
#define KIRIM_ENVELOPE_H
#include "buffer.h"
#include "stralloc.h"

#define ENVELOPE_ADDRMAX 1000   /* longest address mail-queue accepts */

/* Read a whole envelope from b: sender into from (no NUL), recipients
   into rcpts as NUL-terminated strings, count in *n.
   Returns 1 ok, 0 malformed (no leading F, a letter other than T),
   -1 read error, -2 an address longer than max, -3 out of memory,
   -4 end of input before the final NUL (truncated). */
int envelope_get(buffer *b, stralloc *from, stralloc *rcpts,
                 unsigned long *n, size_t max);

/* Encode into sa (appending). Returns 0 on memory error. */
int envelope_catfrom(stralloc *sa, const char *s, size_t len);
int envelope_catto(stralloc *sa, const char *s, size_t len);
int envelope_catend(stralloc *sa);

#endif
