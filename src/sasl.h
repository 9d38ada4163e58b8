/* sasl.h: the client's side of SASL as SMTP AUTH (RFC 4954) and POP3
   AUTH (RFC 5034) carry it: base64 responses, PLAIN (RFC 4616), and the
   limits both servers put on a user name and a password */
#ifndef KIRIM_SASL_H
#define KIRIM_SASL_H
#include <stddef.h>
#include "stralloc.h"

#define SASL_B64MAX 1024    /* base64 bytes in one response */
#define SASL_PARTMAX 240    /* bytes in a user name or a password: both, a
                               timestamp and three NULs fit the 512 bytes a
                               checkpassword program reads */

/* One base64 response into out (which may then hold any byte, NUL
   included). "=" is the empty response (RFC 4954). 1 ok; 0 not base64,
   or longer than SASL_B64MAX; -1 out of memory. */
int sasl_b64(const char *b64, size_t len, stralloc *out);

/* PLAIN from its base64 form: authzid NUL authcid NUL password, with
   exactly those two NULs, and authzid empty or the same as authcid (we
   log in nobody as somebody else). 1 and user, pass set (either may be
   empty or long: see sasl_creds); 0 malformed; -1 out of memory.
   The decoded password is wiped from sasl's own memory. */
int sasl_plain(const char *b64, size_t len, stralloc *user, stralloc *pass);

/* 1 when user and password may go to the checkpassword program: each
   1 to SASL_PARTMAX bytes, without NUL. */
int sasl_creds(const stralloc *user, const stralloc *pass);

#endif
