//! The data contract (`shared/spec/data-contract.md`) as types and pure functions.
//!
//! Nothing here does I/O except reading the embedded Kemendagri region list.
//! Every rule the contract calls normative lives in [`rules`] and is tested
//! against the contract's wording.

pub mod area;
pub mod columns;
pub mod date;
pub mod nik;
pub mod quality;
pub mod regions;
pub mod rules;
pub mod text;
pub mod values;

pub use area::AreaCode;
pub use date::parse_date;
pub use nik::{parse_nik, NikError};
pub use quality::{RejectReason, WarningKind};
