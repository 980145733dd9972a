//! The component around the two core modules: the probe and upstream
//! imports, `canon lower` and `canon lift` with the guest's options, and the
//! `api` and `control` exports.

use wasm_encoder::{
    CanonicalOption, ComponentBuilder, ComponentExportKind, ComponentTypeRef, ComponentValType,
    ExportKind, InstanceType, ModuleArg, PrimitiveValType,
};

use super::core::{CoreSpec, base_module, main_module};
use super::layout::*;
use super::types::TypeEncoder;
use super::{CanonOptions, RawGuest};
use crate::abi::StringEncoding;
use crate::ty::CaseWorld;

fn encoding_option(e: StringEncoding) -> CanonicalOption {
    match e {
        StringEncoding::Utf8 => CanonicalOption::UTF8,
        StringEncoding::Utf16 => CanonicalOption::UTF16,
        StringEncoding::Latin1Utf16 => CanonicalOption::CompactUTF16,
    }
}

/// The canonical options of one `canon lift` or `canon lower`.
fn options(
    o: &CanonOptions,
    memory: u32,
    realloc: u32,
    post_return: Option<u32>,
) -> Vec<CanonicalOption> {
    let mut out = vec![encoding_option(o.encoding)];
    if o.memory {
        out.push(CanonicalOption::Memory(memory));
    }
    if o.realloc {
        out.push(CanonicalOption::Realloc(realloc));
    }
    if let Some(p) = post_return {
        out.push(CanonicalOption::PostReturn(p));
    }
    out
}

/// The instance type of the probe interface.
fn probe_type() -> InstanceType {
    let mut t = InstanceType::new();
    let u32_ = ComponentValType::Primitive(PrimitiveValType::U32);
    let u64_ = ComponentValType::Primitive(PrimitiveValType::U64);
    let bytes = t.type_count();
    t.ty().defined_type().list(PrimitiveValType::U8);
    let bytes = ComponentValType::Type(bytes);
    let flat = t.type_count();
    t.ty()
        .function()
        .params([("id", u32_), ("bits", u64_)])
        .result(None);
    t.export(PROBE_FUNC_FLAT, ComponentTypeRef::Func(flat));
    let report = t.type_count();
    t.ty()
        .function()
        .params([("id", u32_), ("bytes", bytes)])
        .result(None);
    t.export(PROBE_FUNC_CONTROL, ComponentTypeRef::Func(report));
    t.export(PROBE_FUNC_MEMORY, ComponentTypeRef::Func(report));
    let next = t.type_count();
    t.ty().function().params([("id", u32_)]).result(Some(bytes));
    t.export(PROBE_FUNC_NEXT, ComponentTypeRef::Func(next));
    t
}

/// Encodes the component of one raw guest.
pub(crate) fn encode(world: &CaseWorld, guest: &RawGuest, core: &CoreSpec<'_>) -> Vec<u8> {
    let func = &guest.func;
    let mut c = ComponentBuilder::default();

    // Imports: the probe, and `upstream` with the world's types and `f`.
    let probe_ty = probe_type();
    let probe_ty = c.type_instance(None, &probe_ty);
    let probe = c.import(PROBE, ComponentTypeRef::Instance(probe_ty));
    let mut up_ty = InstanceType::new();
    let f_ty = TypeEncoder::new(world).func(&mut up_ty, func);
    up_ty.export(func.name.as_str(), ComponentTypeRef::Func(f_ty));
    let up_ty = c.type_instance(None, &up_ty);
    let up = c.import(UPSTREAM, ComponentTypeRef::Instance(up_ty));

    // The base instance: memories and allocators.
    let base_module = c.core_module(Some("base"), &base_module(core));
    let base = c.core_instantiate(
        Some("base"),
        base_module,
        std::iter::empty::<(&str, ModuleArg)>(),
    );
    let abi_mem = c.core_alias_export(Some("abi"), base, MEMORY_ABI, ExportKind::Memory);
    let ctl_mem = c.core_alias_export(Some("ctl"), base, MEMORY_CTL, ExportKind::Memory);
    let realloc = c.core_alias_export(Some("realloc"), base, FUNC_REALLOC, ExportKind::Func);
    let ctl_realloc = c.core_alias_export(
        Some("ctl-realloc"),
        base,
        FUNC_CTL_REALLOC,
        ExportKind::Func,
    );
    let take_log = c.core_alias_export(Some("take-log"), base, FUNC_TAKE_LOG, ExportKind::Func);

    // The lowered imports.
    let utf8 = CanonicalOption::UTF8;
    let probe_flat = c.alias_export(probe, PROBE_FUNC_FLAT, ComponentExportKind::Func);
    let probe_flat = c.lower_func(Some("probe.flat"), probe_flat, [utf8]);
    let probe_control = c.alias_export(probe, PROBE_FUNC_CONTROL, ComponentExportKind::Func);
    let probe_control = c.lower_func(
        Some("probe.control"),
        probe_control,
        [utf8, CanonicalOption::Memory(ctl_mem)],
    );
    let probe_memory = c.alias_export(probe, PROBE_FUNC_MEMORY, ComponentExportKind::Func);
    let probe_memory = c.lower_func(
        Some("probe.memory"),
        probe_memory,
        [utf8, CanonicalOption::Memory(abi_mem)],
    );
    let probe_next = c.alias_export(probe, PROBE_FUNC_NEXT, ComponentExportKind::Func);
    let probe_next = c.lower_func(
        Some("probe.next"),
        probe_next,
        [
            utf8,
            CanonicalOption::Memory(ctl_mem),
            CanonicalOption::Realloc(ctl_realloc),
        ],
    );
    let up_f = c.alias_export(up, &func.name, ComponentExportKind::Func);
    let up_f = c.lower_func(
        Some("upstream.f"),
        up_f,
        options(&guest.lower, abi_mem, realloc, None),
    );
    let probe_core = c.core_instantiate_exports(
        Some("probe"),
        [
            (PROBE_FUNC_FLAT, ExportKind::Func, probe_flat),
            (PROBE_FUNC_CONTROL, ExportKind::Func, probe_control),
            (PROBE_FUNC_MEMORY, ExportKind::Func, probe_memory),
            (PROBE_FUNC_NEXT, ExportKind::Func, probe_next),
        ],
    );
    let up_core = c.core_instantiate_exports(Some("up"), [(FUNC_F, ExportKind::Func, up_f)]);

    // The main instance.
    let main_module = c.core_module(Some("main"), &main_module(core));
    let main = c.core_instantiate(
        Some("main"),
        main_module,
        [
            (MODULE_BASE, ModuleArg::Instance(base)),
            (MODULE_PROBE, ModuleArg::Instance(probe_core)),
            (MODULE_UP, ModuleArg::Instance(up_core)),
        ],
    );
    let core_f = c.core_alias_export(Some("f"), main, FUNC_F, ExportKind::Func);
    let core_post = c.core_alias_export(Some("post-return"), main, FUNC_POST, ExportKind::Func);

    // The export `f`, with the world's types named at the top level.
    let mut types = TypeEncoder::new(world);
    let f_ty = types.func(&mut c, func);
    let post = guest.lift.post_return.then_some(core_post);
    let f = c.lift_func(
        Some("f"),
        core_f,
        f_ty,
        options(&guest.lift, abi_mem, realloc, post),
    );
    let mut api_items: Vec<(String, ComponentExportKind, u32)> = types
        .names
        .iter()
        .map(|(name, index)| (name.clone(), ComponentExportKind::Type, *index))
        .collect();
    api_items.push((func.name.clone(), ComponentExportKind::Func, f));
    let api = c.instantiate_exports(
        Some("api"),
        api_items.iter().map(|(n, k, i)| (n.as_str(), *k, *i)),
    );
    c.export(API, ComponentExportKind::Instance, api, None);

    // The control export.
    let (bytes, enc) = c.ty(None);
    enc.defined_type().list(PrimitiveValType::U8);
    let (take_ty, enc) = c.ty(None);
    enc.function()
        .params(std::iter::empty::<(&str, ComponentValType)>())
        .result(Some(ComponentValType::Type(bytes)));
    let take = c.lift_func(
        Some("take-log"),
        take_log,
        take_ty,
        [utf8, CanonicalOption::Memory(ctl_mem)],
    );
    let control = c.instantiate_exports(
        Some("control"),
        [(FUNC_TAKE_LOG, ComponentExportKind::Func, take)],
    );
    c.export(CONTROL, ComponentExportKind::Instance, control, None);
    c.finish()
}
