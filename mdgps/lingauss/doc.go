// Package lingauss holds time-varying linear-Gaussian policies and dynamics and the
// closed-form computations on them that MDGPS needs (spec §1, §6.2, §6.3, §6.6, §8.1).
package lingauss
