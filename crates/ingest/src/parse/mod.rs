//! The syntax layers under the export parsers and the record reader: CSV with line
//! positions, JSON helpers, splitting a JSON array into items without holding it whole, and
//! XML helpers.

pub(crate) mod csv;
pub(crate) mod json;
pub(crate) mod json_split;
pub(crate) mod xml;
