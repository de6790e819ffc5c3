//! The recipient's postal address, for a message that goes on paper: the
//! lines the letter prints in the window of the envelope.

use super::ProblemKind;

/// A postal address as the letter prints it: 2–6 non-empty lines (name,
/// perhaps c/o, street or box, postcode and town, perhaps country), each
/// short enough to fit the envelope's window on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress(Vec<String>);

impl PostalAddress {
    /// The most lines a window envelope shows.
    pub const MAX_LINES: usize = 6;
    /// The longest line that fits the 85 mm window in 11 pt.
    pub const MAX_LINE: usize = 44;

    /// Reads an address as typed or pasted (blank lines and the spaces
    /// around each line dropped); `None` for an empty text.
    pub fn parse(text: &str) -> Result<Option<PostalAddress>, ProblemKind> {
        let lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect();
        if lines.is_empty() {
            return Ok(None);
        }
        if lines.len() < 2 {
            return Err(ProblemKind::AddressTooShort);
        }
        if lines.len() > Self::MAX_LINES {
            return Err(ProblemKind::AddressTooManyLines {
                lines: lines.len(),
                max: Self::MAX_LINES,
            });
        }
        for line in &lines {
            let length = line.chars().count();
            if length > Self::MAX_LINE {
                return Err(ProblemKind::TooLong {
                    length,
                    max: Self::MAX_LINE,
                });
            }
            if let Some(c) = line
                .chars()
                .find(|&c| c.is_control() || kuvert_protocol::delivery::is_invisible(c))
            {
                return Err(ProblemKind::ForbiddenCharacter { code: c as u32 });
            }
        }
        Ok(Some(PostalAddress(lines)))
    }

    /// The lines, top to bottom.
    pub fn lines(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_two_to_six_short_visible_lines() {
        let ok = PostalAddress::parse("  Anna Andersson \n\nStorgatan 1\r\n123 45 Småstad\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            ok.lines(),
            ["Anna Andersson", "Storgatan 1", "123 45 Småstad"]
        );
        assert_eq!(PostalAddress::parse(" \n \n"), Ok(None));
        let refused = [
            ("Anna Andersson", "address_too_short"),
            ("a\nb\nc\nd\ne\nf\ng", "address_too_many_lines"),
            (&format!("Anna\n{}", "x".repeat(45)), "too_long"),
            ("Anna\u{202E}nossredna\nStorgatan 1", "forbidden_character"),
            ("Anna\u{200B}\nStorgatan 1", "forbidden_character"),
            ("Anna\tAndersson\nStorgatan 1", "forbidden_character"),
        ];
        for (text, code) in refused {
            assert_eq!(
                PostalAddress::parse(text).map(|_| ()).unwrap_err().code(),
                code,
                "{text:?}"
            );
        }
    }
}
