//! What is wrong with a draft, field by field, in Swedish and English.

use std::fmt;

use kuvert_protocol::identity::IdentityError;

/// The field of the compose form a problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The recipient's identity number.
    Recipient,
    /// The subject line.
    Subject,
    /// The message text.
    Body,
    /// The attachments (each problem names the file).
    Attachments,
    /// The protection class.
    ProtectionClass,
    /// The diarienummer.
    CaseNumber,
    /// The person or function at a receiving organisation.
    Attention,
    /// The case type (template).
    CaseType,
    /// The sender name.
    SenderName,
    /// The event-message choice.
    Event,
    /// The recipient's postal address (for a letter).
    PostalAddress,
}

impl Field {
    /// A stable identifier for the UI (`recipient`, `subject`, …).
    pub fn code(self) -> &'static str {
        match self {
            Field::Recipient => "recipient",
            Field::Subject => "subject",
            Field::Body => "body",
            Field::Attachments => "attachments",
            Field::ProtectionClass => "protection_class",
            Field::CaseNumber => "case_number",
            Field::Attention => "attention",
            Field::CaseType => "case_type",
            Field::SenderName => "sender_name",
            Field::Event => "event",
            Field::PostalAddress => "postal_address",
        }
    }

    /// The field's label in Swedish, as the compose form shows it.
    pub fn swedish(self) -> &'static str {
        match self {
            Field::Recipient => "Mottagare",
            Field::Subject => "Ämne",
            Field::Body => "Meddelande",
            Field::Attachments => "Bilagor",
            Field::ProtectionClass => "Skyddsklass",
            Field::CaseNumber => "Diarienummer",
            Field::Attention => "Att",
            Field::CaseType => "Ärendetyp",
            Field::SenderName => "Avsändare",
            Field::Event => "Händelsemeddelande",
            Field::PostalAddress => "Postadress",
        }
    }
}

/// What is wrong. `Display` is the English text; [`ProblemKind::swedish`]
/// the Swedish one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The identity number is not valid.
    #[error("{0}. Check the number.")]
    Identity(IdentityError),
    /// A required value is missing.
    #[error("This must be filled in.")]
    Required,
    /// A text is too long.
    #[error("This is {length} characters long; at most {max} are allowed.")]
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A text contains a character that cannot be sent.
    #[error("This contains a character that cannot be sent (U+{code:04X}); remove it.")]
    ForbiddenCharacter {
        /// The character's code point.
        code: u32,
    },
    /// Protection class 4.
    #[error(
        "Protection class 4 information may not be sent through Mina meddelanden. \
         Use another channel, such as a registered letter."
    )]
    ProtectionClass4,
    /// A protection class other than 1–4.
    #[error("Protection class {0} does not exist; choose 1, 2 or 3.")]
    ProtectionClassOutOfRange(u8),
    /// Neither a text nor an attachment.
    #[error("The message is empty. Write a text or attach a document.")]
    EmptyMessage,
    /// An attachment without content.
    #[error("The attachment {file} is empty. Attach the file again or remove it.")]
    EmptyAttachment {
        /// The file name.
        file: String,
    },
    /// An attachment over the organisation's size limit.
    #[error("The attachment {file} is {size} bytes; at most {max} bytes are allowed.")]
    AttachmentTooLarge {
        /// The file name.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The attachments together are over the organisation's limit.
    #[error("The attachments are {total} bytes together; at most {max} bytes are allowed.")]
    AttachmentsTooLarge {
        /// Their total size.
        total: u64,
        /// The limit.
        max: u64,
    },
    /// The signed delivery as sent (the SOAP envelope) is over the
    /// profile's `rules.max_envelope_bytes`.
    #[error(
        "The message is {size} bytes as sent (signed, attachments base64-encoded); \
         the intermediary takes at most {max} bytes. Compress the PDF or send the message on paper."
    )]
    EnvelopeTooLarge {
        /// The envelope's size in bytes.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The file name's extension is not a type Kuvert recognises.
    #[error(
        "The type of {file} cannot be recognised from its name; attach a PDF, image or text file."
    )]
    UnknownFileType {
        /// The file name.
        file: String,
    },
    /// The content does not match the file name's extension.
    #[error(
        "{file} is named as a {} file but its content {}.",
        by_extension.label(),
        by_content.map(|t| format!("is a {} file", t.label())).unwrap_or_else(|| "is not".into())
    )]
    FileTypeMismatch {
        /// The file name.
        file: String,
        /// What the name says.
        by_extension: super::FileType,
        /// What the content is, if known.
        by_content: Option<super::FileType>,
    },
    /// The organisation does not allow this file type.
    #[error("{file} is a {} file, which your organisation does not allow to be sent.", file_type.label())]
    FileTypeNotAllowed {
        /// The file name.
        file: String,
        /// Its type.
        file_type: super::FileType,
    },
    /// Two attachments with the same name.
    #[error("There are two attachments named {file}; rename one of them.")]
    DuplicateFileName {
        /// The file name.
        file: String,
    },
    /// A file name that cannot be sent.
    #[error("The file name {file:?} cannot be used; rename the file.")]
    InvalidFileName {
        /// The file name.
        file: String,
    },
    /// A diarienummer with characters registry numbers do not have.
    #[error(
        "{character:?} does not belong in a case number; use letters, digits, spaces and - / . :"
    )]
    CaseNumberCharacter {
        /// The character.
        character: char,
    },
    /// Attention given for a person.
    #[error("Attention can only be given when the recipient is an organisation.")]
    AttentionForPerson,
    /// A case type the profile does not define.
    #[error("The case type {name:?} does not exist in this profile.")]
    UnknownCaseType {
        /// The name given.
        name: String,
    },
    /// A sender name the profile does not list.
    #[error("{name:?} is not one of this organisation's sender names.")]
    UnknownSenderName {
        /// The name given.
        name: String,
    },
    /// An event message needs the case's diarienummer.
    #[error(
        "An event message needs a case number; enter the case number or send an ordinary message."
    )]
    EventWithoutCaseNumber,
    /// A postal address of one line.
    #[error("Write the name and the postal address on at least two lines.")]
    AddressTooShort,
    /// A postal address with more lines than a window envelope shows.
    #[error("The address has {lines} lines; an envelope's window shows at most {max}.")]
    AddressTooManyLines {
        /// How many lines it has.
        lines: usize,
        /// The limit.
        max: usize,
    },
}

impl ProblemKind {
    /// Whether the problem is one of size (an attachment, the attachments
    /// together, the envelope as sent): the ways out are compressing a PDF
    /// or sending on paper.
    pub fn is_size(&self) -> bool {
        matches!(
            self,
            ProblemKind::AttachmentTooLarge { .. }
                | ProblemKind::AttachmentsTooLarge { .. }
                | ProblemKind::EnvelopeTooLarge { .. }
        )
    }

    /// A stable code for tests and the UI (`required`, `too_long`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ProblemKind::Identity(_) => "identity",
            ProblemKind::Required => "required",
            ProblemKind::TooLong { .. } => "too_long",
            ProblemKind::ForbiddenCharacter { .. } => "forbidden_character",
            ProblemKind::ProtectionClass4 => "protection_class_4",
            ProblemKind::ProtectionClassOutOfRange(_) => "protection_class_out_of_range",
            ProblemKind::EmptyMessage => "empty_message",
            ProblemKind::EmptyAttachment { .. } => "empty_attachment",
            ProblemKind::AttachmentTooLarge { .. } => "attachment_too_large",
            ProblemKind::AttachmentsTooLarge { .. } => "attachments_too_large",
            ProblemKind::EnvelopeTooLarge { .. } => "envelope_too_large",
            ProblemKind::UnknownFileType { .. } => "unknown_file_type",
            ProblemKind::FileTypeMismatch { .. } => "file_type_mismatch",
            ProblemKind::FileTypeNotAllowed { .. } => "file_type_not_allowed",
            ProblemKind::DuplicateFileName { .. } => "duplicate_file_name",
            ProblemKind::InvalidFileName { .. } => "invalid_file_name",
            ProblemKind::CaseNumberCharacter { .. } => "case_number_character",
            ProblemKind::AttentionForPerson => "attention_for_person",
            ProblemKind::UnknownCaseType { .. } => "unknown_case_type",
            ProblemKind::UnknownSenderName { .. } => "unknown_sender_name",
            ProblemKind::EventWithoutCaseNumber => "event_without_case_number",
            ProblemKind::AddressTooShort => "address_too_short",
            ProblemKind::AddressTooManyLines { .. } => "address_too_many_lines",
        }
    }

    /// The Swedish text: what is wrong and what to do.
    pub fn swedish(&self) -> String {
        match self {
            ProblemKind::Identity(e) => identity_swedish(e),
            ProblemKind::Required => "Fältet måste fyllas i.".into(),
            ProblemKind::TooLong { length, max } => {
                format!("Texten är {length} tecken lång; högst {max} tecken är tillåtet.")
            }
            ProblemKind::ForbiddenCharacter { code } => {
                format!("Texten innehåller ett tecken som inte kan skickas (U+{code:04X}). Ta bort det.")
            }
            ProblemKind::ProtectionClass4 => "Information i skyddsklass 4 får inte skickas via Mina \
                 meddelanden. Använd en annan kanal, till exempel rekommenderat brev."
                .into(),
            ProblemKind::ProtectionClassOutOfRange(class) => {
                format!("Skyddsklass {class} finns inte. Välj 1, 2 eller 3.")
            }
            ProblemKind::EmptyMessage => {
                "Meddelandet är tomt. Skriv en text eller bifoga ett dokument.".into()
            }
            ProblemKind::EmptyAttachment { file } => {
                format!("Bilagan {file} är tom. Bifoga filen igen eller ta bort den.")
            }
            ProblemKind::AttachmentTooLarge { file, size, max } => format!(
                "Bilagan {file} är {}; högst {} är tillåtet per bilaga.",
                super::swedish_size(*size),
                super::swedish_size(*max)
            ),
            ProblemKind::AttachmentsTooLarge { total, max } => format!(
                "Bilagorna är tillsammans {}; högst {} är tillåtet per meddelande.",
                super::swedish_size(*total),
                super::swedish_size(*max)
            ),
            ProblemKind::EnvelopeTooLarge { size, max } => format!(
                "Meddelandet blir {} när det skickas; förmedlaren tar emot högst {}. \
                 Komprimera PDF-filen eller skicka meddelandet med post.",
                super::envelope::megabytes(*size),
                super::envelope::megabytes(*max)
            ),
            ProblemKind::UnknownFileType { file } => format!(
                "Det går inte att avgöra vilken sorts fil {file} är utifrån namnet. \
                 Bifoga en PDF-, bild- eller textfil."
            ),
            ProblemKind::FileTypeMismatch {
                file,
                by_extension,
                by_content,
            } => match by_content {
                Some(actual) => format!(
                    "{file} heter som en {}-fil men innehållet är en {}-fil. Kontrollera filen.",
                    by_extension.label(),
                    actual.label()
                ),
                None => format!(
                    "{file} heter som en {}-fil men innehållet är det inte. Kontrollera filen.",
                    by_extension.label()
                ),
            },
            ProblemKind::FileTypeNotAllowed { file, file_type } => format!(
                "{file} är en {}-fil, och den filtypen får inte skickas enligt er organisations regler.",
                file_type.label()
            ),
            ProblemKind::DuplicateFileName { file } => {
                format!("Det finns två bilagor som heter {file}. Byt namn på den ena.")
            }
            ProblemKind::InvalidFileName { file } => {
                format!("Filnamnet ”{file}” kan inte användas. Byt namn på filen.")
            }
            ProblemKind::CaseNumberCharacter { character } => format!(
                "Tecknet ”{character}” hör inte hemma i ett diarienummer. Använd bokstäver, \
                 siffror, mellanslag och - / . :"
            ),
            ProblemKind::AttentionForPerson => {
                "Att-rad (underadressering) kan bara anges när mottagaren är en organisation.".into()
            }
            ProblemKind::UnknownCaseType { name } => {
                format!("Ärendetypen ”{name}” finns inte i den här profilen.")
            }
            ProblemKind::UnknownSenderName { name } => {
                format!("”{name}” är inte ett av organisationens avsändarnamn.")
            }
            ProblemKind::EventWithoutCaseNumber => "Ett händelsemeddelande behöver ett \
                 diarienummer. Ange diarienumret eller skicka ett vanligt meddelande."
                .into(),
            ProblemKind::AddressTooShort => {
                "Skriv namn och postadress på minst två rader.".into()
            }
            ProblemKind::AddressTooManyLines { lines, max } => format!(
                "Adressen har {lines} rader; fönstret i ett kuvert visar högst {max}."
            ),
        }
    }
}

fn identity_swedish(e: &IdentityError) -> String {
    match e {
        IdentityError::Empty => {
            "Ange mottagarens personnummer, samordningsnummer eller organisationsnummer.".into()
        }
        IdentityError::InvalidCharacter {
            character,
            position,
        } => format!(
            "Tecknet ”{character}” (position {}) hör inte hemma i ett identitetsnummer. \
             Använd bara siffror och bindestreck.",
            position + 1
        ),
        IdentityError::WrongLength { digits } => {
            format!(
                "Ett identitetsnummer har 10 eller 12 siffror, inte {digits}. Kontrollera numret."
            )
        }
        IdentityError::MisplacedSeparator => {
            "Bindestrecket eller plustecknet ska stå före de fyra sista siffrorna.".into()
        }
        IdentityError::UnexpectedPlus => "Plustecken används bara i tiosiffriga personnummer för \
             personer som fyllt 100 år."
            .into(),
        IdentityError::UnsupportedCentury { century } => format!(
            "Ett tolvsiffrigt nummer börjar med 19, 20, 18 eller 16, inte {century:02}. \
             Kontrollera numret."
        ),
        IdentityError::InvalidDate { year, month, day } => format!(
            "Numret innehåller datumet {year:04}-{month:02}-{day:02}, som inte finns. \
             Kontrollera numret."
        ),
        IdentityError::BornInFuture { date } => {
            format!("Födelsedatumet {date} ligger i framtiden. Kontrollera numret.")
        }
        IdentityError::Checksum { .. } => "Kontrollsiffran (sista siffran) stämmer inte. \
             Kontrollera att numret är rätt skrivet."
            .into(),
        IdentityError::NotAnOrganisation | IdentityError::InvalidOrganisation => {
            "Numret är inte ett giltigt organisationsnummer. Kontrollera numret.".into()
        }
        IdentityError::UnusedGroupDigit { digit } => format!(
            "Inga organisationsnummer börjar med {digit} (bara 1–3 och 5–9 används). \
             Kontrollera numret."
        ),
        IdentityError::BornTooLongAgo { date } => format!(
            "Numret ger födelsedatumet {date}, mer än 120 år sedan. Har plustecknet eller \
             århundradet skrivits fel? Kontrollera numret."
        ),
        _ => "Numret är inte ett giltigt identitetsnummer. Kontrollera numret.".into(),
    }
}

/// One problem: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field.
    pub field: Field,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl Problem {
    /// The Swedish text (shown first).
    pub fn swedish(&self) -> String {
        self.kind.swedish()
    }

    /// The English text.
    pub fn english(&self) -> String {
        self.kind.to_string()
    }
}

/// Every problem found in a draft, in form order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeError {
    problems: Vec<Problem>,
}

impl ComposeError {
    pub(super) fn new(problems: Vec<Problem>) -> Self {
        ComposeError { problems }
    }

    /// The problems; never empty.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The problems with `field`.
    pub fn for_field(&self, field: Field) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.field == field)
    }
}

impl fmt::Display for ComposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the message cannot be sent yet:")?;
        for p in &self.problems {
            write!(f, "\n- {}: {}", p.field.code(), p.kind)?;
        }
        Ok(())
    }
}

impl std::error::Error for ComposeError {}
