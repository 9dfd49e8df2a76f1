//! The paginator loop against botocore's recorded runs (every scenario in the fixture, made by
//! running botocore's real `Paginator` on the same fake services), then the spec §3.8 golden
//! table and §6 client scenarios, including the deliberate divergences of §3.9.

mod common;

use common::{config_from, decoded, names, run_pages, FakeService, Run};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use stepwise_client::token::{encode_resume_token, TokenError};
use stepwise_client::{PaginationConfig, PaginationError, Paginator};

fn service_for(scenario: &Value) -> FakeService {
    let own_limit = scenario["params"]
        .get("maxResults")
        .map(|v| v.as_i64().unwrap() as i32);
    FakeService::new(scenario["server"].clone(), own_limit)
}

fn expected_requests(run: &Value) -> Vec<common::Sent> {
    run["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("nextToken").and_then(Value::as_str).map(String::from),
                r.get("maxResults").map(|v| v.as_i64().unwrap() as i32),
            )
        })
        .collect()
}

/// The error botocore raised, compared with ours by kind and text.
fn check_error(name: &str, expected: &Value, ours: Option<&PaginationError<common::FakeError>>) {
    if expected.is_null() {
        assert!(ours.is_none(), "{name}: unexpected error {ours:?}");
        return;
    }
    let ours = ours.unwrap_or_else(|| panic!("{name}: expected {expected}"));
    let message = expected["message"].as_str().unwrap();
    match expected["type"].as_str().unwrap() {
        "ServiceError" => {
            let e = ours
                .as_service_error()
                .unwrap_or_else(|| panic!("{name}: {ours:?}"));
            assert_eq!(e.to_string(), message, "{name}");
        }
        "ParamValidationError" => {
            assert!(
                matches!(ours, PaginationError::ParamValidation { .. }),
                "{name}: {ours:?}"
            );
            assert_eq!(ours.to_string(), message, "{name}");
        }
        "ValueError" => {
            assert!(
                matches!(ours, PaginationError::StartingToken(TokenError::Bad { .. })),
                "{name}"
            );
            assert_eq!(ours.to_string(), message, "{name}");
        }
        "PaginationError" => {
            assert!(
                matches!(ours, PaginationError::RepeatedToken { pages_apart: 1, .. }),
                "{name}"
            );
            assert_eq!(ours.to_string(), message, "{name}");
        }
        other => panic!("{name}: unexpected botocore error type {other}"),
    }
}

fn text(value: &Value) -> String {
    // Compared as text so that key order counts too.
    serde_json::to_string(value).unwrap()
}

#[tokio::test]
async fn pages_match_botocore_runs() {
    let fixture = common::fixture();
    let mut checked = 0;
    for scenario in fixture["scenarios"].as_array().unwrap() {
        let Some(expected) = scenario.get("pages_run") else {
            continue;
        };
        let name = scenario["name"].as_str().unwrap();
        let service = service_for(scenario);
        let run: Run = run_pages(service.clone(), config_from(&scenario["config"])).await;
        assert_eq!(
            service.requests(),
            expected_requests(expected),
            "{name}: requests"
        );
        let pages: Vec<String> = run.pages.iter().map(text).collect();
        let want: Vec<String> = expected["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        assert_eq!(pages, want, "{name}: pages");
        assert_eq!(
            run.resume_token.as_deref(),
            expected["resume_token"].as_str(),
            "{name}: resume"
        );
        assert_eq!(
            text(&Value::Object(run.non_aggregate)),
            text(&expected["non_aggregate_part"]),
            "{name}"
        );
        check_error(name, &expected["error"], run.error.as_ref());
        checked += 1;
    }
    assert!(checked >= 60, "{checked}");
}

#[tokio::test]
async fn full_results_match_botocore() {
    let fixture = common::fixture();
    for scenario in fixture["scenarios"].as_array().unwrap() {
        let Some(expected) = scenario.get("full_run") else {
            continue;
        };
        let name = scenario["name"].as_str().unwrap();
        let service = service_for(scenario);
        let paginator = Paginator::from_source(service.clone(), config_from(&scenario["config"]));
        let result = paginator.build_full_result().await;
        assert_eq!(
            service.requests(),
            expected_requests(expected),
            "{name}: requests"
        );
        match result {
            Ok(full) => {
                assert!(expected["error"].is_null(), "{name}: botocore failed");
                assert_eq!(text(&full), text(&expected["full_result"]), "{name}");
            }
            Err(e) => check_error(name, &expected["error"], Some(&e)),
        }
    }
}

#[tokio::test]
async fn searches_match_botocore() {
    let fixture = common::fixture();
    for scenario in fixture["scenarios"].as_array().unwrap() {
        let Some(expected) = scenario.get("search_run") else {
            continue;
        };
        let name = scenario["name"].as_str().unwrap();
        let service = service_for(scenario);
        let paginator = Paginator::from_source(service.clone(), config_from(&scenario["config"]));
        let mut values = paginator
            .search(scenario["search"].as_str().unwrap())
            .unwrap();
        let mut got = Vec::new();
        while let Some(value) = values.next().await {
            got.push(value.unwrap());
        }
        assert_eq!(Value::Array(got), expected["values"], "{name}");
        assert_eq!(
            values.resume_token(),
            expected["resume_token"].as_str(),
            "{name}"
        );
        assert_eq!(
            service.requests(),
            expected_requests(expected),
            "{name}: requests"
        );
    }
}

fn p3() -> PaginationConfig {
    PaginationConfig::default().page_size(3)
}

/// One row of the §3.8 table: MaxItems, tokens sent, step names per page, decoded resume token.
type GoldenRow = (
    Option<i64>,
    &'static [Option<&'static str>],
    &'static [&'static [&'static str]],
    Option<&'static str>,
);

#[tokio::test]
async fn golden_table() {
    // spec §3.8: (MaxItems, requests, pages, decoded resume token).
    let table: &[GoldenRow] = &[
        (
            None,
            &[None, Some("tok-3"), Some("tok-6")],
            &[&["s0", "s1", "s2"], &["s3", "s4", "s5"], &["s6"]],
            None,
        ),
        (
            Some(0),
            &[None],
            &[&[]],
            Some(r#"{"nextToken": null, "boto_truncate_amount": 0}"#),
        ),
        (
            Some(1),
            &[None],
            &[&["s0"]],
            Some(r#"{"nextToken": null, "boto_truncate_amount": 1}"#),
        ),
        (
            Some(2),
            &[None],
            &[&["s0", "s1"]],
            Some(r#"{"nextToken": null, "boto_truncate_amount": 2}"#),
        ),
        (
            Some(3),
            &[None],
            &[&["s0", "s1", "s2"]],
            Some(r#"{"nextToken": "tok-3"}"#),
        ),
        (
            Some(4),
            &[None, Some("tok-3")],
            &[&["s0", "s1", "s2"], &["s3"]],
            Some(r#"{"nextToken": "tok-3", "boto_truncate_amount": 1}"#),
        ),
        (
            Some(5),
            &[None, Some("tok-3")],
            &[&["s0", "s1", "s2"], &["s3", "s4"]],
            Some(r#"{"nextToken": "tok-3", "boto_truncate_amount": 2}"#),
        ),
        (
            Some(6),
            &[None, Some("tok-3")],
            &[&["s0", "s1", "s2"], &["s3", "s4", "s5"]],
            Some(r#"{"nextToken": "tok-6"}"#),
        ),
        (
            Some(7),
            &[None, Some("tok-3"), Some("tok-6")],
            &[&["s0", "s1", "s2"], &["s3", "s4", "s5"], &["s6"]],
            None,
        ),
        (
            Some(8),
            &[None, Some("tok-3"), Some("tok-6")],
            &[&["s0", "s1", "s2"], &["s3", "s4", "s5"], &["s6"]],
            None,
        ),
        (
            Some(-1),
            &[None],
            &[&["s0", "s1"]],
            Some(r#"{"nextToken": null, "boto_truncate_amount": -1}"#),
        ),
    ];
    for (max_items, requests, pages, resume) in table {
        let service = FakeService::offset(7);
        let config = PaginationConfig {
            max_items: *max_items,
            ..p3()
        };
        let run = run_pages(service.clone(), config).await;
        let requests_made = service.requests();
        let sent: Vec<Option<&str>> = requests_made.iter().map(|(t, _)| t.as_deref()).collect();
        assert_eq!(sent, *requests, "M={max_items:?}");
        assert_eq!(
            names(&run.pages),
            pages
                .iter()
                .map(|p| p.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            "M={max_items:?}"
        );
        assert_eq!(
            run.resume_token.as_deref().map(decoded).as_deref(),
            *resume,
            "M={max_items:?}"
        );
        assert!(run.error.is_none());
    }
}

#[tokio::test]
async fn c02_truncated_page_keeps_raw_token_and_c03_c04_resume() {
    let run = run_pages(FakeService::offset(7), p3().max_items(5)).await;
    assert_eq!(run.pages[1]["nextToken"], "tok-6");
    let token = run.resume_token.unwrap();
    assert_eq!(
        token,
        "eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="
    );

    let service = FakeService::offset(7);
    let run = run_pages(service.clone(), p3().starting_token(token.clone())).await;
    assert_eq!(names(&run.pages), vec![vec!["s5"], vec!["s6"]]);
    assert_eq!(
        service.requests(),
        vec![
            (Some("tok-3".into()), Some(3)),
            (Some("tok-6".into()), Some(3))
        ]
    );
    assert_eq!(run.resume_token, None);

    let run = run_pages(
        FakeService::offset(7),
        p3().max_items(1).starting_token(token),
    )
    .await;
    assert_eq!(names(&run.pages), vec![vec!["s5"]]);
    assert_eq!(
        run.resume_token.as_deref().map(decoded).as_deref(),
        Some(r#"{"nextToken": "tok-6"}"#)
    );
}

#[tokio::test]
async fn c10_chained_max_items_returns_every_item_once() {
    let mut token: Option<String> = None;
    let mut seen = Vec::new();
    let mut resumes = Vec::new();
    loop {
        let mut config = p3().max_items(2);
        config.starting_token = token.clone();
        let run = run_pages(FakeService::offset(7), config).await;
        seen.extend(names(&run.pages).into_iter().flatten());
        resumes.push(run.resume_token.as_deref().map(decoded));
        token = run.resume_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, (0..7).map(|i| format!("s{i}")).collect::<Vec<_>>());
    assert_eq!(
        resumes,
        vec![
            Some(r#"{"nextToken": null, "boto_truncate_amount": 2}"#.to_string()),
            Some(r#"{"nextToken": "tok-3", "boto_truncate_amount": 1}"#.to_string()),
            Some(r#"{"nextToken": "tok-6"}"#.to_string()),
            None
        ]
    );
}

#[tokio::test]
async fn c17_c18_repeated_token_after_two_pages() {
    let service = FakeService::script(vec![
        json!({"steps": [common::item(0)], "nextToken": "SAME"}),
    ]);
    let run = run_pages(service.clone(), PaginationConfig::default()).await;
    assert_eq!(run.pages.len(), 2);
    assert_eq!(service.requests().len(), 2);
    assert_eq!(
        run.error.unwrap().to_string(),
        "Error during pagination: The same next token was received twice: {'nextToken': 'SAME'}"
    );

    // Echo of the starting token: botocore (and this client) make one more request first.
    let service = FakeService::script(vec![json!({"steps": [], "nextToken": "SAME"})]);
    let run = run_pages(
        service.clone(),
        PaginationConfig::default().starting_token("SAME"),
    )
    .await;
    assert_eq!((run.pages.len(), service.requests().len()), (2, 2));
    assert!(matches!(
        run.error,
        Some(PaginationError::RepeatedToken { pages_apart: 1, .. })
    ));
}

#[tokio::test]
async fn c19_cycle_guard_stops_a_longer_cycle() {
    let pages = vec![
        json!({"steps": [], "nextToken": "A"}),
        json!({"steps": [], "nextToken": "B"}),
        json!({"steps": [], "nextToken": "A"}),
        json!({"steps": [], "nextToken": "B"}),
    ];
    let service = FakeService::script(pages.clone());
    let run = run_pages(service.clone(), PaginationConfig::default()).await;
    assert_eq!(service.requests().len(), 3);
    let err = run.error.unwrap();
    assert!(matches!(
        err,
        PaginationError::RepeatedToken { pages_apart: 2, .. }
    ));
    assert_eq!(
        err.to_string(),
        "Error during pagination: The same next token was received twice: {'nextToken': 'A'} (a cycle of 2 pages)"
    );

    // Without the guard: botocore's immediate-repeat check only, which a cycle never trips
    // (the fake gives up after 12 requests; then the last page "B" repeats and that trips it).
    let service = FakeService::script(pages);
    let run = run_pages(
        service.clone(),
        PaginationConfig::default().cycle_guard(false),
    )
    .await;
    assert_eq!(service.requests().len(), 5);
    assert!(matches!(
        run.error,
        Some(PaginationError::RepeatedToken { pages_apart: 1, .. })
    ));
}

#[tokio::test]
async fn c15_malformed_starting_tokens_send_nothing() {
    use stepwise_client::token::encode_value;
    for token in [
        encode_value(&json!("str")),
        encode_value(&json!(5)),
        encode_value(&json!(null)),
        encode_value(&json!({"nextToken": "tok-3", "boto_truncate_amount": "1"})),
        encode_value(&json!({"nextToken": "tok-3", "boto_truncate_amount": 1.5})),
    ] {
        let service = FakeService::offset(7);
        let run = run_pages(service.clone(), p3().starting_token(token.clone())).await;
        assert!(service.requests().is_empty(), "{token}");
        assert!(run.pages.is_empty());
        assert!(
            matches!(
                run.error,
                Some(PaginationError::StartingToken(TokenError::Malformed { .. }))
            ),
            "{token}: {:?}",
            run.error
        );
    }
}

#[tokio::test]
async fn starting_token_without_next_token_resumes_from_the_start() {
    // Decision (spec §3.5 step 6): a botocore token lacking nextToken means "no token"; a
    // resume token built from it records null (botocore would raise ValueError).
    let token = stepwise_client::token::encode_value(&json!({"boto_truncate_amount": 1}));
    let run = run_pages(
        FakeService::offset(7),
        p3().max_items(1).starting_token(token),
    )
    .await;
    assert_eq!(names(&run.pages), vec![vec!["s1"]]);
    assert_eq!(
        run.resume_token.as_deref().map(decoded).as_deref(),
        Some(r#"{"nextToken": null, "boto_truncate_amount": 2}"#)
    );
}

#[tokio::test]
async fn c26_error_on_page_two_keeps_page_one_and_no_resume_token() {
    let service = FakeService::new(json!({"kind": "offset", "n": 7, "fail_on": 2}), None);
    let paginator = Paginator::from_source(service.clone(), p3().max_items(5));
    let mut pages = paginator.pages();
    assert!(pages.next().await.unwrap().is_ok());
    let err = pages.next().await.unwrap().unwrap_err();
    assert_eq!(err.into_service_error().unwrap().code, "InternalFailure");
    assert!(pages.next().await.is_none());
    assert_eq!(pages.resume_token(), None);
    assert_eq!(service.requests().len(), 2);
}

#[tokio::test]
async fn c28_every_run_starts_from_the_original_request() {
    let service = FakeService::offset(7);
    let paginator = Paginator::from_source(service.clone(), p3());
    let first: Vec<_> = paginator.pages().try_collect().await.unwrap();
    let second: Vec<_> = paginator.pages().try_collect().await.unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(second.len(), 3);
    let sent: Vec<_> = service.requests().into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        sent,
        vec![
            None,
            Some("tok-3".into()),
            Some("tok-6".into()),
            None,
            Some("tok-3".into()),
            Some("tok-6".into())
        ]
    );
}

#[tokio::test]
async fn resume_token_is_set_lazily_like_botocore() {
    // At a page boundary botocore sets the resume token only when asked for the next page;
    // a consumer that stops after the last wanted page sees None.
    let paginator = Paginator::from_source(FakeService::offset(7), p3().max_items(3));
    let mut pages = paginator.pages();
    assert!(pages.next().await.unwrap().is_ok());
    assert_eq!(pages.resume_token(), None);
    assert!(pages.next().await.is_none());
    assert_eq!(
        pages.resume_token().map(decoded).as_deref(),
        Some(r#"{"nextToken": "tok-3"}"#)
    );
}

#[tokio::test]
async fn nothing_is_sent_before_the_first_poll() {
    let service = FakeService::offset(7);
    let paginator = Paginator::from_source(service.clone(), p3());
    let pages = paginator.pages();
    let _search = paginator.search("steps[].name").unwrap();
    assert!(paginator.search("steps[").is_err());
    drop(pages);
    assert!(service.requests().is_empty());
}

#[tokio::test]
async fn json_items_and_typed_items() {
    let paginator = Paginator::from_source(FakeService::offset(7), p3().max_items(5));
    let mut items = paginator.json_items();
    let mut got = Vec::new();
    while let Some(item) = items.next().await {
        got.push(item.unwrap()["name"].as_str().unwrap().to_string());
    }
    assert_eq!(got, ["s0", "s1", "s2", "s3", "s4"]);
    assert_eq!(
        items.resume_token(),
        Some(encode_resume_token("nextToken", Some("tok-3"), Some(2)).as_str())
    );
    // A fake has no typed output: the typed item stream is empty but still walks the pages.
    let typed: Vec<_> = paginator.items().try_collect().await.unwrap();
    assert!(typed.is_empty());
}

#[tokio::test]
async fn page_size_without_limit_key_is_refused() {
    use stepwise_client::{descriptor, FnSource};
    let source = FnSource::new(&descriptor::LIST_IMAGE_SCAN_FINDING_AGGREGATIONS, |_| {
        Ok::<_, String>(json!({"responses": []}))
    });
    let paginator = Paginator::from_source(source, p3());
    let err = paginator.pages().next().await.unwrap().unwrap_err();
    assert!(matches!(err, PaginationError::PageSizeNotSupported));
    assert_eq!(
        err.to_string(),
        "Error during pagination: PageSize parameter is not supported for the pagination interface for this operation."
    );
}
