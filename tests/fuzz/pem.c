/* pem.c (fuzz): the TLS file loaders of src/tls.c: control/servercert.pem
   (certificate chain and private key, tls_server_init) and a CA file of
   trust anchors (tls_client_init), both from the same bytes.
   Input: a file as an operator might write it. */
#include <fcntl.h>
#include <unistd.h>
#include "tls.h"
#include "fuzz.h"

static char fn[] = "/tmp/kirim-fuzz-pem.XXXXXX";
static int fd = -1;

static void
cleanup(void)
{
    if (fd != -1) unlink(fn);
}

/* a failure text goes to a log: one line, printable, not empty */
static void
check_why(const char *why)
{
    size_t i, n;

    fuzz_check(why != 0);
    n = strlen(why);
    fuzz_check(n > 0 && n < 256);
    for (i = 0; i < n; ++i)
        fuzz_check((unsigned char)why[i] >= 32 && (unsigned char)why[i] < 127);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = 0;
    int r;

    if (fd == -1) {
        fd = mkstemp(fn);            /* mode 0600: a key file may be read */
        fuzz_check(fd != -1);
        atexit(cleanup);
    }
    fuzz_check(ftruncate(fd, 0) == 0);
    fuzz_check(pwrite(fd, data, size, 0) == (ssize_t)size);

    r = tls_server_init(fn, &why);
    fuzz_check(r == 0 || r == -1);
    if (r == -1) check_why(why);

    why = 0;
    r = tls_client_init(TLS_VERIFY, fn, &why);
    fuzz_check(r == 0 || r == -1);
    if (r == -1) check_why(why);
    r = tls_client_init(TLS_CHECK, fn, &why);
    fuzz_check(r == 0 || r == -1);
    if (r == -1) check_why(why);
    return 0;
}
