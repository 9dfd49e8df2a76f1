//! `filters` of the List operations (spec §4.9): values OR-ed within a filter, filters
//! AND-ed (a repeated name too); only `name` takes a `*` wildcard; matching is exact.

use serde_json::Value;
use stepwise_api::{ApiError, ApiResult};

pub struct Filters {
    filters: Vec<(String, Vec<String>)>,
}

impl Filters {
    /// Reads `filters` from a validated input, refusing names the operation does not take.
    pub fn from_input(input: &Value, allowed: &[&str]) -> ApiResult<Filters> {
        let mut filters = Vec::new();
        if let Some(list) = input.get("filters").and_then(Value::as_array) {
            for (i, f) in list.iter().enumerate() {
                let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
                if !allowed.contains(&name) {
                    return Err(ApiError::invalid_param(
                        &format!("filters[{i}].name"),
                        &format!(
                            "The filter name '{name}' is not supported here; use one of: {}.",
                            allowed.join(", ")
                        ),
                    ));
                }
                let values = f
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| {
                        v.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                filters.push((name.to_string(), values));
            }
        }
        Ok(Filters { filters })
    }

    pub fn has(&self, name: &str) -> bool {
        self.filters.iter().any(|(n, _)| n == name)
    }

    /// Whether an item passes every filter; `field` gives the item's value for a filter name.
    pub fn matches<'a>(&self, field: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.filters.iter().all(|(name, values)| {
            let Some(actual) = field(name) else {
                return false;
            };
            values.iter().any(|v| {
                if name == "name" {
                    wildcard_match(v, actual)
                } else {
                    v == actual
                }
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
        let input = json!({"filters": [
            {"name": "name", "values": ["web*", "*db*"]},
            {"name": "type", "values": ["BUILD"]}
        ]});
        let f = Filters::from_input(&input, &["name", "type"]).unwrap();
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
        assert!(Filters::from_input(
            &json!({"filters": [{"name": "bogus", "values": ["x"]}]}),
            &["name"]
        )
        .is_err());
    }
}
