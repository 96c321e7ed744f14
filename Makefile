# efgnn top-level driver. `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD ?= build
JOBS ?= $(shell nproc)
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo bench fuzz clean

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

# libFuzzer on the model file parser (clang), FUZZ_SECONDS long, from a seed exported by efgnn.
# The kernel sources once per instruction set, as src/runtime/CMakeLists.txt builds them.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -std=c++20 -g -O1 -Wno-psabi -Wno-pass-failed -fsanitize=fuzzer,address,undefined -fopenmp \
  -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Isrc
fuzz: build
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/kernels
	$(BUILD)/efgnn export --config configs/train/demo-h32.yaml --set hidden=16 --set n_graph_iters=2 \
	  --out $(BUILD)/fuzz/corpus/seed.efgnn
	$(BUILD)/efgnn export --config configs/train/demo-h32.yaml --set hidden=16 --set n_graph_iters=2 \
	  --set weight_bits=6 --set activation_bits=6 --set input_bits=8 --out $(BUILD)/fuzz/corpus/seed-integer.efgnn
	for set in avx512:16 avx2:8 base:4; do for source in Kernels IntegerKernels; do \
	  clang++-14 $(FUZZ_FLAGS) -DEFGNN_ISA=$${set%:*} -DEFGNN_LANES=$${set#*:} -c src/runtime/$$source.cpp \
	    -o $(BUILD)/fuzz/kernels/$$source-$${set%:*}.o || exit 1; done; done
	clang++-14 $(FUZZ_FLAGS) fuzz/ModelFileFuzz.cpp $(addprefix src/runtime/,Dispatch.cpp EdgeClassifier.cpp \
	  Isa.cpp Layers.cpp ModelFile.cpp) $(BUILD)/fuzz/kernels/*.o -o $(BUILD)/fuzz/fuzz_model_file
	$(BUILD)/fuzz/fuzz_model_file -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 $(BUILD)/fuzz/corpus

bench: build
	scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
