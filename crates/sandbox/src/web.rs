//! The read-only mailbox web pages: an index of the operators, one page per
//! operator showing delivered messages as a recipient would see them, a JSON
//! listing for tests, and attachment downloads. Served over HTTPS without
//! client certificates; every text from a delivery is HTML-escaped.

use std::fmt::Write as _;
use std::sync::Arc;

use kuvert_service::{Request, Response};

use crate::directory::Operator;
use crate::mailbox::{self, DeliveredMessage};
use crate::Shared;

/// Serves `GET /`, `/mailbox/<operator>/`, `/mailbox/<operator>/messages.json`
/// and `/mailbox/<operator>/messages/<transaction>/attachments/<n>`.
pub(crate) fn handle(shared: &Arc<Shared>, request: Request) -> Response {
    if request.method != "GET" && request.method != "HEAD" {
        return Response::text(405, "The mailbox pages are read-only.\n");
    }
    let path = request.path.split('?').next().unwrap_or("");
    if path == "/" {
        return index(shared);
    }
    let Some(rest) = path.strip_prefix("/mailbox/") else {
        return not_found();
    };
    let mut parts = rest.split('/');
    let Some(operator) = parts.next().and_then(Operator::from_slug) else {
        return not_found();
    };
    match parts.collect::<Vec<_>>().as_slice() {
        [] | [""] => page(shared, operator),
        ["messages.json"] => {
            let messages = mailbox::delivered(shared, operator);
            match serde_json::to_vec_pretty(&messages) {
                Ok(json) => Response::new(200, "application/json", json),
                Err(e) => Response::text(500, format!("could not list the messages: {e}\n")),
            }
        }
        ["messages", transaction, "attachments", n] => attachment(shared, operator, transaction, n),
        _ => not_found(),
    }
}

fn not_found() -> Response {
    Response::html(404, layout("Finns inte", "<p>Sidan finns inte.</p>"))
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}}\
article{{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}}\
pre{{white-space:pre-wrap;font-family:inherit}}dt{{font-weight:bold}}</style></head>\
<body><p><em>Testmiljö — inga riktiga meddelanden.</em></p>{body}</body></html>\n",
        title = escape(title)
    )
}

fn index(shared: &Shared) -> Response {
    let mut body = String::from("<h1>Brevlådor i testmiljön</h1><ul>");
    for operator in Operator::ALL {
        let count = shared
            .records()
            .mailbox
            .iter()
            .filter(|m| m.operator == operator)
            .count();
        let _ = write!(
            body,
            "<li><a href=\"/mailbox/{slug}/\">{name}</a> — {count} meddelanden \
(<a href=\"/mailbox/{slug}/messages.json\">JSON</a>)</li>",
            slug = operator.slug(),
            name = escape(operator.name()),
        );
    }
    body.push_str("</ul>");
    Response::html(200, layout("Brevlådor i testmiljön", &body))
}

fn page(shared: &Shared, operator: Operator) -> Response {
    let messages = mailbox::delivered(shared, operator);
    let mut body = format!(
        "<h1>{}</h1><p><a href=\"/\">Alla brevlådor</a></p>",
        escape(operator.name())
    );
    if messages.is_empty() {
        body.push_str("<p>Inga meddelanden har levererats hit ännu.</p>");
    }
    for message in messages.iter().rev() {
        body.push_str(&article(operator, message));
    }
    Response::html(200, layout(operator.name(), &body))
}

fn article(operator: Operator, m: &DeliveredMessage) -> String {
    let mut html = format!(
        "<article id=\"{id}\"><h2>{subject}</h2><dl>\
<dt>Mottagare</dt><dd>{recipient}</dd>\
<dt>Avsändare</dt><dd>{sender}</dd>\
<dt>Mottaget</dt><dd>{received}</dd>\
<dt>Skyddsklass</dt><dd>{class}</dd>",
        id = escape(&m.transaction_id),
        subject = escape(&m.subject),
        recipient = escape(&m.recipient_display),
        sender = escape(&m.sender_name),
        received = escape(&m.received_time),
        class = m.protection_class,
    );
    if let Some(case) = &m.case_number {
        let _ = write!(html, "<dt>Ärende</dt><dd>{}</dd>", escape(case));
    }
    let seal = if m.signatures_verified && m.seal_signatures_ok {
        "Förseglat och underskrifterna är giltiga"
    } else {
        "Förseglingen eller en underskrift är inte giltig"
    };
    let _ = write!(
        html,
        "<dt>Försegling</dt><dd>{} (förseglat {})</dd></dl><pre>{}</pre>",
        seal,
        escape(&m.sealed_on),
        escape(&m.body)
    );
    if !m.attachments.is_empty() {
        html.push_str("<h3>Bilagor</h3><ul>");
        for (n, a) in m.attachments.iter().enumerate() {
            let _ = write!(
                html,
                "<li><a href=\"/mailbox/{slug}/messages/{tx}/attachments/{n}\">{name}</a> ({size} byte, {kind})</li>",
                slug = operator.slug(),
                tx = escape(&m.transaction_id),
                name = escape(&a.filename),
                size = a.size,
                kind = escape(&a.content_type),
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("</article>");
    html
}

fn attachment(shared: &Shared, operator: Operator, transaction: &str, n: &str) -> Response {
    let found = n.parse::<usize>().ok().and_then(|n| {
        let content = mailbox::content(shared, operator, transaction)?;
        let message = content.delivery.messages.into_iter().next()?;
        message.attachments.into_iter().nth(n)
    });
    match found {
        Some(a) => Response::new(200, a.content_type, a.bytes),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
