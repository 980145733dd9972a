//! Binary sizes for the report: custom sections stripped (recursively, in
//! nested modules and components too) and the core modules found inside a
//! component.

use wasmparser::{BinaryReader, Parser, Payload};

/// A binary that is not well-formed WebAssembly.
#[derive(Debug, thiserror::Error)]
#[error("not a well-formed WebAssembly binary: {0}")]
pub struct SizeError(String);

fn malformed(e: impl std::fmt::Display) -> SizeError {
    SizeError(e.to_string())
}

/// Section ids of a component that hold a whole nested binary.
const COMPONENT_CORE_MODULE_SECTION: u8 = 1;
const COMPONENT_COMPONENT_SECTION: u8 = 4;
const CUSTOM_SECTION: u8 = 0;

/// `bytes` (a core module or a component) without any custom section
/// (names, producers, debug info, `component-type`...), in nested modules
/// and components as well. Everything else is kept byte for byte.
pub fn strip_custom_sections(bytes: &[u8]) -> Result<Vec<u8>, SizeError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(SizeError("no `\\0asm` header".into()));
    }
    let is_component = Parser::is_component(bytes);
    let mut out = bytes[..8].to_vec();
    let mut reader = BinaryReader::new(&bytes[8..], 8);
    while !reader.eof() {
        let id = reader.read_u8().map_err(malformed)?;
        let len = reader.read_var_u32().map_err(malformed)? as usize;
        let body = reader.read_bytes(len).map_err(malformed)?;
        match id {
            CUSTOM_SECTION => {}
            COMPONENT_CORE_MODULE_SECTION | COMPONENT_COMPONENT_SECTION if is_component => {
                let nested = strip_custom_sections(body)?;
                out.push(id);
                leb128_u32(&mut out, nested.len());
                out.extend_from_slice(&nested);
            }
            _ => {
                out.push(id);
                leb128_u32(&mut out, len);
                out.extend_from_slice(body);
            }
        }
    }
    Ok(out)
}

fn leb128_u32(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The core modules embedded in a component (at any depth), in order.
pub fn core_modules(component: &[u8]) -> Result<Vec<&[u8]>, SizeError> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(component) {
        if let Payload::ModuleSection {
            unchecked_range, ..
        } = payload.map_err(malformed)?
        {
            out.push(&component[unchecked_range.start as usize..unchecked_range.end as usize]);
        }
    }
    Ok(out)
}

/// The component's main core module: the largest one (the others are the
/// shims and fix-ups wit-component adds, and adapters).
pub fn main_core_module(component: &[u8]) -> Result<&[u8], SizeError> {
    core_modules(component)?
        .into_iter()
        .max_by_key(|m| m.len())
        .ok_or_else(|| SizeError("the component holds no core module".into()))
}

/// Whether `bytes` has any custom section, at any depth.
pub fn has_custom_sections(bytes: &[u8]) -> Result<bool, SizeError> {
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CustomSection(_) = payload.map_err(malformed)? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, Component, CustomSection, ExportKind, ExportSection, Function,
        FunctionSection, Instruction, Module, ModuleSection, TypeSection,
    };

    fn module_with_custom(name: &str) -> Vec<u8> {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut funcs = FunctionSection::new();
        funcs.function(0);
        m.section(&funcs);
        let mut exports = ExportSection::new();
        exports.export("f", ExportKind::Func, 0);
        m.section(&exports);
        let mut code = CodeSection::new();
        let mut f = Function::new([]);
        f.instruction(&Instruction::End);
        code.function(&f);
        m.section(&code);
        let data = vec![7u8; 300];
        m.section(&CustomSection {
            name: name.into(),
            data: data.as_slice().into(),
        });
        m.finish()
    }

    fn valid(bytes: &[u8]) -> bool {
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(bytes)
            .is_ok()
    }

    #[test]
    fn custom_sections_go_and_the_rest_stays() {
        let module = module_with_custom("name");
        assert!(has_custom_sections(&module).unwrap());
        let stripped = strip_custom_sections(&module).unwrap();
        assert!(!has_custom_sections(&stripped).unwrap());
        assert!(valid(&stripped));
        // 300 bytes of payload, the name, its length and the section header.
        assert_eq!(module.len() - stripped.len(), 300 + 4 + 1 + 1 + 2);
        // Stripping twice changes nothing.
        assert_eq!(strip_custom_sections(&stripped).unwrap(), stripped);
    }

    #[test]
    fn nested_modules_are_stripped_and_found() {
        let inner = module_with_custom("producers");
        let mut component = Component::new();
        component.section(&ModuleSection(&Module::new()));
        component.section(&wasm_encoder::RawSection {
            id: 1,
            data: &inner,
        });
        component.section(&CustomSection {
            name: "component-name".into(),
            data: [1u8; 10].as_slice().into(),
        });
        let bytes = component.finish();
        assert!(valid(&bytes));
        let modules = core_modules(&bytes).unwrap();
        assert_eq!(modules.len(), 2);
        assert_eq!(main_core_module(&bytes).unwrap(), inner.as_slice());
        let stripped = strip_custom_sections(&bytes).unwrap();
        assert!(valid(&stripped));
        assert!(!has_custom_sections(&stripped).unwrap());
        assert_eq!(
            main_core_module(&stripped).unwrap(),
            strip_custom_sections(&inner).unwrap().as_slice()
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(strip_custom_sections(b"not wasm").is_err());
        let mut truncated = module_with_custom("name");
        truncated.truncate(truncated.len() - 10);
        assert!(strip_custom_sections(&truncated).is_err());
    }
}
