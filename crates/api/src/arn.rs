//! Resource names, semantic versions and ARNs (spec §3.3).

use std::fmt;

/// The largest value of one version node.
pub const MAX_VERSION_NODE: u32 = 1_073_741_823;

/// The normalized form of a resource name: lower-case, spaces and `_` become `-`.
/// Names with the same normalized form are the same resource name.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ' ' | '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A semantic version `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SemVer(pub u32, pub u32, pub u32);

impl SemVer {
    /// Parses `x.y.z`; `None` when malformed or a node exceeds [`MAX_VERSION_NODE`].
    pub fn parse(s: &str) -> Option<SemVer> {
        let mut parts = s.split('.');
        let mut node = || -> Option<u32> {
            let p = parts.next()?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 10 {
                return None;
            }
            let v: u64 = p.parse().ok()?;
            (v <= MAX_VERSION_NODE as u64).then_some(v as u32)
        };
        let v = SemVer(node()?, node()?, node()?);
        parts.next().is_none().then_some(v)
    }
}

impl fmt::Display for SemVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// A version pattern: `1.2.3`, `1.2.x`, `1.x.x` or `x.x.x` (an `x` only right of numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionPattern(pub Option<u32>, pub Option<u32>, pub Option<u32>);

impl VersionPattern {
    pub fn parse(s: &str) -> Option<VersionPattern> {
        let nodes: Vec<&str> = s.split('.').collect();
        if nodes.len() != 3 {
            return None;
        }
        let mut out = [None; 3];
        let mut seen_x = false;
        for (i, n) in nodes.iter().enumerate() {
            if *n == "x" {
                seen_x = true;
            } else {
                if seen_x || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.len() > 10
                {
                    return None;
                }
                let v: u64 = n.parse().ok()?;
                if v > MAX_VERSION_NODE as u64 {
                    return None;
                }
                out[i] = Some(v as u32);
            }
        }
        Some(VersionPattern(out[0], out[1], out[2]))
    }

    pub fn matches(&self, v: SemVer) -> bool {
        self.0.is_none_or(|m| m == v.0)
            && self.1.is_none_or(|m| m == v.1)
            && self.2.is_none_or(|m| m == v.2)
    }

    pub fn is_exact(&self) -> bool {
        self.2.is_some()
    }
}

/// The parts of an Image Builder ARN: `arn:<partition>:imagebuilder:<region>:<owner>:<type>/<path…>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub region: &'a str,
    pub owner: &'a str,
    pub resource_type: &'a str,
    pub path: Vec<&'a str>,
}

impl<'a> Arn<'a> {
    pub fn parse(s: &'a str) -> Option<Arn<'a>> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?;
        if !partition.starts_with("aws") || parts.next()? != "imagebuilder" {
            return None;
        }
        let region = parts.next()?;
        let owner = parts.next()?;
        let resource = parts.next()?;
        let mut segs = resource.split('/');
        let resource_type = segs.next()?;
        Some(Arn {
            region,
            owner,
            resource_type,
            path: segs.collect(),
        })
    }

    /// Whether the owner is Amazon (`aws`, or `aws-…` for other managed owners).
    pub fn is_amazon_owned(&self) -> bool {
        self.owner == "aws" || self.owner.starts_with("aws-")
    }
}

pub fn arn(region: &str, owner: &str, resource: &str) -> String {
    format!("arn:aws:imagebuilder:{region}:{owner}:{resource}")
}

/// The four wildcard references of `latestVersionReferences` for `<prefix>/<M.m.p>`.
pub fn latest_version_references(prefix: &str, v: SemVer) -> crate::model::LatestVersionReferences {
    crate::model::LatestVersionReferences {
        latest_version_arn: Some(format!("{prefix}/x.x.x")),
        latest_major_version_arn: Some(format!("{prefix}/{}.x.x", v.0)),
        latest_minor_version_arn: Some(format!("{prefix}/{}.{}.x", v.0, v.1)),
        latest_patch_version_arn: Some(format!("{prefix}/{}", v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions() {
        assert_eq!(normalize_name("My Recipe_One"), "my-recipe-one");
        assert_eq!(SemVer::parse("1.10.0"), Some(SemVer(1, 10, 0)));
        assert!(SemVer::parse("1.10.0") > SemVer::parse("1.9.0"));
        assert_eq!(SemVer::parse("1.0"), None);
        assert_eq!(SemVer::parse("1073741824.0.0"), None);
        assert_eq!(SemVer::parse("01a.0.0"), None);
        assert_eq!(
            VersionPattern::parse("1.x.x"),
            Some(VersionPattern(Some(1), None, None))
        );
        assert_eq!(VersionPattern::parse("1.x.0"), None);
        assert!(VersionPattern::parse("x.x.x")
            .unwrap()
            .matches(SemVer(3, 2, 1)));
        assert!(!VersionPattern::parse("1.2.x")
            .unwrap()
            .matches(SemVer(1, 3, 0)));
    }

    #[test]
    fn parses_arns() {
        let a = Arn::parse("arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.3/1")
            .unwrap();
        assert_eq!(a.region, "us-east-1");
        assert!(a.is_amazon_owned());
        assert_eq!(a.resource_type, "workflow");
        assert_eq!(a.path, vec!["build", "build-image", "1.0.3", "1"]);
        assert!(Arn::parse("arn:aws:s3:::bucket").is_none());
    }
}
