//! Resource bounds for validation and evaluation (see `spec/certlogic.md` §Limits).

/// Bounds that make every evaluation terminate quickly and within a small, fixed stack.
///
/// The defaults are generous for real rules (the EU and VN rule sets nest < 15 deep and take
/// < 200 steps per rule) and small enough that hostile rules fail fast with
/// [`crate::CertLogicError::LimitExceeded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of expressions (each operation or array literal is one level) and of
    /// values constructed during evaluation (arrays built by array literals / `reduce`).
    /// Checked by [`crate::validate`] before evaluation, so recursion never goes deeper.
    pub max_depth: usize,
    /// Maximum evaluation steps per [`crate::evaluate_with_limits`] call: one per evaluated
    /// sub-expression, one per `reduce` iteration, one per element visited by `===`, `in`
    /// and when copying the result out.
    pub max_steps: u64,
    /// Maximum size in bytes of a JSON document parsed from text by this crate
    /// (rule sets, value sets, the rule-author command's inputs).
    pub max_input_bytes: usize,
}

impl Limits {
    /// The default limits (see field docs).
    pub const DEFAULT: Limits = Limits {
        max_depth: 128,
        max_steps: 1_000_000,
        max_input_bytes: 16 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
