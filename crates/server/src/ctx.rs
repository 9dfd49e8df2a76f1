//! One request's context, as every handler sees it: the service state, the operation, the
//! tenancy it acts in and its request id. A leaf: it knows the state, not the protocol or
//! the handlers.

use crate::state::AppState;
use stepwise_api::operations::Operation;
use stepwise_api::time::Clock;
use stepwise_store::Tenant;

pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub op: &'static Operation,
    pub tenant: Tenant,
    pub request_id: &'a str,
}

impl Ctx<'_> {
    pub fn now(&self) -> i64 {
        self.state.clock.now_millis()
    }
}
