//! zlib (RFC 1950) in both directions, bounded on the way in (spec/format.md §Limits).

use crate::error::Error;
use crate::limits::Limits;

/// A reusable zlib compressor (reusing the state saves most of zlib's cost per certificate).
pub struct Compressor {
    inner: flate2::Compress,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compressor")
    }
}

impl Default for Compressor {
    fn default() -> Self {
        Self::new()
    }
}

impl Compressor {
    /// zlib level 0 (one stored deflate block inside a valid zlib stream; every inflater reads
    /// it). A pass is ~330 bytes of mostly unique text plus a random signature, so no level
    /// finds anything worth the cost: on the typical pass level 9 saves 2 bytes (3 characters)
    /// for ~20 µs, and zlib-rs level 1 is 3 bytes *larger* than stored. Measured in
    /// `tests/encoded_size.rs` and `benches/pipeline.rs`; spec/format.md §Issuing profile.
    pub const LEVEL: u32 = 0;

    /// A compressor at [`Compressor::LEVEL`].
    pub fn new() -> Self {
        Self::with_level(Self::LEVEL)
    }

    /// A compressor at a given level (0–9).
    pub fn with_level(level: u32) -> Self {
        Compressor {
            inner: flate2::Compress::new(flate2::Compression::new(level.min(9)), true),
        }
    }

    /// Compress `data` into a new zlib stream.
    pub fn compress(&mut self, data: &[u8]) -> Result<Vec<u8>, Error> {
        self.inner.reset();
        let mut out = Vec::with_capacity(data.len() + 64);
        loop {
            let consumed = self.inner.total_in() as usize;
            let input = data.get(consumed..).unwrap_or_default();
            let status = self
                .inner
                .compress_vec(input, &mut out, flate2::FlushCompress::Finish)
                .map_err(|_| Error::EncodingFailed("zlib"))?;
            match status {
                flate2::Status::StreamEnd => return Ok(out),
                _ => out.reserve(out.capacity().max(64)),
            }
        }
    }
}

/// Inflate a zlib stream, refusing output beyond `limits.max_decompressed_len` or beyond
/// `limits.max_compression_ratio` times the input. Strict (spec/format.md §Tolerances on read):
/// the Adler-32 checksum must match and the stream must end exactly at the end of `data` — bytes
/// after it would be data a signature does not cover and another reader might not ignore.
pub fn decompress(data: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    use miniz_oxide::inflate::core::{decompress as inflate, inflate_flags, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;

    let cap = limits.max_decompressed_len.min(
        data.len()
            .saturating_mul(limits.max_compression_ratio)
            .max(1024),
    );
    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut out = vec![0u8; data.len().saturating_mul(2).clamp(64, cap.max(64))];
    let mut state = Box::<DecompressorOxide>::default();
    let mut input = data;
    let mut out_pos = 0;
    loop {
        let (status, in_consumed, written) = inflate(&mut state, input, &mut out, out_pos, flags);
        out_pos += written;
        input = input.get(in_consumed..).ok_or(Error::DecompressionFailed)?;
        match status {
            TINFLStatus::Done => {
                if !input.is_empty() {
                    return Err(Error::DecompressionFailed);
                }
                out.truncate(out_pos.min(cap));
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput => {
                if out.len() >= cap {
                    return Err(Error::DecompressionLimit { limit: cap });
                }
                let new_len = out.len().saturating_mul(2).min(cap);
                out.resize(new_len, 0);
            }
            _ => return Err(Error::DecompressionFailed),
        }
    }
}
