// Command mdgps runs Mirror Descent Guided Policy Search from the terminal:
// single runs with a progress bar, the paper's whole experiment grid, tables
// merged from run directories, and task definitions for independent checks.
//
// Usage:
//
//	mdgps run --task obstacle|peg|blindpeg|linear [--algorithm mdgps|badmm|trajopt]
//	          [--sampling off|on] [--step classic|global|fixed|laplace|mc]
//	          [--era current|submission] [--submission-behaviours B,...]
//	          [--iterations N] [--seed S] --out DIR [--resume]
//	          [--sstep-iterations N] [--samples N] [--workers N] [--quiet]
//	mdgps reproduce [--tasks obstacle,peg,blindpeg] [--seeds 0,1,2] [--iterations 12]
//	          [--era current|submission] [--submission-behaviours B,...] [--variants V,...]
//	          [--out data/paper/ERA] [--shard i/n] [--sstep-iterations N] [--prune] [--dry-run]
//	mdgps table [--csv] DIR...
//	mdgps describe --task T [--json]
//
// # run
//
// One run of the driver (package mdgps) on a task with the paper's settings
// for it (mdgps.PaperObstacle, PaperPeg, PaperBlindPeg; LinearDefault for the
// linear task), edited by the flags. A progress bar goes to stderr and a table
// with one line per iteration (global cost, task metric, success %, mean KL,
// ε, Lemma 2 bound, seconds) to stdout. The run directory DIR holds
//
//	config.json        the flags and the full driver configuration
//	iterations.jsonl   one mdgps.Iteration record per line (snake_case fields)
//	checkpoint.gob     the driver's checkpoint, written after every phase
//
// Ctrl-C (SIGINT) or SIGTERM stops the run between two phases, so the
// checkpoint is consistent; `mdgps run ... --resume` with the same flags
// continues bit-identically (records match except wall_seconds). --iterations
// and --workers may change on resume; everything else must match. Without
// --resume nothing in DIR is overwritten: a DIR holding a run, or any other
// files, is an error.
//
// --era selects the algorithm's era (mdgps.Config.SetEra): current, the later
// reference with our quirk handling (the default), or submission, the code that
// produced the paper's figures (4 C/S rounds per iteration with the lagged
// S-step, the old η line search, the step rules' quantities and the prior and
// regulariser details of that code, a 2 × 42 network). --submission-behaviours
// switches single groups of the submission era on over --era (rounds,
// eta-search, step-quantities, prior-details, network): the ablation of
// scripts/ablation.sh. Records carry "era" and "cstep_rounds".
//
// Flags for short test runs: --sstep-iterations sets the Adam steps of every
// S-step (paper 4000) and --samples the rollouts per condition (paper 5).
//
// # reproduce
//
// The paper's grid: tasks × {badmm, off/classic, off/global, on/classic,
// on/global} × seeds, plus the trajectory-only baseline (trajopt) on the
// obstacle task, in one era (--era; OUT defaults to data/paper/ERA), one run
// directory each under OUT/runs/ (named TASK_VARIANT_seedS, e.g.
// peg_off-global_seed1). --variants selects a subset. Finished runs are skipped
// and unfinished ones resumed. --shard i/n (0 ≤ i < n) runs only the runs whose
// index in the grid order (task, then variant, then seed) is i mod n, so a
// Kubernetes Indexed Job or a Slurm array fans the grid out (docs/scaling.md).
// Without --shard, reproduce then writes OUT/figures/TASK.svg (the task metric
// against iteration, mean ± std over seeds, one curve per variant, as the
// paper's Figure 3), OUT/figures/TASK.html (the same, interactive) and
// OUT/success.md (Table 1's form: success % at iterations 3/6/9/12 with the
// paper's numbers beside ours, and the distance summary). After sharded runs,
// collect the run directories in one OUT and run reproduce once more without
// --shard: every run is then skipped and only the report is written.
// BADMM runs only if the driver accepts mdgps.BADMM; otherwise its column
// says "not implemented". --prune deletes each finished run's checkpoint (a
// peg checkpoint is about 60 MB); a pruned run still counts as finished, but
// it can no longer be extended to more iterations.
//
// # table
//
// Merges run directories (each with iterations.jsonl) into the success table
// and the distance summary, as markdown or, with --csv, as CSV.
//
// # describe
//
// Prints a task's definition: dimensions, conditions, T, dt, initial states,
// the cost, and for the linear task the matrices A, B, Q, R and x0, as text or
// JSON (--json), for checks by independent tools.
//
// Exit status: 0 on success, 1 on a runtime failure, 2 on bad usage (an
// unknown subcommand, flag or value: the message lists the allowed values),
// 130 when interrupted.
//
// Build with -tags openblas (as make and make reproduce do) to run the dense
// linear algebra on OpenBLAS (internal/blasimpl).
package main
