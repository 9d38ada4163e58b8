/* tcpto.h: queue/lock/tcpto, the hosts that timed out lately */
#ifndef KIRIM_TCPTO_H
#define KIRIM_TCPTO_H

#define TCPTO_RECORDS 64
#define TCPTO_RECLEN 32         /* ip[16], last (8, big-endian), count (4), 0 (4) */
#define TCPTO_SIZE (TCPTO_RECORDS * TCPTO_RECLEN)
#define TCPTO_BASE 60           /* skip for 60 s after one timeout, */
#define TCPTO_CAP 3600          /* doubling with each one, at most an hour */

/* how long a host is skipped after count timeouts in a row */
unsigned long tcpto_backoff(unsigned long count);
/* Seconds ip is still to be skipped at time now, 0: try it. */
unsigned long tcpto_wait(const char *file, const char ip[16], unsigned long now);
/* Record a timeout of ip at now (timedout 1), or forget ip (0). A new
   host takes a free record, else the one with the oldest timeout. */
void tcpto_note(char *file, const char ip[16], unsigned long now, int timedout);
/* Record i: 1 when used (ip, last, count set), 0 free. */
int tcpto_get(const char *file, unsigned int i, char ip[16], unsigned long *last,
              unsigned long *count);

/* The file, locked (flock) while open: open and read it into
   file[TCPTO_SIZE] (a short file reads as free records). Returns the fd,
   -1 on error. */
int tcpto_load(const char *fn, char *file, int forwrite);
/* Write file back to fd; 0 on error. */
int tcpto_store(int fd, const char *file);

#endif
