#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../README.md")]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod builder;
mod error;
mod eval;
mod flatten;
mod header;
mod lint;
mod macro_string;
mod parse;
mod record;
mod select;
mod tree;

pub use builder::RecordBuilder;
pub use error::{Error, ErrorKind};
pub use eval::{
    Answer, DEFAULT_EXPLANATION, Evaluator, Identity, Limits, Outcome, Problem, Query, QueryType,
    SpfResult, Step,
};
pub use flatten::{FlattenOptions, Flattened, Published, flatten};
pub use header::{authentication_results_clause, received_spf};
pub use lint::{NEAR_UDP_LIMIT, Warning, WarningCode, lint, lint_evaluation};
pub use macro_string::{Macro, MacroItem, MacroLetter, MacroString, MacroVars};
pub use parse::is_spf_record;
pub use record::{Directive, DualCidr, Mechanism, Modifier, Qualifier, Record, Term};
pub use select::{Selected, select_record};
pub use tree::{
    MAX_MX_HOSTS, MAX_QUERIES, MAX_RECORDS, NodeState, Tree, TreeCode, TreeNode, TreeTerm,
    TreeWalker, TreeWarning,
};
