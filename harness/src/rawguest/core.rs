//! The two core modules of a raw guest, written with wasm-encoder.
//!
//! - The *base* module owns the memories and the allocators: the ABI memory
//!   (the one the canonical options name), the control memory (the script,
//!   the log and the host's step images), `realloc` (which follows the
//!   script and logs each call), `ctl-realloc` (a bump allocator in the
//!   control memory, for the probe's own lists) and `take-log`.
//! - The *main* module holds the export `f`, its post-return function and
//!   two helpers; it imports the memories from the base module, the lowered
//!   probe functions and the lowered `upstream.f`.
//!
//! The split exists because `canon lower` needs the memory and `realloc`
//! of an instance that already exists, while the code that calls the
//! lowered functions needs them as imports.
//!
//! See the [module documentation](super) for the protocol and
//! [`super::layout`] for the control memory's layout.

use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
    Function, FunctionSection, ImportSection, Instruction, MemArg, MemorySection, MemoryType,
    Module, TypeSection, ValType,
};

use super::layout::*;
use crate::abi::{CoreFuncType, CoreType};

/// What the core modules of one guest need to know.
pub(crate) struct CoreSpec<'a> {
    pub id: u32,
    /// The core signature of the export (`canon lift`).
    pub lift: &'a CoreFuncType,
    /// The core signature of the lowered `upstream.f` (`canon lower`).
    pub lower: &'a CoreFuncType,
    pub abi_pages: u32,
    /// Whether the ABI memory is memory 0 (else the control memory is).
    pub abi_first: bool,
    pub script: &'a [super::ScriptEntry],
}

impl CoreSpec<'_> {
    fn abi(&self) -> u32 {
        if self.abi_first { 0 } else { 1 }
    }

    fn ctl(&self) -> u32 {
        1 - self.abi()
    }

    /// Bytes of the state block and the script (the log), as reported.
    pub fn control_len(&self) -> u32 {
        SCRIPT_BASE + ENTRY_SIZE * self.script.len() as u32
    }

    /// Where `ctl-realloc` starts.
    fn heap_start(&self) -> u32 {
        (self.control_len() + 15) & !15
    }

    fn ctl_pages(&self) -> u32 {
        (self.heap_start() >> PAGE_SIZE_LOG2) + 1
    }
}

fn val_type(t: CoreType) -> ValType {
    match t {
        CoreType::I32 => ValType::I32,
        CoreType::I64 => ValType::I64,
        CoreType::F32 => ValType::F32,
        CoreType::F64 => ValType::F64,
    }
}

/// A type section that hands out one index per distinct signature.
#[derive(Default)]
struct Types {
    section: TypeSection,
    seen: Vec<(Vec<ValType>, Vec<ValType>)>,
}

impl Types {
    fn index(&mut self, params: &[ValType], results: &[ValType]) -> u32 {
        if let Some(i) = self
            .seen
            .iter()
            .position(|(p, r)| p == params && r == results)
        {
            return i as u32;
        }
        self.section
            .ty()
            .function(params.iter().copied(), results.iter().copied());
        self.seen.push((params.to_vec(), results.to_vec()));
        self.seen.len() as u32 - 1
    }

    fn core(&mut self, f: &CoreFuncType) -> u32 {
        let p: Vec<ValType> = f.params.iter().map(|t| val_type(*t)).collect();
        let r: Vec<ValType> = f.results.iter().map(|t| val_type(*t)).collect();
        self.index(&p, &r)
    }
}

fn mem(memory: u32, offset: u32) -> MemArg {
    MemArg {
        offset: u64::from(offset),
        align: 0,
        memory_index: memory,
    }
}

/// Instruction helpers for one function body.
struct Body<'f> {
    f: &'f mut Function,
}

impl Body<'_> {
    fn i(&mut self, ins: Instruction<'_>) -> &mut Self {
        self.f.instruction(&ins);
        self
    }

    fn c(&mut self, v: u32) -> &mut Self {
        self.i(Instruction::I32Const(v as i32))
    }

    fn load32(&mut self, memory: u32, offset: u32) -> &mut Self {
        self.i(Instruction::I32Load(mem(memory, offset)))
    }

    fn store32(&mut self, memory: u32, offset: u32) -> &mut Self {
        self.i(Instruction::I32Store(mem(memory, offset)))
    }

    fn get(&mut self, local: u32) -> &mut Self {
        self.i(Instruction::LocalGet(local))
    }

    fn set(&mut self, local: u32) -> &mut Self {
        self.i(Instruction::LocalSet(local))
    }

    /// `if (cond) unreachable`.
    fn trap_if(&mut self) -> &mut Self {
        self.i(Instruction::If(BlockType::Empty))
            .i(Instruction::Unreachable)
            .i(Instruction::End)
    }

    /// Grows `memory` to at least the page count in local `pages`, using
    /// local `cur`; traps when the memory cannot grow.
    fn grow_to(&mut self, memory: u32, pages: u32, cur: u32) -> &mut Self {
        self.i(Instruction::MemorySize(memory)).set(cur);
        self.get(cur).get(pages).i(Instruction::I32LtU);
        self.i(Instruction::If(BlockType::Empty));
        self.get(pages).get(cur).i(Instruction::I32Sub);
        self.i(Instruction::MemoryGrow(memory));
        self.c(u32::MAX).i(Instruction::I32Eq).trap_if();
        self.i(Instruction::End)
    }

    /// Widens the core value on the stack to the `u64` the probe takes.
    fn widen(&mut self, t: CoreType) -> &mut Self {
        match t {
            CoreType::I32 => self.i(Instruction::I64ExtendI32U),
            CoreType::I64 => self,
            CoreType::F32 => self
                .i(Instruction::I32ReinterpretF32)
                .i(Instruction::I64ExtendI32U),
            CoreType::F64 => self.i(Instruction::I64ReinterpretF64),
        }
    }

    /// Loads a core value of type `t` from `memory` at the address on the
    /// stack plus `offset`.
    fn load(&mut self, t: CoreType, memory: u32, offset: u32) -> &mut Self {
        let m = mem(memory, offset);
        match t {
            CoreType::I32 => self.i(Instruction::I32Load(m)),
            CoreType::I64 => self.i(Instruction::I64Load(m)),
            CoreType::F32 => self.i(Instruction::F32Load(m)),
            CoreType::F64 => self.i(Instruction::F64Load(m)),
        }
    }

    fn end(&mut self) {
        self.i(Instruction::End);
    }
}

fn memory_type(minimum: u32) -> MemoryType {
    MemoryType {
        minimum: u64::from(minimum),
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    }
}

/// The base module: memories, `realloc`, `ctl-realloc`, `take-log`, and the
/// script in a data segment.
pub(crate) fn base_module(spec: &CoreSpec<'_>) -> Module {
    let (abi, ctl) = (spec.abi(), spec.ctl());
    let mut types = Types::default();
    let realloc_ty = types.index(&[ValType::I32; 4], &[ValType::I32]);
    let take_ty = types.index(&[], &[ValType::I32]);

    let mut funcs = FunctionSection::new();
    funcs.function(realloc_ty);
    funcs.function(realloc_ty);
    funcs.function(take_ty);

    let mut memories = MemorySection::new();
    for index in 0..2 {
        if index == abi {
            memories.memory(memory_type(spec.abi_pages));
        } else {
            memories.memory(memory_type(spec.ctl_pages()));
        }
    }

    let mut exports = ExportSection::new();
    exports.export(MEMORY_ABI, ExportKind::Memory, abi);
    exports.export(MEMORY_CTL, ExportKind::Memory, ctl);
    exports.export(FUNC_REALLOC, ExportKind::Func, 0);
    exports.export(FUNC_CTL_REALLOC, ExportKind::Func, 1);
    exports.export(FUNC_TAKE_LOG, ExportKind::Func, 2);

    let mut code = CodeSection::new();
    code.function(&scripted_realloc(abi, ctl));
    code.function(&ctl_realloc(ctl));
    code.function(&take_log(ctl, spec.control_len()));

    let mut state = vec![0u8; SCRIPT_BASE as usize];
    state[STATE_SCRIPT_LEN as usize..][..4]
        .copy_from_slice(&(spec.script.len() as u32).to_le_bytes());
    state[STATE_CTL_BUMP as usize..][..4].copy_from_slice(&spec.heap_start().to_le_bytes());
    for e in spec.script {
        let mut entry = [0u8; ENTRY_SIZE as usize];
        entry[0..4].copy_from_slice(&e.mode.code().to_le_bytes());
        entry[4..8].copy_from_slice(&e.pages.to_le_bytes());
        entry[8..12].copy_from_slice(&e.ptr.to_le_bytes());
        state.extend_from_slice(&entry);
    }
    let mut data = DataSection::new();
    data.active(ctl, &ConstExpr::i32_const(0), state);

    let mut module = Module::new();
    module
        .section(&types.section)
        .section(&funcs)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data);
    module
}

/// `realloc(old_ptr, old_size, align, new_size)`: takes the next script
/// entry and logs the call in it; then, as the entry's mode says, traps,
/// or serves a spare block (below), or grows the ABI memory to the entry's
/// page count and takes the entry's pointer. Past the end of the script it
/// serves spare blocks without logging. It copies `min(old_size, new_size)`
/// bytes from the old block when both blocks are in bounds, and returns the
/// pointer.
///
/// Spare blocks (for calls the host did not expect) are 8-aligned and
/// bumped from what was the end of memory at the first such call, growing
/// the memory as needed, so that an unexpected call goes on and shows in
/// the log.
fn scripted_realloc(abi: u32, ctl: u32) -> Function {
    // Locals after the 4 params.
    let (entry, pos, n, pages, cur, ptr, mode, end, bytes) = (4, 5, 6, 7, 8, 9, 10, 11, 12);
    let mut f = Function::new([(8, ValType::I32), (1, ValType::I64)]);
    let mut b = Body { f: &mut f };
    b.c(STATE_SCRIPT_POS).load32(ctl, 0).set(pos);
    b.get(pos)
        .c(STATE_SCRIPT_LEN)
        .load32(ctl, 0)
        .i(Instruction::I32LtU);
    b.i(Instruction::If(BlockType::Empty));
    {
        b.get(pos)
            .c(ENTRY_SIZE.trailing_zeros())
            .i(Instruction::I32Shl);
        b.c(SCRIPT_BASE).i(Instruction::I32Add).set(entry);
        b.c(STATE_SCRIPT_POS)
            .get(pos)
            .c(1)
            .i(Instruction::I32Add)
            .store32(ctl, 0);
        b.get(entry).c(1).store32(ctl, ENTRY_USED);
        for (param, offset) in [
            (0, ENTRY_OLD_PTR),
            (1, ENTRY_OLD_SIZE),
            (2, ENTRY_ALIGN),
            (3, ENTRY_NEW_SIZE),
        ] {
            b.get(entry).get(param).store32(ctl, offset);
        }
        b.get(entry).load32(ctl, ENTRY_MODE).set(mode);
    }
    b.i(Instruction::Else);
    b.c(0).set(entry).c(MODE_FRESH).set(mode);
    b.i(Instruction::End);
    b.get(mode).c(MODE_TRAP).i(Instruction::I32Eq).trap_if();
    b.get(mode).c(MODE_FRESH).i(Instruction::I32Eq);
    b.i(Instruction::If(BlockType::Empty));
    {
        // ptr = align8(spare or end of memory); end = ptr + new_size.
        b.c(STATE_SPARE_NEXT).load32(ctl, 0).set(ptr);
        b.get(ptr).i(Instruction::I32Eqz);
        b.i(Instruction::If(BlockType::Empty));
        b.i(Instruction::MemorySize(abi))
            .c(PAGE_SIZE_LOG2)
            .i(Instruction::I32Shl)
            .set(ptr);
        b.i(Instruction::End);
        b.get(ptr)
            .c(7)
            .i(Instruction::I32Add)
            .c(!7)
            .i(Instruction::I32And)
            .set(ptr);
        b.get(ptr).get(3).i(Instruction::I32Add).set(end);
        b.get(end).get(ptr).i(Instruction::I32LtU).trap_if();
        b.get(end)
            .c(PAGE_SIZE - 1)
            .i(Instruction::I32Add)
            .c(PAGE_SIZE_LOG2)
            .i(Instruction::I32ShrU);
        b.set(pages);
        b.grow_to(abi, pages, cur);
        b.c(STATE_SPARE_NEXT).get(end).store32(ctl, 0);
        b.get(entry).i(Instruction::If(BlockType::Empty));
        b.get(entry).get(ptr).store32(ctl, ENTRY_PTR);
        b.i(Instruction::End);
    }
    b.i(Instruction::Else);
    {
        b.get(entry).load32(ctl, ENTRY_PAGES).set(pages);
        b.grow_to(abi, pages, cur);
        b.get(entry).load32(ctl, ENTRY_PTR).set(ptr);
    }
    b.i(Instruction::End);
    b.get(1)
        .get(3)
        .get(1)
        .get(3)
        .i(Instruction::I32LtU)
        .i(Instruction::Select)
        .set(n);
    b.i(Instruction::MemorySize(abi))
        .i(Instruction::I64ExtendI32U);
    b.i(Instruction::I64Const(i64::from(PAGE_SIZE_LOG2)))
        .i(Instruction::I64Shl)
        .set(bytes);
    for start in [0, ptr] {
        b.get(start).i(Instruction::I64ExtendI32U);
        b.get(n)
            .i(Instruction::I64ExtendI32U)
            .i(Instruction::I64Add);
        b.get(bytes).i(Instruction::I64LeU);
    }
    b.i(Instruction::I32And)
        .i(Instruction::If(BlockType::Empty));
    b.get(ptr).get(0).get(n).i(Instruction::MemoryCopy {
        src_mem: abi,
        dst_mem: abi,
    });
    b.i(Instruction::End);
    b.get(ptr).end();
    f
}

/// `ctl-realloc`: a bump allocator in the control memory (8-byte aligned at
/// least), growing it as needed. It only ever gets fresh allocations.
fn ctl_realloc(ctl: u32) -> Function {
    // Locals: align, p, end, pages, cur.
    let (align, p, end, pages, cur) = (4, 5, 6, 7, 8);
    let mut f = Function::new([(5, ValType::I32)]);
    let mut b = Body { f: &mut f };
    b.get(2)
        .c(8)
        .get(2)
        .c(8)
        .i(Instruction::I32GtU)
        .i(Instruction::Select)
        .set(align);
    b.c(STATE_CTL_BUMP)
        .load32(ctl, 0)
        .get(align)
        .i(Instruction::I32Add)
        .c(1)
        .i(Instruction::I32Sub);
    b.c(0)
        .get(align)
        .i(Instruction::I32Sub)
        .i(Instruction::I32And)
        .set(p);
    b.get(p).get(3).i(Instruction::I32Add).set(end);
    b.get(end).get(p).i(Instruction::I32LtU).trap_if();
    b.get(end)
        .c(PAGE_SIZE - 1)
        .i(Instruction::I32Add)
        .c(PAGE_SIZE_LOG2)
        .i(Instruction::I32ShrU);
    b.set(pages);
    b.grow_to(ctl, pages, cur);
    b.c(STATE_CTL_BUMP).get(end).store32(ctl, 0);
    b.get(p).end();
    f
}

/// `take-log() -> list<u8>`: the state block and the script with its log.
fn take_log(ctl: u32, control_len: u32) -> Function {
    let mut f = Function::new([]);
    let mut b = Body { f: &mut f };
    b.c(STATE_TAKE).c(0).store32(ctl, 0);
    b.c(STATE_TAKE).c(control_len).store32(ctl, 4);
    b.c(STATE_TAKE).end();
    f
}

/// Function indices in the main module: the imports first.
const PROBE_FLAT: u32 = 0;
const PROBE_CONTROL: u32 = 1;
const PROBE_MEMORY: u32 = 2;
const PROBE_NEXT: u32 = 3;
const UPSTREAM: u32 = 4;
const REPORT: u32 = 5;
const STEP: u32 = 6;

/// The main module: `f`, its post-return function, `report` and `step`.
pub(crate) fn main_module(spec: &CoreSpec<'_>) -> Module {
    let (abi, ctl) = (spec.abi(), spec.ctl());
    let mut types = Types::default();
    let flat_ty = types.index(&[ValType::I32, ValType::I64], &[]);
    let bytes_ty = types.index(&[ValType::I32; 3], &[]);
    let next_ty = types.index(&[ValType::I32; 2], &[]);
    let up_ty = types.core(spec.lower);
    let unit_ty = types.index(&[], &[]);
    let step_ty = types.index(&[], &[ValType::I32]);
    let f_ty = types.core(spec.lift);
    let lift_results: Vec<ValType> = spec.lift.results.iter().map(|t| val_type(*t)).collect();
    let post_ty = types.index(&lift_results, &[]);

    let mut imports = ImportSection::new();
    for index in 0..2 {
        let name = if index == abi { MEMORY_ABI } else { MEMORY_CTL };
        imports.import(MODULE_BASE, name, EntityType::Memory(memory_type(0)));
    }
    imports.import(MODULE_PROBE, PROBE_FUNC_FLAT, EntityType::Function(flat_ty));
    imports.import(
        MODULE_PROBE,
        PROBE_FUNC_CONTROL,
        EntityType::Function(bytes_ty),
    );
    imports.import(
        MODULE_PROBE,
        PROBE_FUNC_MEMORY,
        EntityType::Function(bytes_ty),
    );
    imports.import(MODULE_PROBE, PROBE_FUNC_NEXT, EntityType::Function(next_ty));
    imports.import(MODULE_UP, FUNC_F, EntityType::Function(up_ty));

    let mut funcs = FunctionSection::new();
    funcs.function(unit_ty); // report
    funcs.function(step_ty); // step
    funcs.function(f_ty); // f
    funcs.function(post_ty); // post-return

    let mut exports = ExportSection::new();
    exports.export(FUNC_F, ExportKind::Func, STEP + 1);
    exports.export(FUNC_POST, ExportKind::Func, STEP + 2);

    let mut code = CodeSection::new();
    code.function(&report(spec, abi));
    code.function(&step(spec, abi, ctl));
    code.function(&export_f(spec, ctl));
    code.function(&post_return(spec, ctl));

    let mut module = Module::new();
    module
        .section(&types.section)
        .section(&imports)
        .section(&funcs)
        .section(&exports)
        .section(&code);
    module
}

/// `report()`: hands the host the control block (with the realloc log) and
/// the whole ABI memory.
fn report(spec: &CoreSpec<'_>, abi: u32) -> Function {
    let mut f = Function::new([]);
    let mut b = Body { f: &mut f };
    b.c(spec.id)
        .c(0)
        .c(spec.control_len())
        .i(Instruction::Call(PROBE_CONTROL));
    b.c(spec.id)
        .c(0)
        .i(Instruction::MemorySize(abi))
        .c(PAGE_SIZE_LOG2)
        .i(Instruction::I32Shl);
    b.i(Instruction::Call(PROBE_MEMORY)).end();
    f
}

/// `step() -> hdr`: asks the host for the next step, grows the ABI memory
/// to the step's page count, copies the step's image to the start of the
/// ABI memory, and returns the header's address in the control memory.
fn step(spec: &CoreSpec<'_>, abi: u32, ctl: u32) -> Function {
    let (p, pages, cur) = (0, 1, 2);
    let mut f = Function::new([(3, ValType::I32)]);
    let mut b = Body { f: &mut f };
    b.c(spec.id).c(STATE_RET).i(Instruction::Call(PROBE_NEXT));
    b.c(STATE_RET).load32(ctl, 0).set(p);
    b.get(p).load32(ctl, STEP_PAGES).set(pages);
    b.grow_to(abi, pages, cur);
    b.c(0);
    b.get(p)
        .get(p)
        .load32(ctl, STEP_IMAGE_OFFSET)
        .i(Instruction::I32Add);
    b.get(p).load32(ctl, STEP_IMAGE_LEN);
    b.i(Instruction::MemoryCopy {
        src_mem: ctl,
        dst_mem: abi,
    });
    b.get(p).end();
    f
}

/// The export: report the flat parameters, the log and the memory; then
/// follow the host's steps (call `upstream.f` and report again, as often as
/// told), and return the flat results of the last step.
fn export_f(spec: &CoreSpec<'_>, ctl: u32) -> Function {
    let nparams = spec.lift.params.len() as u32;
    let (hdr, tmp) = (nparams, nparams + 1);
    let mut f = Function::new([(1, ValType::I32), (1, ValType::I64)]);
    let mut b = Body { f: &mut f };
    for (i, t) in spec.lift.params.iter().enumerate() {
        b.c(spec.id)
            .get(i as u32)
            .widen(*t)
            .i(Instruction::Call(PROBE_FLAT));
    }
    b.i(Instruction::Call(REPORT));
    b.i(Instruction::Loop(BlockType::Empty));
    b.i(Instruction::Call(STEP)).set(hdr);
    b.get(hdr)
        .load32(ctl, STEP_OP)
        .c(STEP_OP_CALL)
        .i(Instruction::I32Eq);
    b.i(Instruction::If(BlockType::Empty));
    for (j, t) in spec.lower.params.iter().enumerate() {
        b.get(hdr).load(*t, ctl, STEP_FLAT + 8 * j as u32);
    }
    b.i(Instruction::Call(UPSTREAM));
    if let Some(t) = spec.lower.results.first() {
        b.widen(*t).set(tmp);
        b.c(spec.id).get(tmp).i(Instruction::Call(PROBE_FLAT));
    }
    b.i(Instruction::Call(REPORT));
    b.i(Instruction::Br(1));
    b.i(Instruction::End); // if
    b.i(Instruction::End); // loop
    for (r, t) in spec.lift.results.iter().enumerate() {
        b.get(hdr).load(*t, ctl, STEP_FLAT + 8 * r as u32);
    }
    b.end();
    f
}

/// The post-return function: counts its calls and keeps its argument.
fn post_return(spec: &CoreSpec<'_>, ctl: u32) -> Function {
    let mut f = Function::new([]);
    let mut b = Body { f: &mut f };
    b.c(STATE_POST_COUNT)
        .c(STATE_POST_COUNT)
        .load32(ctl, 0)
        .c(1)
        .i(Instruction::I32Add);
    b.store32(ctl, 0);
    if let Some(t) = spec.lift.results.first() {
        b.c(STATE_POST_ARG).get(0).widen(*t);
        b.i(Instruction::I64Store(mem(ctl, 0)));
    }
    b.end();
    f
}
