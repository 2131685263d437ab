//! Fixtures shared by the unit tests: a small but valid component and its manifest.

use wasm_encoder::{
    CodeSection, ComponentBuilder, ComponentExportKind, ExportKind, ExportSection, Function,
    FunctionSection, Instruction, Module, PrimitiveValType, TypeSection, ValType,
};

use crate::manifest::Manifest;

/// A component whose core module exports `answer() -> i32` (returning 42), instantiated and
/// lifted to a component export `answer: func() -> u32`, plus a custom section. Valid per
/// wasmparser's validator, so the framing is a real component's.
pub(crate) fn component() -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    module.section(&types);
    let mut functions = FunctionSection::new();
    functions.function(0);
    module.section(&functions);
    let mut exports = ExportSection::new();
    exports.export("answer", ExportKind::Func, 0);
    module.section(&exports);
    let mut code = CodeSection::new();
    let mut body = Function::new([]);
    body.instruction(&Instruction::I32Const(42));
    body.instruction(&Instruction::End);
    code.function(&body);
    module.section(&code);

    let mut builder = ComponentBuilder::default();
    let module_index = builder.core_module(Some("inner"), &module);
    let instance = builder.core_instantiate(Some("inner"), module_index, []);
    let core_func = builder.core_alias_export(Some("answer"), instance, "answer", ExportKind::Func);
    let (ty, mut encoder) = builder.type_function(Some("answer-ty"));
    encoder
        .params(std::iter::empty::<(&str, PrimitiveValType)>())
        .result(Some(PrimitiveValType::U32.into()));
    let func = builder.lift_func(Some("answer"), core_func, ty, []);
    builder.export("answer", ComponentExportKind::Func, func, None);
    builder.append_names();
    let bytes = builder.finish();
    assert_valid_component(&bytes);
    bytes
}

pub(crate) fn manifest() -> Manifest {
    Manifest::from_toml_str(
        r#"
name = "test-connector"
version = "0.1.0"
vendor = "ccsync tests"
reads = ["user", "team"]
writes = ["user"]
origins = ["http://127.0.0.1:*"]
"#,
        "test manifest",
    )
    .unwrap()
}

pub(crate) fn assert_valid_component(bytes: &[u8]) {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .unwrap();
    assert!(wasmparser::Parser::is_component(bytes));
}
