// The raw core module of witness's benchmarks, in Go: what a hand-rolled
// plugin system does instead of the component model. The host calls
// `alloc(len)`, writes the payload's bytes at the pointer it gets, and calls
// the function with pointer and length; the function releases the buffer to
// the garbage collector when done (as wit-bindgen-go's `cabi_realloc` pins
// what it allocates until the export returns). Records arrive in their C
// layout (24 bytes: id at 0, value at 8, ok at 16), the variant as its
// discriminant and two float64s, a resource as an index into the module's
// own table.
//
// Garbage collection: the same policy as the Go component (see
// templates/go/bench/bench.go): off, and run explicitly after every 64 MiB
// of payload received.
package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"unsafe"
)

func main() {}

func init() {
	debug.SetGCPercent(-1)
}

var pinner runtime.Pinner

//go:wasmexport alloc
func alloc(size uint32) unsafe.Pointer {
	if size == 0 {
		return unsafe.Pointer(uintptr(8))
	}
	p := unsafe.Pointer(unsafe.SliceData(make([]uint64, (size+7)/8)))
	pinner.Pin(p)
	return p
}

// received counts payload bytes since the last collection.
var received uintptr

// done releases the payload buffers and collects every 64 MiB received.
func done(size uintptr) {
	pinner.Unpin()
	received += size
	if received >= 64<<20 {
		received = 0
		runtime.GC()
	}
}

//go:wasmexport nop
func nop() {}

//go:wasmexport add_one
func addOne(x uint32) uint32 {
	return x + 1
}

//go:wasmexport string_len
func stringLen(ptr unsafe.Pointer, size uint32) uint32 {
	s := unsafe.String((*byte)(ptr), size)
	n := uint32(len(s))
	done(uintptr(size))
	return n
}

//go:wasmexport bytes_len
func bytesLen(ptr unsafe.Pointer, size uint32) uint32 {
	b := unsafe.Slice((*byte)(ptr), size)
	n := uint32(len(b))
	done(uintptr(size))
	return n
}

// reading is wit/bench.wit's `reading` in its C layout.
type reading struct {
	id    uint32
	value float64
	ok    uint8
}

//go:wasmexport sum_ids
func sumIds(ptr unsafe.Pointer, count uint32) uint32 {
	readings := unsafe.Slice((*reading)(ptr), count)
	var sum uint32
	for i := range readings {
		sum += readings[i].id
	}
	done(uintptr(count) * unsafe.Sizeof(reading{}))
	return sum
}

//go:wasmexport area
func area(tag uint32, a, b float64) float64 {
	switch tag {
	case 0:
		return 0
	case 1:
		return math.Pi * a * a
	case 2:
		return a * b
	}
	panic("bad shape")
}

var counters []uint32

//go:wasmexport counter_new
func counterNew(start uint32) uint32 {
	counters = append(counters, start)
	return uint32(len(counters) - 1)
}

//go:wasmexport bump
func bump(handle uint32) uint32 {
	counters[handle]++
	return counters[handle]
}
