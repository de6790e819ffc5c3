//! Reading one profile file, and combining the files (layers) of a profile.
//!
//! A file is read into [`ProfileFile`]: one serde struct per TOML table,
//! every key optional and unknown keys refused (`deny_unknown_fields`), so a
//! file that reads has only known keys with values of the right type.
//! Whether a value is acceptable (a valid organisation number, a timeout in
//! range) is checked afterwards, on the combined layers, by the validation
//! in the parent module.
//!
//! [`Layers`] is the merge: a key's value is the one from the
//! highest-priority file that sets it, and every value keeps the file it came
//! from, for error messages and for resolving relative paths.

use std::path::{Path, PathBuf};

use serde::de::{Deserializer, Visitor};
use serde::Deserialize;
use serde_path_to_error::Segment;

use super::ProfileError;

/// One profile file as written (the format is in `docs/profile.md`).
///
/// A missing table reads as an empty one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a profile")]
pub(super) struct ProfileFile {
    pub(super) profile: ProfileTable,
    pub(super) sender: SenderTable,
    pub(super) service: ServiceTable,
    pub(super) certificate: CertificateTable,
    /// `[seal]`: direct mode's own förmedlare certificate, when it is not
    /// `[certificate]`'s.
    pub(super) seal: CertificateTable,
    pub(super) rules: RulesTable,
    pub(super) retention: RetentionTable,
    pub(super) department: DepartmentTable,
    pub(super) log: LogTable,
    /// `[[case_type]]`; a file that has the list replaces the lower files' lists.
    pub(super) case_type: Option<Vec<CaseTypeTable>>,
}

/// `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [log] table")]
pub(super) struct LogTable {
    /// How much the app writes to its log file: `error` … `trace`.
    pub(super) level: Option<String>,
}

/// `[profile]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [profile] table")]
pub(super) struct ProfileTable {
    pub(super) name: Option<String>,
    pub(super) environment: Option<String>,
}

/// `[sender]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [sender] table")]
pub(super) struct SenderTable {
    pub(super) organisation_number: Option<String>,
    #[serde(default, deserialize_with = "text_list")]
    pub(super) names: Option<Vec<String>>,
    pub(super) support_text: Option<String>,
    pub(super) support_email: Option<String>,
    pub(super) support_phone: Option<String>,
    pub(super) support_url: Option<String>,
}

/// `[service]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [service] table")]
pub(super) struct ServiceTable {
    /// `"intermediary"` (the default) or `"direct"` (own förmedling).
    pub(super) mode: Option<String>,
    pub(super) recipient_url: Option<String>,
    pub(super) message_url: Option<String>,
    /// Direct mode: FaR's Recipient/v3.
    pub(super) far_url: Option<String>,
    /// Direct mode: the mailbox operators' CA certificates, a file name
    /// relative to the profile file.
    pub(super) operator_ca_bundle: Option<String>,
    /// A file name, relative to the profile file.
    pub(super) ca_bundle: Option<String>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) connect_timeout_seconds: Option<i64>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) call_timeout_seconds: Option<i64>,
    /// An HTTP(S) proxy URL.
    pub(super) proxy: Option<String>,
}

/// `[certificate]` (and `[seal]`, which has the same keys): its keys only
/// make sense together, so the highest file that sets any of them supplies
/// all of them ([`Layers::certificate`], [`Layers::seal`]). The values are
/// file names, relative to the profile file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [certificate] table")]
pub(super) struct CertificateTable {
    pub(super) pkcs12: Option<String>,
    pub(super) cert_pem: Option<String>,
    pub(super) key_pem: Option<String>,
}

impl CertificateTable {
    fn is_set(&self) -> bool {
        self.pkcs12.is_some() || self.cert_pem.is_some() || self.key_pem.is_some()
    }
}

/// `[rules]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [rules] table")]
pub(super) struct RulesTable {
    pub(super) require_case_number: Option<bool>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) max_attachment_bytes: Option<i64>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) max_total_attachment_bytes: Option<i64>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) max_envelope_bytes: Option<i64>,
    #[serde(default, deserialize_with = "text_list")]
    pub(super) allowed_attachment_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) retention_days: Option<i64>,
    /// The PDF/A conformance of letters and reports: `"2b"` or `"1b"`.
    pub(super) pdf_a: Option<String>,
}

/// `[retention]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [retention] table")]
pub(super) struct RetentionTable {
    /// Who may purge: accounts, and groups as `%group`.
    #[serde(default, deserialize_with = "text_list")]
    pub(super) purgers: Option<Vec<String>>,
}

/// `[department]`: department mode's server (`kuvert-server`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [department] table")]
pub(super) struct DepartmentTable {
    /// The server's address (`https://host:port`).
    pub(super) url: Option<String>,
    /// The CA bundle the server's certificate is checked against, relative
    /// to the profile file.
    pub(super) ca_bundle: Option<String>,
}

/// One `[[case_type]]` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a [[case_type]] table")]
pub(super) struct CaseTypeTable {
    pub(super) name: Option<String>,
    pub(super) subject: Option<String>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) protection_class: Option<i64>,
    pub(super) body: Option<String>,
    pub(super) support_text: Option<String>,
    #[serde(default, deserialize_with = "integer")]
    pub(super) retention_days: Option<i64>,
}

/// Any integer. Its own visitor so that a wrong value reads "expected an
/// integer" rather than serde's "expected i64"; ranges are checked later,
/// with messages that give the range.
fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    struct Integer;
    impl Visitor<'_> for Integer {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value).map_err(|_| E::custom(format!("{value} is too large")))
        }
    }
    deserializer.deserialize_i64(Integer).map(Some)
}

/// A list of strings ("expected a list of strings" rather than serde's
/// "expected a sequence").
fn text_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<String>>, D::Error> {
    struct TextList;
    impl<'de> Visitor<'de> for TextList {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut items: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut list = Vec::with_capacity(items.size_hint().unwrap_or(0).min(64));
            while let Some(item) = items.next_element()? {
                list.push(item);
            }
            Ok(list)
        }
    }
    deserializer.deserialize_seq(TextList).map(Some)
}

/// A key of a profile file: its name in errors (`table.key`) and where a
/// [`ProfileFile`] holds its value. Build one with [`key!`], which takes
/// both from the struct field so that they cannot disagree.
pub(super) struct Key<T: 'static> {
    pub(super) name: &'static str,
    pub(super) get: fn(&ProfileFile) -> Option<&T>,
}

// Not derived: a derive would require `T: Copy`, but a key only holds a
// name and a function pointer.
impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Key<T> {}

/// `key!(service.ca_bundle)`: the [`Key`] named `"service.ca_bundle"` that
/// reads `file.service.ca_bundle`.
macro_rules! key {
    ($table:ident . $key:ident) => {
        $crate::profile::file::Key {
            name: concat!(stringify!($table), ".", stringify!($key)),
            get: |file| file.$table.$key.as_ref(),
        }
    };
}
pub(super) use key;

/// One profile file, read.
#[derive(Debug)]
pub(super) struct Layer {
    /// The file, for error messages.
    pub(super) file: PathBuf,
    /// The directory relative paths in the file are resolved against.
    base_dir: PathBuf,
    content: ProfileFile,
}

impl Layer {
    /// Reads `text` as the profile file `file`; relative paths are resolved
    /// against `base_dir`.
    ///
    /// # Errors
    ///
    /// [`ProfileError::Syntax`] for text that is not TOML;
    /// [`ProfileError::Invalid`] naming the key for an unknown table or key
    /// or a value of the wrong type.
    pub(super) fn parse(text: &str, file: &Path, base_dir: &Path) -> Result<Layer, ProfileError> {
        let syntax = |e: toml::de::Error| {
            let (line, column) = e
                .span()
                .map(|span| line_and_column(text, span.start))
                .unwrap_or((1, 1));
            ProfileError::Syntax {
                file: file.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        };
        let document = toml::de::Deserializer::parse(text).map_err(syntax)?;
        let content = serde_path_to_error::deserialize(document).map_err(|e| {
            let key = key_of(e.path());
            let error = e.into_inner();
            if key.is_empty() {
                // Not about any one key: a problem with the document as a whole.
                return syntax(error);
            }
            ProfileError::Invalid {
                reason: in_profile_words(error.message(), !key.contains(['.', '['])),
                file: file.to_path_buf(),
                key,
            }
        })?;
        Ok(Layer {
            file: file.to_path_buf(),
            base_dir: base_dir.to_path_buf(),
            content,
        })
    }

    /// `name` (a file name from this file) resolved against this file's
    /// directory; absolute names stay as they are.
    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.base_dir.join(name)
    }
}

/// serde's message in the words of the profile's documentation: what serde
/// calls an unknown field is an unknown key, or at the top level an unknown
/// table, and most likely a typing error. Other messages stay as they are.
fn in_profile_words(message: &str, top_level: bool) -> String {
    // serde words it "unknown field `x`, expected one of `a`, `b`".
    let Some((name, expected)) = message
        .strip_prefix("unknown field ")
        .and_then(|rest| rest.split_once(", "))
    else {
        return message.to_string();
    };
    let what = if top_level { "table" } else { "key" };
    format!("unknown {what} {name} (a typing error?); {expected}")
}

/// The key a deserialization error is about, as errors name keys:
/// `service.ca_bundle`, `case_type[2].name` (list entries counted from 1).
fn key_of(path: &serde_path_to_error::Path) -> String {
    let mut key = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => key.push_str(&format!("[{}]", index + 1)),
            Segment::Map { key: name } | Segment::Enum { variant: name } => {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(name);
            }
            Segment::Unknown => {}
        }
    }
    key
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (line, column)
}

/// Profile files in rising priority, merged key by key: a key's value is
/// the one from the highest-priority file that sets it.
#[derive(Debug)]
pub(super) struct Layers(pub(super) Vec<Layer>);

impl Layers {
    /// The value of `key` from the highest-priority file that sets it, with
    /// that file.
    pub(super) fn value<T>(&self, key: &Key<T>) -> Option<(&T, &Layer)> {
        self.0
            .iter()
            .rev()
            .find_map(|layer| (key.get)(&layer.content).map(|value| (value, layer)))
    }

    /// The `[certificate]` table of the highest-priority file that sets any
    /// of its keys: that table replaces the lower files' tables as a whole.
    pub(super) fn certificate(&self) -> Option<(&CertificateTable, &Layer)> {
        self.whole_table(|file| &file.certificate)
    }

    /// The `[seal]` table of the highest-priority file that sets any of its
    /// keys, replacing the lower files' tables as a whole.
    pub(super) fn seal(&self) -> Option<(&CertificateTable, &Layer)> {
        self.whole_table(|file| &file.seal)
    }

    /// The certificate table `table` picks from the highest-priority file
    /// that sets any of its keys.
    fn whole_table(
        &self,
        table: impl Fn(&ProfileFile) -> &CertificateTable,
    ) -> Option<(&CertificateTable, &Layer)> {
        self.0
            .iter()
            .rev()
            .find(|layer| table(&layer.content).is_set())
            .map(|layer| (table(&layer.content), layer))
    }

    /// The `[[case_type]]` list of the highest-priority file that has one:
    /// that list replaces the lower files' lists.
    pub(super) fn case_types(&self) -> Option<(&[CaseTypeTable], &Layer)> {
        self.0
            .iter()
            .rev()
            .find_map(|layer| layer.content.case_type.as_deref().map(|list| (list, layer)))
    }

    /// The file blamed for a missing key: the highest-priority one.
    pub(super) fn last_file(&self) -> &Path {
        self.0
            .last()
            .map(|l| l.file.as_path())
            .unwrap_or(Path::new("profile.toml"))
    }

    /// The files, lowest priority first.
    pub(super) fn files(&self) -> Vec<PathBuf> {
        self.0.iter().map(|l| l.file.clone()).collect()
    }
}
