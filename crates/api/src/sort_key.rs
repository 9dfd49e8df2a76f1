//! The listing order of named, versioned resources (pagination spec §2.4): normalized name ↑,
//! workflow type ↑, version ↓, build ↓; parts a kind of resource does not have are not
//! compared. A key's [`SortKey::bytes`] compare as the keys do, so a store keeps them in an
//! index and list operations page through it by key (keyset reads) instead of sorting.

use crate::arn::{Arn, SemVer};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub name: String,
    pub ty: Option<u8>,
    pub version: Option<SemVer>,
    pub build: Option<u32>,
}

/// The order of workflow types in listings (their ARN segments `build`, `test`,
/// `distribution`).
pub fn workflow_type_code(segment: &str) -> Option<u8> {
    match segment {
        "build" => Some(0),
        "test" => Some(1),
        "distribution" => Some(2),
        _ => None,
    }
}

impl SortKey {
    pub fn new(name: impl Into<String>) -> Self {
        SortKey {
            name: name.into(),
            ty: None,
            version: None,
            build: None,
        }
    }
    pub fn ty(mut self, ty: u8) -> Self {
        self.ty = Some(ty);
        self
    }
    pub fn version(mut self, version: SemVer) -> Self {
        self.version = Some(version);
        self
    }
    pub fn build(mut self, build: u32) -> Self {
        self.build = Some(build);
        self
    }

    /// The key of a stored resource, read from its ARN: `workflow/<type>/<name>/<version>/<build>`,
    /// `image/<name>/<version>/<build>`, `image-recipe/<name>/<version>`, `<kind>/<name>`.
    pub fn of_arn(arn: &str) -> Option<SortKey> {
        let a = Arn::parse(arn)?;
        let mut path = a.path.as_slice();
        let ty = if a.resource_type == "workflow" {
            let (first, rest) = path.split_first()?;
            path = rest;
            Some(workflow_type_code(first)?)
        } else {
            None
        };
        let (name, rest) = path.split_first()?;
        let mut key = SortKey::new(*name);
        key.ty = ty;
        if let Some((version, rest)) = rest.split_first() {
            key.version = Some(SemVer::parse(version)?);
            if let Some((build, rest)) = rest.split_first() {
                key.build = Some(build.parse().ok()?);
                if !rest.is_empty() {
                    return None;
                }
            }
        }
        Some(key)
    }

    /// The key as bytes whose lexicographic order is the key order: the name and a 0 byte
    /// (names hold no 0 byte), the type, then each version node and the build complemented,
    /// big-endian, so that higher ones sort first.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.name.len() + 18);
        out.extend_from_slice(self.name.as_bytes());
        out.push(0);
        if let Some(t) = self.ty {
            out.push(t);
        }
        if let Some(SemVer(a, b, c)) = self.version {
            for node in [a, b, c] {
                out.extend_from_slice(&(!node).to_be_bytes());
            }
        }
        if let Some(b) = self.build {
            out.extend_from_slice(&(!b).to_be_bytes());
        }
        out
    }

    /// The least key bytes above every key that starts with this one's parts (a cursor of a
    /// listing whose items are groups of resources: the next page starts after the group).
    /// `tail` is the byte length of the parts the cursor leaves out.
    pub fn bytes_after_group(&self, tail: usize) -> Vec<u8> {
        let mut out = self.bytes();
        out.extend(std::iter::repeat_n(0xff, tail));
        out
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name
            .cmp(&other.name)
            .then(self.ty.cmp(&other.ty))
            .then(other.version.cmp(&self.version))
            .then(other.build.cmp(&self.build))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(arn_path: &str) -> SortKey {
        SortKey::of_arn(&format!(
            "arn:aws:imagebuilder:us-east-1:123456789012:{arn_path}"
        ))
        .unwrap()
    }

    #[test]
    fn keys_come_from_arns() {
        assert_eq!(
            key("workflow/test/web/1.2.3/4"),
            SortKey::new("web").ty(1).version(SemVer(1, 2, 3)).build(4)
        );
        assert_eq!(
            key("image/web/1.2.3/4"),
            SortKey::new("web").version(SemVer(1, 2, 3)).build(4)
        );
        assert_eq!(
            key("image-recipe/web/1.2.3"),
            SortKey::new("web").version(SemVer(1, 2, 3))
        );
        assert_eq!(key("infrastructure-configuration/web"), SortKey::new("web"));
        for bad in [
            "workflow/nope/web/1.0.0/1",
            "image/web/1.0/1",
            "image/web/1.0.0/x",
        ] {
            let arn = format!("arn:aws:imagebuilder:us-east-1:123456789012:{bad}");
            assert_eq!(SortKey::of_arn(&arn), None, "{bad}");
        }
    }

    #[test]
    fn bytes_order_as_keys_do() {
        let mut keys = vec![
            key("image/web/1.0.0/1"),
            key("image/web/1.10.0/1"),
            key("image/web/1.10.0/2"),
            key("image/web/1.10.0/10"),
            key("image/web-2/9.0.0/1"),
            key("image/we/1.0.0/1"),
            key("image/0/9.0.0/1"),
            key("image/web/1.9.0/300"),
        ];
        keys.sort();
        let mut by_bytes = keys.clone();
        by_bytes.sort_by_key(|k| k.bytes());
        assert_eq!(keys, by_bytes);
        assert_eq!(keys[0].name, "0");
        assert_eq!(
            keys[2],
            key("image/web/1.10.0/10"),
            "newest first: {keys:?}"
        );
        // Everything of a group sorts below the group's end.
        let group = SortKey::new("web").version(SemVer(1, 10, 0));
        let end = group.bytes_after_group(4);
        assert!(key("image/web/1.10.0/1").bytes() < end);
        assert!(key("image/web/1.9.0/300").bytes() > end);
    }
}
