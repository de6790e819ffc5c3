//! Free-text search: what an officer types, turned into index lookups.
//!
//! Two indexes serve it. `messages_fts` is the word index (see the parent
//! module). `search_terms` is the dictionary of every token of 4+ characters
//! ever indexed, and `search_terms_tri` a trigram index over that
//! dictionary, which is small (distinct words, not messages).
//!
//! ## What a typed term means
//!
//! | typed | meaning | served by |
//! |---|---|---|
//! | `tillstånd` (one word, 3+ characters) | any word *containing* it: "parkeringstillstånd" | dictionary trigrams → an OR of whole words |
//! | `om` (1–2 characters) | that whole word | word index |
//! | `bygg*` | words *starting* with it | dictionary range (4+) or FTS5 prefix index (2–3) |
//! | `b*` | refused: a prefix needs 2 characters | — |
//! | `2026/0123`, `"ansökan om bygglov"` | these words in this order | word index phrase |
//!
//! Words are ANDed; case folds (Å/å, Ö/ö) but å, ä and ö stay letters of
//! their own. Compound words are why the first row exists: Swedish
//! registrars search by word parts.
//!
//! Why through the dictionary rather than a trigram index over the messages
//! themselves: a word part turns into a short list of whole words, and FTS5
//! walks an OR of whole words lazily in rowid (= time) order, stopping at
//! the page limit and honouring the date range; the index stays the size of
//! the vocabulary. A word part found in more than [`MAX_INFIX_EXPANSION`]
//! words ("till") is so common that it is checked row by row instead
//! (`kuvert_contains`, newest first), which stops quickly exactly because
//! such parts are common.

use std::collections::BTreeSet;

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::error::Context;
use crate::StoreError;

/// Prefixes at least this long are expanded through `search_terms`; shorter
/// ones are served by FTS5's prefix indexes (lengths 2 and 3). Also the
/// shortest token the dictionary keeps.
const DICTIONARY_MIN_CHARS: usize = 4;

/// A typed word at least this long matches as a word part.
pub const MIN_INFIX_CHARS: usize = 3;

/// A prefix term needs at least this many characters before the `*`: a
/// one-letter prefix matches most of the log and costs a scan of it.
pub const MIN_PREFIX_CHARS: usize = 2;

/// At most this many tokens replace one prefix term.
pub const MAX_EXPANSION: usize = 64;

/// At most this many whole words replace one word part; more, and it is
/// checked row by row.
pub const MAX_INFIX_EXPANSION: usize = 256;

/// The SQL function checking a word part row by row:
/// `kuvert_contains(part, text, …)` is 1 when any text, lower-cased,
/// contains `part` (already lower-case).
pub(crate) const CONTAINS_FUNCTION: &str = "kuvert_contains";

/// Registers [`CONTAINS_FUNCTION`] on a connection.
pub(crate) fn register_functions(conn: &Connection) -> Result<(), StoreError> {
    conn.create_scalar_function(
        CONTAINS_FUNCTION,
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let part: String = ctx.get(0)?;
            for i in 1..ctx.len() {
                if let Some(text) = ctx.get::<Option<String>>(i)? {
                    if text.to_lowercase().contains(&part) {
                        return Ok(true);
                    }
                }
            }
            Ok(false)
        },
    )
    .during("registering the search functions")
}

/// Splits text into lower-case tokens as the `unicode61` tokenizer does for
/// the text Kuvert stores: runs of letters and digits.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// Adds the dictionary tokens of a message's indexed text fields (subject,
/// body, case number, recipient display, attention, attachment names; the
/// wire recipient is all digits and never looked up by part).
pub(crate) fn dictionary_terms(fields: [Option<&str>; 6], terms: &mut BTreeSet<String>) {
    for field in fields.into_iter().flatten() {
        terms.extend(tokens(field).filter(|t| t.chars().count() >= DICTIONARY_MIN_CHARS));
    }
}

/// Adds new words to the dictionary and its trigram index.
pub(crate) fn record_terms(conn: &Connection, terms: &BTreeSet<String>) -> Result<(), StoreError> {
    let mut insert = conn
        .prepare_cached("INSERT OR IGNORE INTO search_terms (term) VALUES (?1)")
        .during("indexing the message for search")?;
    let mut trigrams = conn
        .prepare_cached("INSERT INTO search_terms_tri (term) VALUES (?1)")
        .during("indexing the message for search")?;
    for term in terms {
        if insert
            .execute([term])
            .during("indexing the message for search")?
            == 1
        {
            trigrams
                .execute([term])
                .during("indexing the message for search")?;
        }
    }
    Ok(())
}

/// Drops from the dictionary those of `terms` that no message contains any
/// more — after a purge, so the words of purged messages (names, addresses)
/// do not outlive them.
pub(crate) fn prune_dictionary(
    conn: &Connection,
    terms: &BTreeSet<String>,
) -> Result<(), StoreError> {
    let mut still_used = conn
        .prepare_cached("SELECT 1 FROM messages_fts WHERE messages_fts MATCH ?1 LIMIT 1")
        .during("pruning the search dictionary")?;
    let mut delete = conn
        .prepare_cached("DELETE FROM search_terms WHERE term = ?1")
        .during("pruning the search dictionary")?;
    let mut delete_trigrams = conn
        .prepare_cached(
            "DELETE FROM search_terms_tri WHERE rowid IN
                 (SELECT rowid FROM search_terms_tri WHERE search_terms_tri MATCH ?1 AND term = ?2)",
        )
        .during("pruning the search dictionary")?;
    for term in terms {
        let phrase = format!("\"{}\"", term.replace('"', ""));
        if !still_used
            .exists([&phrase])
            .during("pruning the search dictionary")?
        {
            delete
                .execute([term])
                .during("pruning the search dictionary")?;
            delete_trigrams
                .execute([&phrase, term])
                .during("pruning the search dictionary")?;
        }
    }
    Ok(())
}

/// The whole tokens that `prefix` (one token, 4+ characters) stands for,
/// or `None` when there are more than [`MAX_EXPANSION`].
fn expand_prefix(conn: &Connection, prefix: &str) -> Result<Option<Vec<String>>, StoreError> {
    let found: Vec<String> = conn
        .prepare_cached(
            "SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT ?3",
        )
        .and_then(|mut s| {
            s.query_map(
                rusqlite::params![
                    prefix,
                    format!("{prefix}\u{10FFFF}"),
                    MAX_EXPANSION as i64 + 1
                ],
                |r| r.get(0),
            )?
            .collect()
        })
        .during("expanding a prefix term")?;
    Ok((found.len() <= MAX_EXPANSION).then_some(found))
}

/// The whole words containing `part` (one token, 3+ characters), `part`
/// itself first, or `None` when there are more than `limit`.
fn expand_infix(
    conn: &Connection,
    part: &str,
    limit: usize,
) -> Result<Option<Vec<String>>, StoreError> {
    let mut found: Vec<String> = conn
        .prepare_cached(
            "SELECT term FROM search_terms_tri WHERE search_terms_tri MATCH ?1 LIMIT ?2",
        )
        .and_then(|mut s| {
            s.query_map(
                rusqlite::params![format!("\"{part}\""), limit as i64 + 1],
                |r| r.get::<_, String>(0),
            )?
            .collect()
        })
        .during("expanding a word part")?;
    // The trigram index folds case more loosely than Rust does for a few
    // letters; keep only true containment.
    found.retain(|t| t != part && t.contains(part));
    found.sort();
    found.insert(0, part.to_owned());
    Ok((found.len() <= limit).then_some(found))
}

/// Officer-typed text as index lookups: an FTS5 query of quoted terms (so
/// nothing typed can be FTS syntax) and the word parts to check row by row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TextQuery {
    /// The FTS5 `MATCH` expression, when any term is served by the index.
    pub fts: Option<String>,
    /// Word parts too common to expand, checked with [`CONTAINS_FUNCTION`].
    pub parts: Vec<String>,
}

impl TextQuery {
    /// Nothing searchable was typed (only punctuation): matches nothing.
    pub fn is_empty(&self) -> bool {
        self.fts.is_none() && self.parts.is_empty()
    }
}

/// One typed term: a bare word, or the words of a quoted phrase.
enum Typed<'a> {
    Word(&'a str),
    Phrase(&'a str),
}

/// Splits typed text into words and `"quoted phrases"` (an unclosed quote
/// runs to the end).
fn typed_terms(text: &str) -> Vec<Typed<'_>> {
    let mut terms = Vec::new();
    for (i, segment) in text.split('"').enumerate() {
        if i % 2 == 1 {
            terms.push(Typed::Phrase(segment));
        } else {
            terms.extend(segment.split_whitespace().map(Typed::Word));
        }
    }
    terms
}

/// Parses what an officer typed (see the module docs).
pub(crate) fn parse(conn: &Connection, text: &str) -> Result<TextQuery, StoreError> {
    parse_with_limit(conn, text, MAX_INFIX_EXPANSION)
}

fn quoted(words: &[String]) -> String {
    format!("\"{}\"", words.join(" "))
}

fn any_of(words: &[String]) -> String {
    let alternatives: Vec<String> = words.iter().map(|t| format!("\"{t}\"")).collect();
    if alternatives.len() == 1 {
        alternatives[0].clone()
    } else {
        format!("({})", alternatives.join(" OR "))
    }
}

fn parse_with_limit(
    conn: &Connection,
    text: &str,
    infix_limit: usize,
) -> Result<TextQuery, StoreError> {
    let mut fts = Vec::new();
    let mut parts = Vec::new();
    for typed in typed_terms(text) {
        let word = match typed {
            Typed::Phrase(phrase) => {
                let words: Vec<String> = tokens(phrase).collect();
                if !words.is_empty() {
                    fts.push(quoted(&words));
                }
                continue;
            }
            Typed::Word(word) => word,
        };
        let (word, prefix) = match word.strip_suffix('*') {
            Some(w) => (w, true),
            None => (word, false),
        };
        let words: Vec<String> = tokens(word).collect();
        if words.is_empty() {
            continue;
        }
        if prefix {
            let typed_chars: usize = words.iter().map(|w| w.chars().count()).sum();
            if typed_chars < MIN_PREFIX_CHARS {
                return Err(StoreError::InvalidInput {
                    field: "search text",
                    reason: format!(
                        "{word:?}* is too short to search by: a prefix needs at least \
                         {MIN_PREFIX_CHARS} letters or digits before the *"
                    ),
                });
            }
            let expanded = match words.as_slice() {
                [one] if one.chars().count() >= DICTIONARY_MIN_CHARS => expand_prefix(conn, one)?,
                _ => None,
            };
            fts.push(match expanded {
                Some(list) if !list.is_empty() => any_of(&list),
                _ => format!("{}*", quoted(&words)),
            });
            continue;
        }
        match words.as_slice() {
            [one] if one.chars().count() >= MIN_INFIX_CHARS => {
                match expand_infix(conn, one, infix_limit)? {
                    Some(list) => fts.push(any_of(&list)),
                    None => parts.push(one.clone()),
                }
            }
            _ => fts.push(quoted(&words)),
        }
    }
    Ok(TextQuery {
        fts: (!fts.is_empty()).then(|| fts.join(" AND ")),
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_database;
    use crate::search::MIGRATIONS;

    fn dictionary(conn: &Connection, words: &[&str]) {
        let terms = words.iter().map(|w| w.to_string()).collect();
        record_terms(conn, &terms).unwrap();
    }

    #[test]
    fn typed_text_never_becomes_query_syntax() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        let q = |t: &str| parse(&conn, t).unwrap();
        assert_eq!(
            q("bygg* NOT x OR").fts.as_deref(),
            Some("\"bygg\"* AND \"not\" AND \"x\" AND \"or\"")
        );
        assert!(q(" * - ").is_empty());
        assert_eq!(q("2026/0123").fts.as_deref(), Some("\"2026 0123\""));
        assert_eq!(
            q("\"ansökan OM\" bygglov\"").fts.as_deref(),
            Some("\"ansökan om\" AND \"bygglov\""),
            "a quoted phrase, then an unclosed quote running to the end"
        );
    }

    #[test]
    fn a_one_letter_prefix_is_refused_with_a_plain_reason() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        let err = parse(&conn, "beslut b*").unwrap_err();
        assert!(err.to_string().contains("at least 2"), "{err}");
        assert!(parse(&conn, "by*").is_ok());
    }

    #[test]
    fn long_prefixes_expand_through_the_dictionary_short_ones_do_not() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        dictionary(
            &conn,
            &["åtgärd", "åtgärda", "åtgärder", "åtgärdsplan", "atgard"],
        );
        let q = |t: &str| parse(&conn, t).unwrap().fts.unwrap();
        assert_eq!(
            q("ÅTGÄRD*"),
            "(\"åtgärd\" OR \"åtgärda\" OR \"åtgärder\" OR \"åtgärdsplan\")"
        );
        assert_eq!(q("åtg*"), "\"åtg\"*", "3 characters: FTS5's prefix index");
        assert_eq!(
            q("2026/01*"),
            "\"2026 01\"*",
            "several tokens: FTS5's own prefix"
        );
        let many: Vec<String> = (0..=MAX_EXPANSION).map(|n| format!("bygg{n:03}")).collect();
        record_terms(&conn, &many.into_iter().collect()).unwrap();
        assert_eq!(
            q("bygg*"),
            "\"bygg\"*",
            "too many tokens: FTS5's own prefix"
        );
        let words: Vec<String> = tokens("Beslut: ÖVERKLAGA-bygglov 2026/0123").collect();
        assert_eq!(words, ["beslut", "överklaga", "bygglov", "2026", "0123"]);
    }

    #[test]
    fn word_parts_expand_to_the_words_containing_them() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        dictionary(
            &conn,
            &[
                "parkeringstillstånd",
                "serveringstillstånd",
                "tillståndet",
                "tillstand",
            ],
        );
        let q = |t: &str| parse(&conn, t).unwrap();
        assert_eq!(
            q("TillStånd").fts.as_deref(),
            Some("(\"tillstånd\" OR \"parkeringstillstånd\" OR \"serveringstillstånd\" OR \"tillståndet\")"),
            "å is not a: \"tillstand\" is another word"
        );
        assert_eq!(
            q("om").fts.as_deref(),
            Some("\"om\""),
            "short words are whole words"
        );
        assert_eq!(
            q("xyz").fts.as_deref(),
            Some("\"xyz\""),
            "no longer word contains it"
        );
    }

    #[test]
    fn a_too_common_word_part_is_checked_row_by_row() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        dictionary(&conn, &["tillsyn", "tillstånd", "tillbyggnad", "tills"]);
        let q = parse_with_limit(&conn, "till beslut", 3).unwrap();
        assert_eq!(q.parts, ["till"]);
        assert_eq!(
            q.fts.as_deref(),
            Some("\"beslut\""),
            "the other word still drives through the index"
        );
    }

    #[test]
    fn pruned_words_leave_the_trigram_index_too() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        dictionary(&conn, &["serveringstillstånd"]);
        let terms = ["serveringstillstånd".to_owned()].into_iter().collect();
        prune_dictionary(&conn, &terms).unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM search_terms_tri", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
        assert_eq!(
            parse(&conn, "tillstånd").unwrap().fts.as_deref(),
            Some("\"tillstånd\"")
        );
    }

    #[test]
    fn the_row_check_folds_case_like_the_index() {
        let (_dir, conn) = test_database(&[&MIGRATIONS]);
        register_functions(&conn).unwrap();
        let contains = |part: &str, a: Option<&str>, b: Option<&str>| -> bool {
            conn.query_row(
                "SELECT kuvert_contains(?1, ?2, ?3)",
                rusqlite::params![part, a, b],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert!(contains("öve", None, Some("ÖVERKLAGANDE")));
        assert!(!contains("ove", Some("Överklagande"), None));
        assert!(!contains("till", None, None));
    }
}
