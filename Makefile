# Entry points. `make run` and `make test` work on a fresh Debian 12 / Ubuntu machine.
BUILD      ?= build
JOBS       ?= $(shell nproc)
CUDA       ?= AUTO
CMAKE_ARGS ?=
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages the build and tests need (the CUDA toolkit is separate, in /usr/local/cuda).
DEB_PACKAGES := cmake g++ make pkg-config git python3 \
	libcli11-dev libfmt-dev libtomlplusplus-dev \
	libsentencepiece-dev sentencepiece \
	libopenmpi-dev openmpi-bin libopenblas-dev libgtest-dev \
	nlohmann-json3-dev python3-torch

.PHONY: all build deps configure test test-gpu run clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all packages present"; fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DLONGNET_CUDA=$(CUDA) $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -LE gpu -j $(JOBS)

# GPU tests: on a machine with a GPU (see shared/gpu/README.md for the GPU machine recipe).
test-gpu: build
	cd $(BUILD) && ctest --output-on-failure -L gpu

# The quickstart: prepare the corpus, train experiments/quickstart.toml (continuing a run that
# is already there), print its perplexity table. About 5 minutes on 2 CPU cores.
LONGNET   := $(BUILD)/apps/longnet/longnet
QUICK_RUN ?= runs/quickstart
run: deps build
	$(LONGNET) prepare data/quickstart.toml --out runs/data/quickstart
	@if [ -f $(QUICK_RUN)/checkpoints/latest ]; then resume=--resume; fi; \
	echo "$(LONGNET) train experiments/quickstart.toml --out $(QUICK_RUN) $$resume"; \
	$(LONGNET) train experiments/quickstart.toml --out $(QUICK_RUN) $$resume
	$(LONGNET) eval $(QUICK_RUN) --device auto --csv $(QUICK_RUN)/eval.csv

clean:
	rm -rf $(BUILD)
