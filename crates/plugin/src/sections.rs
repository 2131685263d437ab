//! The top-level framing of a WebAssembly component, read without interpreting any section.
//!
//! Signing only needs the outer framing: the 8-byte preamble, then sections of `id byte +
//! LEB128 size + payload`, where a custom section (id 0) is a name string followed by data.
//! Nested modules and components are opaque payloads here; they are covered by the signature
//! as bytes, and wasmtime validates them when (and only if) the component is accepted.

use std::ops::Range;

use wasm_encoder::{CustomSection, Section};
use wasmparser::BinaryReader;

/// `\0asm`, then version 0x0d and layer 1: a component (a core module has version 1, layer 0).
const COMPONENT_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const MAGIC: [u8; 4] = [0x00, 0x61, 0x73, 0x6d];
const CUSTOM_SECTION_ID: u8 = 0;

/// Bytes that are not a well-framed component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The bytes do not open with the `\0asm` magic number (or are shorter than the 8-byte
    /// preamble).
    #[error("not a WebAssembly file (no `\\0asm` magic number)")]
    NotWasm,
    /// A core WebAssembly module (version 1, layer 0), not a component.
    #[error("a core WebAssembly module, not a component (build for wasm32-wasip2)")]
    CoreModule,
    /// A version and layer other than a component's (the 4 preamble bytes after the magic).
    #[error("unsupported WebAssembly version or layer {0:02x?} (expected a component)")]
    UnknownVersion([u8; 4]),
    /// A top-level section is not framed as `id + LEB128 size + payload` (a truncated size,
    /// a size past the end, a custom section without a valid name).
    #[error("malformed section at byte {offset}: {detail}")]
    Malformed {
        /// Where the problem is, in bytes from the start of the component.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
}

/// One top-level section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawSection<'a> {
    pub id: u8,
    /// The whole section, id byte and size included.
    pub range: Range<usize>,
    /// For a custom section: its name and data.
    pub custom: Option<(&'a str, &'a [u8])>,
}

/// Splits a component into its top-level sections.
pub(crate) fn sections(bytes: &[u8]) -> Result<Vec<RawSection<'_>>, FormatError> {
    if bytes.len() < 8 || bytes[..4] != MAGIC {
        return Err(FormatError::NotWasm);
    }
    if bytes[..8] != COMPONENT_PREAMBLE {
        let version = [bytes[4], bytes[5], bytes[6], bytes[7]];
        return Err(if version == [1, 0, 0, 0] {
            FormatError::CoreModule
        } else {
            FormatError::UnknownVersion(version)
        });
    }
    let malformed = |e: wasmparser::BinaryReaderError| FormatError::Malformed {
        offset: e.offset(),
        detail: e.message().to_owned(),
    };
    let mut reader = BinaryReader::new(&bytes[8..], 8);
    let mut out = Vec::new();
    while !reader.eof() {
        let start = reader.original_position();
        let id = reader.read_u8().map_err(malformed)?;
        let size = reader.read_var_u32().map_err(malformed)? as usize;
        let payload_start = reader.original_position();
        if size > reader.bytes_remaining() {
            return Err(FormatError::Malformed {
                offset: start,
                detail: format!(
                    "section of {size} bytes, but only {} bytes remain",
                    reader.bytes_remaining()
                ),
            });
        }
        let payload = reader.read_bytes(size).map_err(malformed)?;
        let custom = if id == CUSTOM_SECTION_ID {
            let mut custom = BinaryReader::new(payload, payload_start);
            let name = custom.read_string().map_err(malformed)?;
            let data_start = custom.current_position();
            Some((name, &payload[data_start..]))
        } else {
            None
        };
        out.push(RawSection {
            id,
            range: start..reader.original_position(),
            custom,
        });
    }
    Ok(out)
}

/// Appends a custom section to `out`.
pub(crate) fn append_custom(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    CustomSection {
        name: name.into(),
        data: data.into(),
    }
    .append_to(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_custom_section_reads_back_with_its_exact_range() {
        let mut bytes = COMPONENT_PREAMBLE.to_vec();
        append_custom(&mut bytes, "first", b"one");
        let mid = bytes.len();
        append_custom(&mut bytes, "second", &[7; 300]);
        let found = sections(&bytes).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].range, 8..mid);
        assert_eq!(found[0].custom, Some(("first", &b"one"[..])));
        assert_eq!(found[1].range, mid..bytes.len());
        assert_eq!(found[1].custom.unwrap().1.len(), 300);
    }

    #[test]
    fn core_modules_and_non_wasm_are_told_apart() {
        assert_eq!(sections(b"\0asm\x01\0\0\0"), Err(FormatError::CoreModule));
        assert_eq!(sections(b"MZ\x90\0\x03\0\0\0"), Err(FormatError::NotWasm));
        assert_eq!(sections(b"\0as"), Err(FormatError::NotWasm));
        assert!(matches!(
            sections(b"\0asm\x0e\0\x01\0"),
            Err(FormatError::UnknownVersion(_))
        ));
    }

    #[test]
    fn truncated_or_overlong_sections_are_malformed() {
        let mut bytes = COMPONENT_PREAMBLE.to_vec();
        append_custom(&mut bytes, "name", b"data");
        for cut in 9..bytes.len() {
            assert!(
                matches!(sections(&bytes[..cut]), Err(FormatError::Malformed { .. })),
                "cut at {cut}"
            );
        }
        let mut overlong = COMPONENT_PREAMBLE.to_vec();
        overlong.extend([0, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(
            sections(&overlong),
            Err(FormatError::Malformed { .. })
        ));
    }

    #[test]
    fn custom_section_name_must_be_utf8_within_the_section() {
        let mut bytes = COMPONENT_PREAMBLE.to_vec();
        bytes.extend([0, 3, 2, 0xff, 0xfe]);
        assert!(matches!(
            sections(&bytes),
            Err(FormatError::Malformed { .. })
        ));
        let mut bytes = COMPONENT_PREAMBLE.to_vec();
        bytes.extend([0, 2, 5, b'a']);
        assert!(matches!(
            sections(&bytes),
            Err(FormatError::Malformed { .. })
        ));
    }
}
