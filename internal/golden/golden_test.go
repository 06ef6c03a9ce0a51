package golden

import (
	"encoding/json"
	"math"
	"testing"
)

func TestArrayFlatten(t *testing.T) {
	for _, tc := range []struct {
		in    string
		shape []int
		data  []float64
		bad   bool
	}{
		{in: `3.5`, data: []float64{3.5}},
		{in: `[1,2,3]`, shape: []int{3}, data: []float64{1, 2, 3}},
		{in: `[[1,2],[3,4],[5,6]]`, shape: []int{3, 2}, data: []float64{1, 2, 3, 4, 5, 6}},
		{in: `[[1,2],[3]]`, bad: true},
		{in: `["a"]`, bad: true},
	} {
		var a Array
		err := json.Unmarshal([]byte(tc.in), &a)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: no error", tc.in)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if len(a.Shape) != len(tc.shape) || len(a.Data) != len(tc.data) {
			t.Fatalf("%s: got %v %v", tc.in, a.Shape, a.Data)
		}
		for i := range tc.shape {
			if a.Shape[i] != tc.shape[i] {
				t.Errorf("%s: shape %v", tc.in, a.Shape)
			}
		}
		for i := range tc.data {
			if a.Data[i] != tc.data[i] {
				t.Errorf("%s: data %v", tc.in, a.Data)
			}
		}
	}
}

func TestNormwiseDev(t *testing.T) {
	if d := NormwiseDev([]float64{1, 2}, []float64{1, 4}); d != 0.5 {
		t.Errorf("dev = %v, want 0.5", d)
	}
	if d := NormwiseDev([]float64{math.NaN()}, []float64{1}); !math.IsNaN(d) {
		t.Errorf("NaN not reported: %v", d)
	}
	if d := NormwiseDev([]float64{1}, []float64{1, 2}); !math.IsInf(d, 1) {
		t.Errorf("length mismatch not reported: %v", d)
	}
}
