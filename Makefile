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
# -fno-math-errno and -fno-trapping-math: the library never reads errno after
# libm calls nor enables floating-point traps, and without them GCC will not
# vectorize loops that select between computed floating-point values.
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -fno-math-errno -fno-trapping-math \
                   -Iinclude $(WARNINGS) -MMD -MP
ifneq ($(SAN),)
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
endif

# Debian packages that provide the pkg-config modules below (make deps).
DEB_PACKAGES = build-essential pkg-config libfftw3-dev libsndfile1-dev libebur128-dev \
               libcjson-dev libcmocka-dev libsoxr-dev gnuplot-nox libflac-dev nettle-dev
# what only the tests need: Chromium loads the HTML reports headless;
# metaflac (flac) and ffprobe (ffmpeg) read the release's tags independently
TEST_DEB_PACKAGES = chromium flac ffmpeg
PC_LIB       = fftw3f libcjson
# libFLAC (tags) and nettle (SHA-256) serve the CLI's release command only
PC_MODULES   = $(PC_LIB) sndfile soxr flac nettle
PC_TEST      = cmocka libebur128 libcjson sndfile

# Lazy (=) so that a missing package is reported by check-deps, not at parse time.
PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PC_MODULES) 2>/dev/null)
PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(PC_MODULES) 2>/dev/null)
PC_TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PC_TEST) 2>/dev/null)
PC_TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(PC_TEST) 2>/dev/null)
PC_LIB_LIBS = $(shell $(PKG_CONFIG) --libs $(PC_LIB) 2>/dev/null)
# the library needs FFTW and cJSON; the programs add libsndfile, libFLAC, nettle
LIB_LIBS = $(PC_LIB_LIBS) -lpthread -lm
LIBS = $(PC_LIBS) -lpthread -lm

LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
MODULE_ARCHIVES = $(foreach m,$(MODULES),$(BUILD)/libmm_$(m).a)
# Linked in dependency order: reports -> {automix, automaster} -> analyze -> dsp.
LINK_ARCHIVES = $(foreach m,$(LINK_ORDER),$(BUILD)/libmm_$(m).a)
TEST_BINS = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

.PHONY: all lib cli corpus tests test test-asan demo bench install uninstall clean deps check-deps ensure-deps ensure-test-deps format \
        fuzz fuzz-run test-valgrind
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
	@{ command -v chromium && command -v metaflac && command -v ffprobe; } >/dev/null || $(MAKE) --no-print-directory deps

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

# The command line less main(), for tests that call its functions directly
# (reading audio through virtual I/O, writing outputs). Only the members a
# test uses are linked from it.
$(BUILD)/libmm_cli.a: $(filter-out $(BUILD)/obj/cli/main.o,$(CLI_OBJ))
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/%: tests/%.c tests/testutil.h $(MODULE_ARCHIVES) $(BUILD)/libmm_cli.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DMM_BUILDING_LIBRARY $(PC_CFLAGS) $(PC_TEST_CFLAGS) -Itests -Icli -o $@ $< \
	  $(TEST_LDFLAGS) $(BUILD)/libmm_cli.a $(LINK_ARCHIVES) $(PC_TEST_LIBS) $(LIBS)

# test_alloc fails the library's allocations one by one: the allocator entry
# points are wrapped at link time, so the library has no test hook.
ALLOC_WRAPPED = malloc calloc realloc aligned_alloc free fftwf_malloc fftwf_free \
                fftwf_plan_dft_r2c_1d fftwf_plan_dft_c2r_1d fftwf_destroy_plan
$(BUILD)/tests/test_alloc: TEST_LDFLAGS = $(foreach f,$(ALLOC_WRAPPED),-Wl,--wrap=$(f))

# The README's test command: installs what is missing, builds, runs every
# unit/conformance test binary and the command-line tests.
# Builds on every core unless make was given -j already.
NPROC := $(shell nproc 2>/dev/null || echo 1)
PARALLEL = $(if $(findstring j,$(filter-out --%,$(MAKEFLAGS))),,-j$(NPROC))

test: ensure-test-deps
	@$(MAKE) --no-print-directory $(PARALLEL) all tests
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BINS)

test-asan:
	@$(MAKE) --no-print-directory test SAN=1

demo: ensure-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh corpus/demo.sh

bench: ensure-deps
	@$(MAKE) --no-print-directory all $(BUILD)/mm-bench
	@BUILD=$(BUILD) sh bench/bench.sh

# make test-valgrind: the suite under valgrind memcheck (invalid accesses,
# uninitialised reads, definite and indirect leaks fail), the programs the
# command-line tests start included (MM_TEST_WRAPPER), two programs at a
# time. Built in build-valgrind/ at -O1 without target_clones
# (MM_NO_CLONES), so no AVX-512 body exists for valgrind 3.19 to stumble
# on. MM_TEST_VALGRIND=1 tells the tests to shorten their slowest loops (see
# tests/testutil.h). VALGRIND_SKIP lists the programs left out to keep CI
# short: end-to-end mastering, automix evaluation, album, release delivery
# and report pages,
# which take minutes each under memcheck and whose DSP and rules have their
# own unit tests in the run; make test-valgrind VALGRIND_SKIP= runs them too.
VALGRIND ?= valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
            --errors-for-leak-kinds=definite,indirect --suppressions=$(CURDIR)/tests/valgrind.supp
VALGRIND_SKIP ?= test_report test_automix_eval test_automix_cli test_master test_master_cli test_album \
                 test_release_cli
test-valgrind: ensure-deps
	@$(MAKE) --no-print-directory BUILD=build-valgrind CFLAGS="-O1 -g -DMM_NO_CLONES" all tests
	@echo "test-valgrind: skipping $(or $(VALGRIND_SKIP),nothing)"
	@BUILD=build-valgrind MM_TEST_VALGRIND=1 MM_TEST_WRAPPER="$(VALGRIND)" VALGRIND="$(VALGRIND)" TEST_JOBS=2 \
	  sh tests/run.sh $(filter-out $(VALGRIND_SKIP:%=build-valgrind/tests/%),$(TEST_SRC:tests/%.c=build-valgrind/tests/%))

# make fuzz: one libFuzzer target per input surface, each fuzz/fuzz_*.c
# (a new target is one new file), built with clang, AddressSanitizer and
# UBSan into build-fuzz/, with its seed corpus generated by fuzz/seeds.sh
# from the project's corpus. make fuzz-run FUZZ_SECONDS=60 runs each one.
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC  = $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_SAN  = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# clang, unlike gcc, flags vsnprintf(fmt) inside printf-like helpers that
# have no format attribute of their own (automix/plan.c, reports/master_json.c)
FUZZ_WARN = -Wno-format-nonliteral
# the library and the command line, less main(), instrumented for coverage
FUZZ_OBJ  = $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
            $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out cli/main.c,$(CLI_SRC)))

fuzz: check-deps $(FUZZ_BINS) $(FUZZ_BINS:%=%.seeds)
.SECONDARY: $(FUZZ_OBJ)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS) -O1 -g $(FUZZ_SAN) $(FUZZ_WARN) -fsanitize=fuzzer-no-link -DMM_BUILDING_LIBRARY $(PC_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -Icli $(PC_CFLAGS) -o $@ $< $(FUZZ_OBJ) $(LIBS)

$(FUZZ_BUILD)/mm-seedgen: fuzz/seedgen.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PC_CFLAGS) -o $@ $< $(LIBS)

# Seeds are generated, never committed: a stamp per target.
$(FUZZ_BUILD)/%.seeds: fuzz/seeds.sh $(FUZZ_BUILD)/mm-seedgen $(BUILD)/mm-corpus $(BUILD)/mixmaster
	@rm -rf $(FUZZ_BUILD)/seeds/$* && BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) sh fuzz/seeds.sh $* $(FUZZ_BUILD)/seeds/$*
	@echo "$*: $$(ls $(FUZZ_BUILD)/seeds/$* | wc -l) seeds" && touch $@

# Run each target for FUZZ_SECONDS, two at a time (fuzz/run.sh); a crash
# saves its input in build-fuzz/crashes/ and fails.
fuzz-run: fuzz
	@FUZZ_BUILD=$(FUZZ_BUILD) sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

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
	rm -rf build build-asan build-fuzz build-valgrind

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
