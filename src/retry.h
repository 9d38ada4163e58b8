/* retry.h: when to try a deferred delivery again, and when to give up */
#ifndef KIRIM_RETRY_H
#define KIRIM_RETRY_H

#define RETRY_STEP_LOCAL 100
#define RETRY_STEP_REMOTE 400

/* Attempts happen at birth + step * k * k for k = 1, 2, 3, ...
   Returns the first of these times later than now. Needs no count of
   past attempts, so the schedule survives a restart. */
unsigned long retry_next(unsigned long birth, unsigned long now,
                         unsigned long step);
/* 1 when a message born at birth has been queued longer than lifetime */
int retry_expired(unsigned long birth, unsigned long now,
                  unsigned long lifetime);

#endif
