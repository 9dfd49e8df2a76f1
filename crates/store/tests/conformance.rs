//! The rules every store backend keeps, as one suite. Each case takes a fresh, empty store
//! from a backend's factory; `backend_suite!` instantiates every case for a backend, so a new
//! backend passes the same cases by adding one line at the bottom.
//!
//! Concurrency cases run their callers as tasks on a multi-threaded runtime and check that
//! the outcome is one a serial order of the batches gives.

use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;
use stepwise_store::{
    IdempotencyRecord, ResourceKind, StepRow, Store, StoreError, Tenant, WorkflowExecutionRow,
    Write, ALLOCATE_WAIT_SEQ,
};

/// A backend's fresh, empty store, and whatever must live as long as it (a temp dir).
type Factory = fn() -> (Arc<dyn Store>, Box<dyn std::any::Any + Send>);

/// One case of the suite, run on a fresh store.
type Case = fn(Arc<dyn Store>) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

fn tenant() -> Tenant {
    Tenant::new("123456789012", "us-east-1")
}

fn other_region() -> Tenant {
    Tenant::new("123456789012", "eu-west-1")
}

const IMAGE: &str = "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1";

fn execution(id: &str, image_arn: &str) -> WorkflowExecutionRow {
    WorkflowExecutionRow {
        seq: 0,
        id: id.into(),
        tenant: tenant(),
        image_arn: image_arn.into(),
        workflow_arn: format!("workflow-of-{id}"),
        workflow_type: "BUILD".into(),
        status: "RUNNING".into(),
        message: None,
        total_steps: 3,
        succeeded: 0,
        failed: 0,
        skipped: 0,
        start_ms: 1_000,
        end_ms: None,
        parallel_group: None,
        retried: false,
        plan_index: 0,
        outputs: None,
    }
}

fn step(execution_id: &str, idx: i64, status: &str) -> StepRow {
    StepRow {
        id: format!("step-{execution_id}-{idx}"),
        execution_id: execution_id.into(),
        idx,
        name: format!("Step{idx}"),
        description: None,
        action: "WaitForAction".into(),
        status: status.into(),
        rollback_status: None,
        message: None,
        inputs: None,
        outputs: None,
        start_ms: 1_000 + idx,
        end_ms: None,
        attempt: None,
        max_attempts: None,
        on_failure: "Abort".into(),
        timeout_seconds: 3600,
        wait_seq: None,
    }
}

fn waiting(execution_id: &str, idx: i64) -> StepRow {
    StepRow {
        wait_seq: Some(ALLOCATE_WAIT_SEQ),
        ..step(execution_id, idx, "RUNNING")
    }
}

fn insert(kind: ResourceKind, arn: &str, n: i64) -> Write {
    Write::InsertResource {
        kind,
        arn: arn.into(),
        body: json!({ "arn": arn, "n": n }),
    }
}

fn put(kind: ResourceKind, arn: &str, n: i64) -> Write {
    Write::PutResource {
        kind,
        arn: arn.into(),
        body: json!({ "arn": arn, "n": n }),
    }
}

fn idempotency(token: &str, fingerprint: &str, created_ms: i64, replaces_before_ms: i64) -> Write {
    Write::Idempotency {
        operation: "CreateImage".into(),
        token: token.into(),
        record: IdempotencyRecord {
            fingerprint: fingerprint.into(),
            response: json!({ "by": fingerprint }),
            created_ms,
        },
        replaces_before_ms,
    }
}

fn is_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

/// Runs `n` copies of `call` at once (released together) and returns their results in order.
async fn concurrently<F, Fut, T>(n: usize, call: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let gate = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let gate = gate.clone();
        let fut = call(i);
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            fut.await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("caller task"));
    }
    out
}

// ---- resources -------------------------------------------------------------------------

async fn a_resource_is_inserted_once(store: Arc<dyn Store>) {
    let t = tenant();
    let arn = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/web/1.0.0";
    store
        .apply(&t, &[insert(ResourceKind::ImageRecipe, arn, 1)])
        .await
        .unwrap();
    assert!(is_conflict(
        store
            .apply(&t, &[insert(ResourceKind::ImageRecipe, arn, 2)])
            .await
    ));
    let r = store
        .get_resource(&t, ResourceKind::ImageRecipe, arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.body["n"], 1, "the losing insert wrote nothing");
    assert_eq!(r.revision, 1);
    // Same ARN under another kind or tenancy is another resource.
    store
        .apply(&t, &[insert(ResourceKind::Workflow, arn, 3)])
        .await
        .unwrap();
    store
        .apply(
            &other_region(),
            &[insert(ResourceKind::ImageRecipe, arn, 4)],
        )
        .await
        .unwrap();
    assert!(store
        .get_resource(&other_region(), ResourceKind::Workflow, arn)
        .await
        .unwrap()
        .is_none());
}

async fn a_failed_guard_rolls_back_the_whole_batch(store: Arc<dyn Store>) {
    let t = tenant();
    let (a, b) = ("arn:a", "arn:b");
    store
        .apply(&t, &[insert(ResourceKind::Workflow, b, 1)])
        .await
        .unwrap();
    let batch = [
        insert(ResourceKind::Workflow, a, 1),
        idempotency("tok", "fp", 10, 0),
        insert(ResourceKind::Workflow, b, 2),
    ];
    assert!(is_conflict(store.apply(&t, &batch).await));
    assert!(store
        .get_resource(&t, ResourceKind::Workflow, a)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_idempotency(&t, "CreateImage", "tok")
        .await
        .unwrap()
        .is_none());
}

async fn puts_move_the_revision_and_expect_guards_it(store: Arc<dyn Store>) {
    let t = tenant();
    let kind = ResourceKind::Image;
    store.apply(&t, &[put(kind, IMAGE, 1)]).await.unwrap();
    let r1 = store.get_resource(&t, kind, IMAGE).await.unwrap().unwrap();
    store.apply(&t, &[put(kind, IMAGE, 2)]).await.unwrap();
    let r2 = store.get_resource(&t, kind, IMAGE).await.unwrap().unwrap();
    assert!(
        r2.revision > r1.revision,
        "{} then {}",
        r1.revision,
        r2.revision
    );
    let expect = |revision| Write::ExpectResource {
        kind,
        arn: IMAGE.into(),
        revision,
    };
    // A decision taken on revision 1 is stale now: nothing of its batch is written.
    assert!(is_conflict(
        store
            .apply(&t, &[expect(r1.revision), put(kind, IMAGE, 3)])
            .await
    ));
    assert_eq!(
        store
            .get_resource(&t, kind, IMAGE)
            .await
            .unwrap()
            .unwrap()
            .body["n"],
        2
    );
    store
        .apply(&t, &[expect(r2.revision), put(kind, IMAGE, 3)])
        .await
        .unwrap();
    assert_eq!(
        store
            .get_resource(&t, kind, IMAGE)
            .await
            .unwrap()
            .unwrap()
            .body["n"],
        3
    );
    // Expecting what does not exist (or exists in another tenancy) conflicts.
    let absent = Write::ExpectResource {
        kind,
        arn: "arn:none".into(),
        revision: 1,
    };
    assert!(is_conflict(store.apply(&t, &[absent]).await));
    assert!(is_conflict(
        store
            .apply(&other_region(), &[expect(r2.revision + 1)])
            .await
    ));
}

async fn tags_change_only_through_set_tags(store: Arc<dyn Store>) {
    let t = tenant();
    let kind = ResourceKind::Image;
    let body = |status: &str, tags: Value| json!({"image": {"arn": IMAGE, "state": {"status": status}, "tags": tags}});
    let get = || async { store.get_resource(&t, kind, IMAGE).await.unwrap().unwrap() };
    // A put of a new resource stores the tags it carries.
    let put = |status: &str, tags: Value| Write::PutResource {
        kind,
        arn: IMAGE.into(),
        body: body(status, tags),
    };
    store
        .apply(&t, &[put("PENDING", json!({"a": "1"}))])
        .await
        .unwrap();
    assert_eq!(get().await.body, body("PENDING", json!({"a": "1"})));
    let set = |tags: Value| Write::SetTags {
        kind,
        arn: IMAGE.into(),
        tags,
    };
    let r1 = get().await;
    store
        .apply(&t, &[set(json!({"a": "1", "b": ""}))])
        .await
        .unwrap();
    let r2 = get().await;
    assert!(r2.revision > r1.revision, "a tag change moves the revision");
    assert_eq!(r2.body, body("PENDING", json!({"a": "1", "b": ""})));
    // A writer holding the body from before the change moves the image on: the status is
    // its, the tags stay those set.
    store
        .apply(&t, &[put("BUILDING", json!({"a": "1"}))])
        .await
        .unwrap();
    assert_eq!(
        get().await.body,
        body("BUILDING", json!({"a": "1", "b": ""}))
    );
    // Tags set where the body had none are created; a guard of an older revision fails
    // the batch.
    let stale = Write::ExpectResource {
        kind,
        arn: IMAGE.into(),
        revision: r1.revision,
    };
    assert!(is_conflict(store.apply(&t, &[stale, set(json!({}))]).await));
    store.apply(&t, &[set(json!({}))]).await.unwrap();
    assert_eq!(get().await.body, body("BUILDING", json!({})));
    // Tags of what is gone, or in another tenancy, cannot be set.
    assert!(is_conflict(
        store
            .apply(&other_region(), &[set(json!({"x": "y"}))])
            .await
    ));
    let recipe = Write::SetTags {
        kind: ResourceKind::ImageRecipe,
        arn: "arn:none".into(),
        tags: json!({}),
    };
    assert!(is_conflict(store.apply(&t, &[recipe]).await));
    store
        .apply(&t, &[insert(ResourceKind::ImageRecipe, "arn:r", 1)])
        .await
        .unwrap();
    store
        .apply(
            &t,
            &[Write::SetTags {
                kind: ResourceKind::ImageRecipe,
                arn: "arn:r".into(),
                tags: json!({"k": "v"}),
            }],
        )
        .await
        .unwrap();
    let r = store
        .get_resource(&t, ResourceKind::ImageRecipe, "arn:r")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.body, json!({"arn": "arn:r", "n": 1, "tags": {"k": "v"}}));
}

async fn a_delete_of_what_is_gone_conflicts(store: Arc<dyn Store>) {
    let t = tenant();
    let kind = ResourceKind::DistributionConfiguration;
    let del = || Write::DeleteResource {
        kind,
        arn: "arn:d".into(),
    };
    assert!(is_conflict(store.apply(&t, &[del()]).await));
    store.apply(&t, &[insert(kind, "arn:d", 1)]).await.unwrap();
    assert!(
        is_conflict(store.apply(&other_region(), &[del()]).await),
        "tenancy"
    );
    store.apply(&t, &[del()]).await.unwrap();
    assert!(is_conflict(store.apply(&t, &[del()]).await));
    assert!(store
        .get_resource(&t, kind, "arn:d")
        .await
        .unwrap()
        .is_none());
}

async fn resources_list_in_arn_order_per_tenancy_and_kind(store: Arc<dyn Store>) {
    let t = tenant();
    for arn in ["arn:c", "arn:a", "arn:b"] {
        store
            .apply(&t, &[insert(ResourceKind::Workflow, arn, 1)])
            .await
            .unwrap();
    }
    store
        .apply(&t, &[insert(ResourceKind::ImageRecipe, "arn:0", 1)])
        .await
        .unwrap();
    store
        .apply(
            &other_region(),
            &[insert(ResourceKind::Workflow, "arn:0", 1)],
        )
        .await
        .unwrap();
    let listed: Vec<String> = store
        .list_resources(&t, ResourceKind::Workflow)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(listed, ["arn:a", "arn:b", "arn:c"]);
}

async fn a_prefix_read_returns_exactly_the_arns_under_it(store: Arc<dyn Store>) {
    let t = tenant();
    let base = "arn:aws:imagebuilder:us-east-1:123456789012:image";
    for arn in [
        format!("{base}/web/1.0.0/1"),
        format!("{base}/web/1.0.0/2"),
        format!("{base}/web/1.0.0/10"),
        format!("{base}/web/1.0.01/1"),
        format!("{base}/web-2/1.0.0/1"),
        format!("{base}/web/1.0.1/1"),
        format!("{base}/we/1.0.0/1"),
    ] {
        store
            .apply(&t, &[insert(ResourceKind::Image, &arn, 1)])
            .await
            .unwrap();
    }
    store
        .apply(
            &other_region(),
            &[insert(
                ResourceKind::Image,
                &format!("{base}/web/1.0.0/3"),
                1,
            )],
        )
        .await
        .unwrap();
    store
        .apply(
            &t,
            &[insert(
                ResourceKind::Workflow,
                &format!("{base}/web/1.0.0/4"),
                1,
            )],
        )
        .await
        .unwrap();
    let under = |prefix: String| {
        let store = store.clone();
        async move {
            store
                .list_resources_with_prefix(&tenant(), ResourceKind::Image, &prefix)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.arn.rsplit_once(":image/").unwrap().1.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        under(format!("{base}/web/1.0.0/")).await,
        ["web/1.0.0/1", "web/1.0.0/10", "web/1.0.0/2"]
    );
    assert_eq!(under(format!("{base}/web/")).await.len(), 5);
    assert_eq!(under(format!("{base}/nothing/")).await.len(), 0);
    let r = store
        .list_resources_with_prefix(&t, ResourceKind::Image, &format!("{base}/web/1.0.1/"))
        .await
        .unwrap();
    assert_eq!((r.len(), r[0].revision), (1, 1));
}

async fn resources_page_by_listing_key(store: Arc<dyn Store>) {
    use stepwise_api::sort_key::SortKey;
    let t = tenant();
    let base = "arn:aws:imagebuilder:us-east-1:123456789012:image";
    // Listing order: name up, version down, build down (not ARN order).
    let expected = [
        "we/1.0.0/1",
        "web/1.10.0/10",
        "web/1.10.0/2",
        "web/1.9.0/1",
        "web-2/1.0.0/1",
    ];
    for path in [
        "web/1.9.0/1",
        "web-2/1.0.0/1",
        "web/1.10.0/2",
        "we/1.0.0/1",
        "web/1.10.0/10",
    ] {
        store
            .apply(
                &t,
                &[insert(ResourceKind::Image, &format!("{base}/{path}"), 1)],
            )
            .await
            .unwrap();
    }
    store
        .apply(
            &other_region(),
            &[insert(ResourceKind::Image, &format!("{base}/a/1.0.0/1"), 1)],
        )
        .await
        .unwrap();
    let page = |after: Option<Vec<u8>>, limit| {
        let store = store.clone();
        async move {
            store
                .list_resources_by_key(&tenant(), ResourceKind::Image, after.as_deref(), limit)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.arn.rsplit_once(":image/").unwrap().1.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(None, 10).await, expected);
    assert_eq!(page(None, 2).await, expected[..2]);
    let after = SortKey::of_arn(&format!("{base}/web/1.10.0/2"))
        .unwrap()
        .bytes();
    assert_eq!(page(Some(after), 10).await, expected[3..]);
    // After a group (web 1.10.0, any build): its builds are skipped.
    let group = SortKey::of_arn(&format!("{base}/web/1.10.0/1")).unwrap();
    let group = SortKey {
        build: None,
        ..group
    }
    .bytes_after_group(4);
    assert_eq!(page(Some(group), 10).await, expected[3..]);
    // Keys follow the rows: a put keeps it, a delete takes it away.
    store
        .apply(
            &t,
            &[put(ResourceKind::Image, &format!("{base}/we/1.0.0/1"), 2)],
        )
        .await
        .unwrap();
    let del = Write::DeleteResource {
        kind: ResourceKind::Image,
        arn: format!("{base}/web-2/1.0.0/1"),
    };
    store.apply(&t, &[del]).await.unwrap();
    assert_eq!(page(None, 10).await, expected[..4]);
}

async fn unfinished_images_are_found_by_status(store: Arc<dyn Store>) {
    let t = tenant();
    let image = |arn: &str, status: &str| Write::PutResource {
        kind: ResourceKind::Image,
        arn: arn.into(),
        body: json!({ "image": { "arn": arn, "state": { "status": status } } }),
    };
    store
        .apply(
            &t,
            &[image("arn:1", "BUILDING"), image("arn:2", "AVAILABLE")],
        )
        .await
        .unwrap();
    store
        .apply(&other_region(), &[image("arn:3", "TESTING")])
        .await
        .unwrap();
    let mut found = store
        .list_unfinished(ResourceKind::Image, &["AVAILABLE", "FAILED", "CANCELLED"])
        .await
        .unwrap();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        found,
        vec![
            (t, "arn:1".to_string()),
            (other_region(), "arn:3".to_string())
        ]
    );
    // Finishing an image takes it off the list.
    store
        .apply(&tenant(), &[image("arn:1", "FAILED")])
        .await
        .unwrap();
    let found = store
        .list_unfinished(ResourceKind::Image, &["AVAILABLE", "FAILED", "CANCELLED"])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

// ---- idempotency -----------------------------------------------------------------------

async fn an_idempotency_token_is_taken_once_until_it_expires(store: Arc<dyn Store>) {
    let t = tenant();
    store
        .apply(&t, &[idempotency("tok", "first", 1_000, 0)])
        .await
        .unwrap();
    // A second record under the token conflicts while the first is live ...
    assert!(is_conflict(
        store
            .apply(&t, &[idempotency("tok", "second", 2_000, 500)])
            .await
    ));
    let r = store
        .get_idempotency(&t, "CreateImage", "tok")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.fingerprint.as_str(), r.created_ms), ("first", 1_000));
    assert_eq!(r.response, json!({ "by": "first" }));
    // ... and replaces it once it expired.
    store
        .apply(&t, &[idempotency("tok", "third", 3_000, 1_001)])
        .await
        .unwrap();
    let r = store
        .get_idempotency(&t, "CreateImage", "tok")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.fingerprint, "third");
    // Tokens are per tenancy and per operation.
    store
        .apply(&other_region(), &[idempotency("tok", "x", 3_000, 0)])
        .await
        .unwrap();
    assert!(store
        .get_idempotency(&t, "CreateWorkflow", "tok")
        .await
        .unwrap()
        .is_none());
}

// ---- executions and steps --------------------------------------------------------------

async fn executions_list_in_creation_order_by_keyset(store: Arc<dyn Store>) {
    let t = tenant();
    for id in ["wf-c", "wf-a", "wf-b"] {
        store
            .apply(
                &t,
                &[Write::InsertExecution(Box::new(execution(id, IMAGE)))],
            )
            .await
            .unwrap();
    }
    store
        .apply(
            &t,
            &[Write::InsertExecution(Box::new(execution(
                "wf-other",
                "arn:other",
            )))],
        )
        .await
        .unwrap();
    let all = store.list_executions(&t, IMAGE, None, 10).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["wf-c", "wf-a", "wf-b"]);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let page = store
        .list_executions(&t, IMAGE, Some(all[0].seq), 1)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, "wf-a");
    assert!(store
        .list_executions(&other_region(), IMAGE, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .get_execution(&other_region(), "wf-a")
        .await
        .unwrap()
        .is_none());
    // An update changes the mutable columns; an update of nothing conflicts.
    let mut e = store.get_execution(&t, "wf-a").await.unwrap().unwrap();
    e.status = "COMPLETED".into();
    e.end_ms = Some(9_000);
    e.outputs = Some(json!({ "ami": "ami-1" }));
    store
        .apply(&t, &[Write::UpdateExecution(Box::new(e.clone()))])
        .await
        .unwrap();
    assert_eq!(store.get_execution(&t, "wf-a").await.unwrap().unwrap(), e);
    let ghost = execution("wf-ghost", IMAGE);
    assert!(is_conflict(
        store
            .apply(&t, &[Write::UpdateExecution(Box::new(ghost))])
            .await
    ));
}

async fn steps_list_in_document_order_and_in_the_listing(store: Arc<dyn Store>) {
    let t = tenant();
    store
        .apply(
            &t,
            &[Write::InsertExecution(Box::new(execution("wf-1", IMAGE)))],
        )
        .await
        .unwrap();
    for idx in [2, 0, 1] {
        store
            .apply(
                &t,
                &[Write::InsertStep(Box::new(step("wf-1", idx, "COMPLETED")))],
            )
            .await
            .unwrap();
    }
    let mut changed = step("wf-1", 1, "FAILED");
    changed.message = Some("boom".into());
    store
        .apply(&t, &[Write::UpdateStep(Box::new(changed.clone()))])
        .await
        .unwrap();
    let steps = store.list_steps("wf-1", None, 10).await.unwrap();
    assert_eq!(steps.iter().map(|s| s.idx).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(steps[1], changed);
    let after = store.list_steps("wf-1", Some(0), 1).await.unwrap();
    assert_eq!(after.iter().map(|s| s.idx).collect::<Vec<_>>(), [1]);
    let listing = store.step_listing(&t, "wf-1").await.unwrap().unwrap();
    assert_eq!(
        (listing.workflow_arn.as_str(), listing.image_arn.as_str()),
        ("workflow-of-wf-1", IMAGE)
    );
    let page = listing.page(Some(0), 5).unwrap();
    assert_eq!(page.iter().map(|s| s.idx).collect::<Vec<_>>(), [1, 2]);
    assert!(
        page[0].json.contains("\"FAILED\""),
        "the listing follows updates: {}",
        page[0].json
    );
    assert!(store
        .step_listing(&other_region(), "wf-1")
        .await
        .unwrap()
        .is_none());
    assert!(store.step_listing(&t, "wf-none").await.unwrap().is_none());
    let found = store.get_step(&t, &changed.id).await.unwrap().unwrap();
    assert_eq!(
        (found.step, found.execution.id.as_str()),
        (changed.clone(), "wf-1")
    );
    assert!(store
        .get_step(&other_region(), &changed.id)
        .await
        .unwrap()
        .is_none());
    // A step of no execution is refused.
    assert!(is_conflict(
        store
            .apply(
                &t,
                &[Write::InsertStep(Box::new(step("wf-none", 0, "RUNNING")))]
            )
            .await
    ));
}

/// An image's records go with it: its executions, their steps and listings, a pending
/// cancellation; another image's stay.
async fn an_images_records_are_deleted_with_it(store: Arc<dyn Store>) {
    let t = tenant();
    let other = "arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/2";
    for (id, image) in [("wf-a", IMAGE), ("wf-b", IMAGE), ("wf-c", other)] {
        store
            .apply(
                &t,
                &[
                    Write::InsertExecution(Box::new(execution(id, image))),
                    Write::InsertStep(Box::new(step(id, 0, "COMPLETED"))),
                    Write::InsertStep(Box::new(step(id, 1, "COMPLETED"))),
                ],
            )
            .await
            .unwrap();
    }
    for image in [IMAGE, other] {
        store
            .apply(
                &t,
                &[Write::RequestCancellation {
                    image_arn: image.into(),
                    requested_ms: 1,
                }],
            )
            .await
            .unwrap();
    }
    store
        .apply(
            &t,
            &[Write::DeleteImageRecords {
                image_arn: IMAGE.into(),
            }],
        )
        .await
        .unwrap();
    for id in ["wf-a", "wf-b"] {
        assert!(store.get_execution(&t, id).await.unwrap().is_none());
        assert!(store.step_listing(&t, id).await.unwrap().is_none());
        assert!(store.list_steps(id, None, 10).await.unwrap().is_empty());
        assert!(store
            .get_step(&t, &format!("step-{id}-0"))
            .await
            .unwrap()
            .is_none());
    }
    assert!(store
        .list_executions(&t, IMAGE, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(!store.cancellation_requested(&t, IMAGE).await.unwrap());
    // The other image keeps everything.
    assert!(store.get_execution(&t, "wf-c").await.unwrap().is_some());
    assert!(store.step_listing(&t, "wf-c").await.unwrap().is_some());
    assert_eq!(store.list_steps("wf-c", None, 10).await.unwrap().len(), 2);
    assert!(store.cancellation_requested(&t, other).await.unwrap());
}

async fn waiting_steps_take_sequence_numbers_in_order(store: Arc<dyn Store>) {
    let t = tenant();
    for id in ["wf-1", "wf-2"] {
        store
            .apply(
                &t,
                &[Write::InsertExecution(Box::new(execution(id, IMAGE)))],
            )
            .await
            .unwrap();
    }
    store
        .apply(&t, &[Write::InsertStep(Box::new(waiting("wf-2", 0)))])
        .await
        .unwrap();
    store
        .apply(&t, &[Write::InsertStep(Box::new(waiting("wf-1", 0)))])
        .await
        .unwrap();
    store
        .apply(
            &t,
            &[Write::InsertStep(Box::new(step("wf-1", 1, "RUNNING")))],
        )
        .await
        .unwrap();
    let listed = store.list_waiting_steps(&t, None, 10).await.unwrap();
    let order: Vec<&str> = listed.iter().map(|w| w.execution.id.as_str()).collect();
    assert_eq!(order, ["wf-2", "wf-1"], "in the order they began waiting");
    let seqs: Vec<i64> = listed.iter().map(|w| w.step.wait_seq.unwrap()).collect();
    assert!(seqs[0] > ALLOCATE_WAIT_SEQ && seqs[0] < seqs[1], "{seqs:?}");
    let rest = store
        .list_waiting_steps(&t, Some(seqs[0]), 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].execution.id, "wf-1");
    assert!(store
        .list_waiting_steps(&other_region(), None, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn a_waiting_step_is_finished_once(store: Arc<dyn Store>) {
    let t = tenant();
    store
        .apply(
            &t,
            &[Write::InsertExecution(Box::new(execution("wf-1", IMAGE)))],
        )
        .await
        .unwrap();
    store
        .apply(&t, &[Write::InsertStep(Box::new(waiting("wf-1", 0)))])
        .await
        .unwrap();
    let stored = store.list_steps("wf-1", None, 1).await.unwrap().remove(0);
    let answer = |status: &str| {
        let mut s = stored.clone();
        s.status = status.into();
        s.wait_seq = None;
        s.end_ms = Some(5_000);
        Write::FinishWaitingStep(Box::new(s))
    };
    store.apply(&t, &[answer("COMPLETED")]).await.unwrap();
    assert!(
        is_conflict(store.apply(&t, &[answer("FAILED")]).await),
        "answered already"
    );
    assert_eq!(
        store.list_steps("wf-1", None, 1).await.unwrap()[0].status,
        "COMPLETED"
    );
    assert!(store
        .list_waiting_steps(&t, None, 10)
        .await
        .unwrap()
        .is_empty());
    // A running step that does not wait cannot be finished as a waiting one.
    store
        .apply(
            &t,
            &[Write::InsertStep(Box::new(step("wf-1", 1, "RUNNING")))],
        )
        .await
        .unwrap();
    let mut s = step("wf-1", 1, "COMPLETED");
    s.end_ms = Some(6_000);
    assert!(is_conflict(
        store
            .apply(&t, &[Write::FinishWaitingStep(Box::new(s))])
            .await
    ));
}

async fn a_cancellation_is_pending_once(store: Arc<dyn Store>) {
    let t = tenant();
    let request = |ms| Write::RequestCancellation {
        image_arn: IMAGE.into(),
        requested_ms: ms,
    };
    assert!(!store.cancellation_requested(&t, IMAGE).await.unwrap());
    store.apply(&t, &[request(1)]).await.unwrap();
    assert!(store.cancellation_requested(&t, IMAGE).await.unwrap());
    assert!(!store
        .cancellation_requested(&other_region(), IMAGE)
        .await
        .unwrap());
    assert!(is_conflict(store.apply(&t, &[request(2)]).await));
    store
        .apply(
            &t,
            &[Write::ClearCancellation {
                image_arn: IMAGE.into(),
            }],
        )
        .await
        .unwrap();
    assert!(!store.cancellation_requested(&t, IMAGE).await.unwrap());
    store.apply(&t, &[request(3)]).await.unwrap();
}

async fn the_token_key_is_initialised_once(store: Arc<dyn Store>) {
    let first = store
        .meta_get_or_init("pagination_key_v1", vec![1, 2, 3])
        .await
        .unwrap();
    assert_eq!(first, [1, 2, 3]);
    let second = store
        .meta_get_or_init("pagination_key_v1", vec![9])
        .await
        .unwrap();
    assert_eq!(second, [1, 2, 3], "the first key stays");
    let other = store.meta_get_or_init("other", vec![4]).await.unwrap();
    assert_eq!(other, [4]);
}

async fn a_meta_number_only_grows(store: Arc<dyn Store>) {
    assert_eq!(store.meta_get("clock").await.unwrap(), None);
    assert_eq!(
        store.meta_raise("clock", -5).await.unwrap(),
        -5,
        "stored when absent"
    );
    assert_eq!(
        store.meta_raise("clock", -9).await.unwrap(),
        -5,
        "never lowered"
    );
    assert_eq!(store.meta_raise("clock", 40).await.unwrap(), 40);
    assert_eq!(
        store.meta_get("clock").await.unwrap(),
        Some(40i64.to_be_bytes().to_vec())
    );
    let raised = concurrently(CALLERS, |i| {
        let store = store.clone();
        async move { store.meta_raise("race", i as i64).await.unwrap() }
    })
    .await;
    assert!(raised.iter().all(|r| *r <= (CALLERS - 1) as i64));
    assert_eq!(
        store.meta_raise("race", 0).await.unwrap(),
        (CALLERS - 1) as i64,
        "the highest raise is kept"
    );
}

// ---- concurrency -----------------------------------------------------------------------

const CALLERS: usize = 16;

async fn concurrent_inserts_of_one_arn_have_one_winner(store: Arc<dyn Store>) {
    let results = concurrently(CALLERS, |i| {
        let store = store.clone();
        async move {
            store
                .apply(
                    &tenant(),
                    &[insert(ResourceKind::Workflow, "arn:w", i as i64)],
                )
                .await
        }
    })
    .await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{results:?}");
    assert!(results.into_iter().all(|r| r.is_ok() || is_conflict(r)));
}

async fn concurrent_claims_of_one_token_have_one_winner(store: Arc<dyn Store>) {
    let results = concurrently(CALLERS, |i| {
        let store = store.clone();
        async move {
            let batch = [
                insert(ResourceKind::Image, &format!("arn:image/{i}"), 1),
                idempotency("shared", &format!("caller-{i}"), 1_000, 0),
            ];
            store.apply(&tenant(), &batch).await
        }
    })
    .await;
    let winners: Vec<usize> = (0..CALLERS).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let images = store
        .list_resources(&tenant(), ResourceKind::Image)
        .await
        .unwrap();
    assert_eq!(images.len(), 1, "only the winner's resource is stored");
    let record = store
        .get_idempotency(&tenant(), "CreateImage", "shared")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.fingerprint, format!("caller-{}", winners[0]));
}

async fn concurrent_compare_and_sets_have_one_winner(store: Arc<dyn Store>) {
    let t = tenant();
    store
        .apply(&t, &[put(ResourceKind::Image, IMAGE, 0)])
        .await
        .unwrap();
    let revision = store
        .get_resource(&t, ResourceKind::Image, IMAGE)
        .await
        .unwrap()
        .unwrap()
        .revision;
    let results = concurrently(CALLERS, |i| {
        let store = store.clone();
        async move {
            let batch = [
                Write::ExpectResource {
                    kind: ResourceKind::Image,
                    arn: IMAGE.into(),
                    revision,
                },
                put(ResourceKind::Image, IMAGE, i as i64 + 1),
            ];
            store.apply(&tenant(), &batch).await
        }
    })
    .await;
    let winners: Vec<usize> = (0..CALLERS).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let stored = store
        .get_resource(&t, ResourceKind::Image, IMAGE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body["n"], winners[0] as i64 + 1);
}

/// A claim moves the revision on and writes nothing else: a delete guarded by the revision
/// it read conflicts after a claim. Concurrent claims all succeed (users of one resource do
/// not conflict), each moving the revision on once. A claim conflicts when the resource is
/// gone, or was deleted and created again with another body than the claimer read.
async fn claims_move_the_revision_and_do_not_conflict(store: Arc<dyn Store>) {
    let t = tenant();
    let recipe = "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/r/1.0.0";
    store
        .apply(&t, &[insert(ResourceKind::ImageRecipe, recipe, 7)])
        .await
        .unwrap();
    let read = store
        .get_resource(&t, ResourceKind::ImageRecipe, recipe)
        .await
        .unwrap()
        .unwrap();
    let claim = |body: &serde_json::Value| Write::ClaimResource {
        kind: ResourceKind::ImageRecipe,
        arn: recipe.into(),
        body: body.clone(),
    };
    let results = concurrently(CALLERS, |_| {
        let store = store.clone();
        let batch = [claim(&read.body)];
        async move { store.apply(&tenant(), &batch).await }
    })
    .await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let claimed = store
        .get_resource(&t, ResourceKind::ImageRecipe, recipe)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.revision, read.revision + CALLERS as i64);
    assert_eq!(claimed.body, read.body, "a claim writes nothing else");
    // A delete decided on the revision before the claims conflicts, and deletes nothing.
    let delete = |revision| {
        [
            Write::ExpectResource {
                kind: ResourceKind::ImageRecipe,
                arn: recipe.into(),
                revision,
            },
            Write::DeleteResource {
                kind: ResourceKind::ImageRecipe,
                arn: recipe.into(),
            },
        ]
    };
    assert!(is_conflict(store.apply(&t, &delete(read.revision)).await));
    assert!(store
        .get_resource(&t, ResourceKind::ImageRecipe, recipe)
        .await
        .unwrap()
        .is_some());
    // Deleted and created again with another body: a claim of what was read conflicts.
    store.apply(&t, &delete(claimed.revision)).await.unwrap();
    assert!(is_conflict(store.apply(&t, &[claim(&read.body)]).await));
    store
        .apply(&t, &[insert(ResourceKind::ImageRecipe, recipe, 8)])
        .await
        .unwrap();
    assert!(is_conflict(store.apply(&t, &[claim(&read.body)]).await));
    let again = store
        .get_resource(&t, ResourceKind::ImageRecipe, recipe)
        .await
        .unwrap()
        .unwrap();
    store.apply(&t, &[claim(&again.body)]).await.unwrap();
}

async fn concurrent_answers_to_one_waiting_step_have_one_winner(store: Arc<dyn Store>) {
    let t = tenant();
    store
        .apply(
            &t,
            &[Write::InsertExecution(Box::new(execution("wf-1", IMAGE)))],
        )
        .await
        .unwrap();
    store
        .apply(&t, &[Write::InsertStep(Box::new(waiting("wf-1", 0)))])
        .await
        .unwrap();
    let stored = store.list_steps("wf-1", None, 1).await.unwrap().remove(0);
    let results = concurrently(CALLERS, |i| {
        let store = store.clone();
        let mut s = stored.clone();
        s.status = if i % 2 == 0 { "COMPLETED" } else { "FAILED" }.into();
        s.message = Some(format!("caller {i}"));
        s.wait_seq = None;
        async move {
            store
                .apply(&tenant(), &[Write::FinishWaitingStep(Box::new(s))])
                .await
        }
    })
    .await;
    let winners: Vec<usize> = (0..CALLERS).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let after = store.list_steps("wf-1", None, 1).await.unwrap().remove(0);
    assert_eq!(after.message, Some(format!("caller {}", winners[0])));
}

async fn concurrent_deletes_have_one_winner(store: Arc<dyn Store>) {
    store
        .apply(&tenant(), &[insert(ResourceKind::ImageRecipe, "arn:r", 1)])
        .await
        .unwrap();
    let results = concurrently(CALLERS, |_| {
        let store = store.clone();
        async move {
            let del = Write::DeleteResource {
                kind: ResourceKind::ImageRecipe,
                arn: "arn:r".into(),
            };
            store.apply(&tenant(), &[del]).await
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
}

async fn concurrent_waits_get_distinct_sequence_numbers(store: Arc<dyn Store>) {
    let t = tenant();
    for i in 0..CALLERS {
        let e = execution(&format!("wf-{i}"), IMAGE);
        store
            .apply(&t, &[Write::InsertExecution(Box::new(e))])
            .await
            .unwrap();
    }
    let results = concurrently(CALLERS, |i| {
        let store = store.clone();
        async move {
            store
                .apply(
                    &tenant(),
                    &[Write::InsertStep(Box::new(waiting(&format!("wf-{i}"), 0)))],
                )
                .await
        }
    })
    .await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let listed = store.list_waiting_steps(&t, None, 100).await.unwrap();
    let mut seqs: Vec<i64> = listed.iter().map(|w| w.step.wait_seq.unwrap()).collect();
    assert_eq!(seqs.len(), CALLERS);
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "listed in sequence order: {seqs:?}"
    );
    seqs.dedup();
    assert_eq!(seqs.len(), CALLERS, "distinct");
}

async fn concurrent_cancellations_have_one_winner(store: Arc<dyn Store>) {
    let results = concurrently(CALLERS, |i| {
        let store = store.clone();
        async move {
            let w = Write::RequestCancellation {
                image_arn: IMAGE.into(),
                requested_ms: i as i64,
            };
            store.apply(&tenant(), &[w]).await
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
}

// ---- instantiation ---------------------------------------------------------------------

fn run(factory: Factory, case: Case) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let (store, guard) = factory();
    runtime.block_on(case(store.clone()));
    runtime.block_on(store.close()).unwrap();
    drop(guard);
}

macro_rules! backend_suite {
    ($backend:ident, $factory:expr, [$($case:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[test]
                fn $case() {
                    super::run($factory, |s| Box::pin(super::$case(s)));
                }
            )*
        }
    };
}

macro_rules! every_case {
    ($backend:ident, $factory:expr) => {
        backend_suite!(
            $backend,
            $factory,
            [
                a_resource_is_inserted_once,
                a_failed_guard_rolls_back_the_whole_batch,
                puts_move_the_revision_and_expect_guards_it,
                tags_change_only_through_set_tags,
                a_delete_of_what_is_gone_conflicts,
                resources_list_in_arn_order_per_tenancy_and_kind,
                a_prefix_read_returns_exactly_the_arns_under_it,
                resources_page_by_listing_key,
                unfinished_images_are_found_by_status,
                an_idempotency_token_is_taken_once_until_it_expires,
                executions_list_in_creation_order_by_keyset,
                steps_list_in_document_order_and_in_the_listing,
                an_images_records_are_deleted_with_it,
                waiting_steps_take_sequence_numbers_in_order,
                a_waiting_step_is_finished_once,
                a_cancellation_is_pending_once,
                the_token_key_is_initialised_once,
                a_meta_number_only_grows,
                concurrent_inserts_of_one_arn_have_one_winner,
                concurrent_claims_of_one_token_have_one_winner,
                concurrent_compare_and_sets_have_one_winner,
                claims_move_the_revision_and_do_not_conflict,
                concurrent_answers_to_one_waiting_step_have_one_winner,
                concurrent_deletes_have_one_winner,
                concurrent_waits_get_distinct_sequence_numbers,
                concurrent_cancellations_have_one_winner,
            ]
        );
    };
}

fn sqlite() -> (Arc<dyn Store>, Box<dyn std::any::Any + Send>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        stepwise_store::SqliteStore::open(dir.path().join("conformance.db")).expect("opens");
    (Arc::new(store), Box::new(dir))
}

every_case!(sqlite_backend, super::sqlite);
