# mirrorgps — see README.md. Prerequisite: Go >= 1.26 on PATH; everything else is
# installed here (Debian packages through apt).

GO ?= go
SHARED_GOLDEN := $(abspath ../shared/golden)
ifneq ($(wildcard $(SHARED_GOLDEN)),)
MDGPS_GOLDEN_DIR ?= $(SHARED_GOLDEN)
endif
export MDGPS_GOLDEN_DIR

# The notebook test (notebooks/notebooks_test.go) is skipped by plain `go test ./...` here
# (NOTEBOOK_TESTS=0) and run once, strictly, by `make notebook-test` (NOTEBOOK_TESTS=1).
NOTEBOOK_TESTS = 0
export NOTEBOOK_TESTS

# Packages whose tests run a second time on OpenBLAS.
NUMERICAL := ./mdgps/... ./internal/blasimpl/...

.PHONY: all build deps test vet bench fmt

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(GO) build -tags openblas ./...

vet: deps
	$(GO) vet ./...

test: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -timeout 30m -tags openblas $(NUMERICAL)
	CGO_ENABLED=0 $(GO) build ./...
	CGO_ENABLED=0 $(GO) test -count=1 ./envs/...
	$(MAKE) --no-print-directory notebook-test

# Benchmarks of the numerical core on OpenBLAS (set BENCH=regexp, COUNT=n).
BENCH ?= .
COUNT ?= 1
bench: deps
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) -tags openblas ./...

# Fuzz targets of issue 13, one after another, FUZZTIME each (`make test` runs
# their seed corpora). Minimising each new input for at most 1 s keeps the
# workers fuzzing (go's default of 60 s per input stalled FuzzCheckpoint).
FUZZTIME ?= 5m
FUZZ = $(GO) test -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 1s -fuzz
.PHONY: fuzz
fuzz: deps
	$(FUZZ) '^FuzzCheckpoint$$' ./mdgps/
	$(FUZZ) '^FuzzConfigJSON$$' ./mdgps/
	$(FUZZ) '^FuzzReadIterations$$' ./viz/

# Notebooks (issue 8): `make lab` installs Jupyter + the GoNB kernel and MuJoCo, then starts
# Jupyter on notebooks/ at 127.0.0.1 with a token and prints the URL (LAB_PORT=8888).
.PHONY: lab
lab:
	@scripts/lab.sh

# Executes every notebook with the GoNB kernel and checks the outputs and the charts
# (notebooks/notebooks_test.go); installs Jupyter, the kernel and Chromium when missing.
.PHONY: notebook-test
notebook-test: deps
	@NB_INTERACTIVE=1 NB_WITH_GOPLS=0 scripts/setup-notebooks.sh
	@scripts/install-deps.sh chromium
	NOTEBOOK_TESTS=1 $(GO) test -count=1 -timeout 30m -v -run 'TestNotebooks|TestLabServer' ./notebooks/

# The paper's grid (issue 7): installs OpenBLAS and MuJoCo, builds cmd/mdgps with -tags openblas
# and runs `mdgps reproduce` for both eras into data/paper/{current,submission} (finished runs are skipped, so it resumes), writing
# figures/{obstacle,peg,blindpeg}.svg, success.md and run-info.md. REPRODUCE_FLAGS passes flags on,
# e.g. make reproduce REPRODUCE_FLAGS="--tasks obstacle --seeds 0".
.PHONY: reproduce
reproduce:
	@scripts/reproduce.sh $(REPRODUCE_FLAGS)

# Sharding on a real Slurm (issue 15; not part of `make test`: it starts daemons): uses a reachable
# Slurm or installs and starts a single-node one (stopping what it started when done), submits the
# job array of docs/scaling.md (scripts/slurm-array.sh) for a small grid, requeues one task
# mid-run, merges, and compares with one process (docs/scaling.md, "The scale test").
.PHONY: scale-test
scale-test: deps
	@scripts/scale-test.sh

# Executes every notebook (as notebook-test does, with its checks) and writes
# docs/notebooks/NN-name.ipynb with static outputs only: each interactive chart replaced by
# its SVG twin, so GitHub renders every figure (issue 14). The sources stay without outputs.
.PHONY: notebooks-docs
notebooks-docs: deps
	@NB_INTERACTIVE=1 NB_WITH_GOPLS=0 scripts/setup-notebooks.sh
	@scripts/install-deps.sh chromium
	NOTEBOOK_TESTS=1 NOTEBOOK_DOCS=$(CURDIR)/docs/notebooks $(GO) test -count=1 -timeout 30m -v -run 'TestNotebooks' ./notebooks/

# The README's figures (docs/figures), from seeded runs through cmd/mdgps-figures; never from
# notebook cells. One file per figure in cmd/mdgps-figures (FIGURES=name,... selects some).
.PHONY: figures
figures: deps
	$(GO) run -tags openblas ./cmd/mdgps-figures --out docs/figures $(if $(FIGURES),--only $(FIGURES))
