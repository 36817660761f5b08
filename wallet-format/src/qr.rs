//! QR rendering (SVG, PNG) and reading QR codes back from PNG/JPEG images (spec/format.md §QR).
//!
//! Rendering follows HCERT §4.2.2: the whole `HC1:` text in one **alphanumeric** segment (the
//! base45 alphabet is exactly QR's alphanumeric set), ECC level **Q**, the smallest version that
//! holds it, a quiet zone of 4 modules by default.
//!
//! Reading composites transparent pixels over white, then tries, until one attempt finds at least
//! one code: the image as is (big photos first downscaled), with an added quiet zone, then rotations by 90/180/270°, small rotations (±6°, ±12°), scales (down for big
//! photos, up for tiny images) and binarisations (global Otsu threshold, local mean threshold,
//! inverted). Every attempt is bounded by [`Limits::max_image_bytes`] and
//! [`Limits::max_image_pixels`].

use crate::error::Error;
use crate::limits::Limits;
use image::{GrayImage, ImageEncoder, Luma};
use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};
use std::fmt::Write as _;

/// The error-correction level we emit (HCERT recommends Q, ~25 % recovery).
pub const EC_LEVEL: EcLevel = EcLevel::Q;

/// How a QR code is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Pixels per module (PNG) or user units per module (SVG); at least 1.
    pub module_size: u32,
    /// Width of the light border, in modules (ISO 18004 asks for 4).
    pub quiet_zone: u32,
}

impl RenderOptions {
    /// 8 px per module, quiet zone 4: a version-17 code becomes 680 × 680 px.
    pub const DEFAULT: RenderOptions = RenderOptions {
        module_size: 8,
        quiet_zone: 4,
    };
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

fn is_alphanumeric(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

/// An encoded QR symbol (the module matrix and its version).
#[derive(Clone)]
pub struct Symbol {
    code: QrCode,
}

impl std::fmt::Debug for Symbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symbol")
            .field("version", &self.version())
            .field("width", &self.width())
            .finish()
    }
}

impl Symbol {
    /// Encode `text` in one alphanumeric segment at ECC Q, in the smallest version that holds it.
    /// `QR_RENDER_FAILED` when the text has a character outside the alphanumeric set or is too
    /// long for version 40.
    pub fn encode(text: &str) -> Result<Self, Error> {
        let data = text.as_bytes();
        if data.is_empty() || !data.iter().all(|b| is_alphanumeric(*b)) {
            return Err(Error::QrRenderFailed);
        }
        let version = minimal_version(data.len()).ok_or(Error::QrRenderFailed)?;
        let mut bits = Bits::new(Version::Normal(version));
        bits.push_alphanumeric_data(data)
            .and_then(|()| bits.push_terminator(EC_LEVEL))
            .map_err(|_| Error::QrRenderFailed)?;
        let code = QrCode::with_bits(bits, EC_LEVEL).map_err(|_| Error::QrRenderFailed)?;
        Ok(Symbol { code })
    }

    /// The QR version (1–40).
    pub fn version(&self) -> u8 {
        match self.code.version() {
            Version::Normal(v) | Version::Micro(v) => u8::try_from(v).unwrap_or(0),
        }
    }

    /// Modules per side, without quiet zone.
    pub fn width(&self) -> usize {
        self.code.width()
    }

    /// Whether the module at (x, y) is dark (false outside the symbol).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let w = self.code.width();
        x < w && y < w && self.code[(x, y)] == Color::Dark
    }

    /// Draw as an SVG document: one path of dark runs, `shape-rendering="crispEdges"` so
    /// modules stay square.
    pub fn to_svg(&self, options: &RenderOptions) -> String {
        let w = self.width();
        let quiet = options.quiet_zone as usize;
        let side = w + 2 * quiet;
        let px = side * options.module_size.max(1) as usize;
        let mut path = String::with_capacity(w * w * 2);
        for y in 0..w {
            let mut x = 0;
            while x < w {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < w && self.is_dark(x, y) {
                        x += 1;
                    }
                    let _ = write!(
                        path,
                        "M{},{}h{}v1h-{}z",
                        start + quiet,
                        y + quiet,
                        x - start,
                        x - start
                    );
                } else {
                    x += 1;
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{px}\" height=\"{px}\" \
             viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
             <path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// Draw as a greyscale bitmap.
    pub fn to_image(&self, options: &RenderOptions) -> GrayImage {
        let w = self.width();
        let module = options.module_size.max(1);
        let quiet = options.quiet_zone;
        let side = (w as u32 + 2 * quiet) * module;
        GrayImage::from_fn(side, side, |px, py| {
            let mx = (px / module).checked_sub(quiet);
            let my = (py / module).checked_sub(quiet);
            match (mx, my) {
                (Some(x), Some(y)) if self.is_dark(x as usize, y as usize) => Luma([0]),
                _ => Luma([255]),
            }
        })
    }

    /// Draw as PNG bytes (8-bit greyscale).
    pub fn to_png(&self, options: &RenderOptions) -> Result<Vec<u8>, Error> {
        let img = self.to_image(options);
        let mut out = Vec::with_capacity(16 * 1024);
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::L8,
            )
            .map_err(|_| Error::QrRenderFailed)?;
        Ok(out)
    }
}

/// Alphanumeric characters that fit version `v` at ECC Q (ISO 18004 Table 7).
pub fn capacity(version: u8) -> usize {
    if !(1..=40).contains(&version) {
        return 0;
    }
    let data_bits = Bits::new(Version::Normal(i16::from(version)))
        .max_len(EC_LEVEL)
        .unwrap_or(0);
    let count_bits = match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    };
    let available = data_bits.saturating_sub(4 + count_bits);
    // 11 bits per pair, 6 for a trailing single character.
    let pairs = available / 11;
    let rest = available % 11;
    pairs * 2 + usize::from(rest >= 6)
}

fn minimal_version(len: usize) -> Option<i16> {
    (1u8..=40).find(|v| capacity(*v) >= len).map(i16::from)
}

/// The QR version (ECC Q, alphanumeric) a text needs; `QR_RENDER_FAILED` if it cannot be encoded.
pub fn version_for(text: &str) -> Result<u8, Error> {
    let data = text.as_bytes();
    if data.is_empty() || !data.iter().all(|b| is_alphanumeric(*b)) {
        return Err(Error::QrRenderFailed);
    }
    minimal_version(data.len())
        .and_then(|v| u8::try_from(v).ok())
        .ok_or(Error::QrRenderFailed)
}

/// Render `text` as an SVG document.
pub fn render_svg(text: &str, options: &RenderOptions) -> Result<String, Error> {
    Ok(Symbol::encode(text)?.to_svg(options))
}

/// Render `text` as PNG bytes.
pub fn render_png(text: &str, options: &RenderOptions) -> Result<Vec<u8>, Error> {
    Symbol::encode(text)?.to_png(options)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Images wider or taller than this are first tried downscaled (rqrr's cost grows with pixels).
const WORKING_SIDE: u32 = 1200;
/// Images narrower than this are also tried upscaled.
const TINY_SIDE: u32 = 400;

/// Decode an image (PNG or JPEG) and return the text of every QR code found, in the order found,
/// without duplicates. `IMAGE_INVALID` if the bytes are not a readable image within the limits,
/// `QR_NOT_FOUND` if no attempt finds a code.
pub fn decode_image(bytes: &[u8], limits: &Limits) -> Result<Vec<String>, Error> {
    let gray = load_gray(bytes, limits)?;
    decode_gray(&gray)
}

/// [`decode_image`] on an already decoded greyscale bitmap.
pub fn decode_gray(gray: &GrayImage) -> Result<Vec<String>, Error> {
    let (w, h) = gray.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::ImageInvalid);
    }
    let big = w.max(h) > WORKING_SIDE;
    let working = if big {
        downscale(gray, WORKING_SIDE)
    } else {
        gray.clone()
    };

    // 1. as is (downscaled if big), then the original resolution of a big image.
    if let Some(found) = attempt(&working) {
        return Ok(found);
    }
    if big {
        if let Some(found) = attempt(gray) {
            return Ok(found);
        }
    }
    // 2. a quiet zone added (codes cropped to their modules), at the working scale and, for
    //    small images, upscaled.
    let margin = with_margin(&working);
    if let Some(found) = attempt(&margin) {
        return Ok(found);
    }
    let (mw, mh) = margin.dimensions();
    if mw.max(mh) < TINY_SIDE {
        // Upscaled: rqrr needs a few pixels per module. Nearest keeps edges sharp; smooth
        // upscaling to a square plus a global threshold evens out fractional module sizes
        // and a slightly stretched picture.
        let up = image::imageops::resize(
            &margin,
            mw * 2,
            mh * 2,
            image::imageops::FilterType::Nearest,
        );
        if let Some(found) = attempt(&up) {
            return Ok(found);
        }
        let side = mw.max(mh) * 3;
        let up =
            image::imageops::resize(&margin, side, side, image::imageops::FilterType::CatmullRom);
        if let Some(found) = attempt(&threshold(&up, otsu_level(&up))) {
            return Ok(found);
        }
    }
    // 3. binarisations of the working image.
    let otsu = threshold(&working, otsu_level(&working));
    if let Some(found) = attempt(&otsu) {
        return Ok(found);
    }
    let local = local_mean_threshold(&working);
    if let Some(found) = attempt(&local) {
        return Ok(found);
    }
    // 4. scales: tiny images upscaled, mid-size ones halved.
    let (ww, wh) = working.dimensions();
    if ww.max(wh) < TINY_SIDE {
        for factor in [2u32, 3] {
            let up = image::imageops::resize(
                &working,
                ww * factor,
                wh * factor,
                image::imageops::FilterType::Nearest,
            );
            if let Some(found) = attempt(&up) {
                return Ok(found);
            }
        }
    } else if let Some(found) = attempt(&downscale(&working, ww.max(wh) / 2)) {
        return Ok(found);
    }
    // 5. rotations by right angles.
    for rotated in [
        image::imageops::rotate90(&working),
        image::imageops::rotate180(&working),
        image::imageops::rotate270(&working),
    ] {
        if let Some(found) = attempt(&rotated) {
            return Ok(found);
        }
    }
    // 6. small rotations.
    for degrees in [6.0f32, -6.0, 12.0, -12.0] {
        if let Some(found) = attempt(&rotate_small(&working, degrees)) {
            return Ok(found);
        }
    }
    // 7. inverted (light modules on dark ground).
    let mut inverted = working;
    image::imageops::invert(&mut inverted);
    if let Some(found) = attempt(&inverted) {
        return Ok(found);
    }
    Err(Error::QrNotFound)
}

fn load_gray(bytes: &[u8], limits: &Limits) -> Result<GrayImage, Error> {
    if bytes.len() > limits.max_image_bytes {
        return Err(Error::InputTooLarge {
            actual: bytes.len(),
            limit: limits.max_image_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| Error::ImageInvalid)?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(Error::ImageInvalid);
    }
    let reader = || image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (w, h) = reader()
        .into_dimensions()
        .map_err(|_| Error::ImageInvalid)?;
    let pixels = u64::from(w) * u64::from(h);
    if pixels > limits.max_image_pixels {
        return Err(Error::InputTooLarge {
            actual: usize::try_from(pixels).unwrap_or(usize::MAX),
            limit: usize::try_from(limits.max_image_pixels).unwrap_or(usize::MAX),
        });
    }
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(w);
    decoder_limits.max_image_height = Some(h);
    // RGBA16 is the widest decoded form (8 bytes per pixel), plus headroom for the converter.
    decoder_limits.max_alloc = Some(pixels.saturating_mul(8).saturating_add(1 << 20));
    let mut r = reader();
    r.limits(decoder_limits);
    let img = r.decode().map_err(|_| Error::ImageInvalid)?;
    if !img.color().has_alpha() {
        return Ok(img.into_luma8());
    }
    // Transparent pixels are usually meant as paper: blend over white (a transparent black
    // background would otherwise turn into a black one).
    let rgba = img.into_rgba8();
    Ok(GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let luma = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
        let blended = (luma * u32::from(a) + 255 * (255 - u32::from(a))) / 255;
        Luma([u8::try_from(blended).unwrap_or(255)])
    }))
}

/// The image on a white margin of 1/8 of its side (codes cropped without a quiet zone).
fn with_margin(img: &GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let m = (w.max(h) / 8).max(8);
    let mut out = GrayImage::from_pixel(w + 2 * m, h + 2 * m, Luma([255]));
    image::imageops::replace(&mut out, img, i64::from(m), i64::from(m));
    out
}

/// One rqrr pass; `Some` with every decoded text if at least one code decoded.
fn attempt(img: &GrayImage) -> Option<Vec<String>> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // rqrr is a third-party decoder fed untrusted pixels: contain any panic in it.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
        let mut texts: Vec<String> = Vec::new();
        for grid in prepared.detect_grids() {
            if let Ok((_, text)) = grid.decode() {
                if !texts.contains(&text) {
                    texts.push(text);
                }
            }
        }
        texts
    }));
    match result {
        Ok(texts) if !texts.is_empty() => Some(texts),
        _ => None,
    }
}

fn downscale(img: &GrayImage, max_side: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let side = w.max(h).max(1);
    let max_side = max_side.max(1);
    let nw = (u64::from(w) * u64::from(max_side) / u64::from(side)).max(1) as u32;
    let nh = (u64::from(h) * u64::from(max_side) / u64::from(side)).max(1) as u32;
    image::imageops::resize(img, nw, nh, image::imageops::FilterType::Triangle)
}

fn otsu_level(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        if let Some(slot) = hist.get_mut(usize::from(p.0[0])) {
            *slot += 1;
        }
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, c)| i as f64 * *c as f64)
        .sum();
    let (mut weight_bg, mut sum_bg, mut best, mut level) = (0u64, 0f64, 0f64, 128u8);
    for (i, count) in hist.iter().enumerate() {
        weight_bg += count;
        if weight_bg == 0 {
            continue;
        }
        let weight_fg = total - weight_bg;
        if weight_fg == 0 {
            break;
        }
        sum_bg += i as f64 * *count as f64;
        let mean_bg = sum_bg / weight_bg as f64;
        let mean_fg = (sum_all - sum_bg) / weight_fg as f64;
        let between = weight_bg as f64 * weight_fg as f64 * (mean_bg - mean_fg).powi(2);
        if between > best {
            best = between;
            level = u8::try_from(i).unwrap_or(128);
        }
    }
    level
}

fn threshold(img: &GrayImage, level: u8) -> GrayImage {
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p.0[0] = if p.0[0] <= level { 0 } else { 255 };
    }
    out
}

/// Local mean threshold over a window of about 1/8 of the image (integral image), for uneven
/// lighting in photographs.
fn local_mean_threshold(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(img.get_pixel(x as u32, y as u32).0[0]);
            let above = integral.get(y * (w + 1) + x + 1).copied().unwrap_or(0);
            if let Some(cell) = integral.get_mut((y + 1) * (w + 1) + x + 1) {
                *cell = above + row;
            }
        }
    }
    let at = |x: usize, y: usize| integral.get(y * (w + 1) + x).copied().unwrap_or(0);
    let radius = (w.max(h) / 16).max(8);
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let (x0, y0) = (x.saturating_sub(radius), y.saturating_sub(radius));
        let (x1, y1) = ((x + radius + 1).min(w), (y + radius + 1).min(h));
        let area = ((x1 - x0) * (y1 - y0)).max(1) as u64;
        let sum = (at(x1, y1) + at(x0, y0)).saturating_sub(at(x1, y0) + at(x0, y1));
        let mean = sum / area;
        let v = u64::from(img.get_pixel(x as u32, y as u32).0[0]);
        // 7/8 of the local mean: keeps light noise white.
        Luma([if v * 8 < mean * 7 { 0 } else { 255 }])
    })
}

/// Rotate by a small angle about the centre (nearest neighbour, white fill).
fn rotate_small(img: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let sx = cos * dx + sin * dy + cx;
        let sy = -sin * dx + cos * dy + cy;
        if sx >= 0.0 && sy >= 0.0 && (sx as u32) < w && (sy as u32) < h {
            *img.get_pixel(sx as u32, sy as u32)
        } else {
            Luma([255])
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEXT: &str =
        "HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOOK.IR9B+9D-8KJ6E.4WEA76F7N+I5KV9KT4";

    #[test]
    fn capacity_matches_iso_18004_for_ecc_q() {
        // ISO/IEC 18004 Table 7, alphanumeric, level Q.
        assert_eq!(capacity(1), 16);
        assert_eq!(capacity(17), 531);
        assert_eq!(capacity(18), 574);
        assert_eq!(capacity(40), 2420);
    }

    #[test]
    fn renders_png_that_reads_back() {
        let symbol = Symbol::encode(TEXT).unwrap();
        assert_eq!(symbol.version(), version_for(TEXT).unwrap());
        let png = symbol.to_png(&RenderOptions::DEFAULT).unwrap();
        let texts = decode_image(&png, &Limits::DEFAULT).unwrap();
        assert_eq!(texts, vec![TEXT.to_string()]);
    }

    #[test]
    fn renders_svg_with_square_modules() {
        let svg = render_svg(TEXT, &RenderOptions::DEFAULT).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("crispEdges"));
    }

    #[test]
    fn rejects_text_outside_the_alphanumeric_set() {
        assert_eq!(
            render_svg("hc1:lower", &RenderOptions::DEFAULT),
            Err(Error::QrRenderFailed)
        );
        assert_eq!(version_for(&"A".repeat(2421)), Err(Error::QrRenderFailed));
    }

    #[test]
    fn rejects_bytes_that_are_not_an_image() {
        assert_eq!(
            decode_image(b"not an image", &Limits::DEFAULT),
            Err(Error::ImageInvalid)
        );
    }

    #[test]
    fn reports_no_code_in_a_blank_image() {
        let blank = GrayImage::from_pixel(200, 200, Luma([255]));
        assert_eq!(decode_gray(&blank), Err(Error::QrNotFound));
    }

    #[test]
    fn reads_a_rotated_and_a_tiny_code() {
        let symbol = Symbol::encode(TEXT).unwrap();
        // A wide margin so the rotated corners stay inside the picture.
        let img = symbol.to_image(&RenderOptions {
            module_size: 6,
            quiet_zone: 12,
        });
        let rotated = rotate_small(&img, 20.0);
        assert_eq!(decode_gray(&rotated).unwrap(), vec![TEXT.to_string()]);
        let tiny = symbol.to_image(&RenderOptions {
            module_size: 1,
            quiet_zone: 2,
        });
        assert_eq!(decode_gray(&tiny).unwrap(), vec![TEXT.to_string()]);
    }
}
