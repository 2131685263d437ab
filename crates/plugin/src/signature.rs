//! The manifest and signatures a component carries, as custom sections.
//!
//! Layout of a signed component (top level):
//!
//! ```text
//! preamble | ...the build's sections... | ccsync-manifest | ccsync-signature | ccsync-signature ...
//! ```
//!
//! - `ccsync-manifest` holds [`Manifest::canonical_bytes`]; at most one, anywhere before the
//!   signatures (signing appends it when the build did not embed it).
//! - `ccsync-signature` holds `[format 1][key id: 8][public key: 32][Ed25519 signature: 64]`.
//!   Every signature section comes after every other section.
//! - Each signature signs `"ccsync-plugin-signature-v1\0" || SHA-256(component without its
//!   signature sections)`. As the signatures are the tail, that is SHA-256 of the bytes before
//!   the first signature: a second signature (another vendor key, a rotated key) does not
//!   invalidate the first, and the manifest is covered because it is among those bytes.
//!
//! Everything here is parsing and hashing; no plugin code is compiled or run.

use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};

use crate::keys::{KeyId, PublicKey, SecretKey};
use crate::manifest::{Manifest, ManifestError};
use crate::sections::{self, FormatError};

/// The custom section holding the manifest.
pub const MANIFEST_SECTION: &str = "ccsync-manifest";
/// The custom section holding one signature.
pub const SIGNATURE_SECTION: &str = "ccsync-signature";

const SIGNATURE_FORMAT_V1: u8 = 1;
const SIGNATURE_LEN: usize = 1 + 8 + 32 + 64;
const SIGNATURE_DOMAIN: &[u8] = b"ccsync-plugin-signature-v1\0";

/// A component whose ccsync sections are not where and what they must be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The bytes are not a well-framed component.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The component has more than one `ccsync-manifest` section.
    #[error("a second `{MANIFEST_SECTION}` section at byte {offset}")]
    DuplicateManifest {
        /// Where the second one starts, in bytes.
        offset: usize,
    },
    /// A section of another kind comes after a `ccsync-signature` section.
    #[error(
        "{what} at byte {offset} comes after a `{SIGNATURE_SECTION}` section; signatures must be the last sections"
    )]
    AfterSignature {
        /// Where the misplaced section starts, in bytes.
        offset: usize,
        /// Which section it is (`section <id>`, or `custom section` and its name).
        what: String,
    },
    /// A `ccsync-signature` section cannot be decoded: empty, an unknown format, the wrong
    /// length, an invalid or weak public key, or a key id that is not its public key's.
    #[error("malformed `{SIGNATURE_SECTION}` section at byte {offset}: {detail}")]
    BadSignatureSection {
        /// Where the section starts, in bytes.
        offset: usize,
        /// What is wrong with it.
        detail: String,
    },
    /// Two signature sections are by the same key.
    #[error("two `{SIGNATURE_SECTION}` sections by key {key_id}")]
    DuplicateSigner {
        /// The key that signed twice.
        key_id: KeyId,
    },
    /// The `ccsync-` section name prefix is reserved: an unknown one is a damaged name.
    #[error("unknown custom section `{name}` at byte {offset} (the `ccsync-` prefix is reserved)")]
    UnknownReservedSection {
        /// Where the section starts, in bytes.
        offset: usize,
        /// The section's name.
        name: String,
    },
}

const RESERVED_PREFIX: &str = "ccsync-";

/// One signature carried by a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedSignature {
    /// The id of the signing key (checked to be `public_key`'s when the section is read).
    pub key_id: KeyId,
    /// The public key the signature claims to be by, carried in the section; the trust store,
    /// not this, decides whether it is trusted.
    pub public_key: PublicKey,
    signature: Signature,
}

impl EmbeddedSignature {
    fn decode(data: &[u8]) -> Result<EmbeddedSignature, String> {
        let [format, rest @ ..] = data else {
            return Err("the section is empty".into());
        };
        if *format != SIGNATURE_FORMAT_V1 {
            return Err(format!(
                "signature format {format} is not supported (this host reads format {SIGNATURE_FORMAT_V1})"
            ));
        }
        if data.len() != SIGNATURE_LEN {
            return Err(format!("{} bytes, expected {SIGNATURE_LEN}", data.len()));
        }
        let (id, rest) = rest.split_at(8);
        let (public, signature) = rest.split_at(32);
        let id = KeyId::from_bytes(id.try_into().map_err(|_| "short key id")?);
        let public_key = PublicKey::from_bytes(public.try_into().map_err(|_| "short key")?)?;
        if public_key.id() != id {
            return Err(format!(
                "the key id {id} is not the id of the public key it carries ({})",
                public_key.id()
            ));
        }
        let signature = Signature::from_slice(signature).map_err(|e| e.to_string())?;
        Ok(EmbeddedSignature {
            key_id: id,
            public_key,
            signature,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(SIGNATURE_LEN);
        data.push(SIGNATURE_FORMAT_V1);
        data.extend(self.key_id.to_bytes());
        data.extend(self.public_key.to_bytes());
        data.extend(self.signature.to_bytes());
        data
    }

    /// Whether this signature is valid over `signed` (the component before its signatures).
    pub(crate) fn verifies(&self, signed: &[u8]) -> bool {
        self.public_key
            .verify(&signed_message(signed), &self.signature)
    }
}

/// What signs: the domain tag, then SHA-256 of the component without its signatures.
fn signed_message(signed: &[u8]) -> Vec<u8> {
    let mut message = SIGNATURE_DOMAIN.to_vec();
    message.extend(Sha256::digest(signed));
    message
}

/// The ccsync view of a component's sections, checked for shape.
pub(crate) struct Layout<'a> {
    /// The raw manifest section data, if any.
    pub manifest: Option<&'a [u8]>,
    pub signatures: Vec<EmbeddedSignature>,
    /// `bytes[..signed_len]` is what every signature covers.
    pub signed_len: usize,
}

pub(crate) fn layout(bytes: &[u8]) -> Result<Layout<'_>, LayoutError> {
    let mut manifest = None;
    let mut signatures: Vec<EmbeddedSignature> = Vec::new();
    let mut signed_len = bytes.len();
    for section in sections::sections(bytes)? {
        let offset = section.range.start;
        match section.custom {
            Some((SIGNATURE_SECTION, data)) => {
                let signature = EmbeddedSignature::decode(data)
                    .map_err(|detail| LayoutError::BadSignatureSection { offset, detail })?;
                if signatures.iter().any(|s| s.key_id == signature.key_id) {
                    return Err(LayoutError::DuplicateSigner {
                        key_id: signature.key_id,
                    });
                }
                if signatures.is_empty() {
                    signed_len = offset;
                }
                signatures.push(signature);
            }
            _ if !signatures.is_empty() => {
                let what = match section.custom {
                    Some((name, _)) => format!("custom section `{name}`"),
                    None => format!("section {}", section.id),
                };
                return Err(LayoutError::AfterSignature { offset, what });
            }
            Some((MANIFEST_SECTION, data)) => {
                if manifest.is_some() {
                    return Err(LayoutError::DuplicateManifest { offset });
                }
                manifest = Some(data);
            }
            Some((name, _)) if name.starts_with(RESERVED_PREFIX) => {
                return Err(LayoutError::UnknownReservedSection {
                    offset,
                    name: name.to_owned(),
                });
            }
            _ => {}
        }
    }
    Ok(Layout {
        manifest,
        signatures,
        signed_len,
    })
}

/// Why a manifest could not be read from a component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The component's sections are malformed or out of place.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The embedded manifest is not UTF-8 text or not a valid manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

pub(crate) fn parse_embedded_manifest(data: &[u8]) -> Result<Manifest, ManifestError> {
    let source_name = format!("the component's `{MANIFEST_SECTION}` section");
    let text = std::str::from_utf8(data).map_err(|e| ManifestError::Read {
        source_name: source_name.clone(),
        message: format!("not UTF-8 text: {e}"),
    })?;
    Manifest::from_toml_str(text, &source_name)
}

/// The manifest a component carries, if any. Checks only the section layout; use
/// [`crate::verify`] to know whether the component may be trusted.
pub fn read_manifest(component: &[u8]) -> Result<Option<Manifest>, ReadError> {
    match layout(component)?.manifest {
        Some(data) => Ok(Some(parse_embedded_manifest(data)?)),
        None => Ok(None),
    }
}

/// The digest of a component's code: SHA-256 of its preamble and every top-level section but
/// the custom ones. Signing, stripping signatures, embedding another manifest or adding a
/// custom section leave it unchanged, so the trust store can recognise code it has seen signed
/// by a revoked key however it is dressed. (Custom sections nested inside the component's
/// modules are part of their module's bytes, and do count.)
pub fn code_digest(component: &[u8]) -> Result<[u8; 32], FormatError> {
    let mut hasher = Sha256::new();
    hasher.update(&component[..8.min(component.len())]);
    for section in sections::sections(component)? {
        if section.custom.is_none() {
            hasher.update(&component[section.range]);
        }
    }
    Ok(hasher.finalize().into())
}

/// The signatures a component carries, in order, without checking them.
pub fn read_signatures(component: &[u8]) -> Result<Vec<EmbeddedSignature>, LayoutError> {
    Ok(layout(component)?.signatures)
}

/// Why a component could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The component's sections are malformed or out of place.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The component already embeds a manifest other than the one given.
    #[error(
        "the component already embeds a different manifest ({embedded}); re-signing with another manifest needs a fresh build"
    )]
    ManifestDiffers {
        /// The embedded manifest's `<name> <version>`, or why it cannot be read.
        embedded: String,
    },
    /// The component carries signatures but no manifest: it has been tampered with.
    #[error("the component is signed but carries no manifest; it has been tampered with")]
    SignedWithoutManifest,
    /// A signature already on the component does not verify: it has been tampered with.
    #[error(
        "the component's existing signature by key {key_id} does not verify; refusing to add to a tampered component"
    )]
    ExistingSignatureInvalid {
        /// The key of the signature that does not verify.
        key_id: KeyId,
    },
    /// The component already carries a signature by the signing key.
    #[error("the component is already signed by key {key_id}")]
    AlreadySigned {
        /// The signing key.
        key_id: KeyId,
    },
}

/// Returns the component with `manifest` embedded: unchanged if it already carries exactly
/// these canonical bytes, an error if it carries another manifest. For unsigned development
/// builds; [`sign`] does this itself.
pub fn embed_manifest(component: &[u8], manifest: &Manifest) -> Result<Vec<u8>, SignError> {
    let layout = layout(component)?;
    with_manifest(component, &layout, manifest)
}

fn with_manifest(
    component: &[u8],
    layout: &Layout<'_>,
    manifest: &Manifest,
) -> Result<Vec<u8>, SignError> {
    let canonical = manifest.canonical_bytes();
    match layout.manifest {
        Some(existing) if existing == canonical.as_slice() => Ok(component.to_vec()),
        Some(existing) => Err(SignError::ManifestDiffers {
            embedded: describe_embedded(existing),
        }),
        None if !layout.signatures.is_empty() => Err(SignError::SignedWithoutManifest),
        None => {
            let mut out = Vec::with_capacity(component.len() + canonical.len() + 32);
            out.extend_from_slice(component);
            sections::append_custom(&mut out, MANIFEST_SECTION, &canonical);
            Ok(out)
        }
    }
}

fn describe_embedded(data: &[u8]) -> String {
    match parse_embedded_manifest(data) {
        Ok(m) => format!("{} {}", m.name(), m.version()),
        Err(e) => format!("unreadable: {e}"),
    }
}

/// Signs a component: embeds the manifest if the component has none (it must be identical if
/// it has one), checks any signatures already there, and appends a `ccsync-signature` section
/// by `key`.
pub fn sign(component: &[u8], manifest: &Manifest, key: &SecretKey) -> Result<Vec<u8>, SignError> {
    let existing = layout(component)?;
    let signed_prefix = &component[..existing.signed_len];
    for signature in &existing.signatures {
        if !signature.verifies(signed_prefix) {
            return Err(SignError::ExistingSignatureInvalid {
                key_id: signature.key_id,
            });
        }
        if signature.key_id == key.id() {
            return Err(SignError::AlreadySigned {
                key_id: signature.key_id,
            });
        }
    }
    let mut out = with_manifest(component, &existing, manifest)?;
    let signed_len = if existing.signatures.is_empty() {
        out.len()
    } else {
        existing.signed_len
    };
    let signature = EmbeddedSignature {
        key_id: key.id(),
        public_key: *key.public_key(),
        signature: key.sign(&signed_message(&out[..signed_len])),
    };
    sections::append_custom(&mut out, SIGNATURE_SECTION, &signature.encode());
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::test_support::{component, manifest};

    #[test]
    fn sign_embeds_the_manifest_and_appends_one_signature_at_the_end() {
        let key = SecretKey::generate().unwrap();
        let unsigned = component();
        let signed = sign(&unsigned, &manifest(), &key).unwrap();
        assert!(signed.starts_with(&unsigned));
        assert_eq!(read_manifest(&signed).unwrap(), Some(manifest()));
        let signatures = read_signatures(&signed).unwrap();
        assert_eq!(signatures.len(), 1);
        assert_eq!(signatures[0].key_id, key.id());
        let layout = layout(&signed).unwrap();
        assert!(signatures[0].verifies(&signed[..layout.signed_len]));
        crate::test_support::assert_valid_component(&signed);
    }

    #[test]
    fn a_second_signature_leaves_the_first_valid() {
        let (old, new) = (
            SecretKey::generate().unwrap(),
            SecretKey::generate().unwrap(),
        );
        let once = sign(&component(), &manifest(), &old).unwrap();
        let twice = sign(&once, &manifest(), &new).unwrap();
        assert!(twice.starts_with(&once));
        let layout = layout(&twice).unwrap();
        assert_eq!(layout.signatures.len(), 2);
        for signature in &layout.signatures {
            assert!(signature.verifies(&twice[..layout.signed_len]));
        }
    }

    #[test]
    fn signing_twice_with_the_same_key_is_refused() {
        let key = SecretKey::generate().unwrap();
        let once = sign(&component(), &manifest(), &key).unwrap();
        let err = sign(&once, &manifest(), &key).unwrap_err();
        assert!(matches!(err, SignError::AlreadySigned { key_id } if key_id == key.id()));
    }

    #[test]
    fn signing_with_a_different_manifest_than_the_embedded_one_is_refused() {
        let key = SecretKey::generate().unwrap();
        let with = embed_manifest(&component(), &manifest()).unwrap();
        assert_eq!(embed_manifest(&with, &manifest()).unwrap(), with);
        let other = Manifest::from_toml_str(
            &String::from_utf8(manifest().canonical_bytes())
                .unwrap()
                .replace("0.1.0", "0.2.0"),
            "other",
        )
        .unwrap();
        let err = sign(&with, &other, &key).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the component already embeds a different manifest (test-connector 0.1.0); re-signing with another manifest needs a fresh build"
        );
    }

    #[test]
    fn adding_a_signature_to_a_tampered_component_is_refused() {
        let (a, b) = (
            SecretKey::generate().unwrap(),
            SecretKey::generate().unwrap(),
        );
        let mut signed = sign(&component(), &manifest(), &a).unwrap();
        let layout_len = layout(&signed).unwrap().signed_len;
        signed[layout_len - 3] ^= 0x01;
        let err = sign(&signed, &manifest(), &b).unwrap_err();
        assert!(matches!(err, SignError::ExistingSignatureInvalid { key_id } if key_id == a.id()));
    }

    #[test]
    fn a_component_without_ccsync_sections_reads_as_unsigned_without_manifest() {
        assert_eq!(read_manifest(&component()).unwrap(), None);
        assert!(read_signatures(&component()).unwrap().is_empty());
    }

    #[test]
    fn signature_sections_are_decoded_strictly() {
        let key = SecretKey::generate().unwrap();
        let good = EmbeddedSignature {
            key_id: key.id(),
            public_key: *key.public_key(),
            signature: key.sign(b"x"),
        }
        .encode();
        assert!(EmbeddedSignature::decode(&good).is_ok());
        assert!(EmbeddedSignature::decode(&good[..SIGNATURE_LEN - 1]).is_err());
        let mut longer = good.clone();
        longer.push(0);
        assert!(EmbeddedSignature::decode(&longer).is_err());
        let mut v2 = good.clone();
        v2[0] = 2;
        assert!(
            EmbeddedSignature::decode(&v2)
                .unwrap_err()
                .contains("format 2 is not supported")
        );
        let mut wrong_id = good.clone();
        wrong_id[1] ^= 0xff;
        assert!(
            EmbeddedSignature::decode(&wrong_id)
                .unwrap_err()
                .contains("is not the id of the public key")
        );
        assert!(EmbeddedSignature::decode(&[]).is_err());
    }
}
