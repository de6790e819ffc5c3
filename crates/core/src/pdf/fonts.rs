//! The embedded font: DejaVu Sans and DejaVu Sans Bold (full Latin
//! coverage, licence in `crates/core/fonts/LICENSE`), its character map and
//! advance widths for line breaking, and the krilla fonts that draw it.

use std::sync::OnceLock;

use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// The two faces Kuvert's documents use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// One face: its bytes read once.
struct Face {
    font: skrifa::FontRef<'static>,
    units_per_em: f32,
    krilla: krilla::text::Font,
}

impl Font {
    fn face(self) -> &'static Face {
        static FACES: OnceLock<[Face; 2]> = OnceLock::new();
        let faces = FACES.get_or_init(|| [Face::load(REGULAR), Face::load(BOLD)]);
        match self {
            Font::Regular => &faces[0],
            Font::Bold => &faces[1],
        }
    }

    /// The krilla font that draws this face.
    pub(super) fn krilla(self) -> krilla::text::Font {
        self.face().krilla.clone()
    }

    /// Whether the face has a glyph for `c`.
    pub fn covers(self, c: char) -> bool {
        self.face().font.charmap().map(c).is_some()
    }

    /// The advance width of `c` in points at `size` (0 for a character the
    /// face lacks).
    pub fn advance(self, c: char, size: f32) -> f32 {
        let face = self.face();
        let Some(glyph) = face.font.charmap().map(c) else {
            return 0.0;
        };
        face.font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(glyph)
            .unwrap_or(0.0)
            * size
            / face.units_per_em
    }
}

impl Face {
    fn load(bytes: &'static [u8]) -> Face {
        // The fonts are compiled in and known to parse (the unit tests below
        // read both).
        let font = skrifa::FontRef::new(bytes).expect("the bundled DejaVu font parses");
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let krilla = krilla::text::Font::new(krilla::Data::from(bytes), 0)
            .expect("krilla reads the bundled DejaVu font");
        Face {
            font,
            units_per_em,
            krilla,
        }
    }
}

/// `text` as the font can draw it: tabs become spaces, other control
/// characters are dropped and a character neither face has becomes `?`
/// (PDF/A forbids the empty `.notdef` glyph).
pub fn drawable(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c if Font::Regular.covers(c) && Font::Bold.covers(c) => Some(c),
            _ => Some('?'),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_cover_the_minority_languages_and_measure() {
        for font in [Font::Regular, Font::Bold] {
            for c in "Čáhppes ŋ šž đ ŧ åäö ÅÄÖ €–…".chars() {
                assert!(font.covers(c), "{font:?} lacks {c}");
            }
            let m = font.advance('m', 10.0);
            assert!(m > font.advance('i', 10.0) && m < 12.0, "{m}");
        }
        assert_eq!(drawable("a\tb\u{7}c\u{10FFFD}"), "a bc?");
    }
}
