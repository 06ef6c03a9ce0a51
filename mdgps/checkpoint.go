package mdgps

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash/crc64"
	"hash/maphash"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/klauspost/compress/zstd"
)

// Checkpoint files (ARCHITECTURE.md "Checkpoints").
//
// Format v2, written by this build, is
//
//	magicV2        "mirrorgps-checkpoint-v2\n"
//	header         (little-endian) version uint32, block count n uint32, raw
//	               payload length uint64, CRC-64/ECMA of the header and table uint64
//	block table    n × {kind uint32 (0 stored, 1 zstd), raw length uint32,
//	               stored length uint32, 0 uint32, CRC-64/ECMA of the stored block uint64}
//	blocks         the raw payload in blocks of 1 MiB, each zstd-compressed
//	               unless it looks random or does not shrink
//
// and the raw payload is a uint64 length, a gob-encoded diskState, then the
// literal float64 values of the arrays, byte-shuffled (byte plane 0 of every
// value, then plane 1, …: the sign/exponent planes compress well, the low
// mantissa planes are stored at zstd's raw speed). diskState holds the run state
// with every []float64 reachable through exported fields moved out into the
// array table: each such field is named by its path ("Conds[2].DynPrior.X") and
// rebuilt from segments that are either literal values or copies of a range of an
// earlier array. This stores each array once: slices sharing their backing array
// (Dyn and PrevDyn after Finish) are one entry and stay shared on load, and the
// priors' buffers, whose trajectories are copies of samples, become references
// to the samples' arrays (rebuilt as copies, as the priors hold them).
//
// The checksum is verified before anything is decoded; a mismatch is a
// *CheckpointError wrapping ErrChecksum. After decoding, validate checks the
// state against the Env and Config (a *CorruptError names the field).
//
// Format v1 (before this change: magic, then a gob-encoded state, no checksum)
// still loads, through the same validation.
const formatVersion = 2

const (
	magic   = "mirrorgps-checkpoint\n"    // format v1
	magicV2 = "mirrorgps-checkpoint-v2\n" // format v2 and later
	hdrLen  = 24                          // version, block count, raw length, header CRC
)

var errNoCheckpoint = errors.New("mdgps: no checkpoint")

// ErrChecksum is wrapped by the *CheckpointError of a file whose payload does not
// match its checksum (a damaged or truncated file).
var ErrChecksum = errors.New("checksum mismatch: the file is damaged")

// CheckpointError reports an unreadable checkpoint (damaged, truncated or of
// another format version). The file is left as it is.
type CheckpointError struct {
	Path string
	Err  error
}

func (e *CheckpointError) Error() string {
	return fmt.Sprintf("mdgps: checkpoint %s is unreadable: %v", e.Path, e.Err)
}

func (e *CheckpointError) Unwrap() error { return e.Err }

var crcTable = crc64.MakeTable(crc64.ECMA)

// diskState is the gob-encoded part of a v2 payload.
type diskState struct {
	State  *state      // the run state with its float arrays moved to Arrays
	Fields []diskField // where each array goes
	Arrays []diskArray
}

// diskField puts array Array at Path (a field path from the state: ".Conds[2].Dyn.F").
type diskField struct {
	Path  string
	Array int
}

// diskArray is one array: the concatenation of its segments. With Sym = n ≥ 2
// the array is Len/n² symmetric n×n blocks and its one literal segment holds
// their upper triangles (row by row).
type diskArray struct {
	Len  int
	Sym  int
	Segs []diskSeg
}

// diskSeg is Len values: the next literal values (Ref < 0) or a copy of
// Arrays[Ref][Off:Off+Len] (Ref below this array's index).
type diskSeg struct {
	Ref, Off, Len int
}

// WriteStats is what the last checkpoint write of a process took (for the
// benchmark and the CLI's report).
type WriteStats struct {
	Raw, Stored int     // payload bytes before and after compression
	Encode      float64 // seconds to encode, compress and checksum
	Write       float64 // seconds to write the temporary file (before fsync)
	Sync        float64 // seconds waiting for fsync of the file and its folder
}

var (
	lastWriteMu sync.Mutex
	lastWrite   WriteStats
)

// LastWrite returns the statistics of the last checkpoint written by this process.
func LastWrite() WriteStats {
	lastWriteMu.Lock()
	defer lastWriteMu.Unlock()
	return lastWrite
}

// floatField is one []float64 reachable from the state.
type floatField struct {
	path string
	v    reflect.Value // settable
	s    []float64
}

var float64Type = reflect.TypeFor[float64]()

// collectFloats walks v (addressable) and appends every non-empty []float64
// reachable through exported struct fields, pointers, slices and arrays, with its
// path. A pointer met twice is walked twice, so every path is listed.
func collectFloats(v reflect.Value, path []byte, out []floatField, depth int) []floatField {
	if depth > 64 {
		panic("mdgps: checkpoint state nests deeper than 64 levels")
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out = collectFloats(v.Elem(), path, out, depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() {
				out = collectFloats(v.Field(i), append(append(path, '.'), f.Name...), out, depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem() == float64Type {
			if v.Len() > 0 {
				out = append(out, floatField{path: string(path), v: v, s: v.Interface().([]float64)})
			}
			return out
		}
		for i := 0; i < v.Len(); i++ {
			p := append(strconv.AppendInt(append(path, '['), int64(i), 10), ']')
			out = collectFloats(v.Index(i), p, out, depth+1)
		}
	}
	return out
}

// setPath stores s at path below root (an addressable struct), allocating nil
// pointers on the way. A path that does not lead to a []float64 is an error.
func setPath(root reflect.Value, path string, s []float64) error {
	v := root
	rest := path
	for rest != "" {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		switch rest[0] {
		case '.':
			end := 1
			for end < len(rest) && rest[end] != '.' && rest[end] != '[' {
				end++
			}
			name := rest[1:end]
			if v.Kind() != reflect.Struct {
				return fmt.Errorf("path %q: %q is not a struct field", path, name)
			}
			f, ok := v.Type().FieldByName(name)
			if !ok || !f.IsExported() || len(f.Index) != 1 {
				return fmt.Errorf("path %q: no field %q", path, name)
			}
			v = v.Field(f.Index[0])
			rest = rest[end:]
		case '[':
			end := 1
			for end < len(rest) && rest[end] != ']' {
				end++
			}
			if end == len(rest) {
				return fmt.Errorf("path %q: unclosed index", path)
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil || i < 0 || (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) || i >= v.Len() {
				return fmt.Errorf("path %q: index %q out of range", path, rest[1:end])
			}
			v = v.Index(i)
			rest = rest[end+1:]
		default:
			return fmt.Errorf("path %q: bad syntax", path)
		}
	}
	if v.Kind() != reflect.Slice || v.Type().Elem() != float64Type || !v.CanSet() {
		return fmt.Errorf("path %q does not name a float array", path)
	}
	v.Set(reflect.ValueOf(s))
	return nil
}

// floatBytes views s as bytes (for hashing only; the file's byte order is set
// by shuffle).
func floatBytes(s []float64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*8)
}

func sameBits(a, b []float64) bool { return bytes.Equal(floatBytes(a), floatBytes(b)) }

// isSampleArray reports whether a path is an array of a sample (X, U, Obs, …):
// the sources that the priors' buffers copy from.
func isSampleArray(path string) bool { return bytes.Contains([]byte(path), []byte(".Samples[")) }

// encodeState returns the raw v2 payload of st. st is unchanged on return (its
// float fields are moved out during the gob encoding and put back).
func encodeState(st *state) ([]byte, error) {
	root := reflect.ValueOf(st).Elem()
	fields := collectFloats(root, nil, nil, 0)

	// Order: sample arrays first, so that the buffers can refer to them.
	order := make([]int, 0, len(fields))
	for pass := 0; pass < 2; pass++ {
		for i, f := range fields {
			if isSampleArray(f.path) == (pass == 0) {
				order = append(order, i)
			}
		}
	}
	type backing struct {
		p *float64
		n int
	}
	seed := maphash.MakeSeed()
	ids := map[backing]int{}
	whole := map[uint64][]int{}  // content hash of a whole array → ids
	chunks := map[uint64][]int{} // content hash of a sample array → ids (chunk sources)
	chunkLens := map[int]bool{}  // lengths of sample arrays
	var arrays []diskArray
	var src [][]float64 // the values of each array
	var lit [][]float64 // the literal values, piece by piece
	nlit := 0
	dfields := make([]diskField, len(fields))
	for _, i := range order {
		f := fields[i]
		key := backing{unsafe.SliceData(f.s), len(f.s)}
		if id, ok := ids[key]; ok {
			dfields[i] = diskField{Path: f.path, Array: id}
			continue
		}
		id := len(arrays)
		ids[key] = id
		dfields[i] = diskField{Path: f.path, Array: id}
		s := f.s
		h := maphash.Bytes(seed, floatBytes(s))
		a := diskArray{Len: len(s)}
		for _, c := range whole[h] {
			if sameBits(src[c], s) {
				a.Segs = []diskSeg{{Ref: c, Len: len(s)}}
				break
			}
		}
		if a.Segs == nil && !isSampleArray(f.path) {
			a.Segs = chunkSegs(s, chunkLens, chunks, src, seed)
		}
		if a.Segs == nil {
			if n := symBlock(s); n > 0 {
				a.Sym = n
				lit = append(lit, packSym(make([]float64, 0, len(s)/(n*n)*n*(n+1)/2), s, n))
				a.Segs = []diskSeg{{Ref: -1, Len: len(s) / (n * n) * n * (n + 1) / 2}}
			} else {
				a.Segs = []diskSeg{{Ref: -1, Len: len(s)}}
			}
		}
		for _, sg := range a.Segs {
			if a.Sym > 0 {
				break
			}
			if sg.Ref < 0 {
				lit = append(lit, s[sg.Off:sg.Off+sg.Len])
			}
		}
		// Literal segments carry no offset on disk.
		for j := range a.Segs {
			if a.Segs[j].Ref < 0 {
				a.Segs[j].Off = 0
			}
		}
		arrays = append(arrays, a)
		src = append(src, s)
		whole[h] = append(whole[h], id)
		if isSampleArray(f.path) {
			chunkLens[len(s)] = true
			chunks[h] = append(chunks[h], id)
		}
	}

	for _, f := range fields {
		f.v.Set(reflect.Zero(f.v.Type()))
	}
	defer func() {
		for _, f := range fields {
			f.v.Set(reflect.ValueOf(f.s))
		}
	}()
	var buf bytes.Buffer
	buf.Write(make([]byte, 8))
	if err := gob.NewEncoder(&buf).Encode(&diskState{State: st, Fields: dfields, Arrays: arrays}); err != nil {
		return nil, fmt.Errorf("mdgps: encoding checkpoint: %w", err)
	}
	for _, p := range lit {
		nlit += len(p)
	}
	n := buf.Len()
	raw := getBuf(&rawPool, n+8*nlit)
	copy(raw, buf.Bytes())
	binary.LittleEndian.PutUint64(raw, uint64(n-8))
	shuffle(raw[n:], lit, nlit)
	return raw, nil
}

// chunkSegs splits s into aligned chunks of one of the sample arrays' lengths
// and refers each chunk equal to a sample array to it. It returns the split with
// the most references, nil when no chunk matches. Literal segments keep their
// offset into s (zeroed by the caller before writing).
func chunkSegs(s []float64, lens map[int]bool, chunks map[uint64][]int, src [][]float64, seed maphash.Seed) []diskSeg {
	sorted := make([]int, 0, len(lens))
	for L := range lens {
		sorted = append(sorted, L)
	}
	slices.Sort(sorted)
	var best []diskSeg
	bestRefs := 0
	for _, L := range sorted {
		if len(s) < L || len(s)%L != 0 {
			continue
		}
		var segs []diskSeg
		refs := 0
		for off := 0; off < len(s); off += L {
			c := s[off : off+L]
			ref := -1
			for _, id := range chunks[maphash.Bytes(seed, floatBytes(c))] {
				if len(src[id]) == L && sameBits(src[id], c) {
					ref = id
					break
				}
			}
			switch n := len(segs); {
			case ref >= 0:
				segs = append(segs, diskSeg{Ref: ref, Len: L})
				refs++
			case n > 0 && segs[n-1].Ref < 0:
				segs[n-1].Len += L
			default:
				segs = append(segs, diskSeg{Ref: -1, Off: off, Len: L})
			}
		}
		if refs > bestRefs {
			best, bestRefs = segs, refs
		}
	}
	return best
}

// symBlock returns the largest n ≥ 2 such that s is a sequence of exactly
// (bitwise) symmetric n×n blocks, or 0.
func symBlock(s []float64) int {
	for n := int(math.Sqrt(float64(len(s)))); n >= 2; n-- {
		if len(s)%(n*n) != 0 {
			continue
		}
		ok := true
	blocks:
		for b := 0; b < len(s); b += n * n {
			for i := 0; i < n; i++ {
				for j := i + 1; j < n; j++ {
					if math.Float64bits(s[b+i*n+j]) != math.Float64bits(s[b+j*n+i]) {
						ok = false
						break blocks
					}
				}
			}
		}
		if ok {
			return n
		}
	}
	return 0
}

// packSym appends the upper triangles of the n×n blocks of s to dst.
func packSym(dst, s []float64, n int) []float64 {
	for b := 0; b < len(s); b += n * n {
		for i := 0; i < n; i++ {
			dst = append(dst, s[b+i*n+i:b+i*n+n]...)
		}
	}
	return dst
}

// unpackSym fills the n×n blocks of dst from their packed upper triangles.
func unpackSym(dst, packed []float64, n int) {
	k := 0
	for b := 0; b < len(dst); b += n * n {
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				dst[b+i*n+j] = packed[k]
				dst[b+j*n+i] = packed[k]
				k++
			}
		}
	}
}

// shuffle writes the n values of the pieces as 8 byte planes (little-endian
// byte k of every value in plane k).
func shuffle(dst []byte, pieces [][]float64, n int) {
	starts := make([]int, len(pieces)+1)
	for i, p := range pieces {
		starts[i+1] = starts[i] + len(p)
	}
	// Split the pieces into two halves of about n/2 values.
	half := sort.SearchInts(starts, n/2)
	parallelRange(len(pieces), half, func(lo, hi int) {
		for pi := lo; pi < hi; pi++ {
			d := dst[starts[pi]:]
			for i, v := range pieces[pi] {
				b := math.Float64bits(v)
				d[i] = byte(b)
				d[n+i] = byte(b >> 8)
				d[2*n+i] = byte(b >> 16)
				d[3*n+i] = byte(b >> 24)
				d[4*n+i] = byte(b >> 32)
				d[5*n+i] = byte(b >> 40)
				d[6*n+i] = byte(b >> 48)
				d[7*n+i] = byte(b >> 56)
			}
		}
	})
}

// unshuffle is shuffle's inverse.
func unshuffle(v []float64, src []byte) {
	n := len(v)
	parallelRange(n, n/2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v[i] = math.Float64frombits(uint64(src[i]) | uint64(src[n+i])<<8 | uint64(src[2*n+i])<<16 | uint64(src[3*n+i])<<24 |
				uint64(src[4*n+i])<<32 | uint64(src[5*n+i])<<40 | uint64(src[6*n+i])<<48 | uint64(src[7*n+i])<<56)
		}
	})
}

// parallelRange runs f over [0, mid) and [mid, n) on two goroutines (one when
// there is one processor).
func parallelRange(n, mid int, f func(lo, hi int)) {
	if runtime.GOMAXPROCS(0) < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(mid, n)
	}()
	f(0, mid)
	wg.Wait()
}

var (
	zenc     *zstd.Encoder
	zdec     *zstd.Decoder
	zencOnce sync.Once
	zdecOnce sync.Once
)

func encoder() *zstd.Encoder {
	zencOnce.Do(func() {
		var err error
		zenc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2), zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic("mdgps: zstd encoder: " + err.Error())
		}
	})
	return zenc
}

func decoder() *zstd.Decoder {
	zdecOnce.Do(func() {
		var err error
		zdec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(2), zstd.WithDecoderMaxMemory(blockSize))
		if err != nil {
			panic("mdgps: zstd decoder: " + err.Error())
		}
	})
	return zdec
}

const (
	blockSize = 1 << 20 // raw bytes per block
	tableLen  = 24      // bytes per block in the block table
	maxRaw    = 1 << 36 // bound of a payload's raw size
	blockRaw  = 0       // block kinds
	blockZstd = 1
)

// Buffer pools of save: the raw payload, and compressed blocks.
var rawPool, blockPool sync.Pool

// getBuf returns a byte slice of length n from pool (or a new one).
func getBuf(pool *sync.Pool, n int) []byte {
	if b, ok := pool.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:n]
	}
	return make([]byte, n)
}

// putBuf returns b to pool; the caller no longer uses it.
func putBuf(pool *sync.Pool, b []byte) {
	pool.Put(&b)
}

// entropy estimates the Shannon entropy (bits per byte) of b from up to 4096
// evenly spaced bytes.
func entropy(b []byte) float64 {
	var hist [256]int
	step := max(1, len(b)/4096)
	n := 0
	for i := 0; i < len(b); i += step {
		hist[b[i]]++
		n++
	}
	h := 0.0
	for _, c := range hist {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// sealParts returns the file of a raw payload as parts to write in order: the
// magic and header, then the blocks. Each block of blockSize raw bytes is
// zstd-compressed unless it looks random (the low mantissa planes: stored as
// they are, which saves the compressor's time) or does not shrink; each has its
// CRC-64, and the header's own CRC-64 covers the block table.
func sealParts(raw []byte) [][]byte {
	nb := (len(raw) + blockSize - 1) / blockSize
	blocks := make([][]byte, nb)
	kinds := make([]uint32, nb)
	sums := make([]uint64, nb)
	var wg sync.WaitGroup
	next := make(chan int, nb)
	for i := 0; i < nb; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < min(2, nb); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b := raw[i*blockSize : min(len(raw), (i+1)*blockSize)]
				blocks[i], kinds[i] = b, blockRaw
				if entropy(b) < 7.9 {
					if c := encoder().EncodeAll(b, getBuf(&blockPool, len(b))[:0]); len(c) < len(b)-len(b)/32 {
						blocks[i], kinds[i] = c, blockZstd
					} else {
						putBuf(&blockPool, c)
					}
				}
				sums[i] = crc64.Checksum(blocks[i], crcTable)
			}
		}()
	}
	wg.Wait()
	h := make([]byte, 0, len(magicV2)+hdrLen+nb*tableLen)
	h = append(h, magicV2...)
	h = binary.LittleEndian.AppendUint32(h, formatVersion)
	h = binary.LittleEndian.AppendUint32(h, uint32(nb))
	h = binary.LittleEndian.AppendUint64(h, uint64(len(raw)))
	h = binary.LittleEndian.AppendUint64(h, 0) // header CRC, below
	for i, b := range blocks {
		n := min(len(raw), (i+1)*blockSize) - i*blockSize
		h = binary.LittleEndian.AppendUint32(h, kinds[i])
		h = binary.LittleEndian.AppendUint32(h, uint32(n))
		h = binary.LittleEndian.AppendUint32(h, uint32(len(b)))
		h = binary.LittleEndian.AppendUint32(h, 0)
		h = binary.LittleEndian.AppendUint64(h, sums[i])
	}
	binary.LittleEndian.PutUint64(h[len(magicV2)+16:], headerSum(h))
	return append([][]byte{h}, blocks...)
}

// headerSum is the CRC-64 of the header and block table, without the magic and
// the CRC field itself.
func headerSum(h []byte) uint64 {
	c := crc64.Update(0, crcTable, h[len(magicV2):len(magicV2)+16])
	return crc64.Update(c, crcTable, h[len(magicV2)+hdrLen:])
}

// seal returns the file bytes of a raw payload (sealParts joined).
func seal(raw []byte) []byte { return bytes.Join(sealParts(raw), nil) }

// unseal verifies the header, the block table and every block's checksum of a
// v2 file, then decompresses its raw payload.
func unseal(data []byte) ([]byte, error) {
	if len(data) < len(magicV2)+hdrLen {
		return nil, errors.New("truncated header")
	}
	h := data[len(magicV2):]
	version := binary.LittleEndian.Uint32(h)
	nb := uint64(binary.LittleEndian.Uint32(h[4:]))
	rawLen := binary.LittleEndian.Uint64(h[8:])
	sum := binary.LittleEndian.Uint64(h[16:])
	if version != formatVersion {
		return nil, fmt.Errorf("format version %d, this build reads 1 and %d", version, formatVersion)
	}
	if nb*tableLen > uint64(len(h)-hdrLen) {
		return nil, fmt.Errorf("%w (the block table of %d blocks is cut short)", ErrChecksum, nb)
	}
	end := len(magicV2) + hdrLen + int(nb)*tableLen
	if headerSum(data[:end]) != sum {
		return nil, fmt.Errorf("%w (header)", ErrChecksum)
	}
	if rawLen > maxRaw || rawLen > nb*blockSize {
		return nil, fmt.Errorf("payload of %d bytes in %d blocks", rawLen, nb)
	}
	type block struct {
		kind          uint32
		raw, stored   int
		sum           uint64
		rawAt, dataAt int
	}
	blocks := make([]block, nb)
	rawAt, dataAt := 0, end
	for i := range blocks {
		t := data[len(magicV2)+hdrLen+i*tableLen:]
		b := block{kind: binary.LittleEndian.Uint32(t), raw: int(binary.LittleEndian.Uint32(t[4:])),
			stored: int(binary.LittleEndian.Uint32(t[8:])), sum: binary.LittleEndian.Uint64(t[16:]), rawAt: rawAt, dataAt: dataAt}
		if b.kind > blockZstd || b.raw > blockSize || b.stored > blockSize || (b.kind == blockRaw && b.stored != b.raw) {
			return nil, fmt.Errorf("block %d: kind %d, %d raw and %d stored bytes", i, b.kind, b.raw, b.stored)
		}
		rawAt += b.raw
		dataAt += b.stored
		blocks[i] = b
	}
	if uint64(rawAt) != rawLen {
		return nil, fmt.Errorf("blocks hold %d raw bytes, the header says %d", rawAt, rawLen)
	}
	if dataAt != len(data) {
		return nil, fmt.Errorf("%w (the blocks end at byte %d of %d: truncated or extended)", ErrChecksum, dataAt, len(data))
	}
	raw := make([]byte, rawLen)
	errs := make([]error, nb)
	var wg sync.WaitGroup
	next := make(chan int, nb)
	for i := range blocks {
		next <- i
	}
	close(next)
	for w := 0; w < min(2, len(blocks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b := blocks[i]
				stored := data[b.dataAt : b.dataAt+b.stored]
				if crc64.Checksum(stored, crcTable) != b.sum {
					errs[i] = fmt.Errorf("%w (block %d)", ErrChecksum, i)
					continue
				}
				dst := raw[b.rawAt : b.rawAt+b.raw]
				if b.kind == blockRaw {
					copy(dst, stored)
					continue
				}
				out, err := decoder().DecodeAll(stored, dst[:0])
				switch {
				case err != nil:
					errs[i] = fmt.Errorf("block %d: %w", i, err)
				case len(out) != b.raw || (b.raw > 0 && &out[0] != &dst[0]):
					errs[i] = fmt.Errorf("block %d: %d bytes, the table says %d", i, len(out), b.raw)
				}
			}
		}()
	}
	wg.Wait()
	// A checksum failure anywhere comes first: it says the file is damaged.
	for _, err := range errs {
		if errors.Is(err, ErrChecksum) {
			return nil, err
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return raw, nil
}

// decodeState rebuilds the state of a raw v2 payload. Every index, length and
// path is checked; the result still needs validate.
func decodeState(raw []byte) (*state, error) {
	if len(raw) < 8 {
		return nil, errors.New("payload too short")
	}
	gl := binary.LittleEndian.Uint64(raw)
	if gl > uint64(len(raw)-8) {
		return nil, fmt.Errorf("state section of %d bytes in a %d-byte payload", gl, len(raw))
	}
	var ds diskState
	if err := gob.NewDecoder(bytes.NewReader(raw[8 : 8+gl])).Decode(&ds); err != nil {
		return nil, fmt.Errorf("decoding the state: %w", err)
	}
	if ds.State == nil {
		return nil, errors.New("no state in the payload")
	}
	floats := raw[8+gl:]
	if len(floats)%8 != 0 {
		return nil, fmt.Errorf("float section of %d bytes is not a whole number of values", len(floats))
	}
	lit := make([]float64, len(floats)/8)
	unshuffle(lit, floats)
	// Bound what the references may build: each array at most the literal
	// values plus everything built before it, in total at most 64× the literal
	// values (real checkpoints: below 2×).
	budget := 64*len(lit) + 1<<20
	used := 0
	arrays := make([][]float64, len(ds.Arrays))
	for i, a := range ds.Arrays {
		if a.Len < 0 || a.Len > budget {
			return nil, fmt.Errorf("array %d: length %d out of range", i, a.Len)
		}
		budget -= a.Len
		if a.Sym != 0 {
			n := a.Sym
			if n < 2 || n > 1<<15 || a.Len%(n*n) != 0 || len(a.Segs) != 1 || a.Segs[0].Ref >= 0 || a.Segs[0].Len != a.Len/(n*n)*n*(n+1)/2 || a.Segs[0].Len > len(lit)-used {
				return nil, fmt.Errorf("array %d: bad symmetric packing (block %d, %d values)", i, n, a.Len)
			}
			s := make([]float64, a.Len)
			unpackSym(s, lit[used:used+a.Segs[0].Len], n)
			used += a.Segs[0].Len
			arrays[i] = s
			continue
		}
		s := make([]float64, 0, a.Len)
		for _, sg := range a.Segs {
			if sg.Len < 0 || sg.Len > a.Len-len(s) {
				return nil, fmt.Errorf("array %d: segment of %d values overruns its length %d", i, sg.Len, a.Len)
			}
			if sg.Ref < 0 {
				if sg.Len > len(lit)-used {
					return nil, fmt.Errorf("array %d: %d literal values past the end of the float section", i, sg.Len)
				}
				s = append(s, lit[used:used+sg.Len]...)
				used += sg.Len
				continue
			}
			if sg.Ref >= i {
				return nil, fmt.Errorf("array %d refers to array %d (not an earlier one)", i, sg.Ref)
			}
			r := arrays[sg.Ref]
			if sg.Off < 0 || sg.Off > len(r) || sg.Len > len(r)-sg.Off {
				return nil, fmt.Errorf("array %d: range [%d, +%d) outside array %d of %d values", i, sg.Off, sg.Len, sg.Ref, len(r))
			}
			s = append(s, r[sg.Off:sg.Off+sg.Len]...)
		}
		if len(s) != a.Len {
			return nil, fmt.Errorf("array %d: segments give %d values, want %d", i, len(s), a.Len)
		}
		arrays[i] = s
	}
	if used != len(lit) {
		return nil, fmt.Errorf("%d literal values left over", len(lit)-used)
	}
	root := reflect.ValueOf(ds.State).Elem()
	for _, f := range ds.Fields {
		if f.Array < 0 || f.Array >= len(arrays) {
			return nil, fmt.Errorf("field %s: array %d of %d", f.Path, f.Array, len(arrays))
		}
		if err := setPath(root, f.Path, arrays[f.Array]); err != nil {
			return nil, err
		}
	}
	return ds.State, nil
}

// save writes st atomically: to a temporary file in the same folder, synced,
// renamed over path, and the folder synced, so a crash leaves either the old or
// the new checkpoint.
func save(path string, st *state) error {
	t0 := time.Now()
	raw, err := encodeState(st)
	if err != nil {
		return err
	}
	parts := sealParts(raw)
	t1 := time.Now()
	sync, err := writeAtomic(path, parts)
	if err != nil {
		return fmt.Errorf("mdgps: writing checkpoint: %w", err)
	}
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	// The buffers go back to their pools (a run writes its checkpoint often:
	// reusing ~70 MB spares the garbage collector).
	putBuf(&rawPool, raw)
	for i, p := range parts[1:] {
		if len(p) > 0 && (len(raw) == 0 || &p[0] != &raw[i*blockSize]) {
			putBuf(&blockPool, p)
		}
	}
	lastWriteMu.Lock()
	lastWrite = WriteStats{Raw: len(raw), Stored: size, Encode: t1.Sub(t0).Seconds(), Write: time.Since(t1).Seconds() - sync, Sync: sync}
	lastWriteMu.Unlock()
	return nil
}

// tmpPrefix is the name prefix of path's temporary files.
func tmpPrefix(path string) string { return filepath.Base(path) + ".tmp" }

// writeAtomic replaces path by the parts written in order: a temporary file in
// the same folder, fsynced, renamed over path, then the folder fsynced. It
// returns the seconds spent waiting for the two fsyncs.
func writeAtomic(path string, parts [][]byte) (syncSec float64, err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tmpPrefix(path)+"*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	for _, p := range parts {
		if err == nil {
			_, err = f.Write(p)
		}
	}
	ts := time.Now()
	if err == nil {
		err = f.Sync()
	}
	syncSec = time.Since(ts).Seconds()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	ts = time.Now()
	err = syncDir(dir)
	return syncSec + time.Since(ts).Seconds(), err
}

// syncDir fsyncs a folder so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// load reads the checkpoint at path (errNoCheckpoint when there is none): it
// verifies the checksum, decodes, and checks every index and path. A file that
// fails is a *CheckpointError; a decoder panic on a damaged v1 file is turned
// into one.
func load(path string) (*state, error) {
	if path == "" {
		return nil, errNoCheckpoint
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	st, err := decode(data)
	if err != nil {
		return nil, &CheckpointError{Path: path, Err: err}
	}
	return st, nil
}

// decode returns the state of a checkpoint file's bytes (v1 or v2).
func decode(data []byte) (st *state, err error) {
	defer func() {
		if p := recover(); p != nil {
			st, err = nil, fmt.Errorf("decoder failure on damaged data: %v", p)
		}
	}()
	switch {
	case bytes.HasPrefix(data, []byte(magicV2)):
		raw, err := unseal(data)
		if err != nil {
			return nil, err
		}
		st, err = decodeState(raw)
		if err != nil {
			return nil, err
		}
		if st.Version != formatVersion {
			return nil, fmt.Errorf("format version %d, this build reads 1 and %d", st.Version, formatVersion)
		}
		return st, nil
	case bytes.HasPrefix(data, []byte(magic)):
		// Format v1: written before checksums; validation still applies.
		var s state
		if err := gob.NewDecoder(bufio.NewReader(bytes.NewReader(data[len(magic):]))).Decode(&s); err != nil {
			return nil, fmt.Errorf("format v1 (no checksum): %w", err)
		}
		if s.Version != 1 {
			return nil, fmt.Errorf("format version %d in a v1 file, this build reads 1 and %d", s.Version, formatVersion)
		}
		s.Version = formatVersion // written as v2 from now on
		return &s, nil
	}
	return nil, errors.New("not a mirrorgps checkpoint (bad header)")
}

// configEqual compares two configs by their encodings (nil and empty slices alike).
func configEqual(a, b Config) bool {
	var ba, bb bytes.Buffer
	if gob.NewEncoder(&ba).Encode(a) != nil || gob.NewEncoder(&bb).Encode(b) != nil {
		return false
	}
	return bytes.Equal(ba.Bytes(), bb.Bytes())
}
