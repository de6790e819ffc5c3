//! Reading one profile file: TOML syntax, known keys, value types, and
//! paths resolved relative to the file.
//!
//! Each file becomes a [`Layer`] of typed values keyed `table.key`; the
//! layers are combined later ([`Layers::value`]), so every value keeps the
//! file it came from for error messages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ProfileError;

/// The type a key's value must have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A file name, resolved relative to the profile file.
    Path,
    Integer,
    Boolean,
    TextList,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Path => "a file name (string)",
            Kind::Integer => "an integer",
            Kind::Boolean => "true or false",
            Kind::TextList => "a list of strings",
        }
    }
}

/// Every table and key a profile may hold, and the type of each value.
const SCHEMA: &[(&str, &[(&str, Kind)])] = &[
    (
        "profile",
        &[("name", Kind::Text), ("environment", Kind::Text)],
    ),
    (
        "sender",
        &[
            ("organisation_number", Kind::Text),
            ("names", Kind::TextList),
            ("support_text", Kind::Text),
            ("support_email", Kind::Text),
            ("support_phone", Kind::Text),
            ("support_url", Kind::Text),
        ],
    ),
    (
        "service",
        &[
            ("recipient_url", Kind::Text),
            ("message_url", Kind::Text),
            ("ca_bundle", Kind::Path),
            ("connect_timeout_seconds", Kind::Integer),
            ("call_timeout_seconds", Kind::Integer),
            ("proxy", Kind::Text),
        ],
    ),
    (
        "certificate",
        &[
            ("pkcs12", Kind::Path),
            ("cert_pem", Kind::Path),
            ("key_pem", Kind::Path),
        ],
    ),
    (
        "rules",
        &[
            ("require_case_number", Kind::Boolean),
            ("max_attachment_bytes", Kind::Integer),
            ("max_total_attachment_bytes", Kind::Integer),
            ("allowed_attachment_types", Kind::TextList),
            ("retention_days", Kind::Integer),
        ],
    ),
];

const CASE_TYPE_SCHEMA: &[(&str, Kind)] = &[
    ("name", Kind::Text),
    ("subject", Kind::Text),
    ("protection_class", Kind::Integer),
    ("body", Kind::Text),
    ("support_text", Kind::Text),
];

/// A typed value from a profile file.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Text(String),
    Path(PathBuf),
    Integer(i64),
    Boolean(bool),
    TextList(Vec<String>),
}

/// One `[[case_type]]` entry: its values by key.
pub(super) type CaseTypeValues = BTreeMap<&'static str, Value>;

/// One profile file, read and type-checked.
#[derive(Debug)]
pub(super) struct Layer {
    pub(super) file: PathBuf,
    /// `table.key` → value.
    values: BTreeMap<String, Value>,
    /// `[[case_type]]`, when the file has any.
    pub(super) case_types: Option<Vec<CaseTypeValues>>,
}

impl Layer {
    /// Reads `text` as the profile file `file`; relative paths are resolved
    /// against `base_dir`.
    pub(super) fn parse(text: &str, file: &Path, base_dir: &Path) -> Result<Layer, ProfileError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
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
        })?;
        let invalid = |key: String, reason: String| ProfileError::Invalid {
            file: file.to_path_buf(),
            key,
            reason,
        };
        let mut layer = Layer {
            file: file.to_path_buf(),
            values: BTreeMap::new(),
            case_types: None,
        };
        for (name, content) in &table {
            if name == "case_type" {
                let toml::Value::Array(entries) = content else {
                    return Err(invalid(
                        "case_type".into(),
                        "must be written as [[case_type]] tables".into(),
                    ));
                };
                let mut case_types = Vec::with_capacity(entries.len());
                for (index, entry) in entries.iter().enumerate() {
                    let prefix = format!("case_type[{}]", index + 1);
                    let toml::Value::Table(entry) = entry else {
                        return Err(invalid(prefix, "must be a [[case_type]] table".into()));
                    };
                    let mut values = BTreeMap::new();
                    for (key, value) in entry {
                        let Some(&(known, kind)) = CASE_TYPE_SCHEMA.iter().find(|(k, _)| k == key)
                        else {
                            return Err(invalid(
                                format!("{prefix}.{key}"),
                                unknown_key_reason(CASE_TYPE_SCHEMA),
                            ));
                        };
                        let value = typed(value, kind, base_dir)
                            .ok_or_else(|| invalid(format!("{prefix}.{key}"), must_be(kind)))?;
                        values.insert(known, value);
                    }
                    case_types.push(values);
                }
                layer.case_types = Some(case_types);
                continue;
            }
            let Some((_, keys)) = SCHEMA.iter().find(|(t, _)| t == name) else {
                let tables: Vec<&str> = SCHEMA.iter().map(|(t, _)| *t).collect();
                return Err(invalid(
                    name.clone(),
                    format!(
                        "unknown table; the tables are [{}] and [[case_type]]",
                        tables.join("], [")
                    ),
                ));
            };
            let toml::Value::Table(content) = content else {
                return Err(invalid(name.clone(), format!("must be a table: [{name}]")));
            };
            for (key, value) in content {
                let Some(&(_, kind)) = keys.iter().find(|(k, _)| k == key) else {
                    return Err(invalid(format!("{name}.{key}"), unknown_key_reason(keys)));
                };
                let value = typed(value, kind, base_dir)
                    .ok_or_else(|| invalid(format!("{name}.{key}"), must_be(kind)))?;
                layer.values.insert(format!("{name}.{key}"), value);
            }
        }
        Ok(layer)
    }

    fn has_table(&self, table: &str) -> bool {
        let prefix = format!("{table}.");
        self.values.keys().any(|k| k.starts_with(&prefix))
    }
}

fn must_be(kind: Kind) -> String {
    format!("must be {}", kind.expected())
}

fn unknown_key_reason(keys: &[(&str, Kind)]) -> String {
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    format!(
        "unknown key (a typing error?); the keys here are: {}",
        names.join(", ")
    )
}

fn typed(value: &toml::Value, kind: Kind, base_dir: &Path) -> Option<Value> {
    match (kind, value) {
        (Kind::Text, toml::Value::String(s)) => Some(Value::Text(s.clone())),
        (Kind::Path, toml::Value::String(s)) if !s.trim().is_empty() => {
            Some(Value::Path(base_dir.join(s)))
        }
        (Kind::Integer, toml::Value::Integer(i)) => Some(Value::Integer(*i)),
        (Kind::Boolean, toml::Value::Boolean(b)) => Some(Value::Boolean(*b)),
        (Kind::TextList, toml::Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Value::TextList),
        _ => None,
    }
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

/// Profile files in rising priority: later layers override earlier ones
/// key by key.
#[derive(Debug)]
pub(super) struct Layers(pub(super) Vec<Layer>);

impl Layers {
    /// The value of `key` (`table.key`) from the highest-priority layer that
    /// sets it, with the file it came from.
    pub(super) fn value(&self, key: &str) -> Option<(&Value, &Path)> {
        self.0
            .iter()
            .rev()
            .find_map(|layer| layer.values.get(key).map(|v| (v, layer.file.as_path())))
    }

    /// Like [`Layers::value`], but only from the highest layer that has any
    /// key of `table`: for tables whose keys only make sense together.
    pub(super) fn value_in_whole_table(&self, table: &str, key: &str) -> Option<(&Value, &Path)> {
        let layer = self.0.iter().rev().find(|l| l.has_table(table))?;
        layer
            .values
            .get(&format!("{table}.{key}"))
            .map(|v| (v, layer.file.as_path()))
    }

    /// The highest layer with a `[[case_type]]` list; that list replaces
    /// the lower layers' lists.
    pub(super) fn case_types(&self) -> Option<(&[CaseTypeValues], &Path)> {
        self.0.iter().rev().find_map(|layer| {
            layer
                .case_types
                .as_deref()
                .map(|c| (c, layer.file.as_path()))
        })
    }

    /// The file blamed for a missing key: the highest-priority one.
    pub(super) fn last_file(&self) -> &Path {
        self.0
            .last()
            .map(|l| l.file.as_path())
            .unwrap_or(Path::new("profile.toml"))
    }
}
