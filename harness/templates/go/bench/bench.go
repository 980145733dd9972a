// The Go benchmark guest: wit/bench.wit's `api`, written against the
// bindings wit-bindgen-go generates (witness writes them beside this file,
// in package export_witness_bench_api and witness_bench_api). Every function
// does the same work as the raw core module's (templates/go/bench-raw).
//
// Garbage collection: off (debug.SetGCPercent(-1)) and run explicitly after
// every 64 MiB of payload received. With Go's default pacing the collector
// runs inside `cabi_realloc` under large payloads and traps there (the GC
// reads the clock, an import call that the component model forbids in
// `cabi_realloc`: componentize-go#77); collecting from the export body is
// allowed. The raw module uses the same policy.
package export_witness_bench_api

import (
	"math"
	"runtime"
	"runtime/debug"

	"wit_component/witness_bench_api"
)

func init() {
	debug.SetGCPercent(-1)
}

// received counts payload bytes since the last collection.
var received uintptr

// done collects every 64 MiB received.
func done(size uintptr) {
	received += size
	if received >= 64<<20 {
		received = 0
		runtime.GC()
	}
}

// Counter is the guest side of the `counter` resource; `pinner` and
// `handle` are what the generated resource glue uses.
type Counter struct {
	pinner runtime.Pinner
	handle int32
	value  uint32
}

func (self *Counter) OnDrop() {}

func MakeCounter(start uint32) *Counter {
	return &Counter{value: start}
}

func Nop() {}

func AddOne(x uint32) uint32 {
	return x + 1
}

func StringLen(s string) uint32 {
	n := uint32(len(s))
	done(uintptr(n))
	return n
}

func BytesLen(b []uint8) uint32 {
	n := uint32(len(b))
	done(uintptr(n))
	return n
}

func SumIds(r []witness_bench_api.Reading) uint32 {
	var sum uint32
	for i := range r {
		sum += r[i].Id
	}
	done(uintptr(len(r)) * 24)
	return sum
}

func Area(s witness_bench_api.Shape) float64 {
	switch s.Tag() {
	case witness_bench_api.Shape_Circle:
		r := s.Circle()
		return math.Pi * r * r
	case witness_bench_api.Shape_Rect:
		size := s.Rect()
		return size.W * size.H
	}
	return 0
}

func Bump(c *Counter) uint32 {
	c.value++
	return c.value
}
