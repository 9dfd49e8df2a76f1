//! Pagination as the AWS CLI does it: a paginated operation is called through the
//! botocore-exact paginator (`stepwise-client`) unless `--no-paginate` is given or the
//! service's own paging members are set by hand; `--starting-token`, `--page-size` and
//! `--max-items` are its `PaginationConfig`, and a cut-short output carries `NextToken`.

use crate::params::Param;
use crate::transport::{CallError, Connection};
use clap::ArgMatches;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use stepwise_api::operations::Operation;
use stepwise_client::descriptor::{self, OperationDescriptor};
use stepwise_client::{
    FetchedPage, PageFuture, PageRequest, PageSource, PaginationConfig, PaginationError, Paginator,
};

/// The paginator description of `op`, if it is paginated.
pub fn descriptor(op: &Operation) -> Option<&'static OperationDescriptor> {
    descriptor::find(op.name)
}

/// A paginated run of one operation.
pub struct Paging {
    descriptor: &'static OperationDescriptor,
    config: PaginationConfig,
}

/// The pages of one operation, fetched over a [`Connection`] with fixed other members.
#[derive(Clone)]
struct HttpSource {
    conn: Arc<Connection>,
    op: &'static Operation,
    input: Map<String, Value>,
    descriptor: &'static OperationDescriptor,
}

impl PageSource for HttpSource {
    type Output = ();
    type Error = CallError;

    fn descriptor(&self) -> &'static OperationDescriptor {
        self.descriptor
    }

    fn fetch(&self, request: PageRequest) -> PageFuture<(), CallError> {
        let mut input = self.input.clone();
        if let Some(token) = request.token {
            input.insert(
                self.descriptor.input_token.to_string(),
                Value::String(token),
            );
        }
        if let (Some(limit), Some(key)) = (request.limit, self.descriptor.limit_key) {
            input.insert(key.to_string(), json!(limit));
        }
        let (conn, op) = (self.conn.clone(), self.op);
        Box::pin(async move {
            conn.call(op, &Value::Object(input))
                .await
                .map(|json| FetchedPage { json, output: () })
                .map_err(PaginationError::Service)
        })
    }
}

fn failure(e: PaginationError<CallError>) -> String {
    match e {
        PaginationError::Service(e) => e.to_string(),
        other => other.to_string(),
    }
}

impl Paging {
    /// Whether and how `op` paginates, from the options: `Ok(None)` for one plain call.
    pub fn from_matches(
        op: &Operation,
        params: &[Param],
        matches: &ArgMatches,
    ) -> Result<Option<Paging>, String> {
        let Some(descriptor) = descriptor(op) else {
            return Ok(None);
        };
        let given = |member: &str| {
            params
                .iter()
                .find(|p| p.member.name == member)
                .is_some_and(|p| matches.value_source(&p.cli_name).is_some())
        };
        // Paging members set by hand mean the caller pages by hand.
        let manual = given(descriptor.input_token) || descriptor.limit_key.is_some_and(given);
        let starting_token = matches.get_one::<String>("starting-token").cloned();
        let page_size = matches.get_one::<i32>("page-size").copied();
        let max_items = matches.get_one::<i64>("max-items").copied();
        if matches.get_flag("no-paginate") || manual {
            let used: Vec<&str> = [
                ("--starting-token", starting_token.is_some()),
                ("--page-size", page_size.is_some()),
                ("--max-items", max_items.is_some()),
            ]
            .into_iter()
            .filter_map(|(name, set)| set.then_some(name))
            .collect();
            if !used.is_empty() {
                return Err(format!(
                    "Error during pagination: Cannot specify --no-paginate along with pagination arguments: {}",
                    used.join(", ")
                ));
            }
            return Ok(None);
        }
        Ok(Some(Paging {
            descriptor,
            config: PaginationConfig {
                max_items,
                page_size,
                starting_token,
                ..PaginationConfig::default()
            },
        }))
    }

    fn paginator(
        &self,
        conn: Connection,
        op: &'static Operation,
        mut input: Map<String, Value>,
    ) -> Paginator<HttpSource> {
        // Paging members from --cli-input-json give way to the paginator's (as in AWS CLI v1).
        input.remove(self.descriptor.input_token);
        if let Some(k) = self.descriptor.limit_key {
            input.remove(k);
        }
        let source = HttpSource {
            conn: Arc::new(conn),
            op,
            input,
            descriptor: self.descriptor,
        };
        Paginator::from_source(source, self.config.clone())
    }

    /// Every page's results aggregated, with `NextToken` when `--max-items` cut them short.
    pub async fn full_result(
        &self,
        conn: Connection,
        op: &'static Operation,
        input: Map<String, Value>,
    ) -> Result<Value, String> {
        self.paginator(conn, op, input)
            .build_full_result()
            .await
            .map_err(failure)
    }

    /// What `--output text` prints, part by part: the first page with the non-aggregate
    /// members, each later page's results alone, then `NextToken` when cut short.
    pub async fn text_parts(
        &self,
        conn: Connection,
        op: &'static Operation,
        input: Map<String, Value>,
    ) -> Result<Vec<Value>, String> {
        let paginator = self.paginator(conn, op, input);
        let mut pages = paginator.pages();
        let mut parts = Vec::new();
        let result_key = self.descriptor.result_key;
        while let Some(page) = pages.next().await {
            let page = page.map_err(failure)?;
            let mut current = if parts.is_empty() {
                pages.non_aggregate_part().clone()
            } else {
                Map::new()
            };
            current.insert(
                result_key.to_string(),
                page.json().get(result_key).cloned().unwrap_or(Value::Null),
            );
            parts.push(Value::Object(current));
        }
        if let Some(token) = pages.resume_token() {
            parts.push(json!({"NextToken": {"NextToken": token}}));
        }
        Ok(parts)
    }
}
