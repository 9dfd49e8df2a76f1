//! `filters` of the List operations (spec §4.9): values OR-ed within a filter, filters
//! AND-ed (a repeated name too); only `name` takes a `*` wildcard; matching is exact.

use serde_json::{json, Map, Value};
use stepwise_api::model::Filter;
use stepwise_api::{ApiError, ApiResult};

pub struct Filters<'a> {
    given: &'a [Filter],
}

impl<'a> Filters<'a> {
    /// Takes a validated input's `filters`, refusing names the operation does not take.
    pub fn from_input(given: &'a [Filter], allowed: &[&str]) -> ApiResult<Filters<'a>> {
        for (i, f) in given.iter().enumerate() {
            let name = f.name.as_deref().unwrap_or_default();
            if !allowed.contains(&name) {
                return Err(ApiError::invalid_param(
                    &format!("filters[{i}].name"),
                    &format!(
                        "The filter name '{name}' is not supported here; use one of: {}.",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(Filters { given })
    }

    /// The token binding of a list: its other bound members (`owner`, `byName`; any may
    /// be absent) and `filters` when any were given.
    pub fn binding_with(&self, mut members: Map<String, Value>) -> Value {
        if !self.given.is_empty() {
            members.insert("filters".into(), json!(self.given));
        }
        Value::Object(members)
    }

    /// The token binding of a List that shows versions or, with `byName`, names (ListImages,
    /// ListWorkflows, ListComponents): its `owner` and `byName`; a `version` filter and
    /// `byName` together are refused, since a name's item has no one version.
    pub fn owner_and_by_name(&self, owner: &str, by_name: bool) -> ApiResult<Map<String, Value>> {
        if by_name && self.has("version") {
            return Err(ApiError::invalid_param(
                "filters",
                "The 'version' filter cannot be combined with byName.",
            ));
        }
        let mut bound = Map::new();
        bound.insert("owner".into(), json!(owner));
        bound.insert("byName".into(), json!(by_name));
        Ok(bound)
    }

    fn each(&self) -> impl Iterator<Item = (&'a str, &'a [String])> {
        self.given.iter().map(|f| {
            (
                f.name.as_deref().unwrap_or_default(),
                f.values.as_deref().unwrap_or_default(),
            )
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.each().any(|(n, _)| n == name)
    }

    /// Whether an item passes every filter; `field` gives the item's value for a filter name.
    pub fn matches<'v>(&self, field: impl Fn(&str) -> Option<&'v str>) -> bool {
        self.matches_any(|name| field(name).map(str::to_string).into_iter().collect())
    }

    /// Whether an item passes every filter, where `field` gives all the item's values for a
    /// filter name (a component's `supportedOsVersions`): one of them must match.
    pub fn matches_any(&self, field: impl Fn(&str) -> Vec<String>) -> bool {
        self.each().all(|(name, values)| {
            field(name).iter().any(|actual| {
                values.iter().any(|v| {
                    if name == "name" {
                        wildcard_match(v, actual)
                    } else {
                        v == actual
                    }
                })
            })
        })
    }
}

/// `abc*` = starts with `abc`; `*abc*` = contains `abc`; anything else is literal.
fn wildcard_match(pattern: &str, value: &str) -> bool {
    if pattern.len() >= 2 && pattern.starts_with('*') && pattern.ends_with('*') {
        value.contains(&pattern[1..pattern.len() - 1])
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        value.starts_with(prefix)
    } else {
        pattern == value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_rules() {
        let given: Vec<Filter> = serde_json::from_value(json!([
            {"name": "name", "values": ["web*", "*db*"]},
            {"name": "type", "values": ["BUILD"]}
        ]))
        .unwrap();
        let f = Filters::from_input(&given, &["name", "type"]).unwrap();
        let item = |name: &'static str, ty: &'static str| {
            move |k: &str| match k {
                "name" => Some(name),
                "type" => Some(ty),
                _ => None,
            }
        };
        assert!(f.matches(item("webserver", "BUILD")));
        assert!(f.matches(item("my-db-1", "BUILD")));
        assert!(!f.matches(item("my-db-1", "TEST")));
        assert!(!f.matches(item("api", "BUILD")));
        assert!(!wildcard_match("a*b", "axxb"));
        let bogus: Vec<Filter> =
            serde_json::from_value(json!([{"name": "bogus", "values": ["x"]}])).unwrap();
        assert!(Filters::from_input(&bogus, &["name"]).is_err());
    }
}
