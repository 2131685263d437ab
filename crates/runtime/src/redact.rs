//! Keeps a connection's secrets out of everything a plugin produces: its log lines and output,
//! and the records, invalid-record reasons, cursors and errors it returns.
//!
//! A plugin holds the secrets it was configured with, so it can copy them anywhere it writes.
//! Matching the exact value is not enough: a copy may be upper-cased, base64- or hex-encoded,
//! URL-encoded, or split in two. The [`Redactor`] therefore searches, ASCII case-insensitively
//! and in one pass (Aho-Corasick), for every secret in these forms:
//! - the value itself, and every run of at least half of it ([`MIN_FRAGMENT`] characters at
//!   least), so a copy split in two loses both halves;
//! - its hex encoding;
//! - its base64 encoding (standard and URL-safe alphabets) at each of the three byte
//!   alignments, so a secret embedded in a longer base64 text (`user:secret` in a Basic
//!   credential) is found too;
//! - its percent-encoding (every non-alphanumeric byte encoded, or all but `-._~`).
//!
//! Values shorter than [`MIN_SECRET`] bytes are ignored: they would redact ordinary words.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a redacted secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The shortest secret value that is redacted, in bytes.
pub const MIN_SECRET: usize = 4;

/// The shortest fragment of a secret that is redacted on its own, in bytes.
pub const MIN_FRAGMENT: usize = 6;

/// Percent-encoding as URL components use it: everything but unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Replaces known secret values, and their common encodings, with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// `None` when there is no secret to look for.
    matcher: Option<AhoCorasick>,
}

impl Redactor {
    /// A redactor for these secret values.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        for secret in secrets {
            if secret.len() >= MIN_SECRET {
                patterns.extend(forms(&secret));
            }
        }
        patterns.retain(|p| p.len() >= MIN_SECRET);
        patterns.sort();
        patterns.dedup();
        if patterns.is_empty() {
            return Redactor::default();
        }
        // Leftmost-longest: a secret containing another (or its own fragment) is redacted
        // whole.
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns);
        match matcher {
            Ok(matcher) => Redactor {
                matcher: Some(matcher),
            },
            // Only an automaton too large for its state ids fails to build: thousands of
            // long secrets, never a connection's few.
            Err(e) => {
                tracing::error!("cannot build the secret redactor: {e}; secrets are not redacted");
                Redactor::default()
            }
        }
    }

    /// Whether there is any secret to redact.
    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// `text` with every secret form replaced by `[redacted]`; borrowed when nothing matched.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Some(matcher) = &self.matcher else {
            return Cow::Borrowed(text);
        };
        // Most of what a page holds (ids, names, phone numbers) is shorter than any form of a
        // secret; the automaton would walk it byte by byte to find nothing.
        if text.len() < matcher.min_pattern_len() || !matcher.is_match(text) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in matcher.find_iter(text) {
            // Patterns are ASCII-case-folded copies of valid UTF-8, matched on byte
            // boundaries of ASCII-insensitive equal bytes: a match never splits a character.
            out.push_str(&text[last..found.start()]);
            out.push_str(REDACTED);
            last = found.end();
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// Redacts `text` in place.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(redacted) = self.redact(text) {
            *text = redacted;
        }
    }
}

/// Every form of one secret the redactor looks for.
fn forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let mut forms = vec![secret.to_owned(), hex::encode(bytes)];
    forms.extend(fragments(secret));
    for engine in [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
    ] {
        for shift in 0..3 {
            forms.push(aligned_base64(engine, bytes, shift));
        }
    }
    forms.push(utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string());
    forms.push(utf8_percent_encode(secret, COMPONENT).to_string());
    forms
}

/// Every run of `secret` of at least half its length (and [`MIN_FRAGMENT`] bytes), on
/// character boundaries.
fn fragments(secret: &str) -> Vec<String> {
    let len = secret.len();
    let window = (len / 2).max(MIN_FRAGMENT);
    if window >= len {
        return Vec::new();
    }
    let mut out = Vec::new();
    for start in 0..=len - window {
        let end = start + window;
        if secret.is_char_boundary(start) && secret.is_char_boundary(end) {
            out.push(secret[start..end].to_owned());
        }
    }
    out
}

/// The base64 characters determined by `secret` alone when it starts `shift` bytes into the
/// encoded data: the characters shared by every text that embeds it at that alignment.
fn aligned_base64(engine: &impl Engine, secret: &[u8], shift: usize) -> String {
    let mut padded = vec![0u8; shift];
    padded.extend_from_slice(secret);
    let encoded = engine.encode(&padded);
    let first = (8 * shift).div_ceil(6);
    let last = 8 * padded.len() / 6;
    encoded.get(first..last).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    const SECRET: &str = "s3cret-Value/42+x";

    fn redactor() -> Redactor {
        Redactor::new([SECRET.to_owned()])
    }

    fn assert_clean(text: &str) {
        let redacted = redactor().redact(text).into_owned();
        assert!(redacted.contains(REDACTED), "{text} -> {redacted}");
        for fragment in ["s3cret", "S3CRET", "Value/42", "VALUE/42"] {
            assert!(!redacted.contains(fragment), "{text} -> {redacted}");
        }
    }

    #[test]
    fn secrets_are_redacted_longest_first() {
        let redactor = Redactor::new([
            "s3cret".to_owned(),
            "s3cret-and-more".to_owned(),
            "ab".to_owned(),
        ]);
        assert_eq!(
            redactor.redact("token s3cret-and-more then s3cret, ab"),
            "token [redacted] then [redacted], ab"
        );
    }

    #[test]
    fn case_folded_copies_are_redacted() {
        assert_eq!(
            redactor().redact(&format!("key={}", SECRET.to_uppercase())),
            "key=[redacted]"
        );
        assert_clean(&SECRET.to_lowercase());
    }

    #[test]
    fn a_copy_split_in_two_loses_both_halves() {
        let (a, b) = SECRET.split_at(SECRET.len() / 2);
        let redacted = redactor().redact(&format!("{a} and {b}")).into_owned();
        assert!(!redacted.contains(a) && !redacted.contains(b), "{redacted}");
    }

    #[test]
    fn hex_base64_and_url_encodings_are_redacted() {
        assert_clean(&hex::encode(SECRET));
        assert_clean(&hex::encode_upper(SECRET));
        assert_clean(&STANDARD.encode(SECRET));
        assert_clean(&URL_SAFE_NO_PAD.encode(SECRET));
        for prefix in ["u:", "us:", "use:"] {
            let basic = STANDARD.encode(format!("{prefix}{SECRET}"));
            let redacted = redactor().redact(&basic).into_owned();
            assert!(
                redacted.contains(REDACTED),
                "{prefix}: {basic} -> {redacted}"
            );
        }
        let url = utf8_percent_encode(SECRET, NON_ALPHANUMERIC).to_string();
        assert_eq!(redactor().redact(&format!("?k={url}")), "?k=[redacted]");
    }

    #[test]
    fn text_without_secrets_is_borrowed_unchanged_and_short_secrets_are_ignored() {
        assert!(matches!(redactor().redact("plain text"), Cow::Borrowed(_)));
        let short = Redactor::new(["abc".to_owned()]);
        assert!(short.is_empty());
        assert_eq!(short.redact("abc abc"), "abc abc");
    }

    #[test]
    fn a_text_as_long_as_the_shortest_form_of_a_secret_is_still_searched() {
        let fragment = &SECRET[..SECRET.len() / 2];
        assert_eq!(redactor().redact(fragment), REDACTED);
        assert_eq!(
            redactor().redact(&fragment[1..]),
            &fragment[1..],
            "shorter than every form"
        );
    }

    #[test]
    fn multibyte_text_around_a_secret_survives() {
        assert_eq!(redactor().redact(&format!("é{SECRET}ü")), "é[redacted]ü");
    }
}
