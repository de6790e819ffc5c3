//! A scanned document made for the tests and the compression benchmark:
//! A4 pages, each a greyscale picture at 300 dpi stored as a JPEG (as a
//! scanner writes it), with the page's text as real text over it (as OCR
//! leaves it), so that `pdftotext` can read it before and after.

use image::codecs::jpeg::JpegEncoder;
use image::GrayImage;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};

/// The words each page carries as text.
pub fn page_text(page: usize) -> String {
    format!("Beslut om bygglov sida {page}")
}

/// A4 in points.
const PAGE: (f32, f32) = (595.0, 842.0);

/// A page picture at `dpi`: paper grain (pseudo-random, so JPEG cannot
/// make it small) with dark lines where a scanner would see print.
fn picture(dpi: u32, seed: u32) -> GrayImage {
    let (w, h) = (
        (PAGE.0 / 72.0 * dpi as f32) as u32,
        (PAGE.1 / 72.0 * dpi as f32) as u32,
    );
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    GrayImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state % 48) as u8;
        let line = (y / (dpi / 6)).is_multiple_of(2)
            && !(x / (dpi / 20)).is_multiple_of(7)
            && y % (dpi / 6) < dpi / 20;
        if line {
            image::Luma([30 + grain / 2])
        } else {
            image::Luma([200 + grain])
        }
    })
}

/// A scanned PDF of `pages` pages at `dpi` (JPEG quality `quality`).
pub fn scanned_pdf(pages: usize, dpi: u32, quality: u8) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
    });
    let mut kids = Vec::new();
    for page in 1..=pages {
        let picture = picture(dpi, page as u32);
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(&picture)
            .unwrap();
        let mut image = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => picture.width() as i64,
                "Height" => picture.height() as i64,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8,
                "Filter" => "DCTDecode",
            },
            jpeg,
        );
        image.allows_compression = false;
        let image_id = doc.add_object(image);
        let content = Content {
            operations: vec![
                Operation::new("q", vec![]),
                Operation::new(
                    "cm",
                    vec![
                        PAGE.0.into(),
                        0.into(),
                        0.into(),
                        PAGE.1.into(),
                        0.into(),
                        0.into(),
                    ],
                ),
                Operation::new("Do", vec!["Im1".into()]),
                Operation::new("Q", vec![]),
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 14.into()]),
                Operation::new("Td", vec![72.into(), 780.into()]),
                Operation::new("Tj", vec![Object::string_literal(page_text(page))]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE.0.into(), PAGE.1.into()],
            "Contents" => content_id,
            "Resources" => dictionary! {
                "Font" => dictionary! { "F1" => font_id },
                "XObject" => dictionary! { "Im1" => image_id },
            },
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}
