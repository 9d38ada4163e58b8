/* tls.h: TLS 1.2 over a pair of file descriptors with BearSSL 0.6; all of
   kirim's TLS policy lives behind this header (doc/tls.md) */
#ifndef KIRIM_TLS_H
#define KIRIM_TLS_H
#include <sys/types.h>

/*
 * One TLS session per process, held in static storage (no malloc after
 * the certificate or trust anchors are loaded). Sequence:
 *
 *   server (mail-smtpd STARTTLS, implicit TLS on 465/995):
 *     tls_server_init(pemfile, &why)      before answering "220 go ahead",
 *                                         so a broken certificate can get
 *                                         a 454 instead of a dead session
 *     tls_server(0, 1, timeout, &why)     the handshake
 *   client (mail-remote):
 *     tls_client_init(mode, cafile, &why) once per process
 *     tls_client(rfd, wfd, host, timeout, &why)   per connection; may be
 *                                         called again for another host
 *                                         after tls_close() or a failure
 *   then, for both, swap the libowfat buffer ops (STYLE G10):
 *     buffer_init(&in, tls_read, fd, inbuf, sizeof inbuf);
 *     buffer_init(&out, tls_write, fd, outbuf, sizeof outbuf);
 *   and end with tls_close().
 *
 * Every function returning int gives 0 on success and -1 on failure,
 * with a short English text in *why (static storage, valid until the
 * next tls_* call). The texts never contain secrets; callers log them.
 *
 * Policy (one place, tls.c): TLS 1.2 only (the highest BearSSL 0.6
 * speaks), ECDHE suites with ChaCha20-Poly1305 or AES-GCM only, server
 * preference order, no renegotiation, SNI sent by the client unless the
 * host is an IP address.
 *
 * Timeouts: tls_server() and tls_client() must finish the whole
 * handshake within `timeout` seconds; afterwards every tls_read() and
 * tls_write() call must finish within the same number of seconds
 * (tls_timeout() changes it). A timeout is errno ETIMEDOUT.
 * Callers that write to sockets should ignore SIGPIPE (EPIPE is then a
 * plain write error).
 */

/* client verification modes */
#define TLS_NOVERIFY 0  /* encrypt whatever certificate the peer shows */
#define TLS_VERIFY 1    /* the chain must lead to a trust anchor and name the
                           host, or the handshake fails */
#define TLS_CHECK 2     /* encrypt anyway, but check as TLS_VERIFY does and
                           report the result in tls_info() */

/* the trust store used when cafile is NULL */
#define TLS_CAFILE "/etc/ssl/certs/ca-certificates.crt"

/* limits */
#define TLS_PEM_MAX (1024 * 1024)   /* bytes in a PEM file */
#define TLS_CHAIN_MAX 8             /* certificates in servercert.pem */
#define TLS_ANCHOR_MAX 512          /* trust anchors in a CA file */
#define TLS_ANCHOR_BYTES (512 * 1024) /* their names and keys together */

/* Load the server's certificate chain (leaf first) and private key (RSA
   or EC; PKCS#1, SEC1 or unencrypted PKCS#8) from one PEM file. The file
   must not be readable by "others" (mode 0400 or 0600 is right: it holds
   the key). Checks that the key belongs to the first certificate. */
int tls_server_init(const char *pemfile, const char **why);
/* Handshake as server, reading rfd and writing wfd. */
int tls_server(int rfd, int wfd, unsigned timeout, const char **why);

/* Set the client mode; for TLS_VERIFY and TLS_CHECK also load the trust
   anchors from cafile (NULL: TLS_CAFILE). A CA certificate in the file
   anchors chains; a non-CA certificate is trusted directly (pinning). */
int tls_client_init(int mode, const char *cafile, const char **why);
/* Handshake as client. host is the name expected in the certificate
   (TLS_VERIFY/TLS_CHECK) and sent as SNI; it may be NULL or an IP
   address literal, in which case no SNI is sent and TLS_VERIFY fails
   (no name to check). */
int tls_client(int rfd, int wfd, const char *host, unsigned timeout,
               const char **why);

/* libowfat buffer ops on the active session; fd is ignored (the fds
   given to tls_server/tls_client are used). tls_read returns the bytes
   read, 0 at the end of input (a close_notify or the peer closing the
   connection), -1 on error with errno set: ETIMEDOUT, EPROTO (a TLS
   error: see tls_error()), or the errno of the failed read/write.
   tls_write writes and flushes all len bytes, returns len or -1. */
ssize_t tls_read(int fd, char *buf, size_t len);
ssize_t tls_write(int fd, const char *buf, size_t len);

/* Text for the last failure of tls_read/tls_write/tls_close. */
const char *tls_error(void);

/* Change the per-call timeout of tls_read/tls_write/tls_close. */
void tls_timeout(unsigned seconds);

/* Send close_notify (not waiting for the peer's) and end the session.
   0 ok, -1 the alert could not be sent (the session ends anyway). */
int tls_close(void);

/* For programs that exec others on the decrypted stream (the POP3
   chain mail-popup -> checkpassword -> mail-pop3d; a session cannot
   cross an exec): after the handshake, fork; the child uses two pipes
   (or a socketpair) as its fds 0 and 1 and execs; this process calls
   tls_relay(pr, pw), pr reading what the child writes, pw writing to
   the child. It moves data both ways until one side ends: end of pr
   (the child finished) sends close_notify; the peer's close_notify or
   its closing the connection closes pw. Each wait for either side is
   bounded by the timeout (an idle session ends with ETIMEDOUT).
   0 ended normally, -1 error (*why). pw is closed in every case. */
int tls_relay(int pr, int pw, const char **why);

/* 1 while a session is established (after a successful handshake, until
   tls_close or a fatal error). */
int tls_active(void);

/* What was negotiated, for logs and Received lines. All strings are
   static, never NULL. */
struct tls_info {
    const char *version;    /* "TLSv1.2" */
    const char *cipher;     /* OpenSSL-style name, "ECDHE-RSA-AES128-GCM-SHA256" */
    unsigned bits;          /* symmetric key bits: 128 or 256 */
    int verified;           /* client: 1 the certificate chain and host name
                               verified; 0 not (or not checked); server: 0 */
    const char *verify;     /* client: "verified", "not checked", or why not */
    const char *sni;        /* server: host name the client asked for, or "" */
};
void tls_info(struct tls_info *ti);

#endif
