package envs

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Rollout runs one episode of pol in sim from condition cond and records it into
// s (spec §2.2):
//
//	reset to condition cond; observe x_0, o_0
//	for t = 0..T-1:
//	    u_t = pol.Act(t, x_t, o_t, ξ_t)
//	    if t+1 < T: step the simulator with u_t; observe x_{t+1}, o_{t+1}
//
// so the last action u_{T-1} is recorded (and costed) but never executed (quirk
// Q24), and T-1 transitions are simulated. noise is ξ (T×dU), or nil for a
// noiseless rollout (the policy's mean action); it is copied into s.Noise.
// s must have been made for the simulator's Env (NewSample).
//
// Rollout returns the *ConditionError of Reset, an *ActionError (with its time
// step) when the policy produces a non-finite action, or a simulator error
// wrapped with its time step. The rollout then stops; s holds what was recorded
// so far, and sim stays usable for the next rollout. A Recoverable simulator
// error (the simulator diverged and reset its state, as MuJoCo does) does not
// stop it: the step is counted in s.Diverged and the rollout goes on from the
// state the simulator reset to, as the reference's agent did.
func Rollout(sim Sim, pol Policy, cond int, noise []float64, s *Sample) error {
	T, d := s.T, s.Dims
	if noise != nil && len(noise) != T*d.U {
		panic(fmt.Sprintf("envs: Rollout noise has %d values, want T·dU = %d", len(noise), T*d.U))
	}
	if len(s.X) != T*d.X || len(s.U) != T*d.U || len(s.Obs) != T*d.O ||
		(d.P > 0 && (len(s.P) != T*d.P || len(s.J) != T*d.P*d.X)) {
		panic("envs: Rollout sample arrays do not match its dimensions; make it with NewSample")
	}
	s.Cond = cond
	s.Diverged = 0
	if noise == nil {
		s.Noise = nil
	} else {
		s.Noise = append(s.Noise[:0], noise...)
	}
	if err := sim.Reset(cond); err != nil {
		return err
	}
	sim.Observe(s.State(0), s.Observation(0), s.pointAt(0), s.jacAt(0))
	for t := range T {
		var xi []float64
		if noise != nil {
			xi = noise[t*d.U : (t+1)*d.U]
		}
		u := s.Action(t)
		pol.Act(t, s.State(t), s.Observation(t), xi, u)
		for i, v := range u {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return &ActionError{T: t, Len: len(u), Want: d.U, Index: i, Value: v}
			}
		}
		if t+1 == T {
			break
		}
		if err := sim.Step(u); err != nil {
			var rec Recoverable
			if ae, ok := err.(*ActionError); ok {
				ae.T = t
				return ae
			}
			if !errors.As(err, &rec) || !rec.Recovered() {
				return fmt.Errorf("envs: step at t=%d: %w", t, err)
			}
			s.Diverged++
		}
		sim.Observe(s.State(t+1), s.Observation(t+1), s.pointAt(t+1), s.jacAt(t+1))
	}
	return nil
}

func (s *Sample) pointAt(t int) []float64 {
	if s.Dims.P == 0 {
		return nil
	}
	return s.P[t*s.Dims.P : (t+1)*s.Dims.P]
}

func (s *Sample) jacAt(t int) []float64 {
	if s.Dims.P == 0 {
		return nil
	}
	n := s.Dims.P * s.Dims.X
	return s.J[t*n : (t+1)*n]
}

// Job is one rollout for Run: condition Cond under Policy, with the noise of
// stream Key (Key.Cond should equal Cond), or no noise when Noiseless.
type Job struct {
	Cond      int
	Policy    Policy
	Key       Key
	Noiseless bool
}

// Jobs returns the jobs of one sampling phase: n noisy rollouts of each
// condition in conds under pols[i] for conds[i], keyed (seed, iteration,
// condition, sample index), in condition-major order.
func Jobs(conds []int, pols []Policy, n int, seed uint64, iteration int) []Job {
	if len(conds) != len(pols) {
		panic(fmt.Sprintf("envs: Jobs has %d conditions and %d policies", len(conds), len(pols)))
	}
	jobs := make([]Job, 0, len(conds)*n)
	for i, c := range conds {
		for k := range n {
			jobs = append(jobs, Job{Cond: c, Policy: pols[i], Key: Key{Seed: seed, Iteration: iteration, Cond: c, Sample: k}})
		}
	}
	return jobs
}

// Runner runs many rollouts of one Env in parallel goroutines.
type Runner struct {
	Env   Env
	Noise Noise // exploration noise configuration; DefaultNoise() for the reference's
	// Workers is the number of goroutines (each with its own Sim); 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
}

// JobError reports the failure of one job of Run.
type JobError struct {
	Job   int // index into the jobs slice
	Cond  int
	Key   Key
	Cause error
}

func (e *JobError) Error() string {
	return fmt.Sprintf("envs: rollout %d (condition %d, sample %d): %v", e.Job, e.Cond, e.Key.Sample, e.Cause)
}

func (e *JobError) Unwrap() error { return e.Cause }

// Run performs the jobs and returns their samples in job order. Each job's noise
// is generated from its own Key stream before the rollout (Noise.Generate), so
// the samples are bit-identical whatever the number of workers and the
// scheduling. Policies implementing Forker are forked once per job; others are
// shared between goroutines (their Act must then be safe for concurrent use).
//
// When jobs fail, Run still completes the others and returns the failed
// jobs' samples as recorded up to the failure together with the error of
// the lowest-indexed failed job (a *JobError). An error creating a simulator
// is returned as is, with nil samples.
func (r *Runner) Run(jobs []Job) ([]*Sample, error) {
	if err := r.Noise.Validate(); err != nil {
		return nil, err
	}
	workers := r.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	samples := make([]*Sample, len(jobs))
	errs := make([]error, len(jobs))
	sims := make([]Sim, workers)
	for w := range sims {
		sim, err := r.Env.NewSim()
		if err != nil {
			for _, s := range sims[:w] {
				s.Close()
			}
			return nil, err
		}
		sims[w] = sim
	}
	T, dU := r.Env.T(), r.Env.Dims().U
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(sim Sim) {
			defer wg.Done()
			defer sim.Close()
			for j := range next {
				job := jobs[j]
				s := NewSample(r.Env)
				var noise []float64
				if !job.Noiseless {
					// Generated straight into the sample (Rollout's copy is then a no-op).
					s.Noise = make([]float64, T*dU)
					noise = s.Noise
					r.Noise.Generate(noise, T, dU, job.Key.Rand())
				}
				pol := job.Policy
				if f, ok := pol.(Forker); ok {
					pol = f.Fork()
				}
				if err := Rollout(sim, pol, job.Cond, noise, s); err != nil {
					errs[j] = &JobError{Job: j, Cond: job.Cond, Key: job.Key, Cause: err}
				}
				samples[j] = s
			}
		}(sims[w])
	}
	for j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return samples, err
		}
	}
	return samples, nil
}
