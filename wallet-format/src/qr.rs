//! QR rendering (SVG, PNG) and reading QR codes back from PNG/JPEG images (spec/format.md §QR).
//! Implemented in a later commit.
