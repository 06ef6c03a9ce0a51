// Package viz turns MDGPS results into figures: one figure-data type per kind
// of figure, each rendered two ways —
//
//   - Plot: a gonum/plot *plot.Plot, the canonical static figure (write it with
//     SVG or PNG; it works offline, on GitHub and in nbconvert's HTML);
//   - Chart / HTML: an interactive go-echarts chart whose HTML carries the
//     echarts library itself (vendored from the npm package echarts 5.4.3 under
//     assets/, Apache-2.0; no CDN), wrapped so that RequireJS (classic Jupyter,
//     nbconvert) does not capture it.
//
// Figures are data first: every figure type exposes the series it draws as
// exported fields (Lines.Curves, Heatmap.Values, Paths.Paths, …), so tests check
// the data and not pixels (ARCHITECTURE.md "Figures"; STYLE.md, gonum/plot).
//
// # Figures
//
//   - Lines: curves over a common x axis with optional ±std bands and
//     horizontal reference lines. Built by IterationCurves (cost or metric vs
//     iteration, mean ± std over seeds, one curve per variant — the paper's
//     Figure 3), EtaTraces and EpsilonTraces (per condition), BoundVsCost
//     (Lemma 2's bound against the actual global cost) and PegHeights (peg-bottom
//     height over time with the hole bottom and the success line).
//   - Heatmap: values over conditions × time steps (KLHeatmap: the C-step's
//     realised KL per time step).
//   - Paths: planar trajectories drawn over a task's scene (envs.Scene: walls,
//     starts, target): SamplePaths, or NewPaths with SamplePath and MeanPath
//     (a controller's mean path under fitted dynamics).
//   - SuccessTable: the paper's Table 1 form (success % at iterations 3/6/9/12,
//     paper numbers beside ours) as markdown, HTML or CSV.
//
// # Style
//
// One style for both renderers (style.go, layout.go, chartstyle.go): 720 × 420
// px; the legend outside the data area, right of it (Layout; for the SVG,
// Draw places it, so every Figure's Plot goes through Encode); decade labels
// on log axes (DecadeTicks: 10⁻⁵, never 9.999999999999999e-05) and short
// numbers on linear ones (NiceTicks); tick labels inside the canvas; Palette
// shared by SVG and echarts, with a dash pattern per series (Dash) so curves
// stay apart in greyscale; heat maps in Viridis, optionally on a log scale,
// with a colour bar. The tests check this from the figures' own geometry
// (LayoutOf) and the echarts option JSON.
//
// viz never imports GoNB (the notebook glue lives in viz/nb) and nothing of
// cmd; it imports mdgps for the Iteration record and envs for samples and
// scenes (a task describes its scene through envs.Scene). Peg constants (hole
// depth, success height) are passed in by the caller so that viz does not
// link MuJoCo.
package viz
