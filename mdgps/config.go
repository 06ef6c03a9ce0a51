package mdgps

import (
	"fmt"
	"math"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/mdgps/fit"
	"github.com/mirrorgps/mirrorgps/mdgps/nn"
	"github.com/mirrorgps/mirrorgps/mdgps/trajopt"
)

// Algorithm names the outer algorithm.
type Algorithm string

const (
	// MDGPS is Algorithm 3 of the paper: C-step against the linearised global policy.
	MDGPS Algorithm = "mdgps"
	// BADMM is the earlier guided policy search with dual variables (spec §11):
	// C-steps against the previous controller plus a weighted KL to the
	// linearised global policy, Lagrange multipliers, 4 inner C/S rounds.
	BADMM Algorithm = "badmm"
	// TrajOpt optimises the local controllers only, each C-step constrained to the
	// previous controller (spec §12); no global policy is trained.
	TrajOpt Algorithm = "trajopt"
)

// Sampling says which policy collects the training samples (spec §7.9).
type Sampling string

const (
	OffPolicy Sampling = "off" // the local controllers p_i
	OnPolicy  Sampling = "on"  // the global policy π_θ (the initial controllers on iteration 1)
)

// PolicyClass names the global policy class.
type PolicyClass string

const (
	NeuralPolicy PolicyClass = "mlp"    // the paper's network (nn.MLP)
	LinearPolicy PolicyClass = "linear" // time-varying linear-Gaussian (nn.Linear): exact mirror descent
)

// InitController holds the settings of the initial local controllers (the
// reference's init_lqr, spec §8.1); x0 comes from the task's conditions.
type InitController struct {
	InitVar      float64   // action variance (> 0)
	Stiffness    float64   // position weight (≥ 0)
	StiffnessVel float64   // velocity weight relative to Stiffness (≥ 0)
	FinalWeight  float64   // multiplier of the last step's cost (> 0)
	Gains        []float64 // guessed action-to-acceleration gains (len dU; nil = ones)
	Acc          []float64 // guessed constant acceleration (len dU; nil = zeros)
}

// Config holds every setting of a run. The zero value is invalid: start from a
// constructor (PaperObstacle, PaperPeg, PaperBlindPeg, LinearDefault) and edit
// fields. Validate names the first bad field and its allowed range.
type Config struct {
	Task        string     // task name the config is for: obstacle, peg, blindpeg, linear (checked against the Env)
	Algorithm   Algorithm  // mdgps (default), badmm or trajopt
	Era         Era        // current (default; "" reads as current) or submission: see SetEra
	Sampling    Sampling   // off (local controllers; paper default) or on (global policy)
	StepRule    StepRule   // classic (paper default), global, fixed, laplace, mc
	SharedMult  bool       // one step multiplier for all conditions (the later reference); false: per condition (paper era)
	Iterations  int        // MDGPS iterations of a full run (≥ 1)
	Samples     int        // training rollouts per condition per iteration N (≥ 2; paper 5)
	EvalSamples int        // noisy global-policy rollouts per condition in Finish, for the Monte-Carlo cost and bound (≥ 0)
	KLStep      float64    // base per-step KL budget ε₀; the C-step's budget is KLStep·mult·T (> 0)
	MinMult     float64    // lower bound of the step multiplier (> 0)
	MaxMult     float64    // upper bound of the step multiplier (≥ MinMult)
	InitEta     float64    // η of the first dual search (> 0; reference 1)
	MaxEnt      float64    // ν, the C-step's maximum-entropy weight (≥ 0; reference 0)
	Seed        uint64     // seeds every random stream of the run
	Workers     int        // goroutines for rollouts and per-condition work; 0 = GOMAXPROCS
	Noise       envs.Noise // exploration noise (reference: smoothed, σ = 2 steps, renormalised)
	Init        InitController
	Dynamics    fit.DynamicsConfig
	DynPrior    fit.PriorConfig
	PolicyFit   fit.PolicyConfig
	PolPrior    fit.PriorConfig
	PolicyMode  fit.SampleMode // how the policy prior treats its buffer (reference 'add'; paper tasks 'replace')
	Policy      PolicyClass
	NN          nn.Config // network and S-step settings (Policy = mlp)
	TrajOpt     trajopt.Settings
	BADMM       BADMMConfig // BADMM settings (Algorithm badmm); StepRule fixed disables its step rule
	// Submission-era behaviours (spec §15), one field each: SetEra sets them all,
	// SetBehaviour one group, so an ablation can toggle them one at a time.

	// InnerRounds is the number of C/S rounds per iteration (current 1;
	// submission 4). Above 1 the iteration follows the submission order of spec
	// §15.2 (Run.Phase, Run.Round): Sample, FitDynamics, FitPolicy, AdjustStep (not
	// on iteration 1), then per round an SStep toward the controllers the
	// iteration's samples came from (skipped in round 1 of iteration 1), a
	// FitPolicy refit and a CStep; no Imitate phase. BADMM keeps its own rounds
	// (BADMM.InnerIterations).
	InnerRounds int
	// StepQuantities selects the step rules' quantities (spec §15.1): in the
	// submission era the linearisations that the classic and global rules
	// evaluate carry the local controllers' covariances instead of their own
	// (the submission's use_lg_covar = False). "" reads as current.
	StepQuantities Era
	// CStepCovAdd c ≥ 0 is added as c·I to the C-step output's covariance in
	// MDGPS with the classic step rule and in the trajectory-only baseline (spec
	// §15.4: the submission's MDGPS step rule 'old' and its TrajOptLQRPython
	// without a policy did so with 1e-6; current 0). BADMM never adds it.
	CStepCovAdd float64
	// FitExecutedActions fits the dynamics (and the prior's buffer) on the
	// actions the actuators executed — the commanded ones clipped to the task's
	// control limits (envs.ControlLimiter) — instead of the commanded ones the
	// reference records (quirk Q24). Not a behaviour of either era: a remedy
	// for tasks whose controllers saturate (obstacle: 1 N on 4.8 kg), where
	// regressing the next state on commands beyond the limit flattens the
	// fitted control gain F_u (Cond.ControlGain) and the C-step then asks for
	// ever larger commands. Measured on obstacle (12 iterations, seeds 0–2):
	// the fitted gain stays 5–8× larger, but saturation is unchanged (≈ 85 %);
	// on/classic improves (0.86 → 0.64 m) while off/classic (0.79 → 1.10 m)
	// and the trajopt baseline (0.27 → 0.54 m) worsen, so it is off by default
	// and in both eras (data/paper/README.md).
	FitExecutedActions bool
	// CStepControllerCov constrains MDGPS's C-step against π̄_i's gains and
	// offsets with the sampled controller's covariance instead of π̄_i's own
	// (the reference's option use_lg_covar = True; both eras leave it off): a
	// remedy when the network's covariance, shrinking with the controllers',
	// makes KL(p ‖ π̄) dominated by the mean mismatch. Default false.
	CStepControllerCov bool
	// Compat reproduces the reference where our default differs: the [0.1, 5] clamp
	// of the step ratio in the multiplier update (spec §7.7). The fitting and S-step
	// packages have their own Compat switches inside DynPrior, Dynamics, PolPrior,
	// PolicyFit and NN.
	Compat bool
}

// paperBase holds the settings shared by the paper's tasks (configs.md §2,
// ARCHITECTURE.md "Decisions": today's algorithm with default quirk handling, the
// paper-task settings, 2×40 ReLU, one C/S round per iteration).
func paperBase() Config {
	prior := fit.DefaultPriorConfig()
	prior.MaxClusters, prior.MinSamplesPerCluster, prior.MaxSamples = 20, 40, 40
	nc := nn.PaperConfig()
	return Config{
		Algorithm:      MDGPS,
		Era:            CurrentEra,
		InnerRounds:    1,
		StepQuantities: CurrentEra,
		Sampling:       OffPolicy,
		StepRule:       ClassicStep,
		Iterations:     12,
		Samples:        5,
		EvalSamples:    5,
		KLStep:         2.0,
		MinMult:        0.01,
		MaxMult:        1.0,
		InitEta:        1,
		Noise:          envs.DefaultNoise(),
		Init:           InitController{InitVar: 1, Stiffness: 1, StiffnessVel: 0.5, FinalWeight: 1},
		Dynamics:       fit.DefaultDynamicsConfig(),
		DynPrior:       prior,
		PolicyFit:      fit.DefaultPolicyConfig(),
		PolPrior:       prior,
		PolicyMode:     fit.ReplaceSamples,
		Policy:         NeuralPolicy,
		NN:             nc,
		BADMM:          DefaultBADMM(),
	}
}

// PaperObstacle returns the paper's obstacle-navigation settings (configs.md §2.1):
// kl_step 2, multipliers in [0.001, 2], init_lqr with stiffness 10 and velocity
// stiffness 10, priors with 5 clusters at most.
func PaperObstacle() Config {
	c := paperBase()
	c.Task = "obstacle"
	c.MinMult, c.MaxMult = 0.001, 2.0
	c.Init = InitController{InitVar: 1, Stiffness: 10, StiffnessVel: 10, FinalWeight: 1}
	c.DynPrior.MaxClusters = 5
	c.PolPrior.MaxClusters = 5
	return c
}

// PR2Gains are the reference's PR2 joint gains; the peg tasks' init_lqr uses 1/gains.
var PR2Gains = []float64{3.09, 1.08, 0.393, 0.674, 0.111, 0.152, 0.098}

// PaperPeg returns the paper's peg-insertion settings (configs.md §2.2): kl_step 2,
// multipliers in [0.01, 1], init_lqr with gains 1/PR2_GAINS and final weight 50.
func PaperPeg() Config {
	c := paperBase()
	c.Task = "peg"
	g := make([]float64, len(PR2Gains))
	for i, v := range PR2Gains {
		g[i] = 1 / v
	}
	c.Init = InitController{InitVar: 1, Stiffness: 1, StiffnessVel: 0.5, FinalWeight: 50, Gains: g}
	return c
}

// PaperBlindPeg returns the blind peg settings (configs.md §2.3): as PaperPeg.
func PaperBlindPeg() Config {
	c := PaperPeg()
	c.Task = "blindpeg"
	return c
}

// LinearDefault returns our settings for the linear-quadratic task, where MDGPS
// with the linear policy class is exact mirror descent (paper §3):
//   - the linear policy class (nn.Linear), whose S-step is the exact projection;
//   - off-policy samples, 20 per condition, so the regression is well determined;
//   - a fixed step (ε never changes: mirror descent with a constant step size),
//     kl_step 0.5 per time step;
//   - a dynamics ridge of 1e-12 instead of the reference's 1e-6 and priors of
//     strength 1e-6: a linear system needs no prior, and as the C-step shrinks
//     the exploration noise (each step spends part of its KL budget on entropy)
//     the state spread per time step falls below 1e-6, where the reference's
//     ridge would bias the fitted (A, B) and stall the iterates away from the
//     Riccati optimum (measured: relative gap stuck near 2e-2 with 1e-6, below
//     1e-8 with these settings).
func LinearDefault() Config {
	c := paperBase()
	c.Task = "linear"
	c.Policy = LinearPolicy
	c.StepRule = FixedStep
	c.Samples = 20
	c.KLStep = 0.5
	c.MinMult, c.MaxMult = 0.01, 10
	c.Iterations = 20
	c.DynPrior.MaxClusters = 2
	c.PolPrior.MaxClusters = 2
	c.Dynamics.Regularization = 1e-12
	c.DynPrior.Strength = 1e-6
	c.PolPrior.Strength = 1e-6
	c.PolicyFit.Reg0 = 1e-12
	c.Init = InitController{InitVar: 1, Stiffness: 1, StiffnessVel: 0.5, FinalWeight: 1}
	return c
}

// Validate reports the first field outside its allowed range.
func (c *Config) Validate() error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("mdgps: Config.%s = %v, want %s", field, v, want)
	}
	finitePos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case c.Task == "":
		return bad("Task", `""`, "the task name (obstacle, peg, blindpeg, linear)")
	case c.Algorithm != MDGPS && c.Algorithm != TrajOpt && c.Algorithm != BADMM:
		return bad("Algorithm", c.Algorithm, "mdgps, badmm or trajopt")
	case !c.Era.Valid():
		return bad("Era", c.Era, "current or submission")
	case c.InnerRounds < 0 || c.InnerRounds > 100:
		return bad("InnerRounds", c.InnerRounds, "1 … 100 (0 reads as 1)")
	case !c.StepQuantities.Valid():
		return bad("StepQuantities", c.StepQuantities, "current or submission")
	case !(c.CStepCovAdd >= 0) || math.IsInf(c.CStepCovAdd, 0):
		return bad("CStepCovAdd", c.CStepCovAdd, "a finite value ≥ 0")
	case c.Algorithm == BADMM && c.Sampling == OnPolicy:
		return bad("Sampling", c.Sampling, "off for BADMM (the reference samples the local controllers)")
	case c.Sampling != OffPolicy && c.Sampling != OnPolicy:
		return bad("Sampling", c.Sampling, "off or on")
	case c.Algorithm == TrajOpt && c.Sampling == OnPolicy:
		return bad("Sampling", c.Sampling, "off for the trajopt baseline (it has no global policy)")
	case !c.StepRule.Valid():
		return bad("StepRule", c.StepRule, "classic, global, fixed, laplace or mc")
	case c.Algorithm == TrajOpt && c.StepRule != ClassicStep && c.StepRule != FixedStep:
		return bad("StepRule", c.StepRule, "classic or fixed for the trajopt baseline")
	case c.Iterations < 1:
		return bad("Iterations", c.Iterations, "≥ 1")
	case c.Samples < 2:
		return bad("Samples", c.Samples, "≥ 2 (the dynamics fit needs two rollouts per condition)")
	case c.EvalSamples < 0:
		return bad("EvalSamples", c.EvalSamples, "≥ 0")
	case !finitePos(c.KLStep):
		return bad("KLStep", c.KLStep, "a finite value > 0")
	case !finitePos(c.MinMult):
		return bad("MinMult", c.MinMult, "a finite value > 0")
	case !(c.MaxMult >= c.MinMult) || math.IsInf(c.MaxMult, 0):
		return bad("MaxMult", c.MaxMult, fmt.Sprintf("a finite value ≥ MinMult = %v", c.MinMult))
	case !finitePos(c.InitEta):
		return bad("InitEta", c.InitEta, "a finite value > 0")
	case !(c.MaxEnt >= 0) || math.IsInf(c.MaxEnt, 0):
		return bad("MaxEnt", c.MaxEnt, "a finite value ≥ 0")
	case c.Workers < 0:
		return bad("Workers", c.Workers, "≥ 0 (0 = GOMAXPROCS)")
	case !finitePos(c.Init.InitVar):
		return bad("Init.InitVar", c.Init.InitVar, "a finite value > 0")
	case !(c.Init.Stiffness >= 0) || math.IsInf(c.Init.Stiffness, 0) || !(c.Init.StiffnessVel >= 0) || math.IsInf(c.Init.StiffnessVel, 0):
		return bad("Init.Stiffness", c.Init.Stiffness, "a finite value ≥ 0 (and StiffnessVel a finite value ≥ 0)")
	case !finitePos(c.Init.FinalWeight):
		return bad("Init.FinalWeight", c.Init.FinalWeight, "a finite value > 0")
	case c.Policy != NeuralPolicy && c.Policy != LinearPolicy:
		return bad("Policy", c.Policy, "mlp or linear")
	}
	if err := c.Noise.Validate(); err != nil {
		return fmt.Errorf("mdgps: Config.Noise: %w", err)
	}
	if err := c.Dynamics.Validate(); err != nil {
		return fmt.Errorf("mdgps: Config.Dynamics: %w", err)
	}
	if err := c.DynPrior.Validate(); err != nil {
		return fmt.Errorf("mdgps: Config.DynPrior: %w", err)
	}
	if c.Algorithm == BADMM {
		if err := c.BADMM.Validate(); err != nil {
			return err
		}
	}
	if c.Algorithm != TrajOpt {
		if err := c.PolicyFit.Validate(); err != nil {
			return fmt.Errorf("mdgps: Config.PolicyFit: %w", err)
		}
		if err := c.PolPrior.Validate(); err != nil {
			return fmt.Errorf("mdgps: Config.PolPrior: %w", err)
		}
		if c.Policy == NeuralPolicy {
			if err := c.NN.Validate(); err != nil {
				return fmt.Errorf("mdgps: Config.NN: %w", err)
			}
		}
	}
	if err := c.TrajOpt.Validate(); err != nil {
		return fmt.Errorf("mdgps: Config.TrajOpt: %w", err)
	}
	return nil
}

// Behaviour groups of the submission era (spec §15), in the order of
// EraBehaviours: each names the Config fields SetBehaviour sets.
const (
	BehaviourRounds         = "rounds"          // §15.2: InnerRounds (4)
	BehaviourEtaSearch      = "eta-search"      // §15.3: TrajOpt.EtaSearch (the old line search)
	BehaviourStepQuantities = "step-quantities" // §15.1: StepQuantities
	BehaviourPriorDetails   = "prior-details"   // §15.4, every item together
	BehaviourNetwork        = "network"         // §15.5: NN.Hidden (2 × 42)
)

// EraBehaviours lists the behaviour groups in which the eras differ.
var EraBehaviours = []string{BehaviourRounds, BehaviourEtaSearch, BehaviourStepQuantities, BehaviourPriorDetails, BehaviourNetwork}

// SetEra switches the configuration to an era (ARCHITECTURE.md "Decisions";
// spec §15): it sets Era and every behaviour group of EraBehaviours, so an
// ablation can start from one era and toggle single groups (SetBehaviour) or
// fields afterwards.
func (c *Config) SetEra(e Era) {
	e = e.Or()
	c.Era = e
	for _, b := range EraBehaviours {
		if err := c.SetBehaviour(b, e); err != nil {
			panic(err) // EraBehaviours holds only known names
		}
	}
}

// SetBehaviour sets the fields of one behaviour group (EraBehaviours) to what
// era e does; Era itself is left as it is (an ablation records its base era).
func (c *Config) SetBehaviour(name string, e Era) error {
	if !e.Valid() {
		return fmt.Errorf("mdgps: era %q, want current or submission", e)
	}
	sub := e.Or() == SubmissionEra
	pick := func(cur, subm float64) float64 {
		if sub {
			return subm
		}
		return cur
	}
	switch name {
	case BehaviourRounds:
		c.InnerRounds = int(pick(1, 4))
	case BehaviourEtaSearch:
		c.TrajOpt.EtaSearch = "" // the bisection of spec §6.7
		if sub {
			c.TrajOpt.EtaSearch = trajopt.OldLineSearch
		}
	case BehaviourStepQuantities:
		c.StepQuantities = e.Or()
	case BehaviourPriorDetails:
		// Spec §15.4, each item (the older regularisers are today's defaults,
		// fit.DynamicsConfig and fit.PolicyConfig without Compat).
		c.DynPrior.SwapLimits = sub // buffer max_clusters − 1, cluster cap max_samples
		def := fit.DefaultPriorConfig()
		c.DynPrior.Stop, c.PolPrior.Stop = def.Stop, def.Stop
		c.DynPrior.StopTol, c.PolPrior.StopTol = def.StopTol, def.StopTol
		if sub {
			// EM's relative test without the decrease test.
			c.DynPrior.Stop, c.PolPrior.Stop = fit.StopRuleAFC2519, fit.StopRuleAFC2519
			c.DynPrior.StopTol, c.PolPrior.StopTol = 0, 0
		}
		c.Dynamics.UnbiasedPinv = sub // /(N − 1) and a pseudo-inverse
		c.NN.WhitenNoFloor = sub      // whitening without the 1e-3 floor
		c.CStepCovAdd = pick(0, 1e-6) // the 'old' rule's +1e-6 I
		c.BADMM.UnweightedShift = sub // BADMM's target precision P_t
		c.PolicyMode = fit.ReplaceSamples
		if sub {
			c.PolicyMode = fit.KeepSamples // the policy prior's own buffer
		}
	case BehaviourNetwork:
		// The submission's Caffe builder made 2 × 42 ReLU; the paper's text and
		// the later TF example say 40.
		c.NN.Hidden = append([]int(nil), nn.PaperConfig().Hidden...)
		if sub {
			c.NN.Hidden = []int{42, 42}
		}
	default:
		return fmt.Errorf("mdgps: behaviour %q, want one of %v", name, EraBehaviours)
	}
	return nil
}

// normalized returns c with the fields that read a zero value as a default
// set to that default (configs written before eras existed).
func (c Config) normalized() Config {
	c.Era = c.Era.Or()
	c.StepQuantities = c.StepQuantities.Or()
	c.InnerRounds = max(c.InnerRounds, 1)
	return c
}

// rounds is the number of C/S rounds per iteration of the submission order
// (spec §15.2), or 0 when the iteration follows the current order.
func (c *Config) rounds() int {
	if c.Algorithm != MDGPS || c.InnerRounds <= 1 {
		return 0
	}
	return c.InnerRounds
}
