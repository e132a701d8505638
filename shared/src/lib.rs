//! What two or more of the workspace's tools share: reading inputs and JSON streams with
//! precise error locations, writing JSON Lines records, rendering tables, byte units, exit
//! codes with one error line on stderr, the documentation that feeds manual pages, and the
//! headline line every benchmark writes.

pub mod bench;
pub mod cli;
pub mod exit;
pub mod input;
pub mod manual;
pub mod output;
pub mod table;
pub mod time;
pub mod units;

pub use exit::Exit;
