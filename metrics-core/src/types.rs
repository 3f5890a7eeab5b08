//! The vetted value types: `Percent`, `Bytes`, `Sha1Digest`, `InstallationId`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::Serializer;
use sha1::Digest as _;

/// The pattern of a semver version string, as the schema of a [`crate::Version`] value.
/// Numbers have at most 19 digits, so that every version the pattern allows fits `u64`.
pub(crate) const SEMVER_PATTERN: &str = "^(0|[1-9][0-9]{0,18})\\.(0|[1-9][0-9]{0,18})\\.(0|[1-9][0-9]{0,18})(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\\+[0-9a-zA-Z-]+(\\.[0-9a-zA-Z-]+)*)?$";

/// A percentage, finite and within `0..=100` (the "% of CPU" kind of metric).
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug, Default)]
pub struct Percent(f64);

/// Why a number is not a [`Percent`].
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct PercentError(f64);

impl Percent {
    /// The percentage `value`, if it is finite and within `0..=100`.
    #[inline]
    pub fn new(value: f64) -> Result<Self, PercentError> {
        // The range holds no NaN and no infinity: one check says "finite" too.
        if (0.0..=100.0).contains(&value) {
            // `-0.0` is normalised so that it serializes as `0.0`.
            Ok(Percent(value + 0.0))
        } else {
            Err(PercentError(value))
        }
    }

    /// `part` as a percentage of `whole` (0 when `whole` is 0), clamped to `0..=100`.
    pub fn ratio(part: u64, whole: u64) -> Self {
        if whole == 0 {
            return Percent(0.0);
        }
        Percent((part as f64 / whole as f64 * 100.0).clamp(0.0, 100.0))
    }

    /// The percentage as a number in `0..=100`.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl fmt::Display for PercentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not a percentage: a Percent is a finite number from 0 to 100",
            self.0
        )
    }
}

impl std::error::Error for PercentError {}

impl serde::Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Percent {
    /// A finite number from 0 to 100.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Percent::new(value).map_err(serde::de::Error::custom)
    }
}

/// A size in bytes (memory in use, database size), serialized as an integer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Bytes(pub u64);

impl Bytes {
    /// `n` mebibytes.
    pub const fn mib(n: u64) -> Self {
        Bytes(n.saturating_mul(1024 * 1024))
    }
}

impl serde::Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer).map(Bytes)
    }
}

/// Parses a string with `FromStr`, borrowing it from the input when possible.
struct FromStrVisitor<T>(&'static str, std::marker::PhantomData<T>);

impl<T: FromStr<Err = ParseIdError>> serde::de::Visitor<'_> for FromStrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }
}

/// Durations are sent as whole milliseconds (saturating at `u64::MAX`).
pub(crate) fn duration_millis(duration: &Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A SHA-1 digest, sent as 40 lowercase hex digits: the only way to send something that
/// identifies a secret (a license key serial) without sending it.
///
/// It is held as its hex digits, the form it is sent and received in: sending a digest costs
/// what sending its hex `String` costs, and reading one only checks the digits. (Hex digits
/// order as the bytes they stand for, so the derived comparisons are the bytes'.)
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha1Digest {
    /// 40 lowercase hex digits: ASCII only (see [`Sha1Digest::as_hex`]).
    hex: [u8; 40],
}

/// Why a string is not a [`Sha1Digest`] or an [`InstallationId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseIdError {
    what: &'static str,
    input: String,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not {}", self.input, self.what)
    }
}

impl std::error::Error for ParseIdError {}

impl Sha1Digest {
    /// The schema pattern: exactly 40 lowercase hex digits.
    pub const PATTERN: &'static str = "^[0-9a-f]{40}$";

    /// The digest of `bytes`.
    pub fn of(bytes: impl AsRef<[u8]>) -> Self {
        Self::from_bytes(sha1::Sha1::digest(bytes.as_ref()).into())
    }

    /// The digest whose 20 bytes are `bytes`.
    pub fn from_bytes(bytes: [u8; 20]) -> Self {
        Sha1Digest { hex: hex(&bytes) }
    }

    /// The 20 digest bytes.
    pub fn to_bytes(&self) -> [u8; 20] {
        from_hex(&self.hex).expect("a digest holds hex digits")
    }

    /// The 40 lowercase hex digits.
    pub fn as_hex(&self) -> &str {
        // SAFETY: `hex` is private and only ever holds lowercase hex digits (written by
        // `hex()` from `b"0123456789abcdef"`, or checked by `from_str`): ASCII, hence UTF-8.
        // Validating them on every send would cost a fifth of the time of sending the digest.
        unsafe { std::str::from_utf8_unchecked(&self.hex) }
    }
}

impl Default for Sha1Digest {
    /// The digest of 20 zero bytes (not of any input).
    fn default() -> Self {
        Sha1Digest { hex: [b'0'; 40] }
    }
}

/// `bytes` as 40 lowercase hex digits (ASCII).
fn hex(bytes: &[u8; 20]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
    out
}

impl FromStr for Sha1Digest {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sha1Digest::parse_hex(s).ok_or_else(|| ParseIdError {
            what: "a SHA-1 digest (40 lowercase hex digits)",
            input: s.to_owned(),
        })
    }
}

impl Sha1Digest {
    /// The digest whose hex `s` is, or `None`: `FromStr` without its error, inlined into
    /// the decoder's visitor. Returned through `from_str`'s `Result`, the digest was copied
    /// with other splits than it was stored with, and the loads stalled (measured with
    /// `perf`: half of the value read's time).
    #[inline]
    pub(crate) fn parse_hex(s: &str) -> Option<Self> {
        let hex: &[u8; 40] = s.as_bytes().try_into().ok()?;
        // Checked in the input, before the copy: read back from a fresh copy, the words
        // straddle the copy's stores and stall the load (measured: a third of this
        // function's time).
        let (words, _) = hex.as_chunks::<8>();
        words
            .iter()
            .all(|word| is_hex_word(u64::from_le_bytes(*word)))
            .then_some(Sha1Digest { hex: *hex })
    }
}

impl fmt::Display for Sha1Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_hex())
    }
}

impl fmt::Debug for Sha1Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha1Digest({self})")
    }
}

impl serde::Serialize for Sha1Digest {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Sha1Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor(
            "a SHA-1 digest (40 lowercase hex digits)",
            std::marker::PhantomData,
        ))
    }
}

/// The random GUID that identifies an installation (not a person): created once at install
/// time, sent with every update check. Lowercase hyphenated form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstallationId(uuid::Uuid);

impl InstallationId {
    /// The schema pattern: a lowercase hyphenated UUID.
    pub const PATTERN: &'static str =
        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

    /// A new random (version 4) id.
    pub fn random() -> Self {
        InstallationId(uuid::Uuid::new_v4())
    }

    /// The id as a UUID.
    pub fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl From<uuid::Uuid> for InstallationId {
    fn from(uuid: uuid::Uuid) -> Self {
        InstallationId(uuid)
    }
}

impl FromStr for InstallationId {
    type Err = ParseIdError;

    /// Accepts the lowercase hyphenated form only, the one the schema allows.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InstallationId::parse_hyphenated(s).ok_or_else(|| ParseIdError {
            what: "an installation id (a lowercase hyphenated UUID)",
            input: s.to_owned(),
        })
    }
}

impl InstallationId {
    /// The id `s` spells in the lowercase hyphenated form, or `None`: `FromStr` without its
    /// error, inlined into the decoder's visitor (see [`Sha1Digest::parse_hex`]).
    #[inline]
    pub(crate) fn parse_hyphenated(s: &str) -> Option<Self> {
        // One pass: the hyphens where the form has them, two lowercase hex digits per byte
        // elsewhere.
        let text = s.as_bytes();
        if text.len() != 36 || [8, 13, 18, 23].iter().any(|&i| text[i] != b'-') {
            return None;
        }
        // The digits between the hyphens (8-4-4-4-12).
        let mut digits = [0u8; 32];
        digits[..8].copy_from_slice(&text[..8]);
        digits[8..12].copy_from_slice(&text[9..13]);
        digits[12..16].copy_from_slice(&text[14..18]);
        digits[16..20].copy_from_slice(&text[19..23]);
        digits[20..].copy_from_slice(&text[24..]);
        Some(InstallationId(uuid::Uuid::from_bytes(from_hex::<16>(
            &digits,
        )?)))
    }
}

/// Eight lowercase hex digits as four bytes, eight digits at a time in one `u64`; `None`
/// when one is not a lowercase hex digit. (About a tenth of the instructions of a loop over
/// the digits: a payload of digests decodes as fast as one of their `String`s.)
#[inline]
fn hex_word(digits: [u8; 8]) -> Option<[u8; 4]> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let x = u64::from_le_bytes(digits);
    if !is_hex_word(x) {
        return None;
    }
    // '0'..'9' are 0x30..0x39 and 'a'..'f' 0x61..0x66: the low nibble, plus 9 for letters.
    let values = (x & (0x0f * ONES)) + 9 * ((x >> 6) & ONES);
    // Pairs: the first digit of each is the high nibble of its byte.
    let pairs = ((values & 0x000f_000f_000f_000f) << 4) | ((values >> 8) & 0x000f_000f_000f_000f);
    let pairs = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    let pairs = (pairs | (pairs >> 16)) & 0xffff_ffff;
    Some((pairs as u32).to_le_bytes())
}

/// Whether the eight bytes of `x` are all lowercase hex digits.
#[inline]
fn is_hex_word(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte under 0x80 plus `n` reaches 0x80 (without carrying into the next byte) exactly
    // when it is at least 0x80 - n.
    let at_least = |floor: u64| x.wrapping_add((0x80 - floor) * ONES);
    let digit = at_least(b'0' as u64) & !at_least(b'9' as u64 + 1);
    let letter = at_least(b'a' as u64) & !at_least(b'f' as u64 + 1);
    x & HIGH == 0 && (digit | letter) & HIGH == HIGH
}

/// `N` bytes (a multiple of 4) from `2 * N` lowercase hex digits; `None` when one is not a
/// digit.
#[inline]
fn from_hex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    for (bytes, word) in out.chunks_exact_mut(4).zip(digits.as_chunks::<8>().0) {
        bytes.copy_from_slice(&hex_word(*word)?);
    }
    Some(out)
}

impl fmt::Display for InstallationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for InstallationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstallationId({self})")
    }
}

impl serde::Serialize for InstallationId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = uuid::Uuid::encode_buffer();
        serializer.serialize_str(self.0.hyphenated().encode_lower(&mut buffer))
    }
}

impl<'de> serde::Deserialize<'de> for InstallationId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor(
            "an installation id (a lowercase hyphenated UUID)",
            std::marker::PhantomData,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rejects_out_of_range_and_non_finite() {
        assert_eq!(Percent::new(12.5).unwrap().get(), 12.5);
        for bad in [-0.1, 100.1, f64::NAN, f64::INFINITY] {
            let err = Percent::new(bad).unwrap_err();
            assert!(err.to_string().contains("0 to 100"), "{err}");
        }
        assert_eq!(Percent::ratio(1, 4).get(), 25.0);
        assert_eq!(Percent::ratio(1, 0).get(), 0.0);
        assert_eq!(
            serde_json::to_string(&Percent::new(-0.0).unwrap()).unwrap(),
            "0.0"
        );
    }

    #[test]
    fn sha1_of_known_input_and_round_trip() {
        let digest = Sha1Digest::of("abc");
        assert_eq!(
            digest.to_string(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(digest.to_string().parse::<Sha1Digest>().unwrap(), digest);
        assert_eq!(
            serde_json::to_string(&digest).unwrap(),
            "\"a9993e364706816aba3e25717850c26c9cd0d89d\""
        );
        assert!(
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
                .parse::<Sha1Digest>()
                .is_err()
        );
        assert!("a9993e".parse::<Sha1Digest>().is_err());
        assert_eq!(
            Sha1Digest::default().as_hex(),
            "0000000000000000000000000000000000000000"
        );
        let every_byte: [u8; 20] = std::array::from_fn(|i| (i * 13) as u8 ^ 0xa5);
        let made = Sha1Digest::from_bytes(every_byte);
        assert_eq!(made.as_hex().parse::<Sha1Digest>().unwrap(), made);
        assert_eq!(made.to_bytes(), every_byte);
        assert_eq!(
            serde_json::from_str::<Sha1Digest>("\"a9993e364706816aba3e25717850c26c9cd0d89d\"")
                .unwrap(),
            digest
        );
        assert!(serde_json::from_str::<Sha1Digest>("\"a9993e\"").is_err());
    }

    #[test]
    fn plain_deserialize_checks_ranges() {
        assert_eq!(serde_json::from_str::<Percent>("12.5").unwrap().get(), 12.5);
        assert!(serde_json::from_str::<Percent>("100.5").is_err());
        assert_eq!(serde_json::from_str::<Bytes>("7").unwrap(), Bytes(7));
        let id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
        let parsed: InstallationId = serde_json::from_str(&format!("\"{id}\"")).unwrap();
        assert_eq!(parsed.to_string(), id);
    }

    #[test]
    fn installation_id_is_lowercase_hyphenated() {
        let id = InstallationId::random();
        let text = id.to_string();
        assert_eq!(text.parse::<InstallationId>().unwrap(), id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert!(text.to_uppercase().parse::<InstallationId>().is_err());
        assert!(text.replace('-', "").parse::<InstallationId>().is_err());
        let known = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
        assert_eq!(
            known.parse::<InstallationId>().unwrap().as_uuid(),
            &uuid::Uuid::parse_str(known).unwrap()
        );
        for bad in [
            "7c9e6679-7425-40de-944b-e07fc1f90ae",
            "7c9e6679-7425-40de-944b-e07fc1f90ae7a",
            "7c9e6679a7425-40de-944b-e07fc1f90ae7",
            "7c9e6679-7425-40de-944b-e07fc1f90aeg",
            "{c9e6679-7425-40de-944b-e07fc1f90ae7",
            "7c9e6679-7425-40de-944b-e07fc1f90aé",
        ] {
            assert!(bad.parse::<InstallationId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn hex_words_agree_with_a_digit_by_digit_reading() {
        let value = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let slow = |digits: [u8; 8]| -> Option<[u8; 4]> {
            let mut out = [0u8; 4];
            for (i, byte) in out.iter_mut().enumerate() {
                *byte = (value(digits[2 * i])? << 4) | value(digits[2 * i + 1])?;
            }
            Some(out)
        };
        // Every byte value at every position, the others valid digits.
        let base = *b"0123abcd";
        for position in 0..8 {
            for byte in 0..=255u8 {
                let mut digits = base;
                digits[position] = byte;
                assert_eq!(hex_word(digits), slow(digits), "{digits:?}");
            }
        }
        // And a sweep of mixed digits and near misses.
        let alphabet = b"0189afgAF/:`@\x00\x7f\x80\xff";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let mut digits = [0u8; 8];
            for d in &mut digits {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *d = alphabet[(state % alphabet.len() as u64) as usize];
            }
            assert_eq!(hex_word(digits), slow(digits), "{digits:?}");
        }
    }

    #[test]
    fn durations_are_whole_milliseconds() {
        assert_eq!(duration_millis(&Duration::from_micros(1_999)), 1);
        assert_eq!(duration_millis(&Duration::MAX), u64::MAX);
    }
}
