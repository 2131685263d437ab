//! The load decision: may this component be compiled and run?
//!
//! The runtime calls [`verify`] on the bytes it is about to compile. The rules, in order:
//! 1. The component must be well framed, with at most one manifest and its signatures last;
//!    otherwise it is tampered.
//! 2. Every signature present must verify; one that does not means the bytes changed after
//!    signing: tampered. A signed component must carry its manifest: tampered otherwise.
//! 3. It is accepted when at least one signature is by a trusted, non-revoked key; signers
//!    that are revoked or unknown then only add warnings (key rotation: signed by the old and
//!    the new key, the old one revoked).
//! 4. Otherwise, a revoked signer refuses it, always. Signed only by unknown keys, or not
//!    signed at all, it is refused unless the operator allows unsigned plugins (development),
//!    in which case it loads with a loud warning.
//! 5. The manifest must be present (it declares the origins the plugin may call) and valid.
//!
//! Before rules 3 and 4, code the trust store remembers as seen signed by a revoked key is
//! refused in every mode, whatever signatures it carries now: a refusal as revoked hands the
//! caller the code digest to remember ([`TrustStore::remember_revoked_code`]), so stripping
//! the revoked signature does not turn the code into a loadable "unsigned" plugin.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::keys::KeyId;
use crate::manifest::{Manifest, ManifestError};
use crate::sections::FormatError;
use crate::signature::{self, LayoutError};
use crate::trust::TrustStore;

/// What the operator allows beyond the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Load unsigned plugins and plugins signed only by unknown keys (development only).
    /// Tampered and revoked plugins are refused regardless.
    pub allow_unsigned: bool,
}

/// How the trust store sees one signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerStatus {
    /// In the trust store and not revoked.
    Trusted,
    /// In the trust store, revoked.
    Revoked {
        /// When the key was revoked.
        revoked_at: Timestamp,
        /// The operator's reason for revoking it; `None` if the store records none.
        reason: Option<String>,
    },
    /// Not in the trust store.
    Unknown,
}

/// One valid signature on an accepted component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The signing key's id.
    pub key_id: KeyId,
    /// The trust store's name for the key, if it knows the key.
    pub name: Option<String>,
    /// How the trust store sees the key.
    pub status: SignerStatus,
}

/// A component that may be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The embedded manifest, validated: what the plugin is, reads, writes and may call.
    pub manifest: Manifest,
    /// Every signature, in section order; all of them verified.
    pub signers: Vec<Signer>,
    /// Things the operator must hear about (log them at warn level).
    pub warnings: Vec<String>,
    /// SHA-256 of the full component bytes: the key of the compile cache.
    pub digest: [u8; 32],
    /// The digest of the code alone, without custom sections
    /// ([`crate::signature::code_digest`]).
    pub code_digest: [u8; 32],
}

/// Why a component may not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The bytes are not a component: not WebAssembly, a core module, or another version.
    #[error("not a plugin component: {detail}")]
    NotAComponent {
        /// What the bytes are instead.
        detail: String,
    },
    /// The component's framing, section layout or signatures are broken (rules 1 and 2).
    #[error("the component has been tampered with: {detail}")]
    Tampered {
        /// What is broken.
        detail: String,
    },
    /// The component carries no signature, and unsigned plugins are not allowed.
    #[error(
        "the component is not signed; sign it with `ccsync plugin sign`, or allow unsigned plugins for development only"
    )]
    Unsigned,
    /// Every signer is unknown to the trust store, and unsigned plugins are not allowed.
    #[error(
        "the component is signed only by keys the trust store does not know: {}; trust the vendor's key with `ccsync trust add` if you mean to",
        join_ids(key_ids)
    )]
    UnknownKey {
        /// The signers' key ids, in section order.
        key_ids: Vec<KeyId>,
    },
    /// A signer is revoked and none is trusted; refused in every mode.
    #[error(
        "the component is signed by revoked key {key_id} (`{name}`, revoked at {revoked_at}) and by no trusted key"
    )]
    Revoked {
        /// The revoked signer's key id (the first, if several are revoked).
        key_id: KeyId,
        /// The trust store's name for the key.
        name: String,
        /// When the key was revoked.
        revoked_at: Timestamp,
        /// The code digest, for [`TrustStore::remember_revoked_code`].
        code_digest: [u8; 32],
    },
    /// The trust store remembers this code as seen signed by a revoked key; refused in every
    /// mode.
    #[error(
        "the component's code (digest {digest}) was seen signed by revoked key {key_id} at {seen_at}; revoked code is refused in every mode, however it is signed"
    )]
    RevokedCode {
        /// The code digest, hex ([`crate::signature::code_digest`]).
        digest: String,
        /// The revoked key it was seen signed by.
        key_id: KeyId,
        /// When the host first saw it.
        seen_at: Timestamp,
    },
    /// The component carries no manifest (rule 5); only an unsigned one can get here.
    #[error(
        "the component carries no `{}` section: embed its plugin.toml with `ccsync plugin embed-manifest <file.wasm> --manifest plugin.toml -o <out.wasm>` (`ccsync plugin sign` embeds it too)",
        signature::MANIFEST_SECTION
    )]
    NoManifest,
    /// The embedded manifest is not UTF-8 text or not a valid manifest (rule 5).
    #[error("the component's manifest is invalid: {0}")]
    BadManifest(ManifestError),
}

fn join_ids(ids: &[KeyId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<LayoutError> for Refusal {
    fn from(error: LayoutError) -> Refusal {
        match error {
            LayoutError::Format(
                e @ (FormatError::NotWasm
                | FormatError::CoreModule
                | FormatError::UnknownVersion(_)),
            ) => Refusal::NotAComponent {
                detail: e.to_string(),
            },
            other => Refusal::Tampered {
                detail: other.to_string(),
            },
        }
    }
}

/// Decides whether `component` may be loaded, without compiling or running any of it.
pub fn verify(component: &[u8], store: &TrustStore, policy: Policy) -> Result<Verified, Refusal> {
    let layout = signature::layout(component)?;
    let signed = &component[..layout.signed_len];
    if let Some(bad) = layout.signatures.iter().find(|s| !s.verifies(signed)) {
        return Err(Refusal::Tampered {
            detail: format!(
                "the signature by key {} does not match the component's bytes",
                bad.key_id
            ),
        });
    }
    if !layout.signatures.is_empty() && layout.manifest.is_none() {
        return Err(Refusal::Tampered {
            detail: format!(
                "the component is signed but its `{}` section is missing",
                signature::MANIFEST_SECTION
            ),
        });
    }

    let code_digest =
        signature::code_digest(component).map_err(|e| Refusal::from(LayoutError::Format(e)))?;
    if let Some(seen) = store.revoked_code(&code_digest) {
        return Err(Refusal::RevokedCode {
            digest: seen.digest.clone(),
            key_id: seen.key_id,
            seen_at: seen.seen_at,
        });
    }

    let signers: Vec<Signer> = layout
        .signatures
        .iter()
        .map(|s| match store.lookup(&s.public_key) {
            Some(entry) => Signer {
                key_id: s.key_id,
                name: Some(entry.name.clone()),
                status: match entry.revoked_at {
                    Some(revoked_at) => SignerStatus::Revoked {
                        revoked_at,
                        reason: entry.revoke_reason.clone(),
                    },
                    None => SignerStatus::Trusted,
                },
            },
            None => Signer {
                key_id: s.key_id,
                name: None,
                status: SignerStatus::Unknown,
            },
        })
        .collect();
    let warnings = trust_decision(&signers, policy, code_digest)?;

    let manifest = match layout.manifest {
        Some(data) => signature::parse_embedded_manifest(data).map_err(Refusal::BadManifest)?,
        None => return Err(Refusal::NoManifest),
    };
    let warnings = warnings
        .into_iter()
        .map(|w| format!("plugin {} {}: {w}", manifest.name(), manifest.version()))
        .collect();
    Ok(Verified {
        manifest,
        signers,
        warnings,
        digest: Sha256::digest(component).into(),
        code_digest,
    })
}

/// Rules 3 and 4: accept (with warnings) or refuse, from the signers' statuses alone.
fn trust_decision(
    signers: &[Signer],
    policy: Policy,
    code_digest: [u8; 32],
) -> Result<Vec<String>, Refusal> {
    let trusted = signers
        .iter()
        .any(|s| matches!(s.status, SignerStatus::Trusted));
    let revoked = signers.iter().find_map(|s| match &s.status {
        SignerStatus::Revoked { revoked_at, .. } => Some((s, *revoked_at)),
        _ => None,
    });
    if !trusted {
        if let Some((signer, revoked_at)) = revoked {
            return Err(Refusal::Revoked {
                key_id: signer.key_id,
                name: signer.name.clone().unwrap_or_default(),
                revoked_at,
                code_digest,
            });
        }
        if !policy.allow_unsigned {
            return Err(if signers.is_empty() {
                Refusal::Unsigned
            } else {
                Refusal::UnknownKey {
                    key_ids: signers.iter().map(|s| s.key_id).collect(),
                }
            });
        }
        let ids: Vec<KeyId> = signers.iter().map(|s| s.key_id).collect();
        let what = if ids.is_empty() {
            "UNSIGNED".to_owned()
        } else {
            format!("signed only by UNKNOWN keys ({})", join_ids(&ids))
        };
        return Ok(vec![format!(
            "{what}: loaded only because unsigned plugins are allowed; never allow this in production"
        )]);
    }
    Ok(signers
        .iter()
        .filter_map(|s| match &s.status {
            SignerStatus::Trusted => None,
            SignerStatus::Revoked { revoked_at, reason } => Some(format!(
                "also signed by REVOKED key {} (`{}`, revoked at {revoked_at}{}); accepted on the other signature(s)",
                s.key_id,
                s.name.as_deref().unwrap_or_default(),
                reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default(),
            )),
            SignerStatus::Unknown => Some(format!(
                "also signed by key {}, which the trust store does not know",
                s.key_id
            )),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;
    use crate::signature::{embed_manifest, sign};
    use crate::test_support::{component, manifest};

    const STRICT: Policy = Policy {
        allow_unsigned: false,
    };
    const DEV: Policy = Policy {
        allow_unsigned: true,
    };

    struct Fixture {
        _dir: tempfile::TempDir,
        store: TrustStore,
        vendor: SecretKey,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut store = TrustStore::open(dir.path().join("trust.json")).unwrap();
        let vendor = SecretKey::generate().unwrap();
        store.add(vendor.public_key(), "acme").unwrap();
        Fixture {
            _dir: dir,
            store,
            vendor,
        }
    }

    fn signed_by(keys: &[&SecretKey]) -> Vec<u8> {
        keys.iter().fold(component(), |bytes, key| {
            sign(&bytes, &manifest(), key).unwrap()
        })
    }

    fn tampered(result: Result<Verified, Refusal>) -> String {
        match result {
            Err(Refusal::Tampered { detail }) => detail,
            other => panic!("expected Tampered, got {other:?}"),
        }
    }

    #[test]
    fn signed_by_a_trusted_key_is_accepted_with_manifest_and_digest() {
        let f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        let verified = verify(&bytes, &f.store, STRICT).unwrap();
        assert_eq!(verified.manifest, manifest());
        assert_eq!(
            verified.signers,
            [Signer {
                key_id: f.vendor.id(),
                name: Some("acme".into()),
                status: SignerStatus::Trusted,
            }]
        );
        assert!(verified.warnings.is_empty());
        assert_eq!(verified.digest, <[u8; 32]>::from(Sha256::digest(&bytes)));
    }

    #[test]
    fn unsigned_is_refused_unless_allowed_and_then_loudly_warned() {
        let f = fixture();
        let bytes = embed_manifest(&component(), &manifest()).unwrap();
        assert_eq!(verify(&bytes, &f.store, STRICT), Err(Refusal::Unsigned));
        let verified = verify(&bytes, &f.store, DEV).unwrap();
        assert!(verified.signers.is_empty());
        assert_eq!(verified.warnings.len(), 1);
        assert!(
            verified.warnings[0].contains("UNSIGNED"),
            "{:?}",
            verified.warnings
        );
        assert!(verified.warnings[0].starts_with("plugin test-connector 0.1.0: "));
    }

    #[test]
    fn unsigned_without_manifest_is_refused_even_when_unsigned_is_allowed() {
        let f = fixture();
        assert_eq!(
            verify(&component(), &f.store, STRICT),
            Err(Refusal::Unsigned)
        );
        assert_eq!(
            verify(&component(), &f.store, DEV),
            Err(Refusal::NoManifest)
        );
    }

    #[test]
    fn signed_only_by_unknown_keys_is_refused_naming_them() {
        let f = fixture();
        let (a, b) = (
            SecretKey::generate().unwrap(),
            SecretKey::generate().unwrap(),
        );
        let bytes = signed_by(&[&a, &b]);
        assert_eq!(
            verify(&bytes, &f.store, STRICT),
            Err(Refusal::UnknownKey {
                key_ids: vec![a.id(), b.id()]
            })
        );
        let verified = verify(&bytes, &f.store, DEV).unwrap();
        assert!(verified.warnings[0].contains("UNKNOWN keys"));
        assert!(verified.warnings[0].contains(&a.id().to_string()));
    }

    #[test]
    fn signed_only_by_a_revoked_key_is_refused_even_when_unsigned_is_allowed() {
        let mut f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        f.store.revoke(f.vendor.id(), "key leaked").unwrap();
        for policy in [STRICT, DEV] {
            match verify(&bytes, &f.store, policy) {
                Err(Refusal::Revoked { key_id, name, .. }) => {
                    assert_eq!((key_id, name.as_str()), (f.vendor.id(), "acme"));
                }
                other => panic!("expected Revoked, got {other:?}"),
            }
        }
    }

    #[test]
    fn code_seen_signed_by_a_revoked_key_is_refused_stripped_or_resigned_in_every_mode() {
        let mut f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        f.store.revoke(f.vendor.id(), "key leaked").unwrap();
        let Err(Refusal::Revoked { code_digest, .. }) = verify(&bytes, &f.store, DEV) else {
            panic!("expected Revoked")
        };
        let stripped = embed_manifest(&component(), &manifest()).unwrap();
        assert!(
            verify(&stripped, &f.store, DEV).is_ok(),
            "before it is remembered"
        );
        f.store
            .remember_revoked_code(&code_digest, f.vendor.id())
            .unwrap();
        let other = SecretKey::generate().unwrap();
        f.store.add(other.public_key(), "other").unwrap();
        let resigned = sign(&component(), &manifest(), &other).unwrap();
        for (what, bytes) in [
            ("stripped", &stripped),
            ("re-signed", &resigned),
            ("bare", &component()),
        ] {
            for policy in [STRICT, DEV] {
                match verify(bytes, &f.store, policy) {
                    Err(Refusal::RevokedCode { key_id, .. }) => assert_eq!(key_id, f.vendor.id()),
                    other => panic!("{what}: expected RevokedCode, got {other:?}"),
                }
            }
        }
    }

    #[test]
    fn the_code_digest_ignores_signatures_manifests_and_custom_sections() {
        let f = fixture();
        let bare = component();
        let digest = signature::code_digest(&bare).unwrap();
        let signed = signed_by(&[&f.vendor]);
        assert_eq!(signature::code_digest(&signed).unwrap(), digest);
        let mut decorated = bare.clone();
        crate::sections::append_custom(&mut decorated, "producers", b"anything");
        assert_eq!(signature::code_digest(&decorated).unwrap(), digest);
        let code_at = find(&bare, &[0x41, 0x2a]).unwrap(); // i32.const 42
        let mut changed = bare.clone();
        changed[code_at + 1] = 0x2b;
        assert_ne!(signature::code_digest(&changed).unwrap(), digest);
    }

    #[test]
    fn revoked_plus_unknown_signer_is_still_refused_as_revoked() {
        let mut f = fixture();
        let stranger = SecretKey::generate().unwrap();
        let bytes = signed_by(&[&f.vendor, &stranger]);
        f.store.revoke(f.vendor.id(), "leaked").unwrap();
        assert!(matches!(
            verify(&bytes, &f.store, DEV),
            Err(Refusal::Revoked { .. })
        ));
    }

    #[test]
    fn rotation_old_key_revoked_new_key_trusted_is_accepted_with_a_warning_naming_the_old() {
        let mut f = fixture();
        let new = SecretKey::generate().unwrap();
        let bytes = signed_by(&[&f.vendor, &new]);
        f.store.add(new.public_key(), "acme 2026").unwrap();
        f.store.revoke(f.vendor.id(), "rotated").unwrap();
        let verified = verify(&bytes, &f.store, STRICT).unwrap();
        assert_eq!(verified.signers.len(), 2);
        assert!(matches!(
            verified.signers[0].status,
            SignerStatus::Revoked { .. }
        ));
        assert_eq!(verified.signers[1].status, SignerStatus::Trusted);
        assert_eq!(verified.warnings.len(), 1);
        let warning = &verified.warnings[0];
        assert!(
            warning.contains(&format!("REVOKED key {} (`acme`", f.vendor.id())),
            "{warning}"
        );
        assert!(warning.contains(": rotated)"), "{warning}");
    }

    #[test]
    fn trusted_plus_unknown_signer_is_accepted_noting_the_unknown_one() {
        let f = fixture();
        let other = SecretKey::generate().unwrap();
        let bytes = signed_by(&[&other, &f.vendor]);
        let verified = verify(&bytes, &f.store, STRICT).unwrap();
        assert_eq!(verified.warnings.len(), 1);
        assert!(verified.warnings[0].contains(&other.id().to_string()));
    }

    #[test]
    fn a_single_flipped_byte_anywhere_before_the_signatures_is_tampering() {
        let f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        let signed_len = signature::layout(&bytes).unwrap().signed_len;
        for position in 0..signed_len {
            for mask in [0x01, 0x80] {
                let mut copy = bytes.clone();
                copy[position] ^= mask;
                let result = verify(&copy, &f.store, DEV);
                // A flip in the manifest section's name makes it a foreign section: the
                // component then has no manifest, and is refused for that.
                assert!(
                    matches!(
                        result,
                        Err(Refusal::Tampered { .. }
                            | Refusal::NotAComponent { .. }
                            | Refusal::NoManifest)
                    ),
                    "byte {position} ^ {mask:#x}: {result:?}"
                );
            }
        }
    }

    /// A flip in the signature section either breaks it (tampered) or, when it hits the
    /// section's id or the reserved `ccsync-` prefix of its name, turns it into a foreign
    /// section: the component then reads as unsigned, exactly as if the signature had been
    /// stripped. Either way it never loads as signed.
    #[test]
    fn a_flipped_byte_in_the_signature_section_never_verifies_as_signed() {
        let f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        let signed_len = signature::layout(&bytes).unwrap().signed_len;
        let name_start = signed_len + 3; // id byte, 1-byte size, 1-byte name length
        let prefix = name_start..name_start + "ccsync-".len();
        // 0x80 makes any name byte invalid UTF-8 (malformed); 0x01 keeps it a valid name.
        for (mask, mut expected) in [(0x80, vec![signed_len]), (0x01, vec![signed_len])] {
            if mask == 0x01 {
                expected.extend(prefix.clone());
            }
            let mut unsigned = Vec::new();
            for position in signed_len..bytes.len() {
                let mut copy = bytes.clone();
                copy[position] ^= mask;
                match verify(&copy, &f.store, STRICT) {
                    Err(Refusal::Tampered { .. }) => {}
                    Err(Refusal::Unsigned) => unsigned.push(position),
                    other => panic!("byte {position} ^ {mask:#x}: {other:?}"),
                }
                if let Ok(verified) = verify(&copy, &f.store, DEV) {
                    assert!(verified.signers.is_empty(), "byte {position}");
                }
            }
            assert_eq!(unsigned, expected, "mask {mask:#x}");
        }
    }

    #[test]
    fn a_changed_byte_in_code_or_manifest_names_the_failing_signature() {
        let f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        let manifest_at = find(&bytes, b"test-connector").unwrap();
        let mut copy = bytes.clone();
        copy[manifest_at] = b'T';
        assert_eq!(
            tampered(verify(&copy, &f.store, STRICT)),
            format!(
                "the signature by key {} does not match the component's bytes",
                f.vendor.id()
            )
        );
        let code_at = find(&bytes, &[0x41, 0x2a]).unwrap(); // i32.const 42
        let mut copy = bytes.clone();
        copy[code_at + 1] = 0x2b;
        tampered(verify(&copy, &f.store, STRICT));
    }

    #[test]
    fn a_section_appended_after_the_signature_is_tampering() {
        let f = fixture();
        let mut bytes = signed_by(&[&f.vendor]);
        crate::sections::append_custom(&mut bytes, "producers", b"x");
        let detail = tampered(verify(&bytes, &f.store, STRICT));
        assert!(detail.contains("custom section `producers`"), "{detail}");
        assert!(
            detail.contains("signatures must be the last sections"),
            "{detail}"
        );
    }

    #[test]
    fn a_signature_moved_before_other_sections_is_tampering() {
        let f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        let layout = signature::layout(&bytes).unwrap();
        let (body, signature) = bytes.split_at(layout.signed_len);
        let mut moved = bytes[..8].to_vec();
        moved.extend_from_slice(signature);
        moved.extend_from_slice(&body[8..]);
        let detail = tampered(verify(&moved, &f.store, STRICT));
        assert!(
            detail.contains("comes after a `ccsync-signature`"),
            "{detail}"
        );
    }

    #[test]
    fn a_removed_manifest_section_is_tampering() {
        let f = fixture();
        let unsigned = component();
        let signed = signed_by(&[&f.vendor]);
        let layout = signature::layout(&signed).unwrap();
        let mut stripped = unsigned.clone();
        stripped.extend_from_slice(&signed[layout.signed_len..]);
        let detail = tampered(verify(&stripped, &f.store, STRICT));
        assert!(detail.contains("does not match"), "{detail}");
    }

    #[test]
    fn an_unknown_section_with_the_reserved_prefix_is_tampering() {
        let f = fixture();
        let mut bytes = embed_manifest(&component(), &manifest()).unwrap();
        crate::sections::append_custom(&mut bytes, "ccsync-signaturf", &[0; 105]);
        let detail = tampered(verify(&bytes, &f.store, DEV));
        assert!(detail.contains("`ccsync-signaturf`"), "{detail}");
    }

    #[test]
    fn a_second_manifest_section_is_tampering() {
        let f = fixture();
        let with = embed_manifest(&component(), &manifest()).unwrap();
        let mut twice = with.clone();
        crate::sections::append_custom(&mut twice, signature::MANIFEST_SECTION, b"name = \"x\"");
        let detail = tampered(verify(&twice, &f.store, DEV));
        assert!(detail.contains("a second `ccsync-manifest`"), "{detail}");
    }

    #[test]
    fn a_truncated_component_is_tampering() {
        let f = fixture();
        let bytes = signed_by(&[&f.vendor]);
        for cut in [bytes.len() - 1, bytes.len() - 60, bytes.len() / 2, 9] {
            let result = verify(&bytes[..cut], &f.store, DEV);
            assert!(
                matches!(result, Err(Refusal::Tampered { .. })),
                "cut at {cut}: {result:?}"
            );
        }
    }

    #[test]
    fn a_core_module_is_not_a_component() {
        let f = fixture();
        let module = wasm_encoder::Module::new().finish();
        assert!(matches!(
            verify(&module, &f.store, DEV),
            Err(Refusal::NotAComponent { .. })
        ));
    }

    #[test]
    fn an_invalid_embedded_manifest_is_a_bad_manifest() {
        let f = fixture();
        let mut bytes = component();
        crate::sections::append_custom(
            &mut bytes,
            signature::MANIFEST_SECTION,
            b"name = \"x\"\nversion = \"1\"\nvendor = \"v\"\n",
        );
        match verify(&bytes, &f.store, DEV) {
            Err(Refusal::BadManifest(ManifestError::Invalid { line, field, .. })) => {
                assert_eq!((line, field.as_deref()), (2, Some("version")));
            }
            other => panic!("expected BadManifest, got {other:?}"),
        }
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }
}
