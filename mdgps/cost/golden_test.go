package cost

import (
	"fmt"
	"sort"
	"testing"

	_ "github.com/mirrorgps/mirrorgps/internal/blasimpl"
	"github.com/mirrorgps/mirrorgps/internal/golden"
)

// refTerm is one entry of the reference's CostSum configuration in eval_cost.json.
type refTerm struct {
	Type      string  `json:"type"`
	Weight    float64 `json:"weight"`
	Wu        []float64
	DataTypes map[string]struct {
		TargetState []float64 `json:"target_state"`
		Wp          []float64 `json:"wp"`
	} `json:"data_types"`
	L1         *float64 `json:"l1"`
	L2         *float64 `json:"l2"`
	Alpha      *float64 `json:"alpha"`
	RampOption *int     `json:"ramp_option"`
	FinalMult  *float64 `json:"wp_final_multiplier"`
}

// refRamp maps the reference's ramp_option numbers (spec §3.1) to Ramp.
var refRamp = map[int]Ramp{1: RampConstant, 2: RampLinear, 3: RampQuadratic, 4: RampFinalOnly}

// buildRefCost translates the reference configuration into our terms. Only the
// top-level l1/l2/alpha/ramp/final multiplier are read, as the reference does (Q10).
func buildRefCost(t *testing.T, terms []refTerm, xIndex map[string][]int, compat bool) *Sum {
	sum := &Sum{}
	for _, rt := range terms {
		switch rt.Type {
		case "CostAction":
			sum.Terms = append(sum.Terms, &Action{Wu: rt.Wu})
			sum.Weights = append(sum.Weights, rt.Weight)
		case "CostState":
			// One State term per sensor; sensors occupy disjoint indices, so the
			// order of addition only matters at rounding level. Sort for determinism.
			var names []string
			for name := range rt.DataTypes {
				names = append(names, name)
			}
			sort.Strings(names)
			var parts []Term
			var ws []float64
			for _, name := range names {
				dt := rt.DataTypes[name]
				idx, ok := xIndex[name]
				if !ok {
					t.Fatalf("sensor %q not in x_index", name)
				}
				s := NewState(idx, dt.TargetState, dt.Wp)
				if rt.L1 != nil {
					s.Norm.L1 = *rt.L1
				}
				if rt.L2 != nil {
					s.Norm.L2 = *rt.L2
				}
				if rt.Alpha != nil {
					s.Norm.Alpha = *rt.Alpha
				}
				s.Norm.Compat = compat
				if rt.RampOption != nil {
					r, ok := refRamp[*rt.RampOption]
					if !ok {
						t.Fatalf("unknown ramp_option %d", *rt.RampOption)
					}
					s.Ramp = r
				}
				if rt.FinalMult != nil {
					s.FinalMult = *rt.FinalMult
				}
				parts = append(parts, s)
				ws = append(ws, 1)
			}
			sum.Terms = append(sum.Terms, &Sum{Terms: parts, Weights: ws})
			sum.Weights = append(sum.Weights, rt.Weight)
		default:
			t.Fatalf("unsupported reference cost type %q", rt.Type)
		}
	}
	return sum
}

// TestGoldenEvalCost reproduces Algorithm._eval_cost for every case of
// eval_cost.json: per-sample costs cs and the sample-averaged expansion cc, cv, Cm.
func TestGoldenEvalCost(t *testing.T) {
	// 1e-9 normwise: golden/README.md gives no tighter figure for eval_cost; the
	// arithmetic is a handful of flops per entry, so rounding differences are ~1e-15.
	const rtol = 1e-9
	for _, path := range golden.Sources(t, "eval_cost.json") {
		var file struct {
			Cases []struct {
				Name   string
				Inputs struct {
					X, U   golden.Array
					XIndex map[string][]int `json:"x_index"`
					Cost   []refTerm
				}
				Outputs struct {
					Cc golden.Array `json:"cc"`
					Cv golden.Array `json:"cv"`
					Cm golden.Array `json:"Cm"`
					Cs golden.Array `json:"cs"`
				}
			}
		}
		golden.Load(t, path, &file)
		if len(file.Cases) == 0 {
			t.Fatalf("%s: no cases", path)
		}
		for _, c := range file.Cases {
			// Both settings of Compat: this file has only square-root norms
			// (CostState), whose Hessian is exact, so Q9 must not matter.
			for _, compat := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/compat=%v", c.Name, compat), func(t *testing.T) {
					in := c.Inputs
					N, T, dX, dU := in.X.Shape[0], in.X.Shape[1], in.X.Shape[2], in.U.Shape[2]
					term := buildRefCost(t, in.Cost, in.XIndex, compat)
					ins := make([]*Input, N)
					ds := make([]*Derivs, N)
					cs := make([]float64, 0, N*T)
					for n := range N {
						ins[n] = &Input{T: T, DX: dX, DU: dU,
							X: in.X.Data[n*T*dX : (n+1)*T*dX], U: in.U.Data[n*T*dU : (n+1)*T*dU]}
						ds[n] = NewDerivs(T, dX, dU)
						Eval(ds[n], term, ins[n])
						cs = append(cs, ds[n].L...)
					}
					e := NewExpansion(T, dX, dU)
					Expand(e, ins, ds)
					t.Logf("normwise deviation cs %.1e cc %.1e cv %.1e Cm %.1e",
						golden.Close(t, "cs", cs, c.Outputs.Cs.Data, rtol),
						golden.Close(t, "cc", e.Cc, c.Outputs.Cc.Data, rtol),
						golden.Close(t, "cv", e.Cv, c.Outputs.Cv.Data, rtol),
						golden.Close(t, "Cm", e.C, c.Outputs.Cm.Data, rtol))
				})
			}
		}
	}
}
