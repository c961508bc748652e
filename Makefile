# Thin wrapper around CMake for the two quick-start commands:
#   make train   train on the default data, print the evaluation, save the model to
#                $(BUILD)/safe_warm_bright.safetensors and say how to use it
#   make test    build and run every test (C unit tests and busted specs, through ctest)
# As root, missing Debian packages are installed first; otherwise they are listed.

BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= 2

# Needed to build and test; the peers used by benchmarks are listed in scripts/bench/README.md.
DEBIAN_PACKAGES = build-essential cmake pkg-config liblua5.4-dev lua5.4 libopenblas-dev \
  libsndfile1-dev libcjson-dev libreadline-dev lua-busted sox python3-numpy python3-sklearn

.PHONY: all deps build test train clean

all: build

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "missing Debian packages (run as root or: sudo apt-get install $$missing)"; exit 1; \
	  fi; \
	fi

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

train: build
	$(BUILD)/semeq scripts/train_semantic.lua --out $(BUILD)/safe_warm_bright.safetensors

clean:
	rm -rf $(BUILD)
