# kirim: one Makefile, pattern rules, compiler-generated dependencies.
SHELL := /bin/sh
CC    := $(shell head -1 conf-cc)
LD    := $(shell head -1 conf-ld)
HOME_ := $(shell head -1 conf-home)
SAN   ?=
export SAN
CFLAGS_EXTRA ?=
CFL   := $(CC) $(SAN) $(CFLAGS_EXTRA) -MMD -MP -Isrc
LDL   := $(LD) $(SAN)
# libowfat linked statically into the programs (glibc stays shared): one
# shared object less to map and relocate per exec (doc/performance.md)
OWFAT ?= -l:libowfat.a

# every src/*.c holding a main is a program named after its file
PROGS := $(sort $(patsubst src/%.c,%,$(wildcard src/mail-*.c src/kirim-*.c \
          src/sendmail.c src/maildirmake.c)))
PROGSRC := $(addprefix src/,$(addsuffix .c,$(PROGS)))
GEN   := src/auto_home.c src/auto_split.c src/auto_spawn.c src/auto_users.c
LIBSRC := $(sort $(filter-out $(PROGSRC),$(wildcard src/*.c)) $(GEN))
LIBOBJ := $(LIBSRC:.c=.o)
BINS  := $(addprefix bin/,$(PROGS))
MANIN := $(wildcard doc/*.[1-8].in)
MANS  := $(patsubst doc/%.in,man/%,$(MANIN))
UNITS := $(patsubst tests/unit/%.c,tests/unit/%,$(wildcard tests/unit/*_t.c))
# fuzzing: one harness per parser, tests/fuzz/NAME.c, seeds in tests/fuzz/corpus/NAME/
FUZZERS := $(sort $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/replay.c,\
          $(wildcard tests/fuzz/*.c))))
REPLAYS := $(addprefix tests/fuzz/,$(addsuffix _replay,$(FUZZERS)))
FUZZ_SECONDS ?= 30
FUZZCC  := clang-14 -std=c99 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -O1 -g -Wall -Wextra \
          -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -Isrc
FUZZPKGS := clang-14 libfuzzer-14-dev
# harnesses that reach BearSSL (src/tls.c)
FUZZTLS := pem
TLSPROGS := mail-popup mail-smtpd mail-remote
# programs started once per message that need no NSS lookup: linked
# wholly statically (glibc too, as a static PIE), which takes a quarter
# off each exec here; not in sanitizer builds. `make STATICPROGS=` links
# them like the others. A glibc update then needs a rebuild and
# `make install`, as libowfat and BearSSL already do (doc/internals.md)
STATICPROGS ?= mail-queue mail-inject mail-local mail-remote
# programs that hash or check passwords with crypt(3): doc/security.md
CRYPTPROGS := mail-checkpw mail-passwd mail-account
DEPPKGS := build-essential libowfat-dev libbearssl-dev tinycdb \
          ucspi-tcp-ipv6 daemontools swaks libnet-ssleay-perl mandoc perl python3 openssl fetchmail \
          dnsmasq-base postfix \
          dovecot-imapd strace

.PHONY: all clean install instcheck setup check check-asan unit it demo deps bench fuzz torture
all: $(BINS) $(MANS) $(UNITS) $(REPLAYS)

src/auto_home.c: conf-home
	printf 'const char auto_home[] = "%s";\n' "$$(head -1 conf-home)" > $@
src/auto_split.c: conf-split
	printf 'const unsigned long auto_split = %s;\n' "$$(head -1 conf-split)" > $@
src/auto_spawn.c: conf-spawn
	printf 'const unsigned long auto_spawn = %s;\n' "$$(head -1 conf-spawn)" > $@
src/auto_users.c: conf-users conf-groups
	{ echo 'const char *const auto_users[8] = {'; \
	  head -8 conf-users | sed 's/.*/  "&",/'; echo '};'; \
	  echo 'const char *const auto_groups[2] = {'; \
	  head -2 conf-groups | sed 's/.*/  "&",/'; echo '};'; } > $@

src/%.o: src/%.c
	$(CFL) -c -o $@ $<
tests/unit/%.o: tests/unit/%.c
	$(CFL) -c -o $@ $<

src/libkirim.a: $(LIBOBJ)
	rm -f $@
	ar cr $@ $(LIBOBJ)

bin/%: src/%.o src/libkirim.a
	@mkdir -p bin
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a $(if $(filter $*,$(TLSPROGS)),-lbearssl) $(if $(filter $*,$(CRYPTPROGS)),-lcrypt) $(OWFAT)

$(addprefix bin/,$(if $(SAN),,$(STATICPROGS))): bin/%: src/%.o src/libkirim.a
	@mkdir -p bin
	$(LDL) -static-pie -o $@ $< src/libkirim.a $(if $(filter $*,$(TLSPROGS)),-l:libbearssl.a) -l:libowfat.a

# mail-smtpd is started for every SMTP connection: libowfat and BearSSL linked
# in, so that the dynamic loader maps libc only (doc/performance.md, SMTP)
bin/mail-smtpd: src/mail-smtpd.o src/libkirim.a
	@mkdir -p bin
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a -Wl,-Bstatic -lbearssl -lowfat -Wl,-Bdynamic

tests/unit/%_t: tests/unit/%_t.o src/libkirim.a
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a -lowfat

# the corpus replay (make check): each harness with the ordinary compiler
tests/fuzz/%.o: tests/fuzz/%.c
	$(CFL) -c -o $@ $<
tests/fuzz/%_replay: tests/fuzz/%.o tests/fuzz/replay.o src/libkirim.a
	$(LDL) -o $@ $< tests/fuzz/replay.o $(if $(SAN),src/sanopts.o) src/libkirim.a $(if $(filter $*,$(FUZZTLS)),-lbearssl) -lowfat

# libFuzzer builds (make fuzz): the library again, instrumented, under tests/fuzz/build
tests/fuzz/build/lib/%.o: src/%.c
	@mkdir -p tests/fuzz/build/lib
	$(FUZZCC) -fsanitize=fuzzer-no-link -c -o $@ $<
tests/fuzz/build/libkirim.a: $(patsubst src/%.c,tests/fuzz/build/lib/%.o,$(LIBSRC))
	rm -f $@
	ar cr $@ $^
tests/fuzz/build/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/build/libkirim.a
	$(FUZZCC) -fsanitize=fuzzer -o $@ $< tests/fuzz/build/libkirim.a $(if $(filter $*,$(FUZZTLS)),-lbearssl) -lowfat

# test helpers for tests/it, built with the programs (where the tests are:
# kirim_instance copies the tree without them)
ITPROGS := $(patsubst %.c,%,$(wildcard tests/it/tlspeer.c))
all: $(ITPROGS)
tests/it/%.o: tests/it/%.c
	$(CFL) -c -o $@ $<
tests/it/tlspeer: tests/it/tlspeer.o src/libkirim.a
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a -lbearssl -lowfat

man/%: doc/%.in conf-home
	@mkdir -p man
	sed -e 's|@HOME@|$(HOME_)|g' \
	    -e '1s|^\(\.TH [^ ]* [1-8]\) ""|\1 "'"$$(date -u -r $< +%Y-%m-%d)"'"|' $< > $@

install: all
	bin/kirim-install "$(DESTDIR)"
	sh scripts/services.sh "$(DESTDIR)"
instcheck:
	bin/kirim-instcheck "$(DESTDIR)"

setup: all
	sh scripts/setup.sh "$(DESTDIR)"

deps:
	@sh scripts/deps.sh install $(DEPPKGS)

unit: $(UNITS)
check:
	@sh scripts/deps.sh need $(DEPPKGS)
	$(MAKE) all
	sh scripts/headercheck.sh
	prove -f tests/unit/*_t tests/it/*.t

check-asan:
	$(MAKE) clean
	$(MAKE) SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' check

demo:
	@sh scripts/deps.sh need $(DEPPKGS)
	$(MAKE) all
	sh scripts/demo.sh

fuzz:
	@sh scripts/deps.sh need $(FUZZPKGS)
	$(MAKE) $(addprefix tests/fuzz/build/,$(FUZZERS))
	sh scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

# crash injection, longer than the 20 kills per process kind of make check
torture: all
	TORTURE_KILLS=$${TORTURE_KILLS:-100} prove -v tests/it/95-torture.t

bench: all
	sh bench/all.sh

clean:
	rm -f src/*.o src/*.d src/*.a $(GEN) tests/unit/*.o tests/unit/*.d $(UNITS)
	rm -f tests/fuzz/*.o tests/fuzz/*.d $(REPLAYS)
	rm -f tests/it/*.o tests/it/*.d $(ITPROGS)
	rm -rf bin man tests/fuzz/build

-include src/*.d tests/unit/*.d tests/fuzz/*.d tests/it/*.d
