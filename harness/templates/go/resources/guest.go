// The resources guest in Go (see wit/resources.wit for the protocol).
// Hand-written against the bindings wit-bindgen-go generates into the other
// files of this module; witness fills in `fault` ("none" for real runs).
//
// It is written the way the bindings invite: a thing's destructor is its
// OnDrop hook, handles are dropped with Drop, and borrowed parameters are
// used and left alone (they are the caller's).
package export_witness_resources_api

import (
	"runtime"

	api "wit_component/witness_resources_api"
	host "wit_component/witness_resources_host"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// The deliberate fault this guest is built with (see witness::resources::Fault).
const fault = "none"

type Thing struct {
	pinner runtime.Pinner
	handle int32
	id     uint32
}

var (
	things    = map[uint32]*Thing{}
	tokens    = map[uint32]*host.Token{}
	live      uint32
	destroyed []uint32
	// Fault keep-released: tokens kept instead of dropped.
	kept []*host.Token
	// Fault leak-memory: what every thing leaks.
	leaked [][]byte
	// The handle index stash-borrow remembered.
	stash int32
)

// OnDrop is the thing's destructor.
func (self *Thing) OnDrop() {
	if fault == "never-destroy" {
		return
	}
	live--
	destroyed = append(destroyed, self.id)
	if fault == "destroy-twice" {
		destroyed = append(destroyed, self.id)
	}
}

func newThing(id uint32) *Thing {
	live++
	if fault == "leak-memory" {
		leaked = append(leaked, make([]byte, 256))
	}
	return &Thing{id: id}
}

func MakeThing(id uint32) *Thing {
	return newThing(id)
}

func ThingMake(id uint32) *Thing {
	return newThing(id)
}

func (self *Thing) Id() uint32 {
	if fault == "wrong-id" {
		return self.id + 1
	}
	return self.id
}

func Status() api.Report {
	// Collect first, so that a destructor or cleanup that a collection
	// runs is logged at the step that made its resource garbage.
	runtime.GC()
	for i := 0; i < 4; i++ {
		runtime.Gosched()
	}
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	out := destroyed
	if out == nil {
		out = []uint32{}
	}
	destroyed = nil
	return api.Report{
		Live:        live,
		Destroyed:   out,
		HeapBytes:   witTypes.Some[uint64](stats.HeapAlloc),
		HeapObjects: witTypes.Some[uint64](stats.HeapObjects),
	}
}

func keep(h Handle) {
	switch h.Tag() {
	case Handle_Thing:
		t := h.Thing()
		things[t.id] = t
	case Handle_Token:
		t := h.Token()
		tokens[t.Id()] = t
	}
}

func give(k api.Key) (Handle, bool) {
	switch k.Kind {
	case api.Kind_Thing:
		if t, ok := things[k.Id]; ok {
			delete(things, k.Id)
			return MakeHandleThing(t), true
		}
	case api.Kind_Token:
		if t, ok := tokens[k.Id]; ok {
			delete(tokens, k.Id)
			return MakeHandleToken(t), true
		}
	}
	return Handle{}, false
}

func Hold(items []witTypes.Option[Handle]) {
	for _, item := range items {
		if item.IsSome() {
			keep(item.Some())
		}
	}
}

func HoldBundle(b Bundle) {
	for _, t := range b.Things {
		keep(MakeHandleThing(t))
	}
	if b.Token.IsSome() {
		keep(MakeHandleToken(b.Token.Some()))
	}
}

func Take(keys []api.Key) []witTypes.Option[Handle] {
	out := make([]witTypes.Option[Handle], 0, len(keys))
	for _, k := range keys {
		if h, ok := give(k); ok {
			out = append(out, witTypes.Some(h))
		} else {
			out = append(out, witTypes.None[Handle]())
		}
	}
	return out
}

func TakeOne(k api.Key) witTypes.Result[Handle, uint32] {
	if h, ok := give(k); ok {
		return witTypes.Ok[Handle, uint32](h)
	}
	return witTypes.Err[Handle, uint32](k.Id)
}

func TakeBundle(ids []uint32, token witTypes.Option[uint32]) Bundle {
	out := Bundle{Things: []*Thing{}, Token: witTypes.None[*host.Token]()}
	for _, id := range ids {
		if t, ok := things[id]; ok {
			delete(things, id)
			out.Things = append(out.Things, t)
		}
	}
	if token.IsSome() {
		if t, ok := tokens[token.Some()]; ok {
			delete(tokens, token.Some())
			out.Token = witTypes.Some(t)
		}
	}
	return out
}

func Swap(t witTypes.Tuple2[*Thing, *host.Token]) (*host.Token, *Thing) {
	return t.F1, t.F0
}

func Create(k api.Key) {
	switch k.Kind {
	case api.Kind_Thing:
		things[k.Id] = newThing(k.Id)
	case api.Kind_Token:
		tokens[k.Id] = host.MakeToken(k.Id)
	}
}

func Release(k api.Key) bool {
	h, ok := give(k)
	if !ok {
		return false
	}
	switch h.Tag() {
	case Handle_Thing:
		h.Thing().Drop()
	case Handle_Token:
		if fault == "keep-released" {
			kept = append(kept, h.Token())
			return true
		}
		h.Token().Drop()
	}
	return true
}

// The id of a borrowed token, read through its method; the borrow is also
// forwarded to the host.
func borrowedTokenId(t *host.Token) uint32 {
	id := t.Id()
	host.See(t)
	return id
}

func Inspect(l Lens) uint32 {
	if l.Tag() == Lens_Thing {
		return l.Thing().Id()
	}
	return borrowedTokenId(l.Token())
}

func InspectThings(items []witTypes.Option[*Thing]) []witTypes.Option[uint32] {
	out := make([]witTypes.Option[uint32], 0, len(items))
	for _, item := range items {
		if item.IsSome() {
			out = append(out, witTypes.Some(item.Some().Id()))
		} else {
			out = append(out, witTypes.None[uint32]())
		}
	}
	return out
}

func InspectPair(p Pair) (uint32, uint32) {
	return p.Thing.Id(), borrowedTokenId(p.Token)
}

func InspectTuple(t witTypes.Tuple2[*Thing, *host.Token]) (uint32, uint32) {
	return t.F0.Id(), borrowedTokenId(t.F1)
}

func Poke(k api.Key) witTypes.Option[uint32] {
	if fault == "panic-on-poke" {
		panic("deliberate fault: poke panics")
	}
	switch k.Kind {
	case api.Kind_Thing:
		if t, ok := things[k.Id]; ok {
			id := t.Id()
			if fault == "drop-on-poke" {
				// Dropped, while the guest should still hold it.
				t.Drop()
			}
			return witTypes.Some(id)
		}
	case api.Kind_Token:
		if t, ok := tokens[k.Id]; ok {
			return witTypes.Some(borrowedTokenId(t))
		}
	}
	return witTypes.None[uint32]()
}

func heldToken(id uint32) *host.Token {
	t, ok := tokens[id]
	if !ok {
		panic("the host asked for a token the guest does not hold")
	}
	delete(tokens, id)
	return t
}

func MisuseUseAfterDrop(id uint32) uint32 {
	t := heldToken(id)
	index := t.Handle()
	t.Drop()
	return host.TokenFromBorrowHandle(index).Id()
}

func MisuseDoubleDrop(id uint32) {
	t := heldToken(id)
	index := t.Handle()
	t.Drop()
	host.TokenFromBorrowHandle(index).Drop()
}

func MisuseKeepBorrow(t *host.Token) bool {
	if fault == "drop-kept-borrow" {
		t.Drop()
		return true
	}
	// Takes the index out of the handle, so that nothing drops the borrow.
	t.TakeHandle()
	return true
}

func StashBorrow(t *host.Token) {
	stash = t.Handle()
}

func MisuseUseStash() uint32 {
	return host.TokenFromBorrowHandle(stash).Id()
}

func MisuseReuseSlot(old uint32, new uint32) (uint32, uint32, uint32) {
	t := heldToken(old)
	oldIndex := t.Handle()
	t.Drop()
	fresh := host.MakeToken(new)
	newIndex := fresh.Handle()
	tokens[new] = fresh
	read := host.TokenFromBorrowHandle(oldIndex).Id()
	return uint32(oldIndex), uint32(newIndex), read
}
