VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-slow bench bench-import profile clean tools localnet contracts compiled clean-compiled

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

# The rollup's Solidity contracts (contracts/) compiled offline by solc-js into the artifacts
# the node reads (ethrex/l2/artifacts, committed; tests/unit/l2/test_artifacts.py recompiles
# and compares)
contracts: $(NODE_STAMP)
	node contracts/compile.mjs ethrex/l2/artifacts

# A real consensus client drives ethrex: prysm's beacon-chain, validator and prysmctl, built
# from the Go module proxy into .tools/bin. `go install prysm@version` refuses prysm for the
# replace directives in its go.mod, so a small module generated in .tools/prysm requires it and
# repeats the one that names another module (json-iterator); the other points into prysm's
# own tree (third_party/go-bip39, left out of the module zip), so the upstream go-bip39 v1.1.0
# that prysm requires is used. Prysm's go.sum is reused: the checksum database does not know
# some of its pinned pseudo-versions. About 5 minutes on 2 cores from nothing (1 to fetch).
PRYSM_VERSION := v7.1.2
PRYSM := github.com/OffchainLabs/prysm/v7
PRYSM_CMDS := $(PRYSM)/cmd/beacon-chain $(PRYSM)/cmd/validator $(PRYSM)/cmd/prysmctl
PRYSM_STAMP := .tools/.prysm-$(PRYSM_VERSION)

$(PRYSM_STAMP):
	rm -rf .tools/prysm && mkdir -p .tools/prysm $(TOOLS_BIN)
	printf 'module localnet/prysm\n\ngo 1.25.1\n\nrequire $(PRYSM) $(PRYSM_VERSION)\n\nreplace github.com/json-iterator/go => github.com/prestonvanloon/go v1.1.7-0.20190722034630-4f2e55fcf87b\n' \
		> .tools/prysm/go.mod
	cd .tools/prysm && cp "$$(go mod download -json $(PRYSM)@$(PRYSM_VERSION) \
		| sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p')/go.sum" go.sum && chmod u+w go.sum
	cd .tools/prysm && go get $(addsuffix @$(PRYSM_VERSION),$(PRYSM_CMDS)) \
		&& GOFLAGS=-buildvcs=false GOBIN=$(TOOLS_BIN) go install $(PRYSM_CMDS)
	touch $(PRYSM_STAMP)

# ethrex, prysm's beacon node and validator client on a fresh private network until it
# finalizes (6-7 minutes); LOCALNET_ARGS e.g. "--seconds-per-slot 2 --finalized-epoch 3"
localnet: $(STAMP) $(PRYSM_STAMP)
	$(PY) -m scripts.localnet $(LOCALNET_ARGS)

# tests/hostile attacks a node and times its answers: it runs alone, after the rest
test: $(STAMP) $(NODE_STAMP) $(GETH_STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q tests --ignore=tests/hostile
	$(PY) -m pytest -q -s tests/hostile

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

clean: clean-compiled
	rm -rf $(VENV) build *.egg-info

# ethrex and geth importing 1,000-block chains over 10k/100k/1M-account states on disk;
# BENCH_ARGS e.g. "--sizes 10k --runs 1" or "--crash" (kill -9 during the largest import)
bench-import: $(STAMP) $(GETH_STAMP)
	$(PY) -m bench.import_bench $(BENCH_ARGS)

# Optional: the block-execution modules built by Cython into extension modules beside their
# sources (scripts/compile.py); the node then runs them instead of the .py files.
# `make clean-compiled` gives the pure-Python build back.
compiled: $(STAMP)
	$(PY) -m scripts.compile

# (stdlib only: works without the venv)
clean-compiled:
	python3 -m scripts.compile --clean
