//! Printing results: plain text for people, JSON (`--json`) for scripts.

use kuvert_core::{Error, ErrorCode};
use serde_json::{json, Value};

/// Prints `value` as JSON, or `text` for people.
pub fn print(json_output: bool, value: Value, text: impl FnOnce() -> String) {
    if json_output {
        println!("{value}");
    } else {
        let text = text();
        if !text.is_empty() {
            println!("{text}");
        }
    }
}

/// Prints an error on standard error: `{"error": {code, message}}` with
/// `--json`, else `kuvert: message`.
pub fn error(json_output: bool, error: &Error) {
    let code = serde_json::to_value(error.code()).unwrap_or(Value::Null);
    let mut message = error.to_string();
    if let Error::Compose(problems) = error {
        let lines: Vec<String> = problems
            .problems()
            .iter()
            .map(|p| format!("  - {}: {}", p.field.code().replace('_', " "), p.english()))
            .collect();
        message = format!("the message cannot be sent:\n{}", lines.join("\n"));
    }
    if json_output {
        let mut body = json!({ "code": code, "message": message });
        if let Error::Compose(problems) = error {
            body["problems"] = problems
                .problems()
                .iter()
                .map(|p| json!({ "field": p.field.code(), "kind": p.kind.code(), "sv": p.swedish(), "en": p.english() }))
                .collect();
        }
        if let Error::Unfinished { message_id, .. } = error {
            body["message_id"] = json!(message_id);
            body["state"] = json!("outbox");
        }
        eprintln!("{}", json!({ "error": body }));
    } else {
        eprintln!("kuvert: {message}");
        if let Error::Compose(problems) = error {
            if problems.problems().iter().any(|p| p.kind.is_size()) {
                eprintln!("kuvert: too large to send digitally. Run again with --compress-pdf to compress its PDF attachments (the files themselves are not changed), or with --on-paper to record it as sent on paper with its letter.");
            }
        }
        if error.code() == ErrorCode::Configuration {
            eprintln!("kuvert: check the profile (--profile) and the certificate password (kuvert password set).");
        }
    }
}

/// One purge as `kuvert purges` prints it.
pub fn purge_line(
    at: &str,
    count: u64,
    cutoff: &str,
    by: &str,
    rule: &str,
    sha256: &str,
) -> String {
    format!("{at}  {count} messages final before {cutoff}  by {by}  ({rule})  ids sha256 {sha256}")
}

/// The purges' lines ([`purge_line`]), or that there were none.
pub fn purge_lines(lines: Vec<String>) -> String {
    if lines.is_empty() {
        return "No purges have been done.".to_string();
    }
    lines.join("\n")
}
