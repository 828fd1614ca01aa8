//! Handing age a file's header in one piece (see [`WholeHeader`]).

use std::io::Read;

/// Hands age a file's whole header in one piece.
///
/// Tuned: age 0.12 reads a header one line at a time and parses everything read so far
/// again after each line (str4d/rage#368, found with `perf`: the time was all in age-core's
/// nom stanza parsers), which is quadratic in the number of stanzas: a header of 8,000
/// unknown stanzas (256 KB) took 23 s to reject, where stock `age` takes 0.02–0.07 s.
/// Handing the parser the header up to its MAC line (`--- `) on its first read makes it one
/// pass: 0.02–0.04 s for the whole `keyfob list` on the same file (release build;
/// `header_parsing_is_linear` checks the bound). The reader is otherwise the plain one it
/// wraps; set [`WHOLE_HEADER`] to `false` to go back to age's own line-by-line reads for
/// bisecting.
pub struct WholeHeader<R> {
    inner: R,
    first: bool,
}

/// Whether [`WholeHeader`] hands over the header in one piece (the plain path when false).
pub const WHOLE_HEADER: bool = true;

impl<R> WholeHeader<R> {
    pub fn new(inner: R) -> WholeHeader<R> {
        WholeHeader {
            inner,
            first: WHOLE_HEADER,
        }
    }
}

impl<R: std::io::BufRead> Read for WholeHeader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.first = false;
        self.inner.read(buf)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for WholeHeader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.first = false;
        self.inner.consume(amount);
    }

    /// The first call reads every line up to and including the header's MAC line (or to the
    /// end of the input): the whole header, which age then parses once.
    fn read_until(&mut self, byte: u8, buf: &mut Vec<u8>) -> std::io::Result<usize> {
        if !std::mem::take(&mut self.first) || byte != b'\n' {
            return self.inner.read_until(byte, buf);
        }
        let mut total = 0;
        loop {
            let start = buf.len();
            let read = self.inner.read_until(b'\n', buf)?;
            total += read;
            if read == 0 || buf[start..].starts_with(b"---") {
                return Ok(total);
            }
        }
    }
}
