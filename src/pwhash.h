/* pwhash.h: salted SHA-512 crypt(3) hashes for users/password (needs -lcrypt) */
#ifndef KIRIM_PWHASH_H
#define KIRIM_PWHASH_H
#include <stddef.h>

#define PWHASH_MAX 384          /* bytes of a hash, NUL included */

/* Hash pass with a fresh random salt ("$6$...", crypt's default rounds)
   into out[PWHASH_MAX]. 0 ok, -1 error (errno). */
int pwhash_make(const char *pass, char *out);

/* Does pass match hash[0..hashlen)? 1 yes, 0 no (also for a locked
   account: hash empty or starting with ! or *), -1 the hash is not
   something crypt(3) understands. The comparison does not stop at the
   first difference. */
int pwhash_check(const char *pass, const char *hash, size_t hashlen);

/* Spend the time of one check, for names that do not exist. */
void pwhash_dummy(const char *pass);

#endif
