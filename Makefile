VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-slow bench bench-import profile clean tools

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ethrex $(ARGS)

# npm tools of the end-to-end tests (ethers, solc-js, anvil; tests/rpc, tests/e2e), pinned by
# package-lock.json (node_modules/ is ignored)
NODE_STAMP := node_modules/.package-lock.json

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

# Go peers of the tests and benchmarks (geth, its devp2p protocol suites), built from the Go
# module proxy into .tools/bin (git-ignored); the Go build cache makes later runs quick.
GETH_VERSION := v1.17.10
TOOLS_BIN := $(CURDIR)/.tools/bin
GETH_STAMP := .tools/.geth-$(GETH_VERSION)

$(GETH_STAMP):
	mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) go install github.com/ethereum/go-ethereum/cmd/geth@$(GETH_VERSION) \
		github.com/ethereum/go-ethereum/cmd/devp2p@$(GETH_VERSION)
	touch $(GETH_STAMP)

tools: $(GETH_STAMP)

test: $(STAMP) $(NODE_STAMP) $(GETH_STAMP)
	$(PY) -m pytest -n 2 -q tests

# also the fixture files listed in tests/ef/slow_files.txt (minutes each)
test-slow: $(STAMP)
	ETHREX_SLOW_TESTS=1 $(PY) -m pytest -n 2 -q tests/ef

# BENCH_ARGS e.g. "--engines ethrex,revm --no-worst" or "--generated --scale small"
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# make profile WORKLOAD=compute  (a workload name or a fixture path; import-10k: the import of
# a bench-import chain into a fresh LMDB datadir; PROFILE_ARGS e.g. "--blocks 200")
profile: $(STAMP)
	@test -n "$(WORKLOAD)" || { echo "usage: make profile WORKLOAD=compute"; exit 2; }
	$(PY) -m bench profile $(WORKLOAD) $(PROFILE_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info

# ethrex and geth importing 1,000-block chains over 10k/100k/1M-account states on disk;
# BENCH_ARGS e.g. "--sizes 10k --runs 1" or "--crash" (kill -9 during the largest import)
bench-import: $(STAMP) $(GETH_STAMP)
	$(PY) -m bench.import_bench $(BENCH_ARGS)
