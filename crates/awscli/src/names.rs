//! Command and option names as the AWS CLI derives them from the model's camel case
//! (`ListWorkflowStepExecutions` → `list-workflow-step-executions`,
//! `imageBuildVersionArn` → `image-build-version-arn`).

use regex::Regex;
use std::sync::LazyLock;

static FIRST_CAP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("(.)([A-Z][a-z]+)").expect("valid pattern"));
static END_CAP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("([a-z0-9])([A-Z])").expect("valid pattern"));
/// A pluralised acronym at the end (`GatewayARNs`) becomes one word (`gateway-arns`).
static PLURAL_ACRONYM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("[A-Z]{2,}s$").expect("valid pattern"));

/// `name` with its words joined by `sep`, lower case; unchanged if it contains `sep`.
pub fn xform_name(name: &str, sep: char) -> String {
    if name.contains(sep) {
        return name.to_string();
    }
    let mut name = name.to_string();
    if let Some(m) = PLURAL_ACRONYM.find(&name) {
        let acronym = m.as_str().to_lowercase();
        name = format!("{}{sep}{acronym}", &name[..m.start()]);
    }
    let joined = format!("${{1}}{sep}${{2}}");
    let s1 = FIRST_CAP.replace_all(&name, joined.as_str());
    END_CAP.replace_all(&s1, joined.as_str()).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::xform_name;

    #[test]
    fn camel_case_becomes_kebab_case() {
        assert_eq!(
            xform_name("ListWorkflowStepExecutions", '-'),
            "list-workflow-step-executions"
        );
        assert_eq!(
            xform_name("imageBuildVersionArn", '-'),
            "image-build-version-arn"
        );
        assert_eq!(xform_name("s3Logs", '-'), "s3-logs");
        assert_eq!(xform_name("ListGatewayARNs", '-'), "list-gateway-arns");
        assert_eq!(xform_name("already-kebab", '-'), "already-kebab");
        assert_eq!(
            xform_name("DescribeDBInstances", '-'),
            "describe-db-instances"
        );
    }
}
