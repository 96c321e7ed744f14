# efgnn top-level driver. `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD ?= build
JOBS ?= $(shell nproc)
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo bench fuzz sanitize clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build
	scripts/demo.sh $(BUILD)/efgnn

# libFuzzer on every reader, FUZZ_SECONDS per target (scripts/fuzz.sh prints executions, exec/s
# and corpus size per target): TrackML CSV hits / truth / particles, HepMC2/3, the HDF5 event store,
# graphs and module map, graph data set manifests, detector YAML and detectors.csv, model-config
# YAML, and the model file (seeds exported by efgnn). The libraries without LibTorch are built by clang-14 with
# -fsanitize=fuzzer-no-link,address,undefined in $(BUILD)/fuzz (CMake: EFGNN_FUZZ=ON,
# EFGNN_WITH_TORCH=OFF). Seeds: fuzz/corpus/NAME (checked in and replayed by `make test`, with
# fuzz/regressions/NAME); new inputs go to $(BUILD)/fuzz/corpus/NAME, crashes to
# $(BUILD)/fuzz/crashes/. FUZZ_TARGETS picks some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= trackml_hits trackml_truth trackml_particles hepmc3 event_store_h5 graph_store_h5 \
  module_map_h5 manifest detector_yaml detector_csv config_yaml model_file
fuzz: build
	cmake -S . -B $(BUILD)/fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DEFGNN_FUZZ=ON -DEFGNN_WITH_TORCH=OFF \
	  -DEFGNN_BUILD_TESTS=OFF -DEFGNN_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@mkdir -p $(BUILD)/fuzz/corpus/model_file
	$(BUILD)/efgnn export --config configs/train/demo-h32.yaml --set hidden=16 --set n_graph_iters=2 \
	  --out $(BUILD)/fuzz/corpus/model_file/seed.efgnn
	$(BUILD)/efgnn export --config configs/train/demo-h32.yaml --set hidden=16 --set n_graph_iters=2 \
	  --set weight_bits=6 --set activation_bits=6 --set input_bits=8 --out $(BUILD)/fuzz/corpus/model_file/seed-integer.efgnn
	scripts/fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# AddressSanitizer + UndefinedBehaviorSanitizer (GCC, -fno-sanitize-recover=undefined) on the
# libraries that do not link LibTorch (core, geometry, sim, io, graph, reco, eval, runtime), their
# test suites and the fuzz corpus replays, run by ctest; in $(BUILD)/sanitize (CMake:
# EFGNN_SANITIZE=ON, EFGNN_WITH_TORCH=OFF; the tests that need LibTorch or the efgnn command,
# test_model/train/compress/runtime/cli, are not built there).
SANITIZE_ENV = ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
sanitize: deps
	cmake -S . -B $(BUILD)/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEFGNN_SANITIZE=ON \
	  -DEFGNN_WITH_TORCH=OFF -DEFGNN_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/sanitize -j $(JOBS)
	cd $(BUILD)/sanitize && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1800

bench: build
	scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
