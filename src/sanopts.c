/* sanopts.c: sanitizer defaults, linked in only for sanitizer builds (make
   check-asan). Leak checking is off: short-lived programs free nothing by
   design, and LeakSanitizer cannot run in the set-id mail-queue, which
   also ignores ASAN_OPTIONS. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
    return "detect_leaks=0";
}

const char *
__ubsan_default_options(void)
{
    return "print_stacktrace=1:halt_on_error=1";
}
