//! The cron corpus (tests/schedule/cron_corpus.json): expressions valid and invalid, with the
//! due times a separate brute-force evaluator (tests/schedule/gen_cron_corpus.py, Python's
//! zoneinfo, minute by minute) found, or the error's words.

use super::*;
use chrono::{DateTime, Utc};
use serde_json::Value;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a corpus time")
        .with_timezone(&Utc)
}

#[test]
fn the_corpus_gets_its_expected_due_times_and_errors() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/schedule/cron_corpus.json");
    let corpus: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the corpus")).expect("JSON");
    assert!(corpus.len() >= 60, "{} cases", corpus.len());
    for case in corpus {
        let expression = case["expression"].as_str().unwrap();
        match case.get("error") {
            Some(words) => {
                let e = Cron::parse(expression).expect_err(expression).to_string();
                assert!(e.contains(words.as_str().unwrap()), "{expression}: {e}");
            }
            None => {
                let cron = Cron::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
                let zone = time_zone(case["timezone"].as_str().unwrap()).unwrap();
                let mut after = at(case["after"].as_str().unwrap());
                let expected: Vec<&str> = case["next"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap())
                    .collect();
                let mut got = Vec::new();
                for _ in 0..expected.len().max(1) {
                    match cron.next_after(after, zone) {
                        Some(t) => {
                            got.push(t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
                            after = t;
                        }
                        None => break,
                    }
                }
                assert_eq!(got, expected, "{expression} in {zone}");
            }
        }
    }
}

#[test]
fn time_zones_are_iana_names() {
    assert!(time_zone("Europe/Berlin").is_ok());
    assert!(time_zone("Etc/UTC").is_ok());
    assert!(time_zone("Mars/Olympus").unwrap_err().contains("IANA"));
}
