/* timedio.h: buffer ops for descriptors with a deadline on every read and write */
#ifndef KIRIM_TIMEDIO_H
#define KIRIM_TIMEDIO_H
#include <sys/types.h>
#include "buffer.h"

/* Ops for buffer_init/BUFFER_INIT. The buffer's cookie must point to an
   unsigned int: the number of seconds one read or write may wait.
   A wait that runs out returns -1 with errno ETIMEDOUT. timedio_write
   writes everything or fails (a short write is retried). */
ssize_t timedio_read(int fd, char *buf, size_t len, buffer *self);
ssize_t timedio_write(int fd, const char *buf, size_t len, buffer *self);

#endif
