/* tls.c: kirim's TLS with BearSSL 0.6: policy, PEM and trust-anchor
   loading, the opportunistic X.509 class, engine I/O on two fds */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bearssl.h>
#include "byte.h"
#include "fmt.h"
#include "stralloc.h"
#include "tls.h"

/* --- policy (STYLE G11): the only place that says what we speak --- */

static const uint16_t suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

static const struct suitename {
    uint16_t id;
    const char *name;
    unsigned bits;
} suitenames[] = {
    { BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", 256 },
    { BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", 256 },
    { BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", 128 },
    { BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", 128 },
    { BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", 256 },
    { BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", 256 },
};

static void
tls_policy(br_ssl_engine_context *e)
{
    br_ssl_engine_set_versions(e, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_suites(e, suites, sizeof suites / sizeof suites[0]);
    br_ssl_engine_add_flags(e, BR_OPT_NO_RENEGOTIATION
                               | BR_OPT_ENFORCE_SERVER_PREFERENCES);
}

/* --- state: one session per process --- */

static br_ssl_server_context sc;
static br_ssl_client_context cc;
static br_x509_minimal_context xm;
static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
static br_ssl_engine_context *eng;     /* the session's engine, or 0 */
static int rfd = -1, wfd = -1;
static unsigned tmo = 60;
static struct timespec deadline;
static int ioerr;                      /* errno of the failed I/O; 0: EOF */
static int localerr;                   /* BR_ERR_IO or BR_ERR_BAD_STATE when
                                          we, not the engine, gave up */
static int active;
static int serverready, clientready, cmode;
static int verified;
static const char *verifytext = "not checked";
static char whybuf[256], verifybuf[128], snibuf[256];

/* --- error texts --- */

static void
why_set(const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3];
    int i;

    parts[0] = a; parts[1] = b; parts[2] = c;
    for (i = 0; i < 3; ++i) {
        const char *s = parts[i];
        while (s && *s && n < sizeof whybuf - 1) whybuf[n++] = *s++;
    }
    whybuf[n] = 0;
}

static const struct errtext {
    int code;
    const char *text;
} errtexts[] = {
    { BR_ERR_BAD_PARAM, "bad parameter" },
    { BR_ERR_BAD_STATE, "bad engine state" },
    { BR_ERR_UNSUPPORTED_VERSION, "unsupported protocol version (not TLS 1.2, or not TLS at all)" },
    { BR_ERR_BAD_VERSION, "unexpected protocol version in a record" },
    { BR_ERR_BAD_LENGTH, "bad record length (not TLS?)" },
    { BR_ERR_TOO_LARGE, "record too large" },
    { BR_ERR_BAD_MAC, "bad record MAC" },
    { BR_ERR_NO_RANDOM, "no random source" },
    { BR_ERR_UNKNOWN_TYPE, "unknown record type (not TLS?)" },
    { BR_ERR_UNEXPECTED, "unexpected message" },
    { BR_ERR_BAD_CCS, "bad ChangeCipherSpec" },
    { BR_ERR_BAD_ALERT, "bad alert message" },
    { BR_ERR_BAD_HANDSHAKE, "malformed handshake message" },
    { BR_ERR_OVERSIZED_ID, "oversized session id" },
    { BR_ERR_BAD_CIPHER_SUITE, "no cipher suite in common" },
    { BR_ERR_BAD_COMPRESSION, "no compression method in common" },
    { BR_ERR_BAD_FRAGLEN, "bad fragment length" },
    { BR_ERR_BAD_SECRENEG, "secure renegotiation failure" },
    { BR_ERR_EXTRA_EXTENSION, "unexpected extension" },
    { BR_ERR_BAD_SNI, "bad server name" },
    { BR_ERR_BAD_HELLO_DONE, "bad ServerHelloDone" },
    { BR_ERR_LIMIT_EXCEEDED, "a protocol limit was exceeded" },
    { BR_ERR_BAD_FINISHED, "bad Finished message" },
    { BR_ERR_RESUME_MISMATCH, "session resumption mismatch" },
    { BR_ERR_INVALID_ALGORITHM, "no algorithm in common" },
    { BR_ERR_BAD_SIGNATURE, "bad handshake signature" },
    { BR_ERR_WRONG_KEY_USAGE, "certificate key usage forbids this suite" },
    { BR_ERR_NO_CLIENT_AUTH, "no client certificate" },
    { BR_ERR_X509_INVALID_VALUE, "certificate: invalid value" },
    { BR_ERR_X509_TRUNCATED, "certificate: truncated" },
    { BR_ERR_X509_EMPTY_CHAIN, "certificate: empty chain" },
    { BR_ERR_X509_INNER_TRUNC, "certificate: inner element truncated" },
    { BR_ERR_X509_BAD_TAG_CLASS, "certificate: bad DER tag class" },
    { BR_ERR_X509_BAD_TAG_VALUE, "certificate: bad DER tag" },
    { BR_ERR_X509_INDEFINITE_LENGTH, "certificate: indefinite length" },
    { BR_ERR_X509_EXTRA_ELEMENT, "certificate: extra element" },
    { BR_ERR_X509_UNEXPECTED, "certificate: unexpected element" },
    { BR_ERR_X509_NOT_CONSTRUCTED, "certificate: bad DER" },
    { BR_ERR_X509_NOT_PRIMITIVE, "certificate: bad DER" },
    { BR_ERR_X509_PARTIAL_BYTE, "certificate: bad BIT STRING" },
    { BR_ERR_X509_BAD_BOOLEAN, "certificate: bad BOOLEAN" },
    { BR_ERR_X509_OVERFLOW, "certificate: value overflow" },
    { BR_ERR_X509_BAD_DN, "certificate: bad distinguished name" },
    { BR_ERR_X509_BAD_TIME, "certificate: bad validity time" },
    { BR_ERR_X509_UNSUPPORTED, "certificate: unsupported feature" },
    { BR_ERR_X509_LIMIT_EXCEEDED, "certificate: too large" },
    { BR_ERR_X509_WRONG_KEY_TYPE, "certificate: wrong key type" },
    { BR_ERR_X509_BAD_SIGNATURE, "certificate: bad signature" },
    { BR_ERR_X509_TIME_UNKNOWN, "certificate: current time unknown" },
    { BR_ERR_X509_EXPIRED, "certificate expired or not yet valid" },
    { BR_ERR_X509_DN_MISMATCH, "certificate chain: issuer/subject mismatch" },
    { BR_ERR_X509_BAD_SERVER_NAME, "certificate does not match the host name" },
    { BR_ERR_X509_CRITICAL_EXTENSION, "certificate: unknown critical extension" },
    { BR_ERR_X509_NOT_CA, "certificate chain: issuer is not a CA" },
    { BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate: key usage forbids it" },
    { BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate: public key too weak" },
    { BR_ERR_X509_NOT_TRUSTED, "certificate not trusted (no trust anchor)" },
};

static const struct alerttext {
    int code;
    const char *name;
} alerttexts[] = {
    { 0, "close_notify" }, { 10, "unexpected_message" }, { 20, "bad_record_mac" },
    { 22, "record_overflow" }, { 40, "handshake_failure" }, { 42, "bad_certificate" },
    { 43, "unsupported_certificate" }, { 44, "certificate_revoked" },
    { 45, "certificate_expired" }, { 46, "certificate_unknown" },
    { 47, "illegal_parameter" }, { 48, "unknown_ca" }, { 49, "access_denied" },
    { 50, "decode_error" }, { 51, "decrypt_error" },
    { 70, "protocol_version: the peer wants another TLS version (TLS 1.3 only?)" },
    { 71, "insufficient_security" }, { 80, "internal_error" },
    { 86, "inappropriate_fallback" }, { 90, "user_canceled" },
    { 100, "no_renegotiation" }, { 109, "missing_extension" },
    { 110, "unsupported_extension" }, { 112, "unrecognized_name" },
};

/* text for a BearSSL error code, in errbuf when it has to be built */
static char errbuf[160];

static void
errbuf_set(const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3];
    int i;

    parts[0] = a; parts[1] = b; parts[2] = c;
    for (i = 0; i < 3; ++i) {
        const char *s = parts[i];
        while (s && *s && n < sizeof errbuf - 1) errbuf[n++] = *s++;
    }
    errbuf[n] = 0;
}

static const char *
tls_errtext(int err)
{
    char num[FMT_ULONG];
    const char *prefix = 0;
    size_t i, n;

    if (err >= BR_ERR_SEND_FATAL_ALERT) { prefix = "sent fatal alert "; err -= BR_ERR_SEND_FATAL_ALERT; }
    else if (err >= BR_ERR_RECV_FATAL_ALERT) { prefix = "peer sent fatal alert "; err -= BR_ERR_RECV_FATAL_ALERT; }
    if (prefix) {
        n = fmt_ulong(num, (unsigned long)err);
        num[n] = 0;
        errbuf_set(prefix, num, 0);
        if (prefix[0] == 's' && err == 40) {
            errbuf_set(errbuf, " (handshake_failure: nothing in common with"
                       " TLS 1.2 and our suites; a TLS 1.3-only peer?)", 0);
            return errbuf;
        }
        for (i = 0; i < sizeof alerttexts / sizeof alerttexts[0]; ++i)
            if (alerttexts[i].code == err) {
                errbuf_set(errbuf, " (", alerttexts[i].name);
                errbuf_set(errbuf, ")", 0);
            }
        return errbuf;
    }
    for (i = 0; i < sizeof errtexts / sizeof errtexts[0]; ++i)
        if (errtexts[i].code == err) return errtexts[i].text;
    n = fmt_ulong(num, (unsigned long)err);
    num[n] = 0;
    errbuf_set("BearSSL error ", num, 0);
    return errbuf;
}

/* our failure, else the engine's */
static int
tls_lasterr(void)
{
    if (localerr) return localerr;
    return eng ? br_ssl_engine_last_error(eng) : BR_ERR_BAD_STATE;
}

/* the engine's last error as text, I/O failures from ioerr */
static const char *
tls_failtext(void)
{
    int err = tls_lasterr();

    if (err == BR_ERR_IO) {
        if (ioerr == ETIMEDOUT) why_set("timed out", 0, 0);
        else if (ioerr == 0) why_set("connection closed by the peer", 0, 0);
        else why_set(strerror(ioerr), 0, 0);
        return whybuf;
    }
    if (err == BR_ERR_OK) why_set("closed by the peer (close_notify)", 0, 0);
    else why_set(tls_errtext(err), 0, 0);
    return whybuf;
}

/* --- low-level I/O with a deadline (STYLE G9) --- */

static void
deadline_set(void)
{
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += tmo;
}

static int
io_wait(int fd, short ev)
{
    struct pollfd p;
    struct timespec now;
    long long ms;
    int r;

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (long long)(deadline.tv_sec - now.tv_sec) * 1000
             + (deadline.tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0) { ioerr = ETIMEDOUT; return -1; }
        p.fd = fd;
        p.events = ev;
        p.revents = 0;
        r = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
        if (r > 0) return 0;
        if (r == -1 && errno != EINTR) { ioerr = errno; return -1; }
    }
}

static ssize_t
io_read(unsigned char *buf, size_t len)
{
    ssize_t r;

    for (;;) {
        if (io_wait(rfd, POLLIN) == -1) return -1;
        r = read(rfd, buf, len);
        if (r == -1 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r == -1) { ioerr = errno; return -1; }
        if (r == 0) ioerr = 0;
        return r;
    }
}

static ssize_t
io_write(const unsigned char *buf, size_t len)
{
    ssize_t r;

    for (;;) {
        if (io_wait(wfd, POLLOUT) == -1) return -1;
        r = write(wfd, buf, len);
        if (r == -1 && (errno == EINTR || errno == EAGAIN)) continue;
        if (r <= 0) { ioerr = r ? errno : EIO; return -1; }
        return r;
    }
}

/* Run the engine until its state has one of the target bits: 0, or -1
   when it closed or failed (br_ssl_engine_last_error says why). */
static int
tls_run(unsigned target)
{
    unsigned st;
    unsigned char *p;
    size_t len;
    ssize_t r;

    if (localerr) return -1;
    for (;;) {
        st = br_ssl_engine_current_state(eng);
        if (st & BR_SSL_CLOSED) return -1;
        if (st & BR_SSL_SENDREC) {
            p = br_ssl_engine_sendrec_buf(eng, &len);
            if ((r = io_write(p, len)) <= 0) { localerr = BR_ERR_IO; return -1; }
            br_ssl_engine_sendrec_ack(eng, (size_t)r);
            continue;
        }
        if (st & target) return 0;
        if (st & BR_SSL_RECVAPP) {
            /* wants to send, but the engine first needs the application
               to take incoming data: cannot happen with a bidirectional
               buffer and no renegotiation */
            localerr = BR_ERR_BAD_STATE;
            return -1;
        }
        if (st & BR_SSL_RECVREC) {
            p = br_ssl_engine_recvrec_buf(eng, &len);
            if ((r = io_read(p, len)) <= 0) { localerr = BR_ERR_IO; return -1; }
            br_ssl_engine_recvrec_ack(eng, (size_t)r);
            continue;
        }
        br_ssl_engine_flush(eng, 0);
    }
}

static int
tls_handshake(int r, int w, unsigned timeout, const char **why)
{
    rfd = r;
    wfd = w;
    tls_timeout(timeout);
    ioerr = 0;
    localerr = 0;
    active = 0;
    deadline_set();
    if (tls_run(BR_SSL_SENDAPP | BR_SSL_RECVAPP) == -1) {
        *why = tls_failtext();
        return -1;
    }
    active = 1;
    return 0;
}

/* --- reading PEM files --- */

static stralloc pem;        /* the file */
static stralloc der;        /* decoded objects, back to back */
static int der_nomem;

static int
pem_readfile(const char *fn, int secret, const char **why)
{
    struct stat st;
    ssize_t r;
    int fd;

    fd = open(fn, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) { why_set("unable to open ", fn, ": "); why_set(whybuf, strerror(errno), 0); *why = whybuf; return -1; }
    if (fstat(fd, &st) == -1) { why_set("unable to stat ", fn, 0); goto fail; }
    if (!S_ISREG(st.st_mode)) { why_set(fn, " is not a regular file", 0); goto fail; }
    if (secret && (st.st_mode & 007)) {
        why_set(fn, " holds a private key but is readable by others (chmod 600 or 400)", 0);
        goto fail;
    }
    if (st.st_size > TLS_PEM_MAX) { why_set(fn, " is too large for a PEM file", 0); goto fail; }
    pem.len = 0;
    for (;;) {
        if (!stralloc_readyplus(&pem, 4096)) { why_set("out of memory", 0, 0); goto fail; }
        r = read(fd, pem.s + pem.len, 4096);
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) { why_set("unable to read ", fn, 0); goto fail; }
        if (r == 0) break;
        pem.len += (size_t)r;
        if (pem.len > TLS_PEM_MAX) { why_set(fn, " is too large for a PEM file", 0); goto fail; }
    }
    close(fd);
    return 0;
fail:
    close(fd);
    *why = whybuf;
    return -1;
}

static void
der_append(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    if (!stralloc_catb(&der, buf, len)) der_nomem = 1;
}

/* Decode every PEM object of pem into der; call got(name, offset, len)
   for each one. got returns 0 to go on, -1 to stop (it set whybuf). */
static int
pem_walk(const char *fn, int (*got)(const char *name, size_t off, size_t len))
{
    static br_pem_decoder_context pc;
    char name[64];
    const char *p;
    size_t n, k, off = 0;
    int pass, inobj = 0;

    br_pem_decoder_init(&pc);
    der.len = 0;
    der_nomem = 0;
    name[0] = 0;
    for (pass = 0; pass < 2; ++pass) {
        p = pass ? "\n" : pem.s;        /* a final newline ends the last line */
        n = pass ? 1 : pem.len;
        while (n) {
            k = br_pem_decoder_push(&pc, p, n);
            p += k;
            n -= k;
            switch (br_pem_decoder_event(&pc)) {
            case BR_PEM_BEGIN_OBJ:
                k = strlen(br_pem_decoder_name(&pc));
                if (k >= sizeof name) k = sizeof name - 1;
                byte_copy(name, k, br_pem_decoder_name(&pc));
                name[k] = 0;
                off = der.len;
                br_pem_decoder_setdest(&pc, der_append, 0);
                inobj = 1;
                break;
            case BR_PEM_END_OBJ:
                if (der_nomem) { why_set("out of memory", 0, 0); return -1; }
                inobj = 0;
                if (got(name, off, der.len - off) == -1) return -1;
                break;
            case BR_PEM_ERROR:
                why_set(fn, " is not a valid PEM file", 0);
                return -1;
            }
        }
    }
    if (inobj) { why_set(fn, ": PEM object without END line", 0); return -1; }
    return 0;
}

/* --- server: certificate chain and key --- */

static br_x509_certificate chain[TLS_CHAIN_MAX];
static size_t chainoff[TLS_CHAIN_MAX];
static size_t nchain;
static br_skey_decoder_context skey;
static int havekey;

static int
server_obj(const char *name, size_t off, size_t len)
{
    if (!strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE")) {
        if (nchain >= TLS_CHAIN_MAX) { why_set("more certificates than the limit in the chain", 0, 0); return -1; }
        chainoff[nchain] = off;
        chain[nchain++].data_len = len;
        return 0;
    }
    if (!strcmp(name, "RSA PRIVATE KEY") || !strcmp(name, "EC PRIVATE KEY")
        || !strcmp(name, "PRIVATE KEY")) {
        if (havekey) { why_set("more than one private key", 0, 0); return -1; }
        br_skey_decoder_init(&skey);
        br_skey_decoder_push(&skey, der.s + off, len);
        byte_zero(der.s + off, len);
        der.len = off;
        if (br_skey_decoder_last_error(&skey) != 0) {
            why_set("the private key cannot be decoded (RSA or EC keys only)", 0, 0);
            return -1;
        }
        havekey = 1;
        return 0;
    }
    if (!strcmp(name, "ENCRYPTED PRIVATE KEY")) {
        why_set("the private key is encrypted: store it without a passphrase", 0, 0);
        return -1;
    }
    der.len = off;          /* anything else (DH PARAMETERS ...) is ignored */
    return 0;
}

/* the bytes of a big-endian number without leading zeros */
static int
num_eq(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    while (alen && !*a) { ++a; --alen; }
    while (blen && !*b) { ++b; --blen; }
    return alen == blen && !memcmp(a, b, alen);
}

/* the leaf's public key must be the key's; sets the issuer key type */
static int
server_keymatch(unsigned *issuer)
{
    static br_x509_decoder_context dc;
    static unsigned char buf[BR_EC_KBUF_PUB_MAX_SIZE + 1024];   /* RSA: 4096 bits at most */
    const br_x509_pkey *pk;
    unsigned char e[4];
    uint32_t pe;
    size_t n;

    br_x509_decoder_init(&dc, 0, 0);
    br_x509_decoder_push(&dc, chain[0].data, chain[0].data_len);
    if (!(pk = br_x509_decoder_get_pkey(&dc))) {
        why_set("the first certificate cannot be decoded: ", tls_errtext(br_x509_decoder_last_error(&dc)), 0);
        return -1;
    }
    *issuer = br_x509_decoder_get_signer_key_type(&dc);
    if (pk->key_type != br_skey_decoder_key_type(&skey)) goto mismatch;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        const br_rsa_private_key *sk = br_skey_decoder_get_rsa(&skey);
        n = br_rsa_compute_modulus_get_default()(0, sk);
        if (!n || n > sizeof buf) goto mismatch;
        br_rsa_compute_modulus_get_default()(buf, sk);
        if (!num_eq(buf, n, pk->key.rsa.n, pk->key.rsa.nlen)) goto mismatch;
        /* the exponent too, when BearSSL can recompute it (0.6 returns
           0 for some valid keys: the modulus alone then decides) */
        pe = br_rsa_compute_pubexp_get_default()(sk);
        e[0] = pe >> 24; e[1] = pe >> 16; e[2] = pe >> 8; e[3] = pe;
        if (pe && !num_eq(e, 4, pk->key.rsa.e, pk->key.rsa.elen)) goto mismatch;
        return 0;
    }
    if (pk->key_type == BR_KEYTYPE_EC) {
        const br_ec_private_key *sk = br_skey_decoder_get_ec(&skey);
        br_ec_public_key pub;
        if (!br_ec_compute_pub(br_ec_get_default(), &pub, buf, sk)) {
            why_set("the EC key's curve is not supported", 0, 0);
            return -1;
        }
        if (pub.curve != pk->key.ec.curve || pub.qlen != pk->key.ec.qlen
            || memcmp(pub.q, pk->key.ec.q, pub.qlen)) goto mismatch;
        return 0;
    }
mismatch:
    why_set("the private key does not belong to the first certificate", 0, 0);
    return -1;
}

int
tls_server_init(const char *pemfile, const char **why)
{
    unsigned issuer = BR_KEYTYPE_RSA;
    size_t i;
    int r;

    serverready = 0;
    nchain = 0;
    havekey = 0;
    *why = whybuf;
    if (pem_readfile(pemfile, 1, why) == -1) return -1;
    r = pem_walk(pemfile, server_obj);
    byte_zero(pem.s, pem.len);          /* the key, base64: not kept */
    if (r == -1) return -1;
    if (!nchain) { why_set(pemfile, " holds no certificate", 0); return -1; }
    if (!havekey) { why_set(pemfile, " holds no private key", 0); return -1; }
    for (i = 0; i < nchain; ++i)        /* der is final: pointers now */
        chain[i].data = (unsigned char *)der.s + chainoff[i];
    if (server_keymatch(&issuer) == -1) return -1;
    if (br_skey_decoder_key_type(&skey) == BR_KEYTYPE_RSA)
        br_ssl_server_init_full_rsa(&sc, chain, nchain, br_skey_decoder_get_rsa(&skey));
    else
        br_ssl_server_init_full_ec(&sc, chain, nchain, issuer, br_skey_decoder_get_ec(&skey));
    tls_policy(&sc.eng);
    serverready = 1;
    return 0;
}

int
tls_server(int r, int w, unsigned timeout, const char **why)
{
    *why = whybuf;
    if (!serverready) { why_set("no certificate loaded", 0, 0); return -1; }
    br_ssl_engine_set_buffer(&sc.eng, iobuf, sizeof iobuf, 1);
    eng = &sc.eng;
    if (!br_ssl_server_reset(&sc)) { *why = tls_failtext(); return -1; }
    verified = 0;
    verifytext = "not checked";
    return tls_handshake(r, w, timeout, why);
}

/* --- client: trust anchors --- */

static br_x509_trust_anchor anchors[TLS_ANCHOR_MAX];
static size_t nanchors;
static unsigned char arena[TLS_ANCHOR_BYTES];
static size_t arenaused;
static int arenafull;

static unsigned char *
arena_put(const void *p, size_t n)
{
    unsigned char *at = arena + arenaused;

    if (n > sizeof arena - arenaused) { arenafull = 1; return 0; }
    byte_copy(at, n, p);
    arenaused += n;
    return at;
}

static void
dn_append(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    arena_put(buf, len);
}

static int
anchor_obj(const char *name, size_t off, size_t len)
{
    static br_x509_decoder_context dc;
    br_x509_trust_anchor *ta;
    const br_x509_pkey *pk;
    size_t mark = arenaused;

    if (strcmp(name, "CERTIFICATE") && strcmp(name, "X509 CERTIFICATE")) { der.len = off; return 0; }
    if (nanchors >= TLS_ANCHOR_MAX) { why_set("more trust anchors than the limit", 0, 0); return -1; }
    ta = &anchors[nanchors];
    br_x509_decoder_init(&dc, dn_append, 0);
    br_x509_decoder_push(&dc, der.s + off, len);
    der.len = off;
    if (!(pk = br_x509_decoder_get_pkey(&dc))) { arenaused = mark; return 0; }  /* unusable: skip */
    ta->dn.data = arena + mark;
    ta->dn.len = arenaused - mark;
    ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = arena_put(pk->key.rsa.n, pk->key.rsa.nlen);
        ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = arena_put(pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = arena_put(pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    } else { arenaused = mark; return 0; }
    if (arenafull) { why_set("trust anchors larger than the limit", 0, 0); return -1; }
    ++nanchors;
    return 0;
}

/* --- client: the X.509 class for TLS_NOVERIFY and TLS_CHECK: take the
   server's key from its first certificate without trusting it; in
   TLS_CHECK mode also run the minimal (verifying) engine and keep its
   verdict --- */

static struct x509_any {
    const br_x509_class *vtable;
    br_x509_decoder_context dc;
    unsigned depth;
    int check;
    unsigned result;
} xa;

static void
xa_start_chain(const br_x509_class **ctx, const char *server_name)
{
    struct x509_any *x = (struct x509_any *)ctx;

    x->depth = 0;
    x->result = BR_ERR_X509_NOT_TRUSTED;
    br_x509_decoder_init(&x->dc, 0, 0);
    if (x->check) xm.vtable->start_chain(&xm.vtable, server_name);
}

static void
xa_start_cert(const br_x509_class **ctx, uint32_t length)
{
    struct x509_any *x = (struct x509_any *)ctx;

    if (x->check) xm.vtable->start_cert(&xm.vtable, length);
}

static void
xa_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    struct x509_any *x = (struct x509_any *)ctx;

    if (x->depth == 0) br_x509_decoder_push(&x->dc, buf, len);
    if (x->check) xm.vtable->append(&xm.vtable, buf, len);
}

static void
xa_end_cert(const br_x509_class **ctx)
{
    struct x509_any *x = (struct x509_any *)ctx;

    ++x->depth;
    if (x->check) xm.vtable->end_cert(&xm.vtable);
}

static unsigned
xa_end_chain(const br_x509_class **ctx)
{
    struct x509_any *x = (struct x509_any *)ctx;
    int err;

    if (x->check) x->result = xm.vtable->end_chain(&xm.vtable);
    if (!br_x509_decoder_get_pkey(&x->dc)) {
        err = br_x509_decoder_last_error(&x->dc);
        return err ? (unsigned)err : BR_ERR_X509_EMPTY_CHAIN;
    }
    return 0;
}

static const br_x509_pkey *
xa_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    struct x509_any *x = (struct x509_any *)ctx;

    if (usages) *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
    return br_x509_decoder_get_pkey(&x->dc);
}

static const br_x509_class xa_class = {
    sizeof(struct x509_any),
    xa_start_chain, xa_start_cert, xa_append, xa_end_cert, xa_end_chain,
    xa_get_pkey,
};

int
tls_client_init(int mode, const char *cafile, const char **why)
{
    const char *fn = cafile ? cafile : TLS_CAFILE;

    *why = whybuf;
    clientready = 0;
    nanchors = 0;
    arenaused = 0;
    arenafull = 0;
    if (mode != TLS_NOVERIFY && mode != TLS_VERIFY && mode != TLS_CHECK) {
        why_set("unknown verification mode", 0, 0);
        return -1;
    }
    cmode = mode;
    if (mode != TLS_NOVERIFY) {
        if (pem_readfile(fn, 0, why) == -1) return -1;
        if (pem_walk(fn, anchor_obj) == -1) return -1;
        if (!nanchors) { why_set(fn, " holds no usable trust anchor", 0); return -1; }
    }
    br_ssl_client_init_full(&cc, &xm, anchors, nanchors);
    tls_policy(&cc.eng);
    if (mode != TLS_VERIFY) {
        xa.vtable = &xa_class;
        xa.check = mode == TLS_CHECK;
        br_ssl_engine_set_x509(&cc.eng, &xa.vtable);
    }
    clientready = 1;
    return 0;
}

/* an IPv4 or IPv6 address literal, with or without brackets */
static int
host_isaddr(const char *h)
{
    const char *s;

    if (*h == '[' || strchr(h, ':')) return 1;
    for (s = h; *s; ++s)
        if ((*s < '0' || *s > '9') && *s != '.') return 0;
    return 1;
}

int
tls_client(int r, int w, const char *host, unsigned timeout, const char **why)
{
    static char name[256];
    const char *sni = 0;
    size_t n;

    *why = whybuf;
    if (!clientready) { why_set("tls_client_init was not called", 0, 0); return -1; }
    if (host && *host && !host_isaddr(host)) {
        n = strlen(host);
        if (host[n - 1] == '.') --n;    /* a root-anchored DNS name */
        if (!n || n >= sizeof name) { why_set("bad host name", 0, 0); return -1; }
        byte_copy(name, n, host);
        name[n] = 0;
        sni = name;
    }
    if (cmode == TLS_VERIFY && !sni) {
        why_set("cannot verify a certificate without a host name", 0, 0);
        return -1;
    }
    br_ssl_engine_set_buffer(&cc.eng, iobuf, sizeof iobuf, 1);
    eng = &cc.eng;
    if (!br_ssl_client_reset(&cc, sni, 0)) { *why = tls_failtext(); return -1; }
    verified = 0;
    verifytext = "not checked";
    if (tls_handshake(r, w, timeout, why) == -1) return -1;
    if (cmode == TLS_VERIFY) {
        verified = 1;
        verifytext = "verified";
    } else if (cmode == TLS_CHECK) {
        if (!sni) verifytext = "not checked (no host name)";
        else if (xa.result == 0) { verified = 1; verifytext = "verified"; }
        else {
            const char *t = tls_errtext((int)xa.result);
            size_t n = strlen(t);
            if (n >= sizeof verifybuf) n = sizeof verifybuf - 1;
            byte_copy(verifybuf, n, t);
            verifybuf[n] = 0;
            verifytext = verifybuf;
        }
    }
    return 0;
}

/* --- the session --- */

ssize_t
tls_read(int fd, char *buf, size_t len)
{
    unsigned char *p;
    size_t n;
    int err;

    (void)fd;
    if (!eng || !active) { why_set("no TLS session", 0, 0); errno = EBADF; return -1; }
    if (!len) return 0;
    deadline_set();
    if (tls_run(BR_SSL_RECVAPP) == -1) {
        active = 0;
        err = tls_lasterr();
        if (err == BR_ERR_OK || (err == BR_ERR_IO && ioerr == 0)) return 0;
        tls_failtext();
        errno = err == BR_ERR_IO ? ioerr : EPROTO;
        return -1;
    }
    p = br_ssl_engine_recvapp_buf(eng, &n);
    if (n > len) n = len;
    byte_copy(buf, n, p);
    br_ssl_engine_recvapp_ack(eng, n);
    return (ssize_t)n;
}

ssize_t
tls_write(int fd, const char *buf, size_t len)
{
    unsigned char *p;
    size_t n, done = 0;

    (void)fd;
    if (!eng || !active) { why_set("no TLS session", 0, 0); errno = EBADF; return -1; }
    deadline_set();
    while (done < len) {
        if (tls_run(BR_SSL_SENDAPP) == -1) goto fail;
        p = br_ssl_engine_sendapp_buf(eng, &n);
        if (n > len - done) n = len - done;
        byte_copy(p, n, buf + done);
        br_ssl_engine_sendapp_ack(eng, n);
        done += n;
    }
    br_ssl_engine_flush(eng, 0);
    if (tls_run(BR_SSL_SENDAPP) == -1) goto fail;
    return (ssize_t)len;
fail:
    active = 0;
    tls_failtext();
    errno = tls_lasterr() == BR_ERR_IO ? ioerr : EPROTO;
    if (!errno) errno = EPIPE;
    return -1;
}

const char *
tls_error(void)
{
    return whybuf;
}

void
tls_timeout(unsigned seconds)
{
    tmo = seconds ? seconds : 1;
}

int
tls_close(void)
{
    unsigned char *p;
    size_t len;
    ssize_t r;
    int ret = 0;

    if (!eng) return 0;
    if (active) {
        deadline_set();
        br_ssl_engine_close(eng);
        while (br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) {
            p = br_ssl_engine_sendrec_buf(eng, &len);
            if ((r = io_write(p, len)) <= 0) {
                why_set("unable to send close_notify: ", strerror(ioerr), 0);
                ret = -1;
                break;
            }
            br_ssl_engine_sendrec_ack(eng, (size_t)r);
        }
    }
    active = 0;                 /* eng stays: tls_info() still reports */
    return ret;
}

/* the plaintext side of tls_relay: write what the engine decrypted */
static int
relay_toplain(int pw)
{
    unsigned char *p;
    size_t len;
    ssize_t w;

    p = br_ssl_engine_recvapp_buf(eng, &len);
    if (!len) return 0;
    if (len > PIPE_BUF) len = PIPE_BUF;     /* no blocking after POLLOUT */
    w = write(pw, p, len);
    if (w == -1 && (errno == EINTR || errno == EAGAIN)) return 0;
    if (w <= 0) return -1;
    br_ssl_engine_recvapp_ack(eng, (size_t)w);
    return 0;
}

/* read what the child wrote into the engine: 0 ok, 1 end of input, -1 error */
static int
relay_fromplain(int pr)
{
    unsigned char *p;
    size_t len;
    ssize_t r;

    p = br_ssl_engine_sendapp_buf(eng, &len);
    if (!len) return 0;
    r = read(pr, p, len);
    if (r == -1 && (errno == EINTR || errno == EAGAIN)) return 0;
    if (r == -1) return -1;
    if (r == 0) return 1;
    br_ssl_engine_sendapp_ack(eng, (size_t)r);
    br_ssl_engine_flush(eng, 0);
    return 0;
}

int
tls_relay(int pr, int pw, const char **why)
{
    struct pollfd p[4];
    unsigned st;
    unsigned char *b;
    size_t len;
    ssize_t r;
    int n, inr, inw, ipr, ipw, ret = 0;

    *why = whybuf;
    if (!eng || !active) { why_set("no TLS session", 0, 0); close(pw); return -1; }
    for (;;) {
        st = br_ssl_engine_current_state(eng);
        if (st & BR_SSL_CLOSED) {       /* the peer's close_notify, or an error */
            if (br_ssl_engine_last_error(eng) != BR_ERR_OK) { tls_failtext(); ret = -1; }
            break;
        }
        n = 0;
        inr = inw = ipr = ipw = -1;
        /* both directions of the network at once: a peer that writes
           while we write must not deadlock us */
        if (st & BR_SSL_SENDREC) { p[n].fd = wfd; p[n].events = POLLOUT; inw = n++; }
        if (st & BR_SSL_RECVREC) { p[n].fd = rfd; p[n].events = POLLIN; inr = n++; }
        /* new data from the program only when the engine has room */
        if ((st & BR_SSL_SENDAPP) && !(st & BR_SSL_SENDREC)) { p[n].fd = pr; p[n].events = POLLIN; ipr = n++; }
        if (st & BR_SSL_RECVAPP) { p[n].fd = pw; p[n].events = POLLOUT; ipw = n++; }
        if (!n) { br_ssl_engine_flush(eng, 0); continue; }
        r = poll(p, (nfds_t)n, tmo > INT_MAX / 1000 ? INT_MAX : (int)(tmo * 1000));
        if (r == -1 && errno == EINTR) continue;
        if (r == -1) { why_set("poll: ", strerror(errno), 0); ret = -1; break; }
        if (r == 0) { why_set("timed out", 0, 0); ret = -1; break; }
        deadline_set();                 /* for io_read/io_write: ready now */
        if (inw >= 0 && p[inw].revents) {
            b = br_ssl_engine_sendrec_buf(eng, &len);
            if ((r = io_write(b, len)) <= 0) { localerr = BR_ERR_IO; tls_failtext(); ret = -1; break; }
            br_ssl_engine_sendrec_ack(eng, (size_t)r);
        }
        if (inr >= 0 && p[inr].revents && (br_ssl_engine_current_state(eng) & BR_SSL_RECVREC)) {
            b = br_ssl_engine_recvrec_buf(eng, &len);
            r = io_read(b, len);
            if (r == 0) break;          /* the peer closed without close_notify */
            if (r < 0) { localerr = BR_ERR_IO; tls_failtext(); ret = -1; break; }
            br_ssl_engine_recvrec_ack(eng, (size_t)r);
        }
        if (ipw >= 0 && p[ipw].revents && relay_toplain(pw) == -1) {
            why_set("unable to write to the program: ", strerror(errno), 0);
            ret = -1;
            break;
        }
        if (ipr >= 0 && p[ipr].revents) {
            r = relay_fromplain(pr);
            if (r == 1) { close(pw); return tls_close() == -1 ? (*why = whybuf, -1) : 0; }
            if (r == -1) { why_set("unable to read from the program: ", strerror(errno), 0); ret = -1; break; }
        }
    }
    close(pw);
    active = 0;
    return ret;
}

int
tls_active(void)
{
    return active;
}

/* the client's SNI, for logs: only host-name characters survive */
static const char *
tls_sni(void)
{
    const char *s;
    size_t n = 0;

    if (eng != &sc.eng) return "";
    s = br_ssl_engine_get_server_name(eng);
    for (; s && *s && n < sizeof snibuf - 1; ++s)
        snibuf[n++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
                       || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'
                       || *s == '_') ? *s : '?';
    snibuf[n] = 0;
    return snibuf;
}

void
tls_info(struct tls_info *ti)
{
    br_ssl_session_parameters sp;
    size_t i;

    ti->version = "none";
    ti->cipher = "none";
    ti->bits = 0;
    ti->verified = verified;
    ti->verify = verifytext;
    ti->sni = "";
    if (!eng) return;
    if (br_ssl_engine_get_version(eng) == BR_TLS12) ti->version = "TLSv1.2";
    br_ssl_engine_get_session_parameters(eng, &sp);
    for (i = 0; i < sizeof suitenames / sizeof suitenames[0]; ++i)
        if (suitenames[i].id == sp.cipher_suite) {
            ti->cipher = suitenames[i].name;
            ti->bits = suitenames[i].bits;
        }
    ti->sni = tls_sni();
}
