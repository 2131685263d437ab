//! Base URLs of platform APIs, checked once when settings are read.

/// An `http`/`https` base URL without credentials, query, fragment or trailing slash, so that
/// paths can be appended to it. The host polices which origins are reachable; this only catches
/// settings that cannot be a base URL at all (or would carry a secret outside a secret setting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks and normalises a base URL setting (a trailing `/` is dropped).
    pub fn parse(value: &str) -> Result<Self, String> {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or_else(|| format!("`{value}` is not an http:// or https:// URL"))?;
        if value.chars().any(char::is_whitespace) {
            return Err(format!("`{value}` contains whitespace"));
        }
        if value.contains(['?', '#']) {
            return Err(format!("`{value}` has a query or fragment"));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            return Err(format!("`{value}` has no host"));
        }
        if authority.contains('@') {
            return Err(format!(
                "`{value}` carries credentials: give them in their own settings instead"
            ));
        }
        Ok(Self(value.trim_end_matches('/').to_string()))
    }

    /// The URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base extended by `path` (which starts with `/` and has no query or fragment).
    pub fn child(&self, path: &str) -> Self {
        Self(self.join(path).trim_end_matches('/').to_string())
    }

    /// The base followed by `path_and_query` (which starts with `/`).
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rejects_queries_whitespace_credentials_missing_hosts_and_other_schemes() {
        assert!(BaseUrl::parse("https://a.b/x?y=1").is_err());
        assert!(BaseUrl::parse("https://").is_err());
        assert!(BaseUrl::parse("https://user:pw@a.b").is_err());
        assert!(BaseUrl::parse("https://a b").is_err());
        assert!(BaseUrl::parse("a.b").is_err());
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:9/base/")
                .unwrap()
                .join("/p"),
            "http://127.0.0.1:9/base/p"
        );
    }
}
