//! Sealing a document as it is written: the text goes through [`pad`](super::pad)'s padding
//! straight into age's encryption, one 64 KiB chunk at a time, so a save holds the vault's
//! entries and the ciphertext, never its plaintext whole (nor, as `pad(&to_ron())` did, the
//! text and a padded copy of it besides: for a 190,000-token Entra vault those were two
//! 51 MB buffers).
//!
//! Promises: [`Seal::encrypt_text_with`] writes exactly the bytes `encrypt_with(&pad(text))`
//! would encrypt, for any text; a failure of the text's writer is an error, never a
//! half-sealed file.

use std::fmt;
use std::io::Write;

use super::{CryptoError, PAD, PluginUi, Seal};

/// Counts what passes through to `inner`, keeping the first error (`fmt::Write` cannot
/// carry one).
struct Counted<W: Write> {
    inner: W,
    written: usize,
    failed: Option<std::io::Error>,
}

impl<W: Write> fmt::Write for Counted<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.failed.is_some() {
            return Err(fmt::Error);
        }
        match self.inner.write_all(s.as_bytes()) {
            Ok(()) => {
                self.written += s.len();
                Ok(())
            }
            Err(e) => {
                self.failed = Some(e);
                Err(fmt::Error)
            }
        }
    }
}

impl Seal {
    /// Seals the text `text` writes, padded as [`pad`](super::pad) pads it, without holding it:
    /// it streams through the padding into the encryption. `capacity` is a guess at the
    /// sealed size. Plugin recipients talk through `ui`.
    pub fn encrypt_text_with(
        &self,
        text: &mut dyn FnMut(&mut dyn fmt::Write) -> fmt::Result,
        capacity: usize,
        ui: &PluginUi,
    ) -> Result<Vec<u8>, CryptoError> {
        let encryptor = self.encryptor(ui)?;
        let mut out = Vec::with_capacity(capacity);
        let failed = |e: std::io::Error| CryptoError::Encrypt(e.to_string());
        let writer = encryptor.wrap_output(&mut out).map_err(failed)?;
        let mut counted = Counted {
            inner: writer,
            written: 0,
            failed: None,
        };
        // The text without one final newline, then spaces up to a multiple of PAD, less one,
        // and the newline: what `pad` makes of the whole text.
        let mut trailing_newline = false;
        let mut body = Body {
            counted: &mut counted,
            held: &mut trailing_newline,
        };
        let written = text(&mut body);
        if let Some(e) = counted.failed.take() {
            return Err(failed(e));
        }
        written.map_err(|_| CryptoError::Encrypt("the vault could not be written out".into()))?;
        let len = counted.written + 1;
        let padded = len.div_ceil(PAD).max(1) * PAD;
        let mut tail = vec![b' '; padded - len];
        tail.push(b'\n');
        counted.inner.write_all(&tail).map_err(failed)?;
        counted.inner.finish().map_err(failed)?;
        Ok(out)
    }
}

/// The text's writer: holds back a newline until more text follows it, so that one final
/// newline can be dropped (as `pad` strips it before padding).
struct Body<'a, W: Write> {
    counted: &'a mut Counted<W>,
    held: &'a mut bool,
}

impl<W: Write> fmt::Write for Body<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.is_empty() {
            return Ok(());
        }
        if std::mem::take(self.held) {
            self.counted.write_str("\n")?;
        }
        match s.strip_suffix('\n') {
            Some(rest) => {
                *self.held = true;
                self.counted.write_str(rest)
            }
            None => self.counted.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use age::secrecy::SecretString;

    use super::super::{Key, decrypt, pad};
    use super::*;

    fn seal_and_key() -> (Seal, Key) {
        let pass = || SecretString::from("streamed".to_string());
        let seal = Seal::Passphrase {
            passphrase: pass(),
            log_n: Some(4),
        };
        (seal, Key::Passphrase(pass()))
    }

    #[test]
    fn streamed_seals_hold_what_pad_makes() {
        let (seal, key) = seal_and_key();
        let long = "x".repeat(200_000);
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\n\n",
            "(\n  version: 3,\n)\n",
            &"y".repeat(255),
            &"y".repeat(256),
            &long,
        ] {
            // Written in pieces, as a serializer does, newlines at the ends of pieces too.
            let mut write = |w: &mut dyn fmt::Write| {
                for piece in text.split_inclusive('\n') {
                    let (a, b) = piece.split_at(piece.len() / 2);
                    w.write_str(a)?;
                    w.write_str(b)?;
                }
                Ok(())
            };
            let sealed = seal
                .encrypt_text_with(&mut write, 0, &PluginUi::quiet())
                .unwrap();
            let opened = decrypt(&sealed, &key).unwrap();
            assert_eq!(
                &opened[..],
                &pad(text)[..],
                "{:?}",
                &text[..text.len().min(20)]
            );
        }
    }

    #[test]
    fn a_failing_writer_seals_nothing() {
        let (seal, _) = seal_and_key();
        let mut write = |w: &mut dyn fmt::Write| {
            w.write_str("half")?;
            Err(fmt::Error)
        };
        assert!(
            seal.encrypt_text_with(&mut write, 0, &PluginUi::quiet())
                .is_err()
        );
    }
}
