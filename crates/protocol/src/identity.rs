//! Swedish identity numbers as Mina meddelanden carries them.
//!
//! Every recipient is named on the wire by 12 digits ([`RecipientId`]):
//!
//! * **Personnummer** — `YYYYMMDDNNNC`: date of birth, a three-digit serial
//!   number and a check digit `C`, the Luhn check digit over the last ten
//!   digits (`YYMMDDNNN`, weights 2, 1, 2, 1, …).
//! * **Samordningsnummer** (co-ordination number) — as a personnummer with 60
//!   added to the day of birth, so the day reads 61–91.
//! * **Organisationsnummer** — ten digits with a Luhn check digit whose third
//!   digit is at least 2 (a personnummer's third digit is the tens of the
//!   month, so 0 or 1). On the wire it is prefixed with `16`:
//!   `556840-2266` → `165568402266`. [`OrganizationNumber`] holds only these.
//!
//! People type shorter forms: `YYMMDD-NNNC`, `YYMMDDNNNC`, `YYYYMMDDNNNC`,
//! `YYYYMMDD-NNNC`, and `YYMMDD+NNNC` for someone 100 years or older. A short
//! form leaves the century open; [`RecipientId::parse`] takes the most recent
//! year that does not put the birth date after `today` (a century earlier
//! still with `+`). The crate has no clock, so the caller passes `today` in.
//! Numbers that come back from the service are read with
//! [`RecipientId::from_wire`], which accepts only the 12-digit form.
//!
//! A personnummer is personal data: [`RecipientId`]'s `Debug` prints only
//! [`RecipientId::masked`], and logs should do the same. `Display` prints the
//! full number for the user interface.
//!
//! ```
//! use kuvert_protocol::date::CalendarDate;
//! use kuvert_protocol::identity::{IdentityKind, OrganizationNumber, RecipientId};
//!
//! let today = CalendarDate::new(2026, 11, 23)?;
//! // Skatteverket test personnummer.
//! let person = RecipientId::parse("850101-2382", today)?;
//! assert_eq!(person.as_str(), "198501012382");
//! assert_eq!(person.kind(), IdentityKind::Personnummer);
//! assert_eq!(person.masked(), "19850101-****");
//!
//! let org = OrganizationNumber::parse("556840-2266")?;
//! assert_eq!(org.as_str(), "165568402266");
//! assert_eq!(RecipientId::from(org).display_form(), "556840-2266");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use crate::date::CalendarDate;

/// Which kind of identity number a [`RecipientId`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentityKind {
    /// A personnummer: a person registered in Sweden.
    Personnummer,
    /// A samordningsnummer: a person not (or not yet) registered in Sweden;
    /// the day of birth has 60 added.
    Samordningsnummer,
    /// An organisationsnummer: a legal entity.
    Organisationsnummer,
}

/// A validated recipient identity in its 12-digit wire form.
///
/// Holding one means the number has the right shape, a date that exists (for
/// people) and a correct check digit.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RecipientId {
    /// Always 12 ASCII digits.
    wire: String,
    kind: IdentityKind,
    /// `None` for organisations.
    birth_date: Option<CalendarDate>,
}

impl RecipientId {
    /// Reads a number as a person types it: any of the forms in the
    /// [module documentation](self), with surrounding whitespace allowed.
    ///
    /// `today` decides the century of the short forms and rejects birth dates
    /// in the future.
    ///
    /// # Errors
    ///
    /// An [`IdentityError`] naming the first problem found.
    pub fn parse(input: &str, today: CalendarDate) -> Result<Self, IdentityError> {
        let typed = Typed::lex(input)?;
        match typed.digits {
            TypedDigits::Short(ten) if is_organisation_digits(&ten) => {
                reject_plus(typed.separator)?;
                organisation(ten)
            }
            TypedDigits::Short(ten) => short_person(ten, typed.separator, today),
            TypedDigits::Long(twelve) => {
                reject_plus(typed.separator)?;
                long_form(twelve, Some(today))
            }
        }
    }

    /// Reads the exact 12-digit wire form, as found in a service response.
    ///
    /// Everything is checked except that a birth date is not in the future,
    /// which needs a clock; the service is trusted on that point.
    ///
    /// # Errors
    ///
    /// An [`IdentityError`]; whitespace and separators are
    /// [`IdentityError::InvalidCharacter`].
    pub fn from_wire(wire: &str) -> Result<Self, IdentityError> {
        long_form(wire_digits(wire)?, None)
    }

    /// The 12-digit wire form, e.g. `198501012382` or `165568402266`.
    pub fn as_str(&self) -> &str {
        &self.wire
    }

    /// Whether this is a personnummer, samordningsnummer or organisationsnummer.
    pub fn kind(&self) -> IdentityKind {
        self.kind
    }

    /// Whether this is an organisationsnummer.
    pub fn is_organisation(&self) -> bool {
        self.kind == IdentityKind::Organisationsnummer
    }

    /// The date of birth of a person; for a samordningsnummer the day with 60
    /// taken off. `None` for an organisation.
    pub fn birth_date(&self) -> Option<CalendarDate> {
        self.birth_date
    }

    /// A form safe for logs: people as `19850101-****`; organisations, which
    /// are not personal data, in full as `556840-2266`.
    pub fn masked(&self) -> String {
        match self.kind {
            IdentityKind::Organisationsnummer => self.display_form(),
            IdentityKind::Personnummer | IdentityKind::Samordningsnummer => {
                format!("{}-****", self.wire.get(..8).unwrap_or_default())
            }
        }
    }

    /// The form people read: `19850101-2382`, or `556840-2266` for an
    /// organisation (without the `16` wire prefix).
    pub fn display_form(&self) -> String {
        match self.kind {
            IdentityKind::Organisationsnummer => with_dash(self.wire.get(2..).unwrap_or_default()),
            IdentityKind::Personnummer | IdentityKind::Samordningsnummer => with_dash(&self.wire),
        }
    }
}

/// Shows [`RecipientId::display_form`], the full number, for the user
/// interface. Use [`RecipientId::masked`] in logs.
impl fmt::Display for RecipientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_form())
    }
}

/// Shows only [`RecipientId::masked`], so that a stray `{:?}` in a log line
/// does not leak a personnummer.
impl fmt::Debug for RecipientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RecipientId").field(&self.masked()).finish()
    }
}

impl From<OrganizationNumber> for RecipientId {
    fn from(org: OrganizationNumber) -> Self {
        org.to_recipient_id()
    }
}

/// A validated organisationsnummer in its 12-digit wire form (`16` + 10 digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrganizationNumber(String);

impl OrganizationNumber {
    /// Reads `556840-2266`, `5568402266`, `16556840-2266` or `165568402266`,
    /// with surrounding whitespace allowed.
    ///
    /// # Errors
    ///
    /// [`IdentityError::NotAnOrganisation`] for a personnummer or
    /// samordningsnummer, otherwise the [`IdentityError`] naming the problem.
    pub fn parse(input: &str) -> Result<Self, IdentityError> {
        let typed = Typed::lex(input)?;
        let ten = match typed.digits {
            TypedDigits::Short(ten) if is_organisation_digits(&ten) => ten,
            TypedDigits::Long([1, 6, ten @ ..]) => ten,
            // A personnummer or samordningsnummer, short or long.
            TypedDigits::Short(_) | TypedDigits::Long(_) => {
                return Err(IdentityError::NotAnOrganisation)
            }
        };
        reject_plus(typed.separator)?;
        Self::from_ten(ten)
    }

    /// Reads the exact 12-digit wire form `16` + 10 digits.
    ///
    /// # Errors
    ///
    /// An [`IdentityError`]; whitespace and separators are
    /// [`IdentityError::InvalidCharacter`], and a 12-digit personnummer is
    /// [`IdentityError::NotAnOrganisation`].
    pub fn from_wire(wire: &str) -> Result<Self, IdentityError> {
        match wire_digits(wire)? {
            [1, 6, ten @ ..] => Self::from_ten(ten),
            _ => Err(IdentityError::NotAnOrganisation),
        }
    }

    /// Checks the ten digits after the `16` prefix.
    fn from_ten(ten: [u8; 10]) -> Result<Self, IdentityError> {
        if !is_organisation_digits(&ten) {
            return Err(IdentityError::InvalidOrganisation);
        }
        if matches!(ten[0], 0 | 4) {
            return Err(IdentityError::UnusedGroupDigit { digit: ten[0] });
        }
        verify_check_digit(&ten)?;
        Ok(Self(format!("16{}", digit_string(&ten))))
    }

    /// The 12-digit wire form, e.g. `165568402266`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form people read, without the wire prefix: `556840-2266`.
    pub fn display_form(&self) -> String {
        with_dash(self.0.get(2..).unwrap_or_default())
    }

    /// The same number as a [`RecipientId`].
    pub fn to_recipient_id(&self) -> RecipientId {
        RecipientId {
            wire: self.0.clone(),
            kind: IdentityKind::Organisationsnummer,
            birth_date: None,
        }
    }
}

/// Shows [`OrganizationNumber::display_form`].
impl fmt::Display for OrganizationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_form())
    }
}

/// Same as [`OrganizationNumber::parse`]; possible because no date is involved.
impl std::str::FromStr for OrganizationNumber {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why text is not a valid identity number.
///
/// The messages are English and name the problem; the user interface picks
/// its own text by variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Nothing but whitespace was given.
    #[error("no identity number was given")]
    Empty,
    /// A character other than a digit, `-`, `+` or the one space that may
    /// stand for `-`.
    #[error("{character:?} at position {position} is not allowed in an identity number")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its 0-based character position in the input as given, leading
        /// whitespace included.
        position: usize,
    },
    /// The number of digits is not 10 or 12 (exactly 12 for the wire form).
    #[error("an identity number has 10 or 12 digits, not {digits}")]
    WrongLength {
        /// How many digits were found.
        digits: usize,
    },
    /// A `-` or `+` somewhere other than before the last four digits, or more
    /// than one of them.
    #[error("the separator must come just before the last four digits")]
    MisplacedSeparator,
    /// A `+` (100 years or older) where it has no meaning: in a 12-digit
    /// number, whose century is written out, or in an organisationsnummer.
    #[error("'+' is only allowed in a 10-digit personnummer or samordningsnummer")]
    UnexpectedPlus,
    /// A 12-digit number that does not start with 18, 19 or 20 (people) or
    /// 16 (organisations).
    #[error("a 12-digit identity number must start with 16, 18, 19 or 20, not {century:02}")]
    UnsupportedCentury {
        /// The first two digits.
        century: u8,
    },
    /// The date in a personnummer or samordningsnummer does not exist.
    #[error("the number holds the date {year:04}-{month:02}-{day:02}, which does not exist")]
    InvalidDate {
        /// The year, with the century as written or as worked out.
        year: u16,
        /// The month as written.
        month: u8,
        /// The day as written (61–91 for a samordningsnummer; 92 is reported as 92).
        day: u8,
    },
    /// A birth date after today.
    #[error("the birth date {date} is in the future")]
    BornInFuture {
        /// The birth date (day already reduced by 60 for a samordningsnummer).
        date: CalendarDate,
    },
    /// The last digit is not the Luhn check digit of the nine before it.
    #[error("the check digit is {found} but should be {expected}")]
    Checksum {
        /// The check digit the other digits call for.
        expected: u8,
        /// The check digit given.
        found: u8,
    },
    /// An organisationsnummer was asked for, but this is a personnummer or
    /// samordningsnummer.
    #[error("this is a personal identity number, not an organisation number")]
    NotAnOrganisation,
    /// A `16`-prefixed number whose following digits are not an
    /// organisationsnummer (their third digit is below 2).
    #[error("after the prefix 16 the third digit of an organisation number must be 2 or more")]
    InvalidOrganisation,
    /// An organisationsnummer whose group digit (the first) no kind of
    /// legal entity has: Bolagsverket and Skatteverket use 1–3 and 5–9.
    #[error("no kind of organisation has an organisation number starting with {digit}")]
    UnusedGroupDigit {
        /// The first digit.
        digit: u8,
    },
    /// A birth date more than [`OLDEST_AGE`] years ago: a mistyped `+` or
    /// century.
    #[error("the birth date {date} is more than 120 years ago")]
    BornTooLongAgo {
        /// The birth date as the number gives it.
        date: CalendarDate,
    },
}

/// `text` with every personnummer and samordningsnummer in it masked as
/// [`RecipientId::masked`] does (the last four digits as `****`), for text
/// from elsewhere — an intermediary's fault, an error page — before it is
/// logged or stored. A number is 10 or 12 digits, a `-`, `+` or space
/// before the last four allowed, not part of a longer run of digits, with a
/// valid check digit; organisation numbers stay as they are.
pub fn mask_identity_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
        if let Some(end) = starts_number.then(|| person_number_at(&chars, i)).flatten() {
            out.extend(&chars[i..end - 4]);
            out.push_str("****");
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Where a person's number starting at `start` ends, if one does.
fn person_number_at(chars: &[char], start: usize) -> Option<usize> {
    let run = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let head = run(start);
    let (digits, end) = match head {
        10 | 12 => (chars[start..start + head].to_vec(), start + head),
        6 | 8 if matches!(chars.get(start + head), Some('-' | '+' | ' ')) => {
            let tail_start = start + head + 1;
            if run(tail_start) != 4 {
                return None;
            }
            let mut digits = chars[start..start + head].to_vec();
            digits.extend(&chars[tail_start..tail_start + 4]);
            (digits, tail_start + 4)
        }
        _ => return None,
    };
    let ten: Vec<u8> = digits[digits.len() - 10..]
        .iter()
        .map(|c| digit_value(*c))
        .collect();
    let ten: [u8; 10] = ten.try_into().ok()?;
    let person = !is_organisation_digits(&ten);
    (person && verify_check_digit(&ten).is_ok()).then_some(end)
}

/// The oldest age a recipient's identity number may give (in years): a
/// `+` written for `-`, or `18` for `19`, is caught rather than sent.
pub const OLDEST_AGE: u16 = 120;

/// `-` (or nothing) versus `+` (100 years or older) in a typed number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Separator {
    Dash,
    Plus,
}

/// The digits of a typed number, split by count; any other count is an error.
#[derive(Debug)]
enum TypedDigits {
    Short([u8; 10]),
    Long([u8; 12]),
}

/// A typed number checked for shape only: digits, at most one separator and
/// that one before the last four digits.
#[derive(Debug)]
struct Typed {
    digits: TypedDigits,
    separator: Option<Separator>,
}

impl Typed {
    fn lex(input: &str) -> Result<Self, IdentityError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(IdentityError::Empty);
        }
        // Positions in errors count from the start of the input as given, so
        // the user interface can point at the character in the text field.
        let leading = input.chars().take_while(|c| c.is_whitespace()).count();
        let mut digits = Vec::with_capacity(12);
        let mut separator = None;
        // `misplaced` is remembered rather than returned at once so that a
        // bad character later in the input is reported first.
        let mut misplaced = false;
        for (offset, character) in trimmed.chars().enumerate() {
            match character {
                '0'..='9' => digits.push(digit_value(character)),
                // A space before the last four digits stands for `-`, as
                // pasted from documents that print "850101 2382".
                '-' | '+' | ' ' => {
                    let kind = if character == '+' {
                        Separator::Plus
                    } else {
                        Separator::Dash
                    };
                    misplaced |= separator.is_some();
                    separator = Some((kind, digits.len()));
                }
                _ => {
                    let position = leading + offset;
                    return Err(IdentityError::InvalidCharacter {
                        character,
                        position,
                    });
                }
            }
        }
        let digit_count = digits.len();
        let digits = match digit_count {
            10 => <[u8; 10]>::try_from(digits).map(TypedDigits::Short).ok(),
            12 => <[u8; 12]>::try_from(digits).map(TypedDigits::Long).ok(),
            _ => None,
        }
        .ok_or(IdentityError::WrongLength {
            digits: digit_count,
        })?;
        if let Some((_, digits_before)) = separator {
            misplaced |= digits_before + 4 != digit_count;
        }
        if misplaced {
            return Err(IdentityError::MisplacedSeparator);
        }
        Ok(Self {
            digits,
            separator: separator.map(|(kind, _)| kind),
        })
    }
}

/// Exactly 12 ASCII digits, nothing else.
fn wire_digits(wire: &str) -> Result<[u8; 12], IdentityError> {
    let mut digits = Vec::with_capacity(12);
    for (position, character) in wire.chars().enumerate() {
        if !character.is_ascii_digit() {
            return Err(IdentityError::InvalidCharacter {
                character,
                position,
            });
        }
        digits.push(digit_value(character));
    }
    let count = digits.len();
    <[u8; 12]>::try_from(digits).map_err(|_| IdentityError::WrongLength { digits: count })
}

/// The value of an ASCII digit; callers have checked that it is one.
fn digit_value(character: char) -> u8 {
    character
        .to_digit(10)
        .and_then(|d| u8::try_from(d).ok())
        .unwrap_or_default()
}

fn reject_plus(separator: Option<Separator>) -> Result<(), IdentityError> {
    match separator {
        Some(Separator::Plus) => Err(IdentityError::UnexpectedPlus),
        _ => Ok(()),
    }
}

/// The third digit of a personnummer is the tens of the month (0 or 1), so 2
/// or more marks an organisationsnummer.
fn is_organisation_digits(ten: &[u8; 10]) -> bool {
    let [_, _, third, ..] = *ten;
    third >= 2
}

/// A 10-digit personnummer or samordningsnummer: the century comes from `today`.
fn short_person(
    ten: [u8; 10],
    separator: Option<Separator>,
    today: CalendarDate,
) -> Result<RecipientId, IdentityError> {
    let fields = PersonFields::from_digits(&ten);
    let year = short_form_year(fields, separator == Some(Separator::Plus), today);
    // The century rule never yields a future date; `today` is for the age.
    person(year, fields, ten, Some(today))
}

/// A 12-digit number: an organisation behind `16`, otherwise a person whose
/// century is written out. `today` is `None` when reading the wire form.
fn long_form(twelve: [u8; 12], today: Option<CalendarDate>) -> Result<RecipientId, IdentityError> {
    let [c1, c2, ten @ ..] = twelve;
    let century = c1 * 10 + c2;
    match century {
        16 => organisation(ten),
        18..=20 => {
            let fields = PersonFields::from_digits(&ten);
            let year = u16::from(century) * 100 + u16::from(fields.yy);
            person(year, fields, ten, today)
        }
        _ => Err(IdentityError::UnsupportedCentury { century }),
    }
}

fn organisation(ten: [u8; 10]) -> Result<RecipientId, IdentityError> {
    OrganizationNumber::from_ten(ten).map(RecipientId::from)
}

/// The date part of a person's number as written.
#[derive(Clone, Copy, Debug)]
struct PersonFields {
    yy: u8,
    month: u8,
    /// As written: 61–91 for a samordningsnummer.
    typed_day: u8,
}

impl PersonFields {
    fn from_digits(ten: &[u8; 10]) -> Self {
        let [y1, y2, m1, m2, d1, d2, ..] = *ten;
        Self {
            yy: y1 * 10 + y2,
            month: m1 * 10 + m2,
            typed_day: d1 * 10 + d2,
        }
    }

    fn kind(self) -> IdentityKind {
        if self.typed_day > 60 {
            IdentityKind::Samordningsnummer
        } else {
            IdentityKind::Personnummer
        }
    }

    /// The real day of the month: a samordningsnummer adds 60 to it.
    fn day(self) -> u8 {
        match self.kind() {
            IdentityKind::Samordningsnummer => self.typed_day - 60,
            _ => self.typed_day,
        }
    }
}

/// The year of a 10-digit number: the most recent year ending in `yy` that
/// does not put the birth date after `today`, or a century before that for
/// `+` (100 years or older).
///
/// Compares plain numbers rather than a `CalendarDate` because the date may
/// not exist; that is reported afterwards, with the year chosen here.
fn short_form_year(fields: PersonFields, plus: bool, today: CalendarDate) -> u16 {
    let this_century = today.year() - today.year() % 100;
    let mut year = this_century + u16::from(fields.yy);
    let today_tuple = (today.year(), today.month(), today.day());
    if (year, fields.month, fields.day()) > today_tuple {
        year = year.saturating_sub(100);
    }
    if plus {
        year = year.saturating_sub(100);
    }
    year
}

/// Checks a person's date, optionally against `today`, and the check digit.
///
/// The date is checked before the check digit: a mistyped month or day then
/// gets the more helpful error.
fn person(
    year: u16,
    fields: PersonFields,
    ten: [u8; 10],
    today: Option<CalendarDate>,
) -> Result<RecipientId, IdentityError> {
    // Short forms can resolve outside 1800–2099 only with an odd `today`;
    // the wire pattern has no room for such years.
    if !(1800..=2099).contains(&year) {
        let century = u8::try_from(year / 100).unwrap_or(u8::MAX);
        return Err(IdentityError::UnsupportedCentury { century });
    }
    let birth_date = CalendarDate::new(year, fields.month, fields.day()).map_err(|_| {
        IdentityError::InvalidDate {
            year,
            month: fields.month,
            day: fields.typed_day,
        }
    })?;
    if let Some(today) = today {
        if birth_date > today {
            return Err(IdentityError::BornInFuture { date: birth_date });
        }
        if age(birth_date, today) > OLDEST_AGE {
            return Err(IdentityError::BornTooLongAgo { date: birth_date });
        }
    }
    verify_check_digit(&ten)?;
    Ok(RecipientId {
        wire: format!("{:02}{}", year / 100, digit_string(&ten)),
        kind: fields.kind(),
        birth_date: Some(birth_date),
    })
}

/// Whole years from `born` to `today` (`born` not after `today`).
fn age(born: CalendarDate, today: CalendarDate) -> u16 {
    let had_birthday = (today.month(), today.day()) >= (born.month(), born.day());
    today.year() - born.year() - u16::from(!had_birthday)
}

/// The Luhn check digit of nine digits, weights 2, 1, 2, 1, … from the left;
/// a product of two digits counts as the sum of its digits.
fn luhn_check_digit(nine: &[u8; 9]) -> u8 {
    let sum: u32 = nine
        .iter()
        .zip([2u8, 1].into_iter().cycle())
        .map(|(&digit, weight)| {
            let product = u32::from(digit * weight);
            product / 10 + product % 10
        })
        .sum();
    // `sum % 10` is below 10, so the result always fits a digit.
    u8::try_from((10 - sum % 10) % 10).unwrap_or_default()
}

fn verify_check_digit(ten: &[u8; 10]) -> Result<(), IdentityError> {
    let [nine @ .., found] = *ten;
    let expected = luhn_check_digit(&nine);
    if expected == found {
        Ok(())
    } else {
        Err(IdentityError::Checksum { expected, found })
    }
}

fn digit_string(digits: &[u8]) -> String {
    digits.iter().map(|&d| char::from(b'0' + d)).collect()
}

/// Inserts `-` before the last four digits; `digits` is ASCII, so any byte
/// index is a character boundary.
fn with_dash(digits: &str) -> String {
    let split = digits.len().saturating_sub(4);
    match (digits.get(..split), digits.get(split..)) {
        (Some(head), Some(tail)) => format!("{head}-{tail}"),
        _ => digits.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixed "today" for every test: 2026-11-23.
    fn today() -> CalendarDate {
        match CalendarDate::new(2026, 11, 23) {
            Ok(date) => date,
            Err(e) => panic!("{e}"),
        }
    }

    fn date(year: u16, month: u8, day: u8) -> CalendarDate {
        match CalendarDate::new(year, month, day) {
            Ok(date) => date,
            Err(e) => panic!("{e}"),
        }
    }

    // Test data. Personnummer come only from Skatteverket's published
    // test-personnummer list (CC0); each passes Luhn (see
    // `test_data_passes_an_independent_luhn_check`). Invalid cases alter a
    // test number; where an altered number has a date that exists and the
    // expected check digit would spell out a possibly real number, the row
    // expects `BadCheckDigit` instead of naming the digit.
    const PERSON_1985: &str = "198501012382";
    const PERSON_1927: &str = "192705178354";
    /// From Skatteverket's published test-samordningsnummer series (CC0), whose
    /// numbers have day 61–91 and serial 238 or 239.
    const SAMORDNING_2022: &str = "202201612385";
    /// From the protocol brief.
    const ORG_EXAMPLE: &str = "165568402266";
    /// "Kommun B" in the public test environment.
    const ORG_KOMMUN_B: &str = "162021003898";

    /// An independent Luhn (the textbook right-to-left form) so that the test
    /// data is not checked by the code under test.
    fn textbook_luhn_valid(number: &str) -> bool {
        let tail: Vec<u32> = number
            .chars()
            .rev()
            .take(10)
            .filter_map(|c| c.to_digit(10))
            .collect();
        let sum: u32 = tail
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if i % 2 == 1 {
                    (d * 2) / 10 + (d * 2) % 10
                } else {
                    d
                }
            })
            .sum();
        tail.len() == 10 && sum.is_multiple_of(10)
    }

    #[test]
    fn test_data_passes_an_independent_luhn_check() {
        for number in [
            PERSON_1985,
            PERSON_1927,
            SAMORDNING_2022,
            ORG_EXAMPLE,
            ORG_KOMMUN_B,
        ] {
            assert!(textbook_luhn_valid(number), "{number}");
        }
    }

    #[test]
    fn samordningsnummer_test_data_follows_the_published_series() {
        let day: u32 = SAMORDNING_2022[6..8].parse().unwrap();
        assert!((61..=91).contains(&day));
        assert!(["238", "239"].contains(&&SAMORDNING_2022[8..11]));
    }

    #[derive(Debug)]
    enum Expect {
        Wire(&'static str),
        Error(IdentityError),
        /// The date was accepted; only the check digit is wrong.
        BadCheckDigit,
    }

    fn check(input: &str, expect: &Expect, outcome: Result<String, IdentityError>) {
        match (expect, outcome) {
            (Expect::Wire(wire), Ok(got)) => assert_eq!(&got, wire, "input {input:?}"),
            (Expect::Error(error), Err(got)) => assert_eq!(&got, error, "input {input:?}"),
            (Expect::BadCheckDigit, Err(IdentityError::Checksum { .. })) => {}
            (expect, outcome) => panic!("input {input:?}: expected {expect:?}, got {outcome:?}"),
        }
    }

    #[test]
    fn recipient_id_parse_table() {
        use Expect::{BadCheckDigit, Error, Wire};
        use IdentityError as E;
        let invalid_date = |year, month, day| Error(E::InvalidDate { year, month, day });
        let rows: Vec<(&str, Expect)> = vec![
            // Every accepted format of one test personnummer.
            ("198501012382", Wire(PERSON_1985)),
            ("19850101-2382", Wire(PERSON_1985)),
            ("850101-2382", Wire(PERSON_1985)),
            ("8501012382", Wire(PERSON_1985)),
            // Surrounding whitespace.
            ("  850101-2382\t", Wire(PERSON_1985)),
            ("\n19850101-2382 ", Wire(PERSON_1985)),
            // More test personnummer, short and long.
            ("192705178354", Wire(PERSON_1927)),
            // Century: 2027-05-17 is after today, so 27 means 1927.
            ("270517-8354", Wire(PERSON_1927)),
            ("2705178354", Wire(PERSON_1927)),
            // `+` adds a century: 1827 and 1885, more than 120 years ago
            // (see `plus_means_a_hundred_years_and_at_most_120` for one
            // that is accepted).
            (
                "270517+8354",
                Error(E::BornTooLongAgo {
                    date: date(1827, 5, 17),
                }),
            ),
            (
                "850101+2382",
                Error(E::BornTooLongAgo {
                    date: date(1885, 1, 1),
                }),
            ),
            (
                "18850101-2382",
                Error(E::BornTooLongAgo {
                    date: date(1885, 1, 1),
                }),
            ),
            // Century boundary seen through the date check: 2025 and 2029
            // are not leap years, 1928 and 2000 are.
            ("250229-2382", invalid_date(2025, 2, 29)),
            ("290229-2382", invalid_date(1929, 2, 29)),
            ("280229-2382", BadCheckDigit),
            ("000229-2382", BadCheckDigit),
            ("000229+2382", invalid_date(1900, 2, 29)),
            // Leap days in the long form.
            ("20000229-2382", BadCheckDigit),
            ("19000229-2382", invalid_date(1900, 2, 29)),
            // Dates that do not exist.
            ("851301-2382", invalid_date(1985, 13, 1)),
            ("850100-2382", invalid_date(1985, 1, 0)),
            ("850132-2382", invalid_date(1985, 1, 32)),
            ("198504312382", invalid_date(1985, 4, 31)),
            // Samordningsnummer.
            ("202201612385", Wire(SAMORDNING_2022)),
            ("220161-2385", Wire(SAMORDNING_2022)),
            ("850192-2382", invalid_date(1985, 1, 92)),
            ("850160-2382", invalid_date(1985, 1, 60)),
            // Birth dates after today in the long form; born today is fine.
            (
                "20261124-2382",
                Error(E::BornInFuture {
                    date: date(2026, 11, 24),
                }),
            ),
            (
                "202611242382",
                Error(E::BornInFuture {
                    date: date(2026, 11, 24),
                }),
            ),
            ("20261123-2382", BadCheckDigit),
            // Organisation numbers.
            ("556840-2266", Wire(ORG_EXAMPLE)),
            ("5568402266", Wire(ORG_EXAMPLE)),
            ("16556840-2266", Wire(ORG_EXAMPLE)),
            ("165568402266", Wire(ORG_EXAMPLE)),
            (" 202100-3898 ", Wire(ORG_KOMMUN_B)),
            ("162021003898", Wire(ORG_KOMMUN_B)),
            (
                "556840-2267",
                Error(E::Checksum {
                    expected: 6,
                    found: 7,
                }),
            ),
            (
                "165568402265",
                Error(E::Checksum {
                    expected: 6,
                    found: 5,
                }),
            ),
            ("556840+2266", Error(E::UnexpectedPlus)),
            // `16` + a personnummer: third digit below 2.
            ("168501012382", Error(E::InvalidOrganisation)),
            // Wrong check digit on a test personnummer.
            (
                "198501012383",
                Error(E::Checksum {
                    expected: 2,
                    found: 3,
                }),
            ),
            (
                "850101-2383",
                Error(E::Checksum {
                    expected: 2,
                    found: 3,
                }),
            ),
            // Centuries the wire form does not allow.
            (
                "17850101-2382",
                Error(E::UnsupportedCentury { century: 17 }),
            ),
            ("218501012382", Error(E::UnsupportedCentury { century: 21 })),
            ("19850101+2382", Error(E::UnexpectedPlus)),
            // Shape errors.
            ("", Error(E::Empty)),
            ("  \t ", Error(E::Empty)),
            (
                "85O101-2382",
                Error(E::InvalidCharacter {
                    character: 'O',
                    position: 2,
                }),
            ),
            (
                "  85010a-2382",
                Error(E::InvalidCharacter {
                    character: 'a',
                    position: 7,
                }),
            ),
            // A space where the hyphen goes, as pasted from some documents.
            ("850101 2382", Wire(PERSON_1985)),
            ("19850101 2382", Wire(PERSON_1985)),
            ("850101  2382", Error(E::MisplacedSeparator)),
            ("8501 01 2382", Error(E::MisplacedSeparator)),
            (
                "850101/2382",
                Error(E::InvalidCharacter {
                    character: '/',
                    position: 6,
                }),
            ),
            ("850101-238", Error(E::WrongLength { digits: 9 })),
            ("85010123822", Error(E::WrongLength { digits: 11 })),
            ("1985010123820", Error(E::WrongLength { digits: 13 })),
            ("-", Error(E::WrongLength { digits: 0 })),
            ("8501-012382", Error(E::MisplacedSeparator)),
            ("1985-01012382", Error(E::MisplacedSeparator)),
            ("850101--2382", Error(E::MisplacedSeparator)),
            ("850101-2382-", Error(E::MisplacedSeparator)),
        ];
        assert!(rows.len() >= 30);
        for (input, expect) in &rows {
            let outcome = RecipientId::parse(input, today()).map(|id| id.as_str().to_owned());
            check(input, expect, outcome);
        }
    }

    #[test]
    fn identity_numbers_in_foreign_text_are_masked() {
        let cases = [
            (
                "Mottagaren 198501012382 saknar brevlåda",
                "Mottagaren 19850101**** saknar brevlåda",
            ),
            ("recipient=19850101-2382;", "recipient=19850101-****;"),
            ("850101-2382 och 850101 2382", "850101-**** och 850101 ****"),
            ("(8501012382)", "(850101****)"),
            ("samordning 202201612385", "samordning 20220161****"),
            // Organisation numbers are not personal data.
            ("avsändare 556840-2266", "avsändare 556840-2266"),
            ("165568402266", "165568402266"),
            // Not numbers of people: a wrong check digit, longer runs.
            ("anrop 198501012383", "anrop 198501012383"),
            ("id 1198501012382", "id 1198501012382"),
            ("", ""),
            ("åäö 19850101-2382!", "åäö 19850101-****!"),
        ];
        for (text, masked) in cases {
            assert_eq!(mask_identity_numbers(text), masked, "{text:?}");
        }
    }

    #[test]
    fn plus_means_a_hundred_years_and_at_most_120() {
        let today = date(2027, 6, 1);
        let parse = |s: &str| RecipientId::parse(s, today).map(|id| id.as_str().to_owned());
        assert_eq!(parse("270517+8354"), Ok(PERSON_1927.to_owned()));
        assert_eq!(parse("270517-8354"), Ok("202705178354".to_owned()));
        // Born 120 years ago today is still accepted; a day more is not.
        assert_eq!(age(date(1907, 6, 1), today), 120);
        assert_eq!(age(date(1907, 6, 2), today), 119);
        assert_eq!(age(date(1907, 5, 31), today), 120);
        assert_eq!(age(date(1906, 6, 2), today), 120);
        assert_eq!(age(date(1906, 6, 1), today), 121);
    }

    #[test]
    fn organization_number_parse_table() {
        use Expect::{Error, Wire};
        use IdentityError as E;
        let rows: Vec<(&str, Expect)> = vec![
            ("556840-2266", Wire(ORG_EXAMPLE)),
            ("5568402266", Wire(ORG_EXAMPLE)),
            ("16556840-2266", Wire(ORG_EXAMPLE)),
            ("165568402266", Wire(ORG_EXAMPLE)),
            ("\t202100-3898\n", Wire(ORG_KOMMUN_B)),
            ("850101-2382", Error(E::NotAnOrganisation)),
            ("198501012382", Error(E::NotAnOrganisation)),
            ("168501012382", Error(E::InvalidOrganisation)),
            (
                "556840-2267",
                Error(E::Checksum {
                    expected: 6,
                    found: 7,
                }),
            ),
            ("556840+2266", Error(E::UnexpectedPlus)),
            // Group digits no kind of legal entity has.
            ("002100-3892", Error(E::UnusedGroupDigit { digit: 0 })),
            ("16002100-3892", Error(E::UnusedGroupDigit { digit: 0 })),
            ("402100-3894", Error(E::UnusedGroupDigit { digit: 4 })),
            ("556840-226", Error(E::WrongLength { digits: 9 })),
            (
                "556840-22x6",
                Error(E::InvalidCharacter {
                    character: 'x',
                    position: 9,
                }),
            ),
            ("", Error(E::Empty)),
        ];
        for (input, expect) in &rows {
            let outcome = OrganizationNumber::parse(input).map(|org| org.as_str().to_owned());
            check(input, expect, outcome);
        }
    }

    #[test]
    fn from_wire_accepts_only_the_exact_twelve_digits() {
        use IdentityError as E;
        let wire = |s: &str| RecipientId::from_wire(s).map(|id| id.as_str().to_owned());
        assert_eq!(wire(PERSON_1985), Ok(PERSON_1985.to_owned()));
        assert_eq!(wire(SAMORDNING_2022), Ok(SAMORDNING_2022.to_owned()));
        assert_eq!(wire(ORG_KOMMUN_B), Ok(ORG_KOMMUN_B.to_owned()));
        assert_eq!(
            wire("19850101-2382"),
            Err(E::InvalidCharacter {
                character: '-',
                position: 8
            })
        );
        assert_eq!(
            wire(" 198501012382"),
            Err(E::InvalidCharacter {
                character: ' ',
                position: 0
            })
        );
        assert_eq!(wire("8501012382"), Err(E::WrongLength { digits: 10 }));
        assert_eq!(wire(""), Err(E::WrongLength { digits: 0 }));
        assert_eq!(
            wire("198501012383"),
            Err(E::Checksum {
                expected: 2,
                found: 3
            })
        );
        assert_eq!(
            wire("198513012382"),
            Err(E::InvalidDate {
                year: 1985,
                month: 13,
                day: 1
            })
        );
        // No clock: a future date gets as far as the check digit.
        assert!(matches!(wire("202611242382"), Err(E::Checksum { .. })));

        let org = |s: &str| OrganizationNumber::from_wire(s).map(|o| o.as_str().to_owned());
        assert_eq!(org(ORG_EXAMPLE), Ok(ORG_EXAMPLE.to_owned()));
        assert_eq!(org("5568402266"), Err(E::WrongLength { digits: 10 }));
        assert_eq!(org(PERSON_1985), Err(E::NotAnOrganisation));
        assert_eq!(org("168501012382"), Err(E::InvalidOrganisation));
    }

    #[test]
    fn short_form_century_follows_today() {
        let year = |yymmdd: &[u8; 10], plus| {
            short_form_year(PersonFields::from_digits(yymmdd), plus, today())
        };
        // 26-11-23 is today: not after today, so this century.
        assert_eq!(year(&[2, 6, 1, 1, 2, 3, 0, 0, 0, 0], false), 2026);
        // 26-11-24 is tomorrow: the previous century.
        assert_eq!(year(&[2, 6, 1, 1, 2, 4, 0, 0, 0, 0], false), 1926);
        assert_eq!(year(&[2, 6, 1, 1, 2, 4, 0, 0, 0, 0], true), 1826);
        assert_eq!(year(&[0, 0, 0, 1, 0, 1, 0, 0, 0, 0], false), 2000);
        assert_eq!(year(&[0, 0, 0, 1, 0, 1, 0, 0, 0, 0], true), 1900);
        // Samordningsnummer: the real day (84 - 60 = 24) decides.
        assert_eq!(year(&[2, 6, 1, 1, 8, 4, 0, 0, 0, 0], false), 1926);
        assert_eq!(year(&[2, 6, 1, 1, 8, 3, 0, 0, 0, 0], false), 2026);
    }

    #[test]
    fn luhn_matches_known_numbers() {
        assert_eq!(luhn_check_digit(&[8, 5, 0, 1, 0, 1, 2, 3, 8]), 2);
        assert_eq!(luhn_check_digit(&[5, 5, 6, 8, 4, 0, 2, 2, 6]), 6);
        assert_eq!(luhn_check_digit(&[2, 0, 2, 1, 0, 0, 3, 8, 9]), 8);
    }

    #[test]
    fn person_accessors() -> Result<(), IdentityError> {
        let id = RecipientId::parse("850101-2382", today())?;
        assert_eq!(id.kind(), IdentityKind::Personnummer);
        assert!(!id.is_organisation());
        assert_eq!(id.birth_date(), Some(date(1985, 1, 1)));
        assert_eq!(id.display_form(), "19850101-2382");
        assert_eq!(id.to_string(), "19850101-2382");
        assert_eq!(id.masked(), "19850101-****");
        Ok(())
    }

    #[test]
    fn samordningsnummer_accessors() -> Result<(), IdentityError> {
        let id = RecipientId::parse("220161-2385", today())?;
        assert_eq!(id.kind(), IdentityKind::Samordningsnummer);
        assert_eq!(id.birth_date(), Some(date(2022, 1, 1)));
        assert_eq!(id.display_form(), "20220161-2385");
        assert_eq!(id.masked(), "20220161-****");
        Ok(())
    }

    #[test]
    fn organisation_accessors() -> Result<(), IdentityError> {
        let org = OrganizationNumber::parse("16556840-2266")?;
        assert_eq!(org.display_form(), "556840-2266");
        assert_eq!(org.to_string(), "556840-2266");
        assert_eq!("556840-2266".parse::<OrganizationNumber>()?, org);
        let id = RecipientId::from(org.clone());
        assert_eq!(id, org.to_recipient_id());
        assert_eq!(id, RecipientId::parse("556840-2266", today())?);
        assert_eq!(id.kind(), IdentityKind::Organisationsnummer);
        assert!(id.is_organisation());
        assert_eq!(id.birth_date(), None);
        assert_eq!(id.display_form(), "556840-2266");
        assert_eq!(id.masked(), "556840-2266");
        Ok(())
    }

    #[test]
    fn debug_does_not_print_the_full_personnummer() -> Result<(), IdentityError> {
        let id = RecipientId::parse(PERSON_1985, today())?;
        let debug = format!("{id:?}");
        assert_eq!(debug, r#"RecipientId("19850101-****")"#);
        assert!(!debug.contains("2382"));
        Ok(())
    }

    #[test]
    fn errors_name_the_problem() {
        let message = IdentityError::InvalidCharacter {
            character: 'O',
            position: 2,
        }
        .to_string();
        assert_eq!(
            message,
            "'O' at position 2 is not allowed in an identity number"
        );
        let message = IdentityError::Checksum {
            expected: 2,
            found: 3,
        }
        .to_string();
        assert_eq!(message, "the check digit is 3 but should be 2");
    }
}
