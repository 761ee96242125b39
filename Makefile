# golws — see README.md. Every target works on a fresh machine with Go and
# (for the integration tests) Debian's python3-websockets and curl.

GO      ?= go
# The toolchain: go1.27.3 carries the fix for GO-2026-6617 (HTTP/2 server
# crash, fixed in 1.26.9 and 1.27.2); the go command fetches it through the
# module proxy on first use.
export GOTOOLCHAIN ?= go1.27.3
ADDR    ?= 127.0.0.1:7681
PKGS    := ./...
FUZZTIME ?= 10s
comma   := ,

.PHONY: all build run test vet fuzz bench bench-static bench-c clean

all: build test

build:
	$(GO) build $(PKGS)

## run: the test server on $(ADDR): echo and dumb-increment, and a page at /
run:
	$(GO) run ./examples/test-server -addr $(ADDR)

## test: vet, then every test with the race detector, then the integration tests (a module
## of their own, so that library users do not inherit their test-only dependencies)
test: vet
	$(GO) test -race -count=1 -timeout 10m $(PKGS)
	cd integration && $(GO) test -race -count=1 -timeout 10m ./...

vet:
	$(GO) vet $(PKGS)
	cd integration && $(GO) vet ./...
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$fmt" ]; then echo "gofmt needed: $$fmt"; exit 1; fi

## fuzz: each fuzz target for $(FUZZTIME)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzUTF8Stream$$' -fuzztime $(FUZZTIME) ./conn
	$(GO) test -run '^$$' -fuzz '^FuzzFrameReader$$' -fuzztime $(FUZZTIME) ./conn
	$(GO) test -run '^$$' -fuzz '^FuzzRing$$' -fuzztime $(FUZZTIME) ./flow
	$(GO) test -run '^$$' -fuzz '^FuzzChooseProtocol$$' -fuzztime $(FUZZTIME) ./mux
	$(GO) test -run '^$$' -fuzz '^FuzzHostsMatch$$' -fuzztime $(FUZZTIME) ./mux
	$(GO) test -run '^$$' -fuzz '^FuzzAcceptsGzip$$' -fuzztime $(FUZZTIME) ./mux
	$(GO) test -run '^$$' -fuzz '^FuzzClean$$' -fuzztime $(FUZZTIME) ./fops
	$(GO) test -run '^$$' -fuzz '^FuzzClassify$$' -fuzztime $(FUZZTIME) ./raw
	$(GO) test -run '^$$' -fuzz '^FuzzConfigParse$$' -fuzztime $(FUZZTIME) ./lwsws
	$(GO) test -run '^$$' -fuzz '^FuzzStripComments$$' -fuzztime $(FUZZTIME) ./lwsws
	$(GO) test -run '^$$' -fuzz '^FuzzCipherSuites$$' -fuzztime $(FUZZTIME) ./tlsconf
	$(GO) test -run '^$$' -fuzz '^FuzzCipherList$$' -fuzztime $(FUZZTIME) ./tlsconf
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./hub/natshub

## bench: golws vs bare coder/websocket (echo, idle memory), flow, files vs net/http (wrk, h2load)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 -benchtime 2s .
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./flow ./conn
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./mux ./fops
	$(GO) run ./internal/benchstatic

## bench-static: static files, golws file mount vs net/http FileServer, with wrk and h2load
bench-static:
	$(GO) run ./internal/benchstatic

## bench-c: echo and idle memory of golws vs lws's C library (bench/lws-echo, needs Debian's
## libwebsockets-dev) and bare coder/websocket, servers on CPU 0, load client on CPU 1;
## 5,000 idle connections, also 19,000 with BIG=1 (a few minutes)
bench-c:
	$(GO) run ./internal/benchc -idle 5000$(if $(BIG),$(comma)19000)

clean:
	$(GO) clean -testcache
