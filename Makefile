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
TLSPROGS :=
DEPPKGS := build-essential libowfat-dev libbearssl-dev tinycdb \
          ucspi-tcp-ipv6 daemontools swaks mandoc perl python3 openssl

.PHONY: all clean install instcheck setup check check-asan unit it demo deps bench
all: $(BINS) $(MANS) $(UNITS)

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

# test helpers for tests/it, built with the programs (where the tests are:
# kirim_instance copies the tree without them)
ITPROGS := $(patsubst %.c,%,$(wildcard tests/it/tlspeer.c))
all: $(ITPROGS)
tests/it/%.o: tests/it/%.c
	$(CFL) -c -o $@ $<
tests/it/tlspeer: tests/it/tlspeer.o src/libkirim.a
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a -lbearssl -lowfat
-include tests/it/*.d

src/libkirim.a: $(LIBOBJ)
	rm -f $@
	ar cr $@ $(LIBOBJ)

# programs that hash or check passwords with crypt(3): doc/security.md
CRYPTPROGS := mail-checkpw mail-passwd
bin/%: src/%.o src/libkirim.a
	@mkdir -p bin
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a $(if $(filter $*,$(TLSPROGS)),-lbearssl) $(if $(filter $*,$(CRYPTPROGS)),-lcrypt) -lowfat

tests/unit/%_t: tests/unit/%_t.o src/libkirim.a
	$(LDL) -o $@ $< $(if $(SAN),src/sanopts.o) src/libkirim.a -lowfat

man/%: doc/%.in conf-home
	@mkdir -p man
	sed 's|@HOME@|$(HOME_)|g' $< > $@

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

bench: all
	sh bench/inject.sh

clean:
	rm -f tests/it/*.o tests/it/*.d $(ITPROGS)
	rm -f src/*.o src/*.d src/*.a $(GEN) tests/unit/*.o tests/unit/*.d $(UNITS)
	rm -rf bin man

-include src/*.d tests/unit/*.d
