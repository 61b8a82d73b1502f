# The two commands: `make run` and `make test`. Everything else is a helper for them.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG ?= config/streamgate.yaml

.PHONY: run test build web deps deps-test configure clean format

run: deps build
	$(BUILD_DIR)/bin/streamgate --config $(CONFIG)

test: deps-test build
	scripts/install-node-deps.sh
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900 -j $(JOBS)

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh all

configure:
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure web
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The web app served at / (web/ -> web/dist); quick when nothing changed.
web:
	scripts/build-web.sh

format:
	find include src tests examples bench -name '*.[ch]pp' -o -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
