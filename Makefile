# SecureMerge: one entry point for building, testing and checking.
# `make run` and `make test` install the system packages they need (scripts/deps.sh).

GO        ?= go
VERSION   := $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILD     := $(shell sed -n 's/^ *Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
TAGS      := migrated_fynedo
LDFLAGS   := -s -w -X main.Version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test check build windows bench smoke deps clean

## run: open the app (with the sample campaign and the local outbox; no account needed)
run:
	@scripts/deps.sh build
	$(GO) run -tags $(TAGS) ./cmd/securemerge

## test: the whole test suite (race detector) and the real-window smoke test under Xvfb
test:
	@scripts/deps.sh test
	$(GO) test -race -tags $(TAGS) ./...
	$(MAKE) --no-print-directory build
	scripts/smoke.sh ./securemerge

## check: formatting, vet and staticcheck, as CI runs them
check:
	@scripts/deps.sh build
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

## build: the Linux (or native) binary ./securemerge
build:
	@scripts/deps.sh build
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o securemerge ./cmd/securemerge

## windows: cross-compile securemerge.exe (GUI subsystem, icon and version metadata)
windows:
	@scripts/deps.sh windows
	cd cmd/securemerge && $(GO) run github.com/tc-hib/go-winres@v0.3.3 simply --arch amd64 \
	  --icon ../../assets/icon.png --manifest gui --product-name SecureMerge \
	  --file-description "SecureMerge - private mail merge" --copyright "SecureMerge" \
	  --original-filename securemerge.exe --product-version $(VERSION) --file-version $(VERSION).$(BUILD) --out rsrc
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
	  $(GO) build -tags $(TAGS) -trimpath -ldflags "$(LDFLAGS) -H windowsgui" -o securemerge.exe ./cmd/securemerge

## bench: run the benchmarks, print a table and write docs/BENCHMARKS.md
bench:
	@scripts/deps.sh bench
	scripts/bench.sh

## smoke: only the real-window smoke test
smoke: build
	@scripts/deps.sh test
	scripts/smoke.sh ./securemerge

clean:
	rm -f securemerge securemerge.exe cmd/securemerge/rsrc_windows_*.syso
