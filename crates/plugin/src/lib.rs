//! Plugin manifests, Ed25519 signatures embedded in WebAssembly components, and the operator's
//! trust store.
//!
//! This crate decides whether a component may be loaded, before anything compiles it: it never
//! depends on wasmtime and never runs plugin code. The pieces:
//! - [`keys`]: vendor key pairs, key ids and key files (`ccsync key generate`);
//! - [`manifest`] and [`origin`]: `plugin.toml`, and the origin patterns it declares;
//! - [`signature`]: the manifest and signature custom sections (`ccsync plugin sign`);
//! - [`trust`]: the operator's trust store (`ccsync trust add|list|revoke`);
//! - [`verify()`]: the load decision the runtime applies (`ccsync plugin verify`).

#![warn(missing_docs)]

pub mod keys;
pub mod manifest;
pub mod origin;
mod sections;
pub mod signature;
pub mod trust;
mod verify;

#[cfg(test)]
mod test_support;

pub use keys::{KeyError, KeyId, KeyPairFiles, PublicKey, SecretKey, generate_keypair};
pub use manifest::{Difference, Manifest, ManifestError, ManifestMismatch, is_plugin_name};
pub use origin::{BadOrigin, OriginPattern, Scheme};
pub use sections::FormatError;
pub use signature::{
    EmbeddedSignature, LayoutError, ReadError, SignError, code_digest, embed_manifest,
    read_manifest, read_signatures, sign,
};
pub use trust::{RevokedCode, TrustError, TrustStore, TrustedKey};
pub use verify::{Policy, Refusal, Signer, SignerStatus, Verified, verify};
