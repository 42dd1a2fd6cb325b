# The two commands a new machine needs: `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
WERROR ?= $(if $(CI),ON,OFF)

.PHONY: all deps configure build demo test bench load format clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DSWARMBOT_WERROR=$(WERROR) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what the demo runs: a fresh machine plays it without building the tests first.
demo: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target swarmbot swarmbot-demo
	@$(BUILD_DIR)/demo/swarmbot-demo --swarmbot $(BUILD_DIR)/app/swarmbot

test: build
	@cd $(BUILD_DIR) && ctest -j $(JOBS) --output-on-failure --timeout 300

bench: build
	@for b in $(BUILD_DIR)/bench/*_bench; do [ -x "$$b" ] && "$$b"; done

# Mixed signed Slack requests against the real binary and the emulator (README: "Under load").
load: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target swarmbot swarmbot-load
	@$(BUILD_DIR)/loadgen/swarmbot-load --swarmbot $(BUILD_DIR)/app/swarmbot

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)
