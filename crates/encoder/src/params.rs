//! Parameters of a [`SentenceEncoder`](crate::SentenceEncoder): unchecked [`EncoderParams`] and
//! the [`EncoderValidParams`] that only [`EncoderParams::check`] produces.

use crate::error::{EncoderError, Result};

/// Default for [`EncoderParams::max_tokens`]: 128, as all-MiniLM-L6-v2's tokenizer truncates.
pub const DEFAULT_MAX_TOKENS: usize = 128;
/// Default for [`EncoderParams::batch_size`].
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// How a [`SentenceEncoder`](crate::SentenceEncoder) tokenizes and batches; not yet checked.
///
/// ```
/// use secdisc_encoder::EncoderParams;
/// let params = EncoderParams::default().max_tokens(64).batch_size(8).check()?;
/// assert_eq!(params.max_tokens(), 64);
/// # Ok::<(), secdisc_encoder::EncoderError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderParams(EncoderValidParams);

/// Checked [`EncoderParams`]: `max_tokens >= 2`, `batch_size >= 1`. Whether the model allows
/// `max_tokens` positions is checked when the encoder is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderValidParams {
    max_tokens: usize,
    batch_size: usize,
}

impl Default for EncoderParams {
    fn default() -> Self {
        Self(EncoderValidParams {
            max_tokens: DEFAULT_MAX_TOKENS,
            batch_size: DEFAULT_BATCH_SIZE,
        })
    }
}

impl EncoderParams {
    /// Tokens per text, `[CLS]` and `[SEP]` included; longer texts are truncated. Default 128.
    pub fn max_tokens(mut self, max_tokens: usize) -> Self {
        self.0.max_tokens = max_tokens;
        self
    }

    /// Texts per forward pass. Default 32.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.0.batch_size = batch_size;
        self
    }

    /// Checks the parameters by reference.
    ///
    /// # Errors
    /// [`EncoderError::MaxTokensTooSmall`] below 2, [`EncoderError::ZeroBatchSize`] for 0.
    pub fn check_ref(&self) -> Result<&EncoderValidParams> {
        if self.0.max_tokens < 2 {
            return Err(EncoderError::MaxTokensTooSmall {
                max_tokens: self.0.max_tokens,
            });
        }
        if self.0.batch_size == 0 {
            return Err(EncoderError::ZeroBatchSize);
        }
        Ok(&self.0)
    }

    /// Checks the parameters; see [`check_ref`](Self::check_ref) for the errors.
    pub fn check(self) -> Result<EncoderValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl EncoderValidParams {
    /// Tokens per text, `[CLS]` and `[SEP]` included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Texts per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_128_tokens_and_32_texts() {
        let params = EncoderParams::default().check().unwrap();
        assert_eq!(params.max_tokens(), 128);
        assert_eq!(params.batch_size(), 32);
    }

    #[test]
    fn rejects_max_tokens_below_two() {
        let err = EncoderParams::default().max_tokens(1).check().unwrap_err();
        assert!(matches!(
            err,
            EncoderError::MaxTokensTooSmall { max_tokens: 1 }
        ));
    }

    #[test]
    fn rejects_zero_batch_size() {
        let err = EncoderParams::default().batch_size(0).check().unwrap_err();
        assert!(matches!(err, EncoderError::ZeroBatchSize));
    }

    #[test]
    fn autotraits() {
        fn has_autotraits<T: Send + Sync + Sized + Unpin + Clone>() {}
        has_autotraits::<EncoderParams>();
        has_autotraits::<EncoderValidParams>();
    }
}
