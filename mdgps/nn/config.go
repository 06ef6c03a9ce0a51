package nn

import (
	"fmt"
	"math"
)

// Config holds the settings of the neural global policy and its S-step trainer
// (spec §10.1, §15.5). The zero value is invalid; start from [PaperConfig].
type Config struct {
	// Hidden lists the widths of the hidden ReLU layers. The paper (§6) uses two
	// layers of 40 units; the reference's Caffe builder used 42 (spec §15.5). An
	// empty list gives a linear network f(o) = W o' + b.
	Hidden []int
	// Iterations is the number of Adam steps per S-step call (paper-era 4000;
	// reference HEAD default 5000). At least 1.
	Iterations int
	// BatchSize is the minibatch size (25). The dataset must have at least this
	// many rows.
	BatchSize int
	// LR is Adam's learning rate (1e-3), fixed schedule.
	LR float64
	// Beta1 and Beta2 are Adam's moment decay rates (0.9 and 0.999), in [0, 1).
	Beta1, Beta2 float64
	// Epsilon is Adam's denominator guard (1e-8), > 0.
	Epsilon float64
	// WeightDecay is the L2 coefficient λ of the term ½λ‖θ‖² on all weights and
	// biases (5e-3), ≥ 0.
	WeightDecay float64
	// InitVar is the policy variance before the first S-step (0.1), > 0.
	InitVar float64
	// InitStd is the standard deviation of the initial weights (0.01; biases start
	// at zero), ≥ 0.
	InitStd float64
	// EntReg is the entropy regulariser of the covariance (spec §10.6, 0), ≥ 0.
	EntReg float64
	// Seed selects the random streams of the initial weights and the minibatch
	// order.
	Seed uint64
	// Compat reproduces the reference's S-step quirks bit for bit in structure:
	// one shuffle per S-step call with a fixed batch order every epoch and the
	// last N·T mod B rows never used (Q20), and the covariance from the
	// unweighted precision sum divided by the sum of normalised weights (Q21).
	// The default reshuffles every epoch and uses the weighted mean precision,
	// the exact minimiser of the weighted KL.
	Compat bool
	// WhitenNoFloor whitens as the submission code did (spec §15.4; the
	// reference's PolicyOptCaffe.update at afc2519): Scale_j = 1/std_j without
	// the 1e-3 floor of §10.4, still computed once, at the first S-step. A
	// column with std 0 then has no finite scale (the submission computed
	// 1/0 = Inf and trained on NaN inputs): SStep returns a *WhiteningError
	// instead. false (default): Scale_j = 1/max(std_j, 1e-3).
	WhitenNoFloor bool
}

// PaperConfig returns the paper's network and S-step settings (spec §10.1, §15.5;
// paper §6): 2 × 40 ReLU (the submission's Caffe network had 2 × 42: set
// Hidden = []int{42, 42}), 4000 Adam steps of batch 25, lr 1e-3, β = (0.9, 0.999),
// ε = 1e-8, weight decay 5e-3, initial variance 0.1, weights N(0, 0.01²), seed 1.
func PaperConfig() Config {
	return Config{
		Hidden:      []int{40, 40},
		Iterations:  4000,
		BatchSize:   25,
		LR:          1e-3,
		Beta1:       0.9,
		Beta2:       0.999,
		Epsilon:     1e-8,
		WeightDecay: 5e-3,
		InitVar:     0.1,
		InitStd:     0.01,
		Seed:        1,
	}
}

// Validate returns an error naming the first field outside its allowed range.
func (c *Config) Validate() error {
	for i, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("nn: Config.Hidden[%d] = %d, want ≥ 1", i, h)
		}
	}
	if c.Iterations < 1 {
		return fmt.Errorf("nn: Config.Iterations = %d, want ≥ 1", c.Iterations)
	}
	if c.BatchSize < 1 {
		return fmt.Errorf("nn: Config.BatchSize = %d, want ≥ 1", c.BatchSize)
	}
	pos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("nn: Config.%s = %v, want a finite value > 0", name, v)
		}
		return nil
	}
	nonneg := func(name string, v float64) error {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("nn: Config.%s = %v, want a finite value ≥ 0", name, v)
		}
		return nil
	}
	unit := func(name string, v float64) error {
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("nn: Config.%s = %v, want a value in [0, 1)", name, v)
		}
		return nil
	}
	for _, err := range []error{
		pos("LR", c.LR), unit("Beta1", c.Beta1), unit("Beta2", c.Beta2), pos("Epsilon", c.Epsilon),
		nonneg("WeightDecay", c.WeightDecay), pos("InitVar", c.InitVar), nonneg("InitStd", c.InitStd),
		nonneg("EntReg", c.EntReg),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
