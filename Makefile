# rssgap: one non-recursive Makefile. `make` builds ./rssgap; `make test`
# runs every cmocka binary and every tests/cli/*.sh; `make demo` runs the
# main job on the committed fixtures.

PREFIX ?= /usr/local
CC ?= cc
PKGS = libarchive sqlite3 libpcre2-8 cairo jansson libxxhash zlib
# pkg-config runs when a recipe first needs its answer, not when make reads
# this file: on a fresh machine the packages (and pkg-config itself) only
# exist once `deps`, an order-only prerequisite of every compile, has run.
# Each variable then keeps its value, so pkg-config runs once per make.
lazy = $(eval $1 := $$(shell pkg-config $2))$($1)
PKG_CFLAGS = $(call lazy,PKG_CFLAGS,--cflags $(PKGS))
PKG_LIBS = $(call lazy,PKG_LIBS,--libs $(PKGS))
CMOCKA_LIBS = $(call lazy,CMOCKA_LIBS,--libs cmocka)
# the packages the goals need: the build's, or with test/demo the tests' too
DEPS_SET = $(if $(filter test check demo bench fixtures deps,$(MAKECMDGOALS)),all,build)

WARN = -Wall -Wextra -Wshadow -Wvla -Wstrict-prototypes -Wmissing-prototypes
ifdef CI
WARN += -Werror
endif
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -I. -I$(B) $(PKG_CFLAGS) -MMD -MP
LDLIBS = $(PKG_LIBS) -lm -pthread
# SAN=1: ASan + UBSan, built apart in build-san/ so the two builds never mix;
# its binary is build-san/rssgap and the tests run that one.
B = build
BIN = rssgap
ifdef SAN
B = build-san
BIN = build-san/rssgap
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRCS = \
	core/buf.c \
	core/db.c \
	core/db_batch.c \
	core/db_merge.c \
	core/db_read.c \
	core/db_stmt.c \
	core/db_write.c \
	core/diag.c \
	core/escape.c \
	core/limits.c \
	core/lines.c \
	core/num.c \
	core/outfile.c \
	core/timer.c \
	core/vma.c \
	core/xalloc.c

INGEST_SRCS = \
	ingest/bare.c \
	ingest/bundle.c \
	ingest/cgroup.c \
	ingest/expvar.c \
	ingest/ingest.c \
	ingest/ingest_commit.c \
	ingest/ingest_hold.c \
	ingest/ingest_member.c \
	ingest/live.c \
	ingest/manifest.c \
	ingest/memstats.c \
	ingest/pprof.c \
	ingest/pprof_legacy.c \
	ingest/pprof_proto.c \
	ingest/pprof_wire.c \
	ingest/procfile.c \
	ingest/prom.c \
	ingest/provenance.c \
	ingest/roles.c \
	ingest/rules.c \
	ingest/runtime.c \
	ingest/runtime_ingest.c \
	ingest/smaps.c \
	ingest/smaps_field.c \
	ingest/vma_writer.c

ANALYZE_SRCS = \
	analyze/align.c \
	analyze/align_input.c \
	analyze/attribute.c \
	analyze/credit.c \
	analyze/diffvmas.c \
	analyze/fleet.c \
	analyze/fleetstat.c \
	analyze/memspace.c \
	analyze/notes.c \
	analyze/rank.c \
	analyze/rolemem.c \
	analyze/sites.c \
	analyze/snapshot.c \
	analyze/topvma.c \
	analyze/trend.c \
	analyze/words.c

REPORT_SRCS = \
	report/cgroupout.c \
	report/chart.c \
	report/diffout.c \
	report/draw.c \
	report/fleetout.c \
	report/json.c \
	report/listout.c \
	report/page_common.c \
	report/page_diff.c \
	report/page_fleet.c \
	report/page_fleet_scatter.c \
	report/page_single.c \
	report/page_trend.c \
	report/pprofout.c \
	report/scale.c \
	report/showout.c \
	report/sitesout.c \
	report/summary.c \
	report/text.c \
	report/trendout.c

CMD_SRCS = \
	cmd/cmd_diff.c \
	cmd/cmd_export.c \
	cmd/cmd_fleet.c \
	cmd/cmd_ingest.c \
	cmd/cmd_list.c \
	cmd/cmd_merge.c \
	cmd/cmd_profile.c \
	cmd/cmd_report.c \
	cmd/cmd_show.c \
	cmd/cmd_trend.c \
	cmd/common.c \
	cmd/explain.c \
	cmd/rule_files.c

GEN_SRCS = $(B)/default_rules.c

LIB_SRCS = $(CORE_SRCS) $(INGEST_SRCS) $(ANALYZE_SRCS) $(REPORT_SRCS) $(CMD_SRCS)
LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o) $(GEN_SRCS:%.c=%.o)

TESTS = \
	tests/test_align \
	tests/test_attribute \
	tests/test_credit \
	tests/test_cgroup \
	tests/test_core \
	tests/test_db \
	tests/test_expvar \
	tests/test_fleet \
	tests/test_hostile \
	tests/test_manifest \
	tests/test_memspace \
	tests/test_memstats \
	tests/test_pprof \
	tests/test_procfile \
	tests/test_prom \
	tests/test_rules \
	tests/test_runtime \
	tests/test_scale \
	tests/test_chart \
	tests/test_sites \
	tests/test_smaps \
	tests/test_trend \
	tests/test_truth
TEST_BINS = $(TESTS:tests/%=$(B)/tests/%)

.PHONY: all test test-live check demo deps install uninstall clean fixtures fixtures-matrix bench newcomer \
	fuzz fuzz-build
# keep test objects: they are intermediate files of the pattern rules
.SECONDARY:

all: $(BIN)

$(B)/%.o: %.c | deps $(B)/rssgap-version.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# One version for both programs: the VERSION= line of the capture script
# (which runs where the binary is not installed, so it must carry its own).
# Rewritten only when it changes, so a script edit recompiles nothing else.
$(B)/rssgap-version.h: capture/rssgap-capture
	@mkdir -p $(B)
	@v=$$(sed -n 's/^VERSION=\([0-9][0-9.]*\)$$/\1/p' $<); \
	 [ -n "$$v" ] || { echo "$<: no VERSION=N.N.N line" >&2; exit 1; }; \
	 echo "#define RSSGAP_VERSION \"$$v\"" > $@.tmp; \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(B)/default_rules.c: fixtures/rules/default.rules Makefile
	@mkdir -p $(B)
	@{ echo '/* generated from fixtures/rules/default.rules by make */'; \
	   echo 'const char rssgap_default_rules[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/??/?\\?/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	   echo ';'; } > $@

$(B)/default_rules.o: $(B)/default_rules.c | deps
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/librssgap.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(B)/main.o $(B)/librssgap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: $(B)/tests/%.o $(B)/tests/testutil.o $(B)/librssgap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS)

$(B)/bench/align_bench: $(B)/bench/align_bench.o $(B)/librssgap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench/store_floor: $(B)/bench/store_floor.o $(B)/librssgap.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Installs the Debian packages the goals need when missing (as root), or
# names them; it runs before anything compiles, once per make.
deps:
	@sh tests/deps.sh $(DEPS_SET)

# fontconfig keeps its cache until exit: not a leak of ours
test: deps $(BIN) $(TEST_BINS)
	@RSSGAP=./$(BIN) LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp sh tests/run.sh $(TEST_BINS)

# The suites that need what a plain machine lacks (a Docker engine, root):
# each one skips with a one-line reason when that is missing.
test-live: deps $(BIN)
	@RSSGAP=./$(BIN) SUITES='tests/live/*.sh' sh tests/run.sh

check: test

demo: deps $(BIN)
	@RSSGAP=./$(BIN) sh tests/demo.sh

# The README's two commands on a fresh Debian 12 root, as root (tests/newcomer.sh).
newcomer:
	@bash tests/newcomer.sh

fixtures: rssgap
	bash fixtures/make-bundles.sh

# The Go toolchain matrix (fixtures/matrix): needs the Go module proxy.
fixtures-matrix: rssgap
	bash fixtures/make-matrix.sh

bench: rssgap $(B)/bench/align_bench $(B)/bench/store_floor
	@STORE_FLOOR=./$(B)/bench/store_floor sh bench/run.sh
	@echo "== alignment of synthetic snapshots"
	@./$(B)/bench/align_bench
	@sh bench/diff.sh
	@sh bench/pprof.sh
	@sh bench/fleet.sh
	@sh bench/smem.sh

# The layout is fixed below PREFIX: the binary finds its rules in
# share/rssgap beside its bin directory (cmd/rule_files.h).
SHARE = $(DESTDIR)$(PREFIX)/share
INSTALLED = $(DESTDIR)$(PREFIX)/bin/rssgap $(DESTDIR)$(PREFIX)/bin/rssgap-capture \
	$(SHARE)/rssgap/default.rules $(SHARE)/man/man1/rssgap.1 $(SHARE)/man/man1/rssgap-capture.1 \
	$(SHARE)/bash-completion/completions/rssgap $(SHARE)/bash-completion/completions/rssgap-capture \
	$(SHARE)/zsh/site-functions/_rssgap $(addprefix $(SHARE)/doc/rssgap/,$(notdir $(wildcard docs/*)))

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/rssgap $(SHARE)/man/man1 $(SHARE)/doc/rssgap \
		$(SHARE)/bash-completion/completions $(SHARE)/zsh/site-functions
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/rssgap
	install -m 755 capture/rssgap-capture $(DESTDIR)$(PREFIX)/bin/rssgap-capture
	install -m 644 fixtures/rules/default.rules $(SHARE)/rssgap/default.rules
	install -m 644 man/rssgap.1 man/rssgap-capture.1 $(SHARE)/man/man1/
	install -m 644 docs/* $(SHARE)/doc/rssgap/
	install -m 644 completion/rssgap.bash $(SHARE)/bash-completion/completions/rssgap
	install -m 644 completion/rssgap.bash $(SHARE)/bash-completion/completions/rssgap-capture
	install -m 644 completion/_rssgap $(SHARE)/zsh/site-functions/_rssgap

# Removes what install wrote (site rules of your own in share/rssgap stay).
uninstall:
	rm -f $(INSTALLED)
	-rmdir $(SHARE)/doc/rssgap $(SHARE)/rssgap 2>/dev/null

# `make fuzz`: the libFuzzer harnesses of tests/fuzz/ (one per parser entry
# point, one for a whole bundle into a ":memory:" store), built with clang
# under ASan and UBSan in build-fuzz/, each run FUZZ_SECONDS from seed
# corpora made of fixtures/ (tests/fuzz/run.sh says what it found).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FZ = build-fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) -O1 -g $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -I. -I$(B) $(PKG_CFLAGS) -MMD -MP
FUZZ_HARNESSES = \
	bundle \
	cgroup \
	expvar \
	manifest \
	maps \
	memstats \
	pprof \
	pprof_legacy \
	prom \
	rollup \
	rules \
	smaps \
	status
FUZZ_BINS = $(FUZZ_HARNESSES:%=$(FZ)/fuzz_%)

$(FZ)/%.o: %.c | deps $(B)/rssgap-version.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FZ)/default_rules.o: $(B)/default_rules.c | deps
	@mkdir -p $(FZ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FZ)/librssgap.a: $(LIB_SRCS:%.c=$(FZ)/%.o) $(FZ)/default_rules.o
	@rm -f $@
	ar rcs $@ $^

$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(FZ)/librssgap.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) bash tests/fuzz/run.sh $(FUZZ_HARNESSES)

clean:
	rm -rf build build-san build-fuzz rssgap

# (build/newcomer holds a whole Debian root: not ours to read)
-include $(shell find $(B) -path build/newcomer -prune -o -name '*.d' -type f -print 2>/dev/null)
-include $(shell find $(FZ) -name '*.d' -type f -print 2>/dev/null)
