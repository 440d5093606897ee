# vigil — see README.md. `make lab` runs the live failover demo, `make test` the tests.
BUN      := $(CURDIR)/node_modules/.bin/bun
VERSION  := $(shell node -p "require('./package.json').version" 2>/dev/null)
DIST     := dist
SRC      := $(shell find src -type f) package.json

.PHONY: setup build test lab bench clean probe typecheck package

setup:
	bash board/setup.sh

$(BUN): package.json package-lock.json
	bash board/setup.sh
	@touch $(BUN)

build: $(DIST)/vigil-linux-x64 $(DIST)/vigil-linux-arm64

# Both entry points are embedded; VIGIL_EMBEDDED_WORKER makes the daemon name its worker
# by the embedded path. board/check-binary.sh fails the build if the binary still
# carries the build tree's absolute path (a board has no build tree).
# --format=esm --splitting: every lazily imported command is a chunk of its own, loaded only
# when it runs (test/bench/cold-start.bench.ts). No .env or bunfig.toml autoload: a compiled
# binary would otherwise read both from whatever directory it is started in.
COMPILE = $(BUN) build --compile --bytecode --minify --format=esm --splitting --no-compile-autoload-dotenv --no-compile-autoload-bunfig --define 'process.env.VIGIL_EMBEDDED_WORKER="1"'

$(DIST)/vigil-linux-x64: $(SRC) $(BUN)
	@mkdir -p $(DIST)
	$(COMPILE) --target=bun-linux-x64 src/main.ts src/daemon/vrrp-worker.ts --outfile $@.tmp
	bash board/check-binary.sh $@.tmp $(CURDIR) && mv $@.tmp $@

$(DIST)/vigil-linux-arm64: $(SRC) $(BUN)
	@mkdir -p $(DIST)
	$(COMPILE) --target=bun-linux-arm64 src/main.ts src/daemon/vrrp-worker.ts --outfile $@.tmp
	bash board/check-binary.sh $@.tmp $(CURDIR) && mv $@.tmp $@

# dist/vigil_<version>_<amd64|arm64>.deb and dist/vigil-<version>-linux-<x64|arm64>.tar.gz
# (board/pkg/: dpkg-deb, no debhelper). PKG_DEB_LEVEL / PKG_GZIP_LEVEL trade size for time.
package: build
	bash board/pkg/build.sh $(VERSION) $(DIST)

probe: build/abi-probe

build/abi-probe: native/abi_probe.c
	@mkdir -p build
	cc -O1 -Wall -Wextra -o $@ $<

test: setup build probe
	bash test/run.sh

lab: setup build
	$(BUN) board/lab/demo.ts $(if $(filter 1,$(WATCH)),--watch,$(if $(filter 0,$(WATCH)),,$(shell [ -t 0 ] && [ -t 2 ] && echo --watch)))

bench: setup build probe build/bench/advert-floor
	bash test/bench/run.sh

# the C floor of advert timing (test/bench/advert-floor.bench.ts also builds it when run alone)
build/bench/advert-floor: test/bench/advert-floor.c
	@mkdir -p build/bench
	cc -O2 -Wall -o $@ $<

typecheck: $(BUN)
	$(BUN) x tsc --noEmit -p .

clean:
	rm -rf $(DIST) build .cache
