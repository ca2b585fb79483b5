# mixmaster - plain Makefile.
# Override on the command line: make CC=clang CFLAGS="-O2" PREFIX=/opt/mm
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
CC         ?= cc
AR         ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O3 -g
LDFLAGS    ?=
# SAN=1 builds everything with AddressSanitizer + UndefinedBehaviorSanitizer
# into its own folder (make test SAN=1).
SAN        ?=
BUILD      ?= $(if $(SAN),build-asan,build)

include sources.mk

WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wcast-qual
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -fno-math-errno \
                   -Iinclude $(WARNINGS) -MMD -MP
ifneq ($(SAN),)
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
endif

# Debian packages that provide the pkg-config modules below (make deps).
DEB_PACKAGES = build-essential pkg-config libfftw3-dev libsndfile1-dev libebur128-dev \
               libcjson-dev libcmocka-dev libsoxr-dev gnuplot-nox
# what only the tests need: Chromium loads the HTML reports headless
TEST_DEB_PACKAGES = chromium
PC_LIB       = fftw3f libcjson
PC_MODULES   = $(PC_LIB) sndfile soxr
PC_TEST      = cmocka libebur128 libcjson sndfile

# Lazy (=) so that a missing package is reported by check-deps, not at parse time.
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PC_MODULES) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(PC_MODULES) 2>/dev/null)
PC_TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PC_TEST) 2>/dev/null)
PC_TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(PC_TEST) 2>/dev/null)
PC_LIB_LIBS = $(shell $(PKG_CONFIG) --libs $(PC_LIB) 2>/dev/null)
# the library needs FFTW and cJSON; the programs add libsndfile
LIB_LIBS = $(PC_LIB_LIBS) -lpthread -lm
LIBS = $(PC_LIBS) -lpthread -lm

LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
MODULE_ARCHIVES = $(foreach m,$(MODULES),$(BUILD)/libmm_$(m).a)
# Linked in dependency order: reports -> {automix, automaster} -> analyze -> dsp.
LINK_ARCHIVES = $(foreach m,$(LINK_ORDER),$(BUILD)/libmm_$(m).a)
TEST_BINS = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all lib cli corpus tests test test-asan demo bench install uninstall clean deps check-deps ensure-deps ensure-test-deps format
.SUFFIXES:

all: check-deps lib cli corpus $(BUILD)/examples/analyze_tone

lib: $(BUILD)/libmixmaster.a $(BUILD)/libmixmaster.so $(MODULE_ARCHIVES)
cli: $(BUILD)/mixmaster
corpus: $(BUILD)/mm-corpus
tests: $(TEST_BINS)

check-deps:
	@for m in $(PC_MODULES) $(PC_TEST); do \
	  $(PKG_CONFIG) --exists $$m || { echo "mixmaster: the pkg-config module '$$m' was not found; run 'make deps' (Debian: apt-get install $(DEB_PACKAGES))" >&2; exit 1; }; \
	done

# Install the Debian packages when any pkg-config module is missing.
ensure-deps:
	@ok=1; for m in $(PC_MODULES) $(PC_TEST); do $(PKG_CONFIG) --exists $$m 2>/dev/null || ok=0; done; \
	command -v gnuplot >/dev/null || ok=0; \
	if [ $$ok = 0 ]; then $(MAKE) --no-print-directory deps; fi

ensure-test-deps: ensure-deps
	@command -v chromium >/dev/null || $(MAKE) --no-print-directory deps

deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "mixmaster: installing $(DEB_PACKAGES) $(TEST_DEB_PACKAGES)"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEB_PACKAGES) $(TEST_DEB_PACKAGES) >/dev/null

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DMM_BUILDING_LIBRARY $(PC_CFLAGS) -c $< -o $@

$(BUILD)/libmm_%.a:
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(foreach m,$(MODULES),$(eval $(BUILD)/libmm_$(m).a: $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard $(m)/*.c))))

$(BUILD)/libmixmaster.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/libmixmaster.so: $(LIB_OBJ) mixmaster.map
	$(CC) -shared -Wl,-soname,libmixmaster.so.$(SOVERSION) -Wl,--version-script=mixmaster.map $(LDFLAGS) -o $@ $(LIB_OBJ) $(LIB_LIBS)

$(BUILD)/mixmaster: $(CLI_OBJ) $(MODULE_ARCHIVES)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LINK_ARCHIVES) $(LIBS)

$(BUILD)/mm-corpus: $(BUILD)/obj/corpus/corpus.o $(MODULE_ARCHIVES)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_ARCHIVES) $(LIBS)

$(BUILD)/examples/%: examples/%.c $(BUILD)/libmixmaster.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PC_CFLAGS) -o $@ $< $(BUILD)/libmixmaster.a $(LIBS)

$(BUILD)/mm-bench: $(BUILD)/obj/bench/bench.o
	$(CC) $(LDFLAGS) -o $@ $< -lm

$(BUILD)/tests/%: tests/%.c tests/testutil.h $(MODULE_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DMM_BUILDING_LIBRARY $(PC_CFLAGS) $(PC_TEST_CFLAGS) -Itests -o $@ $< \
	  $(LINK_ARCHIVES) $(PC_TEST_LIBS) $(LIBS)

# The README's test command: installs what is missing, builds, runs every
# unit/conformance test binary and the command-line tests.
test: ensure-test-deps
	@$(MAKE) --no-print-directory all tests
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BINS)

test-asan:
	@$(MAKE) --no-print-directory test SAN=1

demo: ensure-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh corpus/demo.sh

bench: ensure-deps
	@$(MAKE) --no-print-directory all $(BUILD)/mm-bench
	@BUILD=$(BUILD) sh bench/bench.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/mixmaster $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/mixmaster $(DESTDIR)$(BINDIR)/mixmaster
	install -m 644 $(BUILD)/libmixmaster.a $(DESTDIR)$(LIBDIR)/libmixmaster.a
	install -m 755 $(BUILD)/libmixmaster.so $(DESTDIR)$(LIBDIR)/libmixmaster.so.$(VERSION)
	ln -sf libmixmaster.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libmixmaster.so.$(SOVERSION)
	ln -sf libmixmaster.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libmixmaster.so
	install -m 644 include/mixmaster/*.h $(DESTDIR)$(INCLUDEDIR)/mixmaster/
	install -m 644 man/mixmaster.1 $(DESTDIR)$(MANDIR)/man1/mixmaster.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	    -e 's|@VERSION@|$(VERSION)|g' mixmaster.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/mixmaster.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mixmaster $(DESTDIR)$(LIBDIR)/libmixmaster.* \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/mixmaster.pc $(DESTDIR)$(MANDIR)/man1/mixmaster.1
	rm -rf $(DESTDIR)$(INCLUDEDIR)/mixmaster

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) corpus/*.c bench/*.c include/mixmaster/*.h

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
