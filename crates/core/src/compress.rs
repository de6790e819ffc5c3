//! Making an attached PDF small enough for the envelope.
//!
//! A scanned decision is mostly pictures of pages at the scanner's
//! resolution. [`compress_pdf`] rewrites such a PDF through `lopdf`:
//!
//! - every image drawn above [`DOWNSAMPLE_ABOVE_DPI`] is scaled down to
//!   [`PRINT_DPI`] (print-worthy) and stored as a JPEG of quality
//!   [`JPEG_QUALITY`]; images at or below it are left as they are;
//! - every other stream (page content, fonts) is recompressed with Flate at
//!   the highest level; content streams are decoded and encoded again, not
//!   changed, so the text stays text (searchable, `pdftotext` reads it);
//! - objects nothing refers to any more are dropped.
//!
//! The original bytes are not touched: the result is a new file, which is
//! what is sent and stored when the officer chooses it. An image's
//! resolution is judged against the page it is on, as a scan covers it (an
//! image drawn smaller than the page has more dots per inch than judged,
//! so it is never scaled below print resolution).

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageFormat, RgbImage};
use lopdf::{Document, Object, ObjectId, Stream};
use openssl::sha::sha256;

/// The resolution images are scaled down to (dots per inch).
pub const PRINT_DPI: f64 = 150.0;

/// Images drawn at more than this resolution are scaled down to
/// [`PRINT_DPI`]; the margin keeps a 150–200 dpi scan from being
/// re-encoded for little gain.
pub const DOWNSAMPLE_ABOVE_DPI: f64 = 200.0;

/// The JPEG quality scaled images are stored with.
pub const JPEG_QUALITY: u8 = 75;

/// The most a single stream may decode to (a guard against a compressed
/// "bomb" in an attached file).
const MAX_DECODED_STREAM: usize = 512 * 1024 * 1024;

/// Why a PDF could not be compressed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompressError {
    /// The file is not a PDF lopdf can read (damaged, or encrypted).
    #[error("the PDF cannot be read: {0}")]
    Unreadable(String),
    /// Writing the compressed PDF failed.
    #[error("the compressed PDF could not be written: {0}")]
    Write(String),
    /// Nothing could be made smaller.
    #[error("the PDF cannot be made smaller ({size} bytes)")]
    NotSmaller {
        /// The original's size.
        size: u64,
    },
}

/// A compressed PDF and what was done.
#[derive(Clone, PartialEq, Eq)]
pub struct Compressed {
    /// The compressed file.
    pub bytes: Vec<u8>,
    /// The original's size in bytes.
    pub original_size: u64,
    /// SHA-256 of the original, hex.
    pub original_sha256: String,
    /// SHA-256 of the compressed file, hex.
    pub compressed_sha256: String,
    /// How many images were scaled down.
    pub images_downsampled: usize,
}

impl std::fmt::Debug for Compressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressed")
            .field("size", &self.bytes.len())
            .field("original_size", &self.original_size)
            .field("original_sha256", &self.original_sha256)
            .field("compressed_sha256", &self.compressed_sha256)
            .field("images_downsampled", &self.images_downsampled)
            .finish()
    }
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compresses the PDF `original` (see the [module documentation](self)).
///
/// # Errors
///
/// [`CompressError::Unreadable`] for a file lopdf cannot read,
/// [`CompressError::NotSmaller`] when the result would not be smaller.
pub fn compress_pdf(original: &[u8]) -> Result<Compressed, CompressError> {
    let mut doc =
        Document::load_mem(original).map_err(|e| CompressError::Unreadable(e.to_string()))?;
    if doc.is_encrypted() {
        return Err(CompressError::Unreadable("it is encrypted".into()));
    }
    let mut images_downsampled = 0;
    for (image_id, target) in images_to_scale(&doc) {
        if let Ok(Object::Stream(stream)) = doc.get_object_mut(image_id) {
            if downsample(stream, target) {
                images_downsampled += 1;
            }
        }
    }
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            recompress(stream);
        }
    }
    doc.prune_objects();
    let mut bytes = Vec::with_capacity(original.len() / 2);
    doc.save_modern(&mut bytes)
        .map_err(|e| CompressError::Write(e.to_string()))?;
    if bytes.len() >= original.len() {
        return Err(CompressError::NotSmaller {
            size: original.len() as u64,
        });
    }
    Ok(Compressed {
        original_size: original.len() as u64,
        original_sha256: sha256_hex(original),
        compressed_sha256: sha256_hex(&bytes),
        images_downsampled,
        bytes,
    })
}

/// The images above [`DOWNSAMPLE_ABOVE_DPI`] and the size each is to be
/// scaled to (judged against the largest page it is on).
fn images_to_scale(doc: &Document) -> Vec<(ObjectId, (u32, u32))> {
    let mut found: Vec<(ObjectId, (u32, u32))> = Vec::new();
    for page_id in doc.get_pages().into_values() {
        let Some((page_w, page_h)) = page_inches(doc, page_id) else {
            continue;
        };
        let Ok(images) = doc.get_page_images(page_id) else {
            continue;
        };
        for image in images {
            let (w, h) = (image.width as f64, image.height as f64);
            if w < 1.0 || h < 1.0 {
                continue;
            }
            let dpi = (w / page_w).max(h / page_h);
            if dpi <= DOWNSAMPLE_ABOVE_DPI {
                continue;
            }
            let scale = PRINT_DPI / dpi;
            let target = (
                ((w * scale).round() as u32).max(1),
                ((h * scale).round() as u32).max(1),
            );
            match found.iter_mut().find(|(id, _)| *id == image.id) {
                // On two pages: keep the larger size (the more detailed page).
                Some((_, kept)) => *kept = (kept.0.max(target.0), kept.1.max(target.1)),
                None => found.push((image.id, target)),
            }
        }
    }
    found
}

/// A page's size in inches, from its (possibly inherited) `MediaBox`.
fn page_inches(doc: &Document, page_id: ObjectId) -> Option<(f64, f64)> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..32 {
        if let Ok(media_box) = node.get(b"MediaBox") {
            let media_box = match media_box {
                Object::Reference(id) => doc.get_object(*id).ok()?,
                other => other,
            };
            let numbers: Vec<f64> = media_box
                .as_array()
                .ok()?
                .iter()
                .filter_map(|n| n.as_float().ok().map(f64::from))
                .collect();
            let [x0, y0, x1, y1] = numbers[..] else {
                return None;
            };
            let (w, h) = ((x1 - x0).abs() / 72.0, (y1 - y0).abs() / 72.0);
            return (w > 0.0 && h > 0.0).then_some((w, h));
        }
        node = doc
            .get_dictionary(node.get(b"Parent").ok()?.as_reference().ok()?)
            .ok()?;
    }
    None
}

/// Scales the image in `stream` to `target` and stores it as a JPEG, when
/// it is one Kuvert can decode (a JPEG, or 8-bit grey or RGB samples under
/// Flate) and the result is smaller. Returns whether it was replaced.
fn downsample(stream: &mut Stream, target: (u32, u32)) -> bool {
    let Some(picture) = decode_image(stream) else {
        return false;
    };
    let scaled = picture.resize_exact(target.0, target.1, FilterType::Triangle);
    let (scaled, color_space) = match scaled.color() {
        image::ColorType::L8 => (DynamicImage::ImageLuma8(scaled.to_luma8()), "DeviceGray"),
        _ => (DynamicImage::ImageRgb8(scaled.to_rgb8()), "DeviceRGB"),
    };
    let mut jpeg = Vec::new();
    if JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&scaled)
        .is_err()
        || jpeg.len() >= stream.content.len()
    {
        return false;
    }
    let dict = &mut stream.dict;
    dict.set("Width", i64::from(target.0));
    dict.set("Height", i64::from(target.1));
    dict.set("ColorSpace", Object::Name(color_space.into()));
    dict.set("BitsPerComponent", 8);
    dict.set("Filter", Object::Name(b"DCTDecode".to_vec()));
    dict.remove(b"DecodeParms");
    dict.remove(b"Decode");
    // The JPEG is final: the recompression pass must not Flate it again.
    stream.allows_compression = false;
    stream.set_content(jpeg);
    true
}

/// The image in `stream`, when Kuvert can decode it without changing what
/// it shows: a JPEG (`DCTDecode` alone), or 8-bit `DeviceGray`/`DeviceRGB`
/// samples (Flate or none). Masks, palettes, CMYK and other colour spaces
/// are left alone.
fn decode_image(stream: &Stream) -> Option<DynamicImage> {
    let dict = &stream.dict;
    if dict.get(b"SMask").is_ok()
        || dict.get(b"Mask").is_ok()
        || dict
            .get(b"ImageMask")
            .and_then(Object::as_bool)
            .unwrap_or(false)
        || dict.get(b"Decode").is_ok()
    {
        return None;
    }
    let filters: Vec<Vec<u8>> = stream
        .filters()
        .map(|f| f.into_iter().map(<[u8]>::to_vec).collect())
        .unwrap_or_default();
    let color_space = dict.get(b"ColorSpace").and_then(Object::as_name).ok()?;
    let channels = match color_space {
        b"DeviceGray" => 1,
        b"DeviceRGB" => 3,
        _ => return None,
    };
    match filters.as_slice() {
        [dct] if dct == b"DCTDecode" => {
            let decoded =
                image::load_from_memory_with_format(&stream.content, ImageFormat::Jpeg).ok()?;
            // Adobe's inverted CMYK JPEGs and the like: only what matches
            // the declared colour space.
            match (channels, decoded.color()) {
                (1, image::ColorType::L8) | (3, image::ColorType::Rgb8) => Some(decoded),
                _ => None,
            }
        }
        [] | [_] if filters.iter().all(|f| f == b"FlateDecode") => {
            if dict
                .get(b"BitsPerComponent")
                .and_then(Object::as_i64)
                .ok()?
                != 8
            {
                return None;
            }
            let width = u32::try_from(dict.get(b"Width").and_then(Object::as_i64).ok()?).ok()?;
            let height = u32::try_from(dict.get(b"Height").and_then(Object::as_i64).ok()?).ok()?;
            let samples = if filters.is_empty() {
                stream.content.clone()
            } else {
                stream
                    .decompressed_content_with_limit(MAX_DECODED_STREAM)
                    .ok()?
            };
            let expected = width as usize * height as usize * channels;
            if samples.len() < expected {
                return None;
            }
            let samples = samples[..expected].to_vec();
            if channels == 1 {
                GrayImage::from_raw(width, height, samples).map(DynamicImage::ImageLuma8)
            } else {
                RgbImage::from_raw(width, height, samples).map(DynamicImage::ImageRgb8)
            }
        }
        _ => None,
    }
}

/// Recompresses a stream with Flate at the highest level: one without a
/// filter is compressed, one under Flate alone (without predictors) is
/// decoded and compressed again. Images (JPEGs above all) and anything
/// under another filter are left as they are.
fn recompress(stream: &mut Stream) {
    if !stream.allows_compression {
        return;
    }
    let is_image = stream
        .dict
        .get(b"Subtype")
        .and_then(Object::as_name)
        .is_ok_and(|s| s == b"Image");
    let filters: Vec<Vec<u8>> = stream
        .filters()
        .map(|f| f.into_iter().map(<[u8]>::to_vec).collect())
        .unwrap_or_default();
    let flate_only = matches!(filters.as_slice(), [f] if f == b"FlateDecode")
        && stream.dict.get(b"DecodeParms").is_err();
    if flate_only && !is_image {
        let before = stream.content.len();
        let Ok(plain) = stream.decompressed_content_with_limit(MAX_DECODED_STREAM) else {
            return;
        };
        let previous = stream.clone();
        stream.set_plain_content(plain);
        if stream.compress().is_err() || stream.content.len() >= before {
            *stream = previous;
        }
    } else if filters.is_empty() {
        let _ = stream.compress();
    }
}
