//! Sent-log filters as officers and registrars type them, turned into a
//! store query (or a clear error about which filter is wrong).

use kuvert_protocol::date::CalendarDate;
use kuvert_protocol::identity::{OrganizationNumber, RecipientId};
use kuvert_store::{CaseNumberFilter, SendState, SentLogQuery};
use time::Date;

use crate::error::Error;
use crate::local_time::start_of_day;

/// Filters over the sent log, as text; every one set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct LogFilter {
    /// Free text.
    pub text: Option<String>,
    /// A recipient identity number in any format.
    pub recipient: Option<String>,
    /// A diarienummer; a trailing `*` makes it a prefix.
    pub case_number: Option<String>,
    /// First day (YYYY-MM-DD), inclusive; days are Swedish days, from
    /// midnight in Sweden.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD), inclusive (a Swedish day likewise).
    pub to: Option<String>,
    /// States by name (`delivered`, `failed`, …).
    pub states: Vec<String>,
    /// Protection class.
    pub protection_class: Option<u8>,
    /// Sender name.
    pub sender_name: Option<String>,
    /// The sending officer's account.
    pub officer: Option<String>,
    /// At most this many rows.
    pub limit: u32,
    /// Skip this many rows.
    pub offset: u32,
}

fn invalid(field: &'static str, reason: String) -> Error {
    Error::InvalidInput { field, reason }
}

fn day(field: &'static str, text: &str) -> Result<Date, Error> {
    let date: CalendarDate = text
        .trim()
        .parse()
        .map_err(|e| invalid(field, format!("{text:?}: {e}")))?;
    Ok(Date::from(date))
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl LogFilter {
    /// The filter in Swedish words, for the heading of a report
    /// ("Diarienummer: KS 2026/*; Status: delivered"), or "Alla meddelanden".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let labelled = [
            ("Text", &self.text),
            ("Mottagare", &self.recipient),
            ("Diarienummer", &self.case_number),
            ("Från", &self.from),
            ("Till", &self.to),
            ("Avsändare", &self.sender_name),
            ("Handläggare", &self.officer),
        ];
        for (label, value) in labelled {
            if let Some(value) = non_empty(value) {
                parts.push(format!("{label}: {value}"));
            }
        }
        if !self.states.is_empty() {
            parts.push(format!("Status: {}", self.states.join(", ")));
        }
        if let Some(class) = self.protection_class {
            parts.push(format!("Skyddsklass: {class}"));
        }
        if parts.is_empty() {
            "Alla meddelanden".to_string()
        } else {
            parts.join("; ")
        }
    }

    /// The store query; `today` decides the century of short identity numbers.
    pub fn to_query(&self, today: CalendarDate) -> Result<SentLogQuery, Error> {
        let mut query = SentLogQuery {
            text: non_empty(&self.text).map(str::to_string),
            limit: if self.limit == 0 { 50 } else { self.limit },
            offset: self.offset,
            ..SentLogQuery::default()
        };
        if let Some(recipient) = non_empty(&self.recipient) {
            let wire = match RecipientId::parse(recipient, today) {
                Ok(id) => id.as_str().to_string(),
                Err(person_error) => OrganizationNumber::parse(recipient)
                    .map(|org| org.as_str().to_string())
                    .map_err(|_| invalid("recipient", format!("{recipient:?}: {person_error}")))?,
            };
            query.recipient = Some(wire);
        }
        if let Some(case) = non_empty(&self.case_number) {
            query.case_number = Some(match case.strip_suffix('*') {
                Some(prefix) => CaseNumberFilter::Prefix(prefix.to_string()),
                None => CaseNumberFilter::Exact(case.to_string()),
            });
        }
        if let Some(from) = non_empty(&self.from) {
            query.from = Some(start_of_day(day("from", from)?));
        }
        if let Some(to) = non_empty(&self.to) {
            let last = day("to", to)?;
            // The day after the last begins; `Date::MAX` has none, so it ends
            // the range where it begins.
            query.until = Some(start_of_day(last.next_day().unwrap_or(last)));
        }
        if let (Some(from), Some(until)) = (query.from, query.until) {
            if from >= until {
                return Err(invalid(
                    "to",
                    "the last day is before the first".to_string(),
                ));
            }
        }
        for state in &self.states {
            let parsed = SendState::parse(state.trim().to_ascii_lowercase().as_str())
                .ok_or_else(|| invalid("status", format!("{state:?} is not a status")))?;
            query.states.push(parsed);
        }
        if let Some(class) = self.protection_class {
            if !(1..=3).contains(&class) {
                return Err(invalid(
                    "class",
                    format!("{class} is not a protection class (1–3)"),
                ));
            }
            query.protection_class = Some(class);
        }
        query.sender_name = non_empty(&self.sender_name).map(str::to_string);
        query.officer = non_empty(&self.officer).map(str::to_string);
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CalendarDate {
        CalendarDate::new(2026, 11, 23).unwrap()
    }

    #[test]
    fn filters_become_a_query() {
        let filter = LogFilter {
            text: Some(" bygglov ".into()),
            recipient: Some("850101-2382".into()),
            case_number: Some("KS 2026/*".into()),
            from: Some("2026-01-01".into()),
            to: Some("2026-01-31".into()),
            states: vec!["Delivered".into()],
            protection_class: Some(2),
            ..LogFilter::default()
        };
        let query = filter.to_query(today()).unwrap();
        assert_eq!(query.text.as_deref(), Some("bygglov"));
        assert_eq!(query.recipient.as_deref(), Some("198501012382"));
        assert_eq!(
            query.case_number,
            Some(CaseNumberFilter::Prefix("KS 2026/".into()))
        );
        // Swedish days: from midnight in Sweden (winter time, +01:00).
        assert_eq!(
            query.from.unwrap(),
            time::macros::datetime!(2025-12-31 23:00 UTC)
        );
        assert_eq!(
            query.until.unwrap(),
            time::macros::datetime!(2026-01-31 23:00 UTC)
        );
        assert_eq!(query.states, vec![SendState::Delivered]);
    }

    #[test]
    fn organisation_numbers_are_accepted_as_recipients() {
        let filter = LogFilter {
            recipient: Some("556840-2266".into()),
            ..LogFilter::default()
        };
        assert_eq!(
            filter.to_query(today()).unwrap().recipient.as_deref(),
            Some("165568402266")
        );
    }

    #[test]
    fn bad_filters_name_the_filter() {
        let cases: [(LogFilter, &str); 5] = [
            (
                LogFilter {
                    from: Some("2026-02-30".into()),
                    ..Default::default()
                },
                "from",
            ),
            (
                LogFilter {
                    to: Some("igår".into()),
                    ..Default::default()
                },
                "to",
            ),
            (
                LogFilter {
                    states: vec!["sent".into()],
                    ..Default::default()
                },
                "status",
            ),
            (
                LogFilter {
                    protection_class: Some(4),
                    ..Default::default()
                },
                "class",
            ),
            (
                LogFilter {
                    recipient: Some("850101-2383".into()),
                    ..Default::default()
                },
                "recipient",
            ),
        ];
        for (filter, field) in cases {
            match filter.to_query(today()) {
                Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{filter:?}: {other:?}"),
            }
        }
    }
}
