/* pwread.h: a new password from a terminal or standard input, hashed
   (mail-passwd, mail-account); never from the command line */
#ifndef KIRIM_PWREAD_H
#define KIRIM_PWREAD_H

#define PWREAD_MAX 256          /* bytes in a password */

/* Read one line from fd 0 (on a terminal: prompt on fd 2, echo off,
   asked twice), refuse empty, NUL-holding or too long passwords, hash
   it with pwhash_make into hash[PWHASH_MAX]. The clear text is wiped
   before returning. 0 ok; otherwise the exit code (100 refused, 111
   system trouble) with *why saying what. */
int pwread_new(char *hash, const char **why);

#endif
