//! Line numbers for CSV records. The csv crate's own `Position::line` is off by one after
//! CRLF line ends, so lines are counted from byte offsets, incrementally (linear in the file).

/// Counts lines up to record starts, front to back.
pub(crate) struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The 1-based line where the record that starts at (or just before) byte `start` begins.
    /// Offsets must not go backwards.
    pub fn line_of(&mut self, start: u64) -> u64 {
        let mut start = usize::try_from(start)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // A record "starts" at the line break before it; step over it.
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.at {
            let newlines = self.text[self.at..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += u64::try_from(newlines).unwrap_or(0);
            self.at = start;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_agree() {
        for text in [
            "a,b\r\nx,1\r\n\"y\",\"2\"\r\nz,3\r\n",
            "a,b\nx,1\n\"y\",\"2\"\nz,3\n",
        ] {
            let mut counter = LineCounter::new(text);
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let lines: Vec<u64> = reader
                .records()
                .map(|r| counter.line_of(r.unwrap().position().unwrap().byte()))
                .collect();
            assert_eq!(lines, [2, 3, 4], "{text:?}");
        }
    }
}
