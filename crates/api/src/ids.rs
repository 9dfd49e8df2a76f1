//! Identifiers in AWS's shapes: `wf-`/`step-` + lower-case UUIDv4, request ids, and the
//! simulated EC2 ids (`i-`, `ami-`, `snap-` + 17 lower-case hex digits).

use rand::Rng;
use regex::Regex;
use std::sync::OnceLock;

pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn new_workflow_execution_id() -> String {
    format!("wf-{}", new_uuid())
}

pub fn new_step_execution_id() -> String {
    format!("step-{}", new_uuid())
}

pub fn new_request_id() -> String {
    new_uuid()
}

/// A simulated EC2 resource id such as `i-0a1b2c3d4e5f60718`.
pub fn new_ec2_id(prefix: &str) -> String {
    let n: u128 = rand::thread_rng().gen();
    format!("{prefix}-{:017x}", n & ((1u128 << 68) - 1))
}

/// The same shape derived from a seed string, for values that must not change between
/// runs (the parent AMI of a recipe whose parent is not an `ami-` id).
pub fn ec2_id_from_seed(prefix: &str, seed: &str) -> String {
    // FNV-1a over the seed, widened to 68 bits with a second pass.
    let mut h1: u64 = 0xcbf29ce484222325;
    let mut h2: u64 = 0x84222325cbf29ce4;
    for b in seed.bytes() {
        h1 = (h1 ^ b as u64).wrapping_mul(0x100000001b3);
        h2 = (h2 ^ b as u64).wrapping_mul(0x100000001b3).rotate_left(5);
    }
    let n = ((h2 as u128 & 0xf) << 64) | h1 as u128;
    format!("{prefix}-{n:017x}")
}

fn id_regex(prefix: &str) -> Regex {
    Regex::new(&format!(
        "^{prefix}-[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}$"
    ))
    .expect("static pattern")
}

pub fn is_workflow_execution_id(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| id_regex("wf")).is_match(s)
}

pub fn is_step_execution_id(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| id_regex("step")).is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let wf = new_workflow_execution_id();
        assert!(is_workflow_execution_id(&wf), "{wf}");
        assert!(is_step_execution_id(&new_step_execution_id()));
        let i = new_ec2_id("i");
        assert_eq!(i.len(), 19, "{i}");
        let a = ec2_id_from_seed("ami", "ssm:/aws/al2023");
        assert_eq!(a, ec2_id_from_seed("ami", "ssm:/aws/al2023"));
        assert_eq!(a.len(), 21);
    }
}
