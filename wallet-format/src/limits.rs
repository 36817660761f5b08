//! Every size the decoder accepts, in one place (spec/format.md §Limits). Checked before
//! allocating.

/// Bounds applied while decoding untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted `HC1:` text, in bytes (after trimming). Real passes are < 1 200 chars;
    /// the largest QR code (v40-L alphanumeric) holds 4 296.
    pub max_text_len: usize,
    /// Largest accepted decompressed COSE structure, in bytes.
    pub max_decompressed_len: usize,
    /// Largest accepted ratio of decompressed to compressed size.
    pub max_compression_ratio: usize,
    /// Deepest CBOR nesting accepted (arrays/maps/tags).
    pub max_cbor_depth: usize,
    /// Most items accepted in one CBOR array or map.
    pub max_cbor_items: usize,
    /// Largest image accepted for QR decoding, in bytes of the encoded file.
    pub max_image_bytes: usize,
    /// Largest image accepted for QR decoding, in pixels (width × height).
    pub max_image_pixels: u64,
}

impl Limits {
    /// The defaults: generous for every real pass, tight enough to stop bombs.
    pub const DEFAULT: Limits = Limits {
        max_text_len: 8 * 1024,
        max_decompressed_len: 64 * 1024,
        max_compression_ratio: 64,
        max_cbor_depth: 16,
        max_cbor_items: 512,
        max_image_bytes: 16 * 1024 * 1024,
        max_image_pixels: 40_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
