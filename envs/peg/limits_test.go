package peg

import (
	"os"
	"strings"
	"testing"
)

// TestControlLimitsMatchModel: the limits the saturation diagnostic uses are
// the motors' ctrlrange in arm.xml (one default class for all seven motors).
func TestControlLimitsMatchModel(t *testing.T) {
	b, err := os.ReadFile("arm.xml")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `ctrlrange="`); n != 1 || !strings.Contains(string(b), `<motor gear="1" ctrllimited="true" ctrlrange="-100 100"/>`) {
		t.Fatalf("arm.xml: %d ctrlrange attributes; want the one default motor class with ctrlrange -100 100 (update TorqueLimit)", n)
	}
	lo, hi := (&Env{}).ControlLimits()
	if len(lo) != 7 || lo[0] != -TorqueLimit || hi[6] != TorqueLimit {
		t.Errorf("ControlLimits = %v, %v", lo, hi)
	}
}
