//! Reading binary encodings front to back: the store's files and the linking forms.

/// Reads little-endian integers, bytes and text from `bytes` front to back, as the store's
/// binary files are written: `link.bin`, golden records (`register::Golden`) and linking forms
/// (what bincode writes with integers whole: a string as its length in 8 bytes and its bytes,
/// an option as a byte 0 or 1 and the value, a `bool` as a byte 0 or 1, arrays and tuples as
/// their items). Each read is `None` past the end or on a byte that is not what it reads.
pub(crate) struct Fixed<'a> {
    b: &'a [u8],
}

impl<'a> Fixed<'a> {
    pub fn new(b: &'a [u8]) -> Fixed<'a> {
        Fixed { b }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (x, rest) = self.b.split_at_checked(n)?;
        self.b = rest;
        Some(x)
    }

    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).map(|b| b.try_into().expect("N bytes"))
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn i32(&mut self) -> Option<i32> {
        self.array().map(i32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// An option's tag: whether a value follows.
    pub fn some(&mut self) -> Option<bool> {
        self.bool()
    }

    /// The next `n` bytes, when they are UTF-8.
    pub fn text(&mut self, n: usize) -> Option<&'a str> {
        std::str::from_utf8(self.take(n)?).ok()
    }

    /// A string as bincode writes it with integers whole: its length in 8 bytes, its bytes.
    pub fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.u64()?).ok()?;
        self.text(len)
    }
}
