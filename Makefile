# Thin wrappers over CMake. The README's two commands:
#   make run    install what is missing, build, serve on SQLite with demo data
#   make test   install what is missing, build, run every test (plain and under ASan+UBSan),
#               then each libFuzzer harness for a short bounded time (clang; build-fuzz)
# and for developers:
#   make fuzz   run the libFuzzer harnesses long (FUZZ_SECONDS each, corpora kept in var/fuzz;
#               FUZZ_TARGETS="api image" picks some; make -j2 fuzz runs two at once)
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
DB     ?= var/ktpel.db
LISTEN ?= 127.0.0.1:8080
PEOPLE ?= 5000
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
# "yes" when clang can link a libFuzzer harness (Debian: clang, libclang-rt-14-dev).
HAVE_LIBFUZZER = $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }\n' | clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1 && echo yes)
FUZZ_ENV = FUZZ_BIN=$(CURDIR)/build-fuzz/fuzz FUZZ_SEEDS=$(CURDIR)/build-fuzz/fuzz-seeds \
  KTPEL_SHARED=$(CURDIR)/../shared

.PHONY: all deps deps-test build build-asan run city test test-plain test-asan test-fuzz \
  build-fuzz fuzz bench clean

all: build

deps:
	@scripts/install-deps

deps-test:
	@scripts/install-deps --test

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build -j $(JOBS)

# `make run` seeds var/ on first start: schema, demo residents, one demo account per role.
run: build
	@mkdir -p var
	@if [ ! -f $(DB) ]; then \
	  ./build/ktpel init --db $(DB) && \
	  ./build/ktpel demo-data --db $(DB) --people $(PEOPLE) --seed 1 && \
	  ./build/ktpel demo-users --db $(DB) >/dev/null; \
	fi
	@# the demo's registered kiosk (its secret kept beside the demo database, mode 0600)
	@if [ ! -s $(dir $(DB))kiosk-demo.secret ]; then \
	  (umask 077; ./build/ktpel kiosk add "Kios demo" --db $(DB) 2>/dev/null \
	    | sed -n 's/.*"token": "\([0-9a-f]*\)".*/\1/p' > $(dir $(DB))kiosk-demo.secret); \
	fi
	@echo ""
	@echo "  ktpel: buka http://$(LISTEN)/  (kios: /kiosk.html, layar antrian: /display.html)"
	@echo "  Kios demo terdaftar: buka sekali http://$(LISTEN)/kiosk.html#pasang=$$(cat $(dir $(DB))kiosk-demo.secret)"
	@echo "  Akun demo (nama / kata sandi): intake / intake-demo-123, operator / operator-demo-123,"
	@echo "  handover / handover-demo-123, supervisor / supervisor-demo-123, admin / admin-demo-123"
	@echo "  (kata sandi demo harus diganti saat pertama masuk)"
	@echo "  NIK penduduk contoh untuk dicoba di loket penerima berkas (atau cari nama + tanggal lahir):"
	@./build/ktpel demo-niks --db $(DB) || true
	@echo ""
	@./build/ktpel serve --db $(DB) --listen $(LISTEN)

# A city on one machine: the central (Disdukcapil, PostgreSQL) and two kecamatan nodes on
# loopback with demo data (scripts/city-demo; docs/operations.md, "The link to Disdukcapil").
city: build
	@scripts/install-deps --test >/dev/null
	@scripts/city-demo build

test: deps-test test-plain test-asan test-fuzz

test-plain:
	@cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
	@cmake --build build-test -j $(JOBS)
	@cd build-test && ctest --output-on-failure -j $(JOBS)

test-asan:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKTPEL_SANITIZE=ON -DBUILD_TESTING=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# The libFuzzer harnesses of tests/fuzz (docs/fuzzing.md), each for KTPEL_FUZZ_SECONDS (15)
# from its seeds. Skipped with a message where clang cannot build them.
test-fuzz:
	@if [ "$(HAVE_LIBFUZZER)" != yes ]; then \
	  echo "SKIP fuzz: clang with libFuzzer not found (Debian: apt-get install clang libclang-rt-14-dev)"; \
	else \
	  $(MAKE) --no-print-directory build-fuzz && \
	  cd build-fuzz && ctest --output-on-failure -j $(JOBS) -L fuzz; \
	fi

build-fuzz:
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DBUILD_TESTING=ON -DKTPEL_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

fuzz-%: build-fuzz
	@$(FUZZ_ENV) tests/fuzz/run-fuzzer $* $(FUZZ_SECONDS) var/fuzz/$*

bench: build
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@bench/run-all

clean:
	rm -rf build build-test build-asan build-bench build-fuzz
