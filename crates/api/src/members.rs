//! Members that code generic over operations reads from a typed input: the token of an
//! idempotent create, a resource's name, a list's page size and token, its filters.
//! `codegen/gen_model.py` implements each trait for every served operation's input that
//! has the members, with the model's types.

/// An input with a `clientToken`.
pub trait Idempotent {
    fn client_token(&self) -> Option<&str>;
}

/// An input with a `name`.
pub trait Named {
    fn name(&self) -> Option<&str>;
}

/// A List input: `maxResults` and `nextToken`.
pub trait Paged {
    fn max_results(&self) -> Option<i32>;
    fn next_token(&self) -> Option<&str>;
}

/// A List input with `filters` (its items are the model's `Filter`).
pub trait Filtered {
    type Filter;
    fn filters(&self) -> &[Self::Filter];
}
