package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/mirrorgps/mirrorgps/envs"
	"github.com/mirrorgps/mirrorgps/envs/linear"
	"github.com/mirrorgps/mirrorgps/envs/obstacle"
	"github.com/mirrorgps/mirrorgps/envs/peg"
	"github.com/mirrorgps/mirrorgps/mdgps"
)

// Tasks are the task names the CLI knows (ARCHITECTURE.md "Decisions").
var Tasks = []string{"obstacle", "peg", "blindpeg", "linear"}

// defaultConfig returns a task's default configuration: the paper's for the
// paper tasks, LinearDefault for linear.
func defaultConfig(name string) (mdgps.Config, error) {
	switch name {
	case "obstacle":
		return mdgps.PaperObstacle(), nil
	case "peg":
		return mdgps.PaperPeg(), nil
	case "blindpeg":
		return mdgps.PaperBlindPeg(), nil
	case "linear":
		return mdgps.LinearDefault(), nil
	}
	return mdgps.Config{}, oneOf("task", name, Tasks...)
}

// newTask returns the task and its default configuration. The peg tasks fail
// without MuJoCo, with a message saying how to install it.
func newTask(name string) (envs.Env, mdgps.Config, error) {
	cfg, err := defaultConfig(name)
	if err != nil {
		return nil, cfg, err
	}
	var env envs.Env
	switch name {
	case "obstacle":
		env = obstacle.New()
	case "peg":
		env, err = peg.New()
	case "blindpeg":
		env, err = peg.NewBlind()
	case "linear":
		env = linear.DoubleIntegrator()
	}
	if err != nil {
		return nil, cfg, err
	}
	return env, cfg, nil
}

// taskDesc is the JSON form of describe.
type taskDesc struct {
	Task       string      `json:"task"`
	Dims       dimsDesc    `json:"dims"`
	Conditions int         `json:"conditions"`
	T          int         `json:"T"`
	Dt         float64     `json:"dt"`
	Substeps   int         `json:"substeps"`
	X0         [][]float64 `json:"x0"`
	Cost       string      `json:"cost"`
	Metric     string      `json:"metric"`
	// linear
	A [][]float64 `json:"A,omitempty"`
	B [][]float64 `json:"B,omitempty"`
	Q [][]float64 `json:"Q,omitempty"`
	R [][]float64 `json:"R,omitempty"`
	// obstacle
	Target []float64    `json:"target,omitempty"`
	Walls  []wallDesc   `json:"walls,omitempty"`
	Starts [][2]float64 `json:"starts,omitempty"`
	// peg
	Offsets  [][2]float64 `json:"offsets,omitempty"`
	HoleZ    *float64     `json:"hole_z,omitempty"`
	SuccessZ *float64     `json:"success_z,omitempty"`
	// the driver configuration the CLI uses for the task by default
	Config mdgps.Config `json:"config"`
}

type dimsDesc struct {
	X int `json:"x"`
	U int `json:"u"`
	O int `json:"o"`
	P int `json:"p"`
}

type wallDesc struct {
	Name   string     `json:"name"`
	A      [2]float64 `json:"a"`
	B      [2]float64 `json:"b"`
	Radius float64    `json:"radius"`
}

func rows(m mat.Matrix) [][]float64 {
	r, c := m.Dims()
	out := make([][]float64, r)
	for i := range out {
		out[i] = make([]float64, c)
		for j := range out[i] {
			out[i][j] = m.At(i, j)
		}
	}
	return out
}

func describe(name string) (*taskDesc, error) {
	env, cfg, err := newTask(name)
	if err != nil {
		return nil, err
	}
	d := env.Dims()
	td := &taskDesc{Task: env.Name(), Dims: dimsDesc{d.X, d.U, d.O, d.P}, Conditions: env.Conditions(),
		T: env.T(), Dt: env.Dt(), Substeps: env.Substeps(), Config: cfg}
	for m := 0; m < env.Conditions(); m++ {
		x0, err := env.X0(m)
		if err != nil {
			return nil, err
		}
		td.X0 = append(td.X0, x0)
	}
	switch e := env.(type) {
	case *linear.Env:
		td.A, td.B, td.Q, td.R = rows(e.A()), rows(e.B()), rows(e.Q()), rows(e.R())
		td.Cost = "ℓ_t = x_tᵀ Q x_t + u_tᵀ R u_t for t = 0..T-1 (no ½); x_{t+1} = A x_t + B u_t; u_{T-1} is costed, not executed"
		td.Metric = "metric: total cost Σ_t ℓ_t of the noiseless global-policy rollout (compare with the Riccati optimum); distance_mean: its final ‖x‖"
	case *obstacle.Env:
		td.Target = obstacle.Target[:]
		for _, w := range obstacle.Walls() {
			td.Walls = append(td.Walls, wallDesc{w.Name, w.A, w.B, w.Radius})
		}
		td.Starts = obstacle.Starts()
		td.Cost = "ℓ_t = ½((x−3)² + y²) at every step, no action cost (the cost the reference ran, spec quirk Q10)"
		td.Metric = "final distance of the point mass to the target (3, 0)"
	case *peg.Env:
		for m := 0; m < e.Conditions(); m++ {
			o, _ := e.Offset(m)
			td.Offsets = append(td.Offsets, o)
		}
		td.Target = peg.Target[:]
		hz, sz := peg.HoleZ, peg.SuccessZ
		td.HoleZ, td.SuccessZ = &hz, &sz
		td.Cost = "½ Σ_j wu_j u_j² + 5 dᵀW d + 0.05 log(1e-5 + ‖W d‖²) + [t = T−1] 0.5 log(1e-5 + 100‖W d‖²), d = p_t − target, W = diag(2,2,1,2,2,1), wu = 1e-3/PR2_GAINS (configs.md §2.2)"
		td.Metric = "final peg-bottom height z; success iff z < success_z"
		e.Close()
	}
	return td, nil
}

func cmdDescribe(args []string, e env) error {
	fs := flag.NewFlagSet("describe", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	task := fs.String("task", "", "task: "+strings.Join(Tasks, ", "))
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := oneOf("task", *task, Tasks...); err != nil {
		return err
	}
	td, err := describe(*task)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(td)
	}
	return describeText(e.stdout, td)
}

func describeText(w io.Writer, td *taskDesc) error {
	fmt.Fprintf(w, "task        %s\n", td.Task)
	fmt.Fprintf(w, "dims        x %d, u %d, o %d, p %d\n", td.Dims.X, td.Dims.U, td.Dims.O, td.Dims.P)
	fmt.Fprintf(w, "conditions  %d\n", td.Conditions)
	fmt.Fprintf(w, "horizon     T = %d steps of dt = %g s (%d substeps)\n", td.T, td.Dt, td.Substeps)
	fmt.Fprintf(w, "cost        %s\n", td.Cost)
	fmt.Fprintf(w, "metric      %s\n", td.Metric)
	for m, x := range td.X0 {
		fmt.Fprintf(w, "x0[%d]       %.4g\n", m, x)
	}
	for _, mm := range []struct {
		n string
		v [][]float64
	}{{"A", td.A}, {"B", td.B}, {"Q", td.Q}, {"R", td.R}} {
		if mm.v != nil {
			fmt.Fprintf(w, "%s           %.6g\n", mm.n, mm.v)
		}
	}
	return nil
}

// parse parses flags; bad flags are usage errors and -h is not an error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelp
		}
		return &usageError{err.Error()}
	}
	return nil
}
