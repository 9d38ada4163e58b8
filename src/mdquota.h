/* mdquota.h: a size limit per Maildir (the file kirim-quota in it) and
   the bytes the Maildir holds; format: doc/kirim-quota.5 */
#ifndef KIRIM_MDQUOTA_H
#define KIRIM_MDQUOTA_H
#include <stddef.h>

#define MDQUOTA_FILE "kirim-quota"
#define MDQUOTA_DIGITS 19       /* digits in a limit: below 10^19 bytes */

/* Parse the text of a kirim-quota file (s, len): one decimal number of
   bytes, optionally followed by one newline. 1 ok, 0 malformed. */
int mdquota_parse(const char *s, size_t len, unsigned long *limit);

/* The limit of the Maildir dir (with or without its trailing slash).
   1 a limit, 0 no kirim-quota file (no limit), -1 cannot tell (errno;
   EINVAL when the file is malformed). */
int mdquota_limit(const char *dir, unsigned long *limit);

/* Bytes in the regular files of dir's new/ and cur/, and of the new/
   and cur/ of its Maildir++ folders (subdirectories whose names start
   with a dot). tmp/ does not count. 0 ok, -1 error (errno). */
int mdquota_usage(const char *dir, unsigned long *bytes);

/* Would a message of size bytes fit? 1 yes (also: no limit), 0 no
   (usage + size would be above the limit), -1 cannot tell (errno). */
int mdquota_check(const char *dir, unsigned long size);

#endif
