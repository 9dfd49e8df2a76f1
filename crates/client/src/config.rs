//! `PaginationConfig`: boto3's `PaginationConfig` dict as a Rust struct.

/// How a paginator walks an operation: boto3's `MaxItems`, `PageSize` and `StartingToken`,
/// plus the cycle guard (spec §3.9-4).
///
/// The fields are public so a struct literal works; the builder methods read better:
///
/// ```
/// use stepwise_client::PaginationConfig;
/// let config = PaginationConfig::default().max_items(5).page_size(3);
/// assert_eq!(config.max_items, Some(5));
/// let resumed = PaginationConfig {
///     starting_token: Some("eyJuZXh0VG9rZW4iOiAidG9rLTMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ==".into()),
///     ..config
/// };
/// assert!(resumed.cycle_guard);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaginationConfig {
    /// `MaxItems`: stop after this many items, possibly in the middle of a page, and report a
    /// resume token. Zero and negative values behave as in botocore (one request is made).
    pub max_items: Option<i64>,
    /// `PageSize`: sent as the operation's limit member (`maxResults`) on every request.
    pub page_size: Option<i32>,
    /// `StartingToken`: a botocore resume token, a legacy `<token>___<n>` token or a raw service
    /// token. `Some("")` counts as given (and fails validation, as in botocore).
    pub starting_token: Option<String>,
    /// Fail on the first token the service repeats from any earlier page (default), not only
    /// on an immediate repeat as botocore does; `false` gives botocore's exact behaviour, which
    /// loops forever on a cycle such as A→B→A.
    pub cycle_guard: bool,
}

impl Default for PaginationConfig {
    /// No limits, no starting token, cycle guard on.
    ///
    /// ```
    /// let c = stepwise_client::PaginationConfig::default();
    /// assert_eq!((c.max_items, c.page_size, c.starting_token, c.cycle_guard), (None, None, None, true));
    /// ```
    fn default() -> Self {
        PaginationConfig {
            max_items: None,
            page_size: None,
            starting_token: None,
            cycle_guard: true,
        }
    }
}

impl PaginationConfig {
    /// Sets `MaxItems`.
    ///
    /// ```
    /// assert_eq!(stepwise_client::PaginationConfig::default().max_items(7).max_items, Some(7));
    /// ```
    pub fn max_items(mut self, max_items: i64) -> Self {
        self.max_items = Some(max_items);
        self
    }

    /// Sets `PageSize`.
    ///
    /// ```
    /// assert_eq!(stepwise_client::PaginationConfig::default().page_size(3).page_size, Some(3));
    /// ```
    pub fn page_size(mut self, page_size: i32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Sets `StartingToken`.
    ///
    /// ```
    /// let c = stepwise_client::PaginationConfig::default().starting_token("tok-3___1");
    /// assert_eq!(c.starting_token.as_deref(), Some("tok-3___1"));
    /// ```
    pub fn starting_token(mut self, token: impl Into<String>) -> Self {
        self.starting_token = Some(token.into());
        self
    }

    /// Turns the cycle guard on or off.
    ///
    /// ```
    /// assert!(!stepwise_client::PaginationConfig::default().cycle_guard(false).cycle_guard);
    /// ```
    pub fn cycle_guard(mut self, on: bool) -> Self {
        self.cycle_guard = on;
        self
    }
}
