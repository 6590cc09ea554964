//! Security labels from tracker labels and Stack Exchange tags.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{IngestError, Result};
use crate::record::Label;

/// How a tag is judged to be a security tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagRule {
    /// Only tags in the list.
    Listed,
    /// Tags in the list, and any tag with the word `security`, `vulnerability` or `cve` in it
    /// (for example `c: Security`, `area/security`, `kind/vulnerability`).
    ListedOrSecurityWord,
}

/// Tags written in the built-in list (lower case; compared after trimming and lower-casing).
pub const BUILTIN_SECURITY_TAGS: &[&str] = &[
    "security",
    "c: security",
    "type: security",
    "area/security",
    "kind/security",
    "authentication",
    "authorization",
    "encryption",
    "cryptography",
    "ssl",
    "tls",
    "https",
    "ssl-certificate",
    "certificates",
    "x509",
    "xss",
    "csrf",
    "sql-injection",
    "injection",
    "oauth",
    "oauth-2.0",
    "openid",
    "openid-connect",
    "saml",
    "jwt",
    "kerberos",
    "sasl",
    "acl",
    "rbac",
    "access-control",
    "passwords",
    "password",
    "password-protection",
    "bcrypt",
    "owasp",
    "penetration-testing",
    "vulnerability",
    "cve",
    "privacy",
    "firewall",
    "malware",
    "mirai",
    "spoofing",
    "csrf-protection",
    "content-security-policy",
    "cors",
];

/// Which tags mark a thread as a security discussion.
///
/// ```
/// use secdisc_ingest::{Label, SecurityTags};
/// let tags = SecurityTags::builtin();
/// assert_eq!(tags.label(["c: Security", "Bug"]), Label::Security);
/// assert_eq!(tags.label(["mqtt"]), Label::NonSecurity);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityTags {
    tags: HashSet<String>,
    rule: TagRule,
}

impl Default for SecurityTags {
    fn default() -> Self {
        Self::builtin()
    }
}

impl SecurityTags {
    /// The built-in list ([`BUILTIN_SECURITY_TAGS`]) with [`TagRule::ListedOrSecurityWord`].
    pub fn builtin() -> Self {
        SecurityTags {
            tags: BUILTIN_SECURITY_TAGS
                .iter()
                .map(|t| t.to_string())
                .collect(),
            rule: TagRule::ListedOrSecurityWord,
        }
    }

    /// A list of tags, one per line (`#` starts a comment, blank lines are ignored), with
    /// [`TagRule::Listed`].
    pub fn from_list(text: &str) -> Self {
        let tags = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .map(normalize)
            .filter(|t| !t.is_empty())
            .collect();
        SecurityTags {
            tags,
            rule: TagRule::Listed,
        }
    }

    /// Read a tag list file (see [`SecurityTags::from_list`]).
    ///
    /// # Errors
    /// [`IngestError::TagList`] when the file cannot be read.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::TagList {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_list(&text))
    }

    /// Add one tag.
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.tags.insert(normalize(tag));
        self
    }

    /// Change the rule. Default: [`TagRule::ListedOrSecurityWord`] for the built-in list,
    /// [`TagRule::Listed`] for a list.
    pub fn rule(mut self, rule: TagRule) -> Self {
        self.rule = rule;
        self
    }

    /// `true` when `tag` marks a security discussion.
    pub fn is_security(&self, tag: &str) -> bool {
        let t = normalize(tag);
        if self.tags.contains(&t) {
            return true;
        }
        self.rule == TagRule::ListedOrSecurityWord
            && t.split(|c: char| !c.is_alphanumeric())
                .any(|w| matches!(w, "security" | "vulnerability" | "vulnerabilities" | "cve"))
    }

    /// [`Label::Security`] when any tag is a security tag, else [`Label::NonSecurity`].
    pub fn label<'a>(&self, tags: impl IntoIterator<Item = &'a str>) -> Label {
        if tags.into_iter().any(|t| self.is_security(t)) {
            Label::Security
        } else {
            Label::NonSecurity
        }
    }
}

fn normalize(tag: &str) -> String {
    tag.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Split a Stack Exchange tag string in either dump format: `<a><b>` or `|a|b|`.
pub(crate) fn split_se_tags(tags: &str) -> impl Iterator<Item = &str> {
    tags.split(['<', '>', '|']).filter(|t| !t.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_matches_words_and_list() {
        let t = SecurityTags::builtin();
        assert!(t.is_security("C: Security"));
        assert!(t.is_security("area/security"));
        assert!(t.is_security(" OAuth-2.0 "));
        assert!(!t.is_security("securityish"));
        assert!(!t.is_security("c: Bug"));
    }

    #[test]
    fn list_file_replaces_builtin() {
        let t = SecurityTags::from_list("# mine\nmqtt\n\nCrypto  Wallet # trailing\n");
        assert!(t.is_security("MQTT"));
        assert!(t.is_security("crypto wallet"));
        assert!(!t.is_security("security"));
    }

    #[test]
    fn splits_both_se_tag_formats() {
        assert_eq!(
            split_se_tags("<a><b-c>").collect::<Vec<_>>(),
            vec!["a", "b-c"]
        );
        assert_eq!(
            split_se_tags("|a|b-c|").collect::<Vec<_>>(),
            vec!["a", "b-c"]
        );
    }
}
