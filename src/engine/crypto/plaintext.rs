//! The decrypted document's buffer: pages of its own, locked in memory where allowed, wiped
//! a word at a time on drop.

use std::fmt;
use std::io::Read;

/// A decrypted vault document, wiped (including spare capacity) when dropped.
///
/// Like `Zeroizing<Vec<u8>>`, but eight bytes per volatile write instead of one: the
/// byte-wise wipe of a 1,000-entry vault's 128 KB took ~45 µs, a visible part of
/// `keyfob code`. Its buffer is pages of its own, locked in memory (`mlock`) where the
/// system allows, so the decrypted seeds are not written to swap; where locking is refused
/// (`RLIMIT_MEMLOCK`, usually 8 MiB) it is used unlocked — best effort, never an error.
pub struct Plaintext {
    buffer: Buffer,
    len: usize,
}

/// Where a [`Plaintext`] lives.
enum Buffer {
    /// Anonymous pages of its own (locked if the system allowed it).
    Pages(memmap2::MmapMut),
    /// The heap, where no pages could be mapped.
    Heap(Vec<u8>),
}

impl Plaintext {
    /// An empty buffer that can hold `capacity` bytes.
    pub(super) fn with_capacity(capacity: usize) -> Plaintext {
        let buffer = match memmap2::MmapMut::map_anon(capacity.max(1)) {
            Ok(pages) => {
                let _ = pages.lock();
                Buffer::Pages(pages)
            }
            Err(_) => Buffer::Heap(vec![0; capacity]),
        };
        Plaintext { buffer, len: 0 }
    }

    fn space(&mut self) -> &mut [u8] {
        match &mut self.buffer {
            Buffer::Pages(pages) => &mut pages[..],
            Buffer::Heap(vec) => &mut vec[..],
        }
    }

    /// Reads `reader` to its end; more than the capacity is an `InvalidData` error (the
    /// plaintext is always shorter than the file it came from).
    pub(super) fn fill(&mut self, mut reader: impl Read) -> std::io::Result<()> {
        loop {
            let len = self.len;
            let space = self.space();
            if len == space.len() {
                let mut probe = [0u8; 1];
                return match reader.read(&mut probe)? {
                    0 => Ok(()),
                    _ => Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "the plaintext is longer than its file",
                    )),
                };
            }
            match reader.read(&mut space[len..]) {
                Ok(0) => return Ok(()),
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Exactly `len` bytes read from `reader`, in a buffer of its own (locked where allowed):
    /// a document handed over whole (the agent's start). A short read is an error.
    pub fn read_exact(mut reader: impl Read, len: usize) -> std::io::Result<Plaintext> {
        let mut plaintext = Plaintext::with_capacity(len);
        reader.read_exact(&mut plaintext.space()[..len])?;
        plaintext.len = len;
        Ok(plaintext)
    }

    /// Whether its pages are locked in memory (tests).
    pub fn is_locked(&self) -> bool {
        // A second lock of locked pages succeeds at no cost; unlocked ones may be refused.
        matches!(&self.buffer, Buffer::Pages(pages) if pages.lock().is_ok())
    }
}

impl std::ops::Deref for Plaintext {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        let all = match &self.buffer {
            Buffer::Pages(pages) => &pages[..],
            Buffer::Heap(vec) => &vec[..],
        };
        &all[..self.len]
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext(<{} bytes, redacted>)", self.len)
    }
}

impl Drop for Plaintext {
    fn drop(&mut self) {
        // Only what was written needs wiping (the rest of the pages were never touched).
        let len = self.len;
        wipe(&mut self.space()[..len]);
    }
}

/// Overwrites `bytes` with zeros by volatile writes (which the optimiser may not drop), a
/// machine word at a time where the alignment allows.
pub(super) fn wipe(bytes: &mut [u8]) {
    use zeroize::Zeroize;
    let (head, words, tail) = bytemuck::pod_align_to_mut::<u8, u64>(bytes);
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}
