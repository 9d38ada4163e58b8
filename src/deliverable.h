/* deliverable.h: which account takes a local part, and would local delivery accept it */
#ifndef KIRIM_DELIVERABLE_H
#define KIRIM_DELIVERABLE_H
#include <stddef.h>
#include "usersdb.h"

/* Would local delivery accept mail for the local part local[0..len) of a local domain?
   The same lookups as mail-lspawn (users/cdb, the password file with mail-getpw's
   rules, the alias user) and mail-local (.qmail files via dotqmail). Works from
   conf-home as any user that can read users/cdb and search home directories.
   1 yes, 0 no such mailbox, -1 cannot tell now (errno set). */
int deliverable(const char *local, size_t len);

/* The pieces underneath, shared with mail-lspawn and mail-getpw so that
   the SMTP server and local delivery never disagree. */

/* The password file with mail-getpw's rules: the whole local part
   (lowercased), then each prefix ending before a '-', longest first;
   names made of [a-z0-9._-] only, at most 32 bytes, not starting with
   '-'; never uid 0; the home must exist, be a directory and belong to
   the user. dash is "-" and ext the rest (case kept) after a prefix
   match. 1 found, 0 no account, -1 cannot tell (errno). */
int deliverable_getpw(const char *local, size_t len, struct account *a);

/* The alias user (conf-users, first line) with home conf-home/alias,
   dash "-" and ext the whole local part. 1 ok, -1 (errno; ENOENT: no
   such account). */
int deliverable_alias(const char *local, size_t len, struct account *a);

/* The account for local[0..len): users/cdb (relative to the working
   directory, which must be conf-home; a missing file is an empty
   table), then getpw (mail-lspawn runs mail-getpw as kirimp,
   deliverable() passes deliverable_getpw), then the alias user. An
   account with uid 0 is replaced by the alias user. 1 ok, -1 cannot
   tell (errno, and *why names the trouble). */
int deliverable_account(const char *local, size_t len, struct account *a,
                        int (*getpw)(const char *, size_t, struct account *),
                        const char **why);

/* 1 when every conf-users line names the same account (no uid switch:
   only that account's mail is delivered), else 0 */
int deliverable_single(void);

/* After deliverable_account: may this instance deliver as a->uid?
   1 yes; 0 no (a single-user instance and another account: permanent);
   -1 no for now (uid 0, or the alias user cannot be looked up; errno). */
int deliverable_uidok(const struct account *a);

#endif
