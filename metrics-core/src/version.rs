//! Product versions: what a payload is built for, and what `#[since]`/`#[until]` compare with.

use std::fmt;
use std::str::FromStr;

/// A product version, full semver at run time (`3.4.0`, `2018.2.2`, `3.4.0-beta.2+build.7`).
///
/// [`Version::parse`] also accepts the short `MAJOR.MINOR` form (`"3.4"` is `3.4.0`), as
/// product versions are often written.
///
/// # Gating rule for pre-releases
///
/// A field exists at a version when `since <= release < until`, where `release` is the
/// version without its pre-release and build metadata. A pre-release client
/// (`3.4.0-beta.2`) is therefore gated as the release it precedes: it sends the fields
/// added in 3.4, because it is the code that becomes 3.4.0.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(semver::Version);

/// The part of a [`Version`] that gating looks at: `MAJOR.MINOR.PATCH`, pre-release and
/// build metadata dropped. See the gating rule on [`Version`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Release {
    major: u64,
    minor: u64,
    patch: u64,
}

/// Why a string is not a [`Version`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError {
    input: String,
    reason: String,
}

impl Version {
    /// A release version `MAJOR.MINOR.PATCH`, usable in constants.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version(semver::Version::new(major, minor, patch))
    }

    /// Parses `MAJOR.MINOR`, `MAJOR.MINOR.PATCH`, or any semver string with pre-release and
    /// build metadata.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(VersionError::new(input, "it is empty"));
        }
        let core_end = trimmed.find(['-', '+']).unwrap_or(trimmed.len());
        let (core, rest) = trimmed.split_at(core_end);
        let full = match core.matches('.').count() {
            1 => format!("{core}.0{rest}"),
            2 => trimmed.to_owned(),
            _ => {
                return Err(VersionError::new(
                    input,
                    "expected MAJOR.MINOR or MAJOR.MINOR.PATCH, optionally followed by -PRERELEASE and +BUILD",
                ));
            }
        };
        semver::Version::parse(&full)
            .map(Version)
            .map_err(|err| VersionError::new(input, &err.to_string()))
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.0.major
    }

    /// The minor number.
    pub fn minor(&self) -> u64 {
        self.0.minor
    }

    /// The patch number.
    pub fn patch(&self) -> u64 {
        self.0.patch
    }

    /// Whether this is a pre-release (`3.4.0-beta.2`).
    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }

    /// The release this version is gated as (see the gating rule on [`Version`]).
    pub const fn release(&self) -> Release {
        Release {
            major: self.0.major,
            minor: self.0.minor,
            patch: self.0.patch,
        }
    }

    /// The underlying [`semver::Version`].
    pub fn as_semver(&self) -> &semver::Version {
        &self.0
    }
}

impl Release {
    /// The release `MAJOR.MINOR.PATCH`.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Release {
            major,
            minor,
            patch,
        }
    }

    /// `self < other`, usable in constants (compile-time checks of the derives).
    #[doc(hidden)]
    pub const fn const_lt(&self, other: &Release) -> bool {
        if self.major != other.major {
            return self.major < other.major;
        }
        if self.minor != other.minor {
            return self.minor < other.minor;
        }
        self.patch < other.patch
    }

    /// The release as a plain [`Version`] (no pre-release, no build metadata).
    pub const fn to_version(self) -> Version {
        Version::new(self.major, self.minor, self.patch)
    }
}

impl VersionError {
    fn new(input: &str, reason: &str) -> Self {
        VersionError {
            input: input.to_owned(),
            reason: reason.to_owned(),
        }
    }

    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid version `{}`: {} (write it like `3.4`, `2018.2.2` or `3.4.0-beta.2`)",
            self.input, self.reason
        )
    }
}

impl std::error::Error for VersionError {}

impl From<semver::Version> for Version {
    fn from(version: semver::Version) -> Self {
        Version(version)
    }
}

impl From<Release> for Version {
    fn from(release: Release) -> Self {
        release.to_version()
    }
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({})", self.0)
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VersionVisitor;
        impl serde::de::Visitor<'_> for VersionVisitor {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version string such as \"3.4.0\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Version, E> {
                Version::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(VersionVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_means_patch_zero() {
        assert_eq!(Version::parse("3.4").unwrap(), Version::new(3, 4, 0));
        assert_eq!(
            Version::parse("2018.2.2").unwrap(),
            Version::new(2018, 2, 2)
        );
        assert_eq!(
            Version::parse("3.4-beta.2").unwrap().to_string(),
            "3.4.0-beta.2"
        );
    }

    #[test]
    fn full_semver_round_trips() {
        let v: Version = "3.4.0-beta.2+build.7".parse().unwrap();
        assert!(v.is_prerelease());
        assert_eq!(v.to_string(), "3.4.0-beta.2+build.7");
        assert_eq!(v.release(), Version::new(3, 4, 0).release());
        assert!(v < Version::new(3, 4, 0));
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, "\"3.4.0-beta.2+build.7\"");
        assert_eq!(serde_json::from_str::<Version>(&json).unwrap(), v);
    }

    #[test]
    fn invalid_input_is_an_error_with_the_input_and_a_hint() {
        for bad in ["", "3", "3.x", "v3.4", "3.04", "3.4.0.1", "3.4.", "-1.2"] {
            let err = Version::parse(bad).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(&format!("`{bad}`")), "{bad:?}: {message}");
            assert!(message.contains("3.4"), "{bad:?}: {message}");
        }
        assert!(serde_json::from_str::<Version>("\"3.x\"").is_err());
    }

    #[test]
    fn ordering_is_semver_ordering() {
        let mut versions: Vec<Version> = ["2018.2.2", "3.11.2", "3.2", "3.4.0-rc.1", "3.4", "2.6"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        versions.sort();
        let shown: Vec<String> = versions.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "2.6.0",
                "3.2.0",
                "3.4.0-rc.1",
                "3.4.0",
                "3.11.2",
                "2018.2.2"
            ]
        );
    }
}
