//! The HTTPS API the desktops and the CLI call (JSON; the caller is the
//! client certificate's holder, see [`crate::tls`]):
//!
//! | Method and path | What |
//! |---|---|
//! | `GET /v1/whoami` | the caller's identity and role |
//! | `POST /v1/messages` | submit a [`Submission`]; answers [`Accepted`](kuvert_core::department::wire::Accepted) once stored |
//! | `GET /v1/messages?q=&limit=` | the log the caller may read, newest first |
//! | `GET /v1/messages/{id}` | one message |
//! | `GET /v1/messages/{id}/history` | its history |
//! | `GET /v1/messages/{id}/letter` | the printed letter of one sent on paper (PDF) |
//! | `POST /v1/messages/{id}/handled` | a Failed message handled outside Kuvert, with a [`HandledRequest`] note (its officer) |
//! | `GET /v1/export.csv?q=` | the log the caller may read as CSV, oldest first ([`crate::export`]); `X-Kuvert-Rows` counts the messages |
//! | `GET /v1/archive?message=ID` or `?case=DNR` | the filing package (E-ARK SIP, ZIP) of what the caller may read ([`crate::filing`]) |
//! | `GET /v1/log/verify` | the chain check (registrars) |
//! | `POST /v1/purge` | a retention purge (registrars, within the rule) |
//! | `GET /v1/purges` | the recorded purges (registrars) |
//! | `POST /v1/import` | one message of an officer's local log (`kuvert migrate-to-department`) |
//!
//! Every error is an [`ApiError`] with a code and a Swedish text.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use kuvert_core::department::wire::{
    ApiError, ExportFilter, HandledRequest, ImportedMessage, PurgeRequest, RecipientQuestion,
    Submission, WhoAmI,
};
use serde::Deserialize;

use crate::department::{Department, Refusal};
use crate::staff::{Caller, Identity};

/// The largest request body: a submission with the largest attachments a
/// profile allows (base64 adds a third).
const MAX_BODY_BYTES: usize = 96 * 1024 * 1024;

/// The API's routes over `department`. The TLS layer adds the caller's
/// [`Identity`] to each request.
pub fn router(department: Arc<Department>) -> Router<()> {
    Router::new()
        .route("/v1/whoami", get(who_am_i))
        .route("/v1/recipients", post(recipients))
        .route("/v1/events", get(events))
        .route("/v1/messages", post(submit).get(log))
        .route("/v1/messages/{id}", get(message))
        .route("/v1/messages/{id}/history", get(history))
        .route("/v1/messages/{id}/letter", get(letter))
        .route("/v1/messages/{id}/handled", post(handled))
        .route("/v1/export.csv", get(export_csv))
        .route("/v1/archive", get(archive))
        .route("/v1/log/verify", get(verify_log))
        .route("/v1/purge", post(purge))
        .route("/v1/purges", get(purges))
        .route("/v1/import", post(import))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(department)
}

/// A refusal as an HTTP answer.
struct Answer(Refusal);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            Refusal::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Forbidden(_) | Refusal::UnknownCaller(_) => StatusCode::FORBIDDEN,
            Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Intermediary(_) => StatusCode::BAD_GATEWAY,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let Refusal::Unavailable(detail) = &self.0 {
            tracing::warn!(%detail, "the database failed a request");
        } else if let Refusal::Internal(detail) = &self.0 {
            tracing::warn!(%detail, "a request failed");
        }
        let problems = match &self.0 {
            Refusal::Invalid { problems } => problems.clone(),
            _ => Vec::new(),
        };
        let body = ApiError {
            code: self.0.code().to_string(),
            message: self.0.to_string(),
            problems,
        };
        (status, Json(body)).into_response()
    }
}

impl From<Refusal> for Answer {
    fn from(refusal: Refusal) -> Self {
        Answer(refusal)
    }
}

/// Runs the blocking `work` (database, signing, the pipeline) off the
/// async threads, as the caller the identity names.
async fn as_caller<T: Send + 'static>(
    department: Arc<Department>,
    identity: Identity,
    work: impl FnOnce(&Department, &Caller) -> Result<T, Refusal> + Send + 'static,
) -> Result<T, Answer> {
    tokio::task::spawn_blocking(move || {
        let caller = department.caller(&identity.key)?;
        work(&department, &caller)
    })
    .await
    .map_err(|e| Answer(Refusal::Internal(e.to_string())))?
    .map_err(Answer)
}

async fn who_am_i(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
) -> Result<Json<WhoAmI>, Answer> {
    as_caller(department, identity, |_, caller| {
        Ok(WhoAmI {
            identity: caller.identity().to_string(),
            name: caller.member.name.clone(),
            role: caller.role().name().to_string(),
        })
    })
    .await
    .map(Json)
}

async fn submit(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Json(submission): Json<Submission>,
) -> Result<Response, Answer> {
    let accepted = as_caller(department, identity, move |d, caller| {
        d.submit(caller, &submission)
    })
    .await?;
    let status = if accepted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(accepted)).into_response())
}

#[derive(Deserialize)]
struct LogQuery {
    q: Option<String>,
    limit: Option<u32>,
    /// One of the officer's folders (`outbox`, `needs_attention`, `sent`,
    /// `paper`, `failed`) instead of a search.
    folder: Option<kuvert_core::Folder>,
}

async fn log(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Query(query): Query<LogQuery>,
) -> Result<Response, Answer> {
    let found = as_caller(department, identity, move |d, caller| match query.folder {
        Some(folder) => d.folder(caller, folder),
        None => d.log(caller, query.q.as_deref(), query.limit.unwrap_or(100)),
    })
    .await?;
    Ok(Json(found).into_response())
}

#[derive(Debug, Deserialize)]
struct ArchiveQuery {
    message: Option<String>,
    case: Option<String>,
}

/// As the export: spooled ([`spool`]), then streamed.
async fn archive(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Query(query): Query<ArchiveQuery>,
) -> Result<Response, Answer> {
    let selection = match (query.message, query.case) {
        (Some(id), None) => crate::filing::Selection::Message(id),
        (None, Some(case)) if !case.trim().is_empty() => {
            crate::filing::Selection::Case(case.trim().to_string())
        }
        _ => {
            return Err(Answer(Refusal::Invalid {
                problems: vec![
                    "Ange antingen ett meddelande (message) eller ett diarienummer (case).".into(),
                ],
            }))
        }
    };
    let (file, summary) = as_caller(department, identity, move |d, caller| {
        spool(|file| d.archive(caller, &selection, file))
    })
    .await?;
    Ok(spooled(file, "application/zip", summary.messages))
}

/// Runs `write` on a new temporary file and rewinds it for reading: an
/// answer is made whole before it is sent, so a failure is an error answer
/// rather than a cut-off file.
fn spool<T>(
    write: impl FnOnce(&mut std::fs::File) -> Result<T, Refusal>,
) -> Result<(std::fs::File, T), Refusal> {
    use std::io::{Seek, SeekFrom};
    let failed = |e: std::io::Error| Refusal::Internal(format!("the answer's file: {e}"));
    let mut file = tempfile::tempfile().map_err(failed)?;
    let value = write(&mut file)?;
    file.seek(SeekFrom::Start(0)).map_err(failed)?;
    Ok((file, value))
}

/// A spooled answer streamed from its file, `rows` messages of it.
fn spooled(file: std::fs::File, content_type: &str, rows: u64) -> Response {
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
        tokio::fs::File::from_std(file),
        1 << 16,
    ));
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::HeaderName::from_static("x-kuvert-rows"),
                rows.to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

/// The export is spooled ([`spool`]), then streamed.
async fn export_csv(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Query(filter): Query<ExportFilter>,
) -> Result<Response, Answer> {
    let (file, rows) = as_caller(department, identity, move |d, caller| {
        spool(|file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            d.export_csv(caller, &filter, &mut out)
        })
    })
    .await?;
    Ok(spooled(file, "text/csv; charset=utf-8", rows))
}

async fn purges(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, Answer> {
    let found = as_caller(department, identity, |d, caller| d.purges(caller)).await?;
    Ok(Json(found).into_response())
}

async fn message(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<String>,
) -> Result<Response, Answer> {
    let found = as_caller(department, identity, move |d, caller| {
        d.message(caller, &id)
    })
    .await?;
    Ok(Json(found).into_response())
}

async fn history(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<String>,
) -> Result<Response, Answer> {
    let found = as_caller(department, identity, move |d, caller| {
        d.history(caller, &id)
    })
    .await?;
    Ok(Json(found).into_response())
}

async fn verify_log(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, Answer> {
    let report = as_caller(department, identity, |d, caller| d.verify_log(caller)).await?;
    Ok(Json(report).into_response())
}

async fn letter(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<String>,
) -> Result<Response, Answer> {
    let pdf = as_caller(department, identity, move |d, caller| d.letter(caller, &id)).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

/// How often an idle event stream says it is alive.
const EVENTS_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// `GET /v1/events`: server-sent events, one `status` event (the message
/// as `GET /v1/messages/{id}` shows it) for each change to a message the
/// caller may read, from any instance ([`crate::events`]); a `resync`
/// event when changes may have been missed (the client reads its folders
/// again). Others' messages are never named, not even by id.
async fn events(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
) -> Result<Response, Answer> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    // Subscribed before the caller is looked up: nothing falls between.
    let changes = department.subscribe();
    let caller = as_caller(Arc::clone(&department), identity, |_, caller| {
        Ok(caller.clone())
    })
    .await?;
    let stream = futures_util::stream::unfold(
        (changes, department, caller),
        |(mut changes, department, caller)| async move {
            loop {
                let event = match changes.recv().await {
                    Ok(id) if id.is_empty() => Event::default().event("resync").data(""),
                    Ok(id) => {
                        let (d, c) = (Arc::clone(&department), caller.clone());
                        let seen = tokio::task::spawn_blocking(move || d.message(&c, &id)).await;
                        match seen {
                            Ok(Ok(view)) => {
                                match Event::default().event("status").json_data(view) {
                                    Ok(event) => event,
                                    Err(_) => continue,
                                }
                            }
                            // Not the caller's to read: nothing is said.
                            Ok(Err(Refusal::NotFound)) => continue,
                            // The database failed: the client reads again later.
                            _ => Event::default().event("resync").data(""),
                        }
                    }
                    Err(RecvError::Lagged(_)) => Event::default().event("resync").data(""),
                    Err(RecvError::Closed) => return None,
                };
                return Some((
                    Ok::<_, std::convert::Infallible>(event),
                    (changes, department, caller),
                ));
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(EVENTS_KEEP_ALIVE))
        .into_response())
}

async fn recipients(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Json(question): Json<RecipientQuestion>,
) -> Result<Response, Answer> {
    let answers = as_caller(department, identity, move |d, caller| {
        d.check_recipients(caller, &question.inputs)
    })
    .await?;
    Ok(Json(answers).into_response())
}

async fn handled(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Path(id): Path<String>,
    Json(request): Json<HandledRequest>,
) -> Result<Response, Answer> {
    let view = as_caller(department, identity, move |d, caller| {
        d.mark_handled(caller, &id, &request.note)
    })
    .await?;
    Ok(Json(view).into_response())
}

async fn purge(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Json(order): Json<PurgeRequest>,
) -> Result<Response, Answer> {
    let answer = as_caller(department, identity, move |d, caller| {
        d.purge(caller, order.older_than_days, order.dry_run)
    })
    .await?;
    Ok(Json(answer).into_response())
}

async fn import(
    State(department): State<Arc<Department>>,
    Extension(identity): Extension<Identity>,
    Json(message): Json<ImportedMessage>,
) -> Result<Response, Answer> {
    let accepted = as_caller(department, identity, move |d, caller| {
        d.import(caller, &message)
    })
    .await?;
    let status = if accepted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(accepted)).into_response())
}
