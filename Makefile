# codexd — one plain Makefile (GNU make).
#
#   make               build build/codexd and build/codexctl
#   make check         unit tests, fuzz targets briefly, then integration tests (root)
#   make check-valgrind  the integration suite with the daemon under valgrind (root)
#   make SANITIZE=1 check   the same under ASan/UBSan (objects in build/sanitize/)
#   make deps          install the Debian packages needed to build and test
#   make run           build and run the daemon in the foreground on built-in defaults
#   make fuzz          build the libFuzzer targets and run each FUZZ_SECONDS
#   make bench         benchmarks (tests/bench/)
#   make stress        load test: 200 clients, 10,000 commands (root; tests/stress/README)
#   make lint          mandoc -Tlint on the manual pages, clang-format check
#   make install       PREFIX, DESTDIR, SYSCONFDIR honoured
#
# Sources are discovered by directory: common/ and policy/ become static
# libraries, daemon/ links into codexd, client/ into codexctl, and every
# tests/unit/test_*.c into its own cmocka binary.

VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
# SYSCONFDIR, LOCALSTATEDIR and RUNSTATEDIR are compiled into the programs:
# give make the same values as make install (after `make clean`).
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

CC ?= cc
PKG_CONFIG ?= pkg-config
INSTALL ?= install

ifeq ($(SANITIZE),1)
B := build/sanitize
OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
OPTLDFLAGS := -fsanitize=address,undefined
else
B := build
OPTFLAGS := -O2 -g -D_FORTIFY_SOURCE=2
OPTLDFLAGS :=
endif

PKGS_COMMON := jansson inih libsodium
PKGS_DAEMON := libsystemd libseccomp libcap-ng libuv libcurl $(PKGS_COMMON)
PKGS_CLIENT := $(PKGS_COMMON)
PKGS_PROXY := libseccomp libuv ldns $(PKGS_COMMON)
PKGS_TEST := cmocka ldns $(PKGS_DAEMON)
# http-parser ships no pkg-config file.
LIBS_HTTP_PARSER := -lhttp_parser

pkgcflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkglibs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

WARNFLAGS := -Wall -Wextra -Werror -Wformat=2 -Werror=format-nonliteral \
	-Wformat-security -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wpointer-arith -Wshadow -Wundef -Wvla \
	-Wimplicit-fallthrough -Wmissing-declarations -Wwrite-strings \
	-Wno-missing-field-initializers
HARDFLAGS := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
HARDLDFLAGS := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -Wl,--as-needed

DEFS := -D_GNU_SOURCE -DCX_VERSION=\"$(VERSION)\" \
	-DCX_SYSCONFDIR=\"$(SYSCONFDIR)\" -DCX_LOCALSTATEDIR=\"$(LOCALSTATEDIR)\" \
	-DCX_RUNSTATEDIR=\"$(RUNSTATEDIR)\"

CFLAGS ?=
LDFLAGS ?=
ALL_CFLAGS := -std=gnu11 $(OPTFLAGS) $(WARNFLAGS) $(HARDFLAGS) $(DEFS) -I. \
	-MMD -MP $(call pkgcflags,$(PKGS_TEST)) $(CFLAGS)
ALL_LDFLAGS := $(OPTLDFLAGS) $(HARDLDFLAGS) $(LDFLAGS)

COMMON_SRC := $(sort $(wildcard common/*.c))
POLICY_SRC := $(sort $(wildcard policy/*.c))
DAEMON_SRC := $(sort $(wildcard daemon/*.c))
CLIENT_SRC := $(sort $(wildcard client/*.c))
PROXY_SRC := $(sort $(wildcard proxy/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

LIBCOMMON := $(B)/libcxcommon.a
LIBPOLICY := $(B)/libcxpolicy.a
# The daemon's objects minus main.c, so unit tests can link daemon logic.
DAEMON_LIB := $(B)/libcxdaemon.a
DAEMON_MAIN := daemon/main.c
# The proxy worker's objects minus main.c (its parsers are unit-tested).
PROXY_LIB := $(B)/libcxproxy.a
PROXY_MAIN := proxy/main.c

CODEXD := $(B)/codexd
CODEXCTL := $(B)/codexctl
CODEXD_PROXY := $(B)/codexd-proxy
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(B)/tests/%,$(HELPER_SRC))

.PHONY: all check check-unit check-integration check-fuzz check-valgrind deps run fuzz bench \
	lint fmt fmt-check install install-files uninstall clean man-lint stress check-stress
.DEFAULT_GOAL := all

all: $(CODEXD) $(CODEXCTL) $(CODEXD_PROXY)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBPOLICY): $(call obj,$(POLICY_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(DAEMON_LIB): $(call obj,$(filter-out $(DAEMON_MAIN),$(DAEMON_SRC)))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# libcurl is loaded when OTLP forwarding starts (daemon/curl_lazy.h), not linked.
$(CODEXD): $(call obj,$(DAEMON_MAIN)) $(DAEMON_LIB) $(LIBPOLICY) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkglibs,$(filter-out libcurl,$(PKGS_DAEMON)))

$(PROXY_LIB): $(call obj,$(filter-out $(PROXY_MAIN),$(PROXY_SRC)))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(CODEXD_PROXY): $(call obj,$(PROXY_MAIN)) $(PROXY_LIB) $(LIBPOLICY) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkglibs,$(PKGS_PROXY)) $(LIBS_HTTP_PARSER)

$(CODEXCTL): $(call obj,$(CLIENT_SRC)) $(LIBPOLICY) $(LIBCOMMON)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkglibs,$(PKGS_CLIENT)) -lm

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(DAEMON_LIB) $(PROXY_LIB) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkglibs,$(PKGS_TEST)) $(LIBS_HTTP_PARSER)

$(B)/tests/%: $(B)/obj/tests/helpers/%.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkglibs,$(PKGS_COMMON))

# ---------------------------------------------------------------- tests

check: check-unit check-fuzz check-stress check-integration

check-unit: $(UNIT_BINS)
	@tests/unit/run $(UNIT_BINS)

check-integration: all $(HELPER_BINS)
	@tests/node/setup build/npm || true
	@tests/integration/run --build $(B)

# The unit tests, then the integration suite with every codexd, under
# valgrind memcheck (tests/integration/README.valgrind: what it can run).
# Debian 12's valgrind (3.19) lacks system calls the daemon makes (pidfd_open,
# close_range): tools/valgrind-fetch unpacks Debian trixie's 3.24 into
# build/valgrind (not installed system-wide).
VALGRIND_OPTS := -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
VG_DIR := $(CURDIR)/build/valgrind
check-valgrind: $(UNIT_BINS) all $(HELPER_BINS)
	@tools/valgrind-fetch $(VG_DIR) >/dev/null
	@CXT_UNIT_WRAP="$(VG_DIR)/usr/bin/valgrind.bin $(VALGRIND_OPTS)" \
		VALGRIND_LIB=$(VG_DIR)/usr/libexec/valgrind tests/unit/run $(UNIT_BINS)
	@CXT_VALGRIND=1 CXT_VALGRIND_BIN=$(VG_DIR)/usr/bin/valgrind.bin \
		VALGRIND_LIB=$(VG_DIR)/usr/libexec/valgrind tests/integration/run --build $(B)

# ---------------------------------------------------------------- set-up

# Installs what building and testing need on Debian 12; idempotent.
deps:
	@tools/deps

# Foreground daemon on built-in defaults (no configuration file needed).
run: all
	@tools/setup-groups
	@echo "codexd: foreground, built-in defaults, socket $(RUNSTATEDIR)/codexd/codexd.sock"
	$(CODEXD) --foreground

# ---------------------------------------------------------------- fuzz

FUZZ_SECONDS ?= 10
# make check runs every target this long, from its seed corpus (CI).
FUZZ_CHECK_SECONDS ?= 4
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_CC ?= clang
FB := build/fuzz
# Objects are built once with coverage and sanitizers, without libFuzzer's main.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Werror=implicit-function-declaration \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	$(DEFS) -I. $(call pkgcflags,$(PKGS_DAEMON))
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
fuzzobj = $(patsubst %.c,$(FB)/obj/%.o,$(1))
# A target links common/ and policy/; a line "// fuzz-sources: a.c b.c" in
# it names more sources (from daemon/ for instance) to link in.
fuzz_sources = $(shell sed -n 's|^// fuzz-sources:||p' $(1))

$(FB)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FB)/libcxcommon.a: $(call fuzzobj,$(COMMON_SRC))
	rm -f $@ && $(AR) rcs $@ $^

$(FB)/libcxpolicy.a: $(call fuzzobj,$(POLICY_SRC))
	rm -f $@ && $(AR) rcs $@ $^

$(foreach t,$(FUZZ_SRC),$(eval $(FB)/$(basename $(notdir $(t))): \
	$(call fuzzobj,$(t) $(call fuzz_sources,$(t))) $(FB)/libcxpolicy.a $(FB)/libcxcommon.a))

$(FB)/fuzz_%:
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(call pkglibs,$(PKGS_DAEMON)) $(LIBS_HTTP_PARSER) -lm

fuzz: $(FUZZ_BINS)
	@tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

check-fuzz: $(FUZZ_BINS)
	@tests/fuzz/run $(FUZZ_CHECK_SECONDS) $(FUZZ_BINS)

BENCH_BINS := $(B)/tests/bench_rules

$(B)/tests/bench_%: $(B)/obj/tests/bench/bench_%.o $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkglibs,$(PKGS_COMMON))

bench: all $(BENCH_BINS)
	@tests/bench/run --build $(B)
	@tests/bench/bench_proxy.sh --build $(B)

# Load test (root): a private codexd, 200 clients, 10,000 sandboxed commands
# with malformed traffic and slow readers; fails if descriptors, memory or
# the audit trail do not come back clean.  check-stress: 20 x 500 (~15 s).
stress: all
	@tests/stress/run --build $(B)

check-stress: all
	@tests/stress/run --build $(B) --quick

# ---------------------------------------------------------------- lint

MAN_PAGES := $(sort $(wildcard man/*.[1578]))

man-lint:
	mandoc -Tlint -W warning $(MAN_PAGES)

fmt:
	clang-format -i $(COMMON_SRC) $(POLICY_SRC) $(DAEMON_SRC) $(CLIENT_SRC) $(PROXY_SRC) \
		$(wildcard */*.h)

fmt-check:
	clang-format --dry-run -Werror $(COMMON_SRC) $(POLICY_SRC) $(DAEMON_SRC) \
		$(CLIENT_SRC) $(wildcard */*.h)

lint: man-lint

# ---------------------------------------------------------------- install

DOCDIR ?= $(DATADIR)/doc/codexd
# What the units and the default configuration name (never DESTDIR).
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'
EXAMPLES := $(sort $(wildcard examples/*.rules))

# `install` builds first; `install-files` only copies, so a test can install
# a tree that is already built (CODEXD=, CODEXCTL= name the binaries).
install: all
	@$(MAKE) --no-print-directory install-files

install-files:
	$(INSTALL) -Dm0755 $(CODEXD) $(DESTDIR)$(SBINDIR)/codexd
	$(INSTALL) -Dm0755 $(CODEXCTL) $(DESTDIR)$(BINDIR)/codexctl
	$(INSTALL) -Dm0755 $(CODEXD_PROXY) $(DESTDIR)$(SBINDIR)/codexd-proxy
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; \
		$(INSTALL) -Dm0644 $$m $(DESTDIR)$(MANDIR)/man$$s/$${m##*/} || exit 1; \
	done
	$(INSTALL) -dm0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	$(SUBST) systemd/codexd.service.in > $(DESTDIR)$(UNITDIR)/codexd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/codexd.service
	$(INSTALL) -m0644 systemd/codexd.socket $(DESTDIR)$(UNITDIR)/codexd.socket
	$(INSTALL) -m0644 systemd/codexd.sysusers $(DESTDIR)$(SYSUSERSDIR)/codexd.conf
	$(INSTALL) -m0644 systemd/codexd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/codexd.conf
	$(INSTALL) -dm0755 $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m0644 README $(DESTDIR)$(DOCDIR)/README
	$(INSTALL) -m0644 systemd/codexd.conf.example $(DESTDIR)$(DOCDIR)/examples/codexd.conf
	for f in $(EXAMPLES); do \
		$(INSTALL) -m0644 $$f $(DESTDIR)$(DOCDIR)/examples/ || exit 1; \
	done
	$(INSTALL) -dm0755 $(DESTDIR)$(SYSCONFDIR)/codexd/codexd.conf.d \
		$(DESTDIR)$(SYSCONFDIR)/codexd/rules.d
	@# An administrator's codexd.conf is never replaced.
	test -e $(DESTDIR)$(SYSCONFDIR)/codexd/codexd.conf || \
		$(INSTALL) -m0644 systemd/codexd.conf.example \
			$(DESTDIR)$(SYSCONFDIR)/codexd/codexd.conf
	@if [ -z "$(DESTDIR)" ]; then \
		echo "codexd installed.  To start it:"; \
		echo "  systemd-sysusers $(SYSUSERSDIR)/codexd.conf"; \
		echo "  systemd-tmpfiles --create $(TMPFILESDIR)/codexd.conf"; \
		echo "  systemctl daemon-reload && systemctl enable --now codexd.socket"; \
		echo "  usermod -aG codexd USER   # for each user who may run commands"; \
	fi

# Removes what install-files installed; $(SYSCONFDIR)/codexd stays unless it
# holds nothing but an unmodified default codexd.conf and empty directories.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/codexd $(DESTDIR)$(SBINDIR)/codexd-proxy $(DESTDIR)$(BINDIR)/codexctl
	rm -f $(DESTDIR)$(UNITDIR)/codexd.service $(DESTDIR)$(UNITDIR)/codexd.socket
	rm -f $(DESTDIR)$(SYSUSERSDIR)/codexd.conf $(DESTDIR)$(TMPFILESDIR)/codexd.conf
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; \
	done
	rm -f $(DESTDIR)$(DOCDIR)/README $(DESTDIR)$(DOCDIR)/examples/codexd.conf
	for f in $(EXAMPLES); do rm -f $(DESTDIR)$(DOCDIR)/examples/$${f##*/}; done
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null
	if cmp -s systemd/codexd.conf.example $(DESTDIR)$(SYSCONFDIR)/codexd/codexd.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/codexd/codexd.conf; \
	fi
	-rmdir $(DESTDIR)$(SYSCONFDIR)/codexd/codexd.conf.d $(DESTDIR)$(SYSCONFDIR)/codexd/rules.d \
		$(DESTDIR)$(SYSCONFDIR)/codexd 2>/dev/null

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
