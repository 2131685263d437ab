//! One module per command family; each takes its parsed arguments and does the work.
//!
//! Commands print through [`outln!`] and [`out!`], never `println!`: a reader that goes away
//! (`ccsync users list | head`) turns into an I/O error that `main` ends quietly on, where
//! `println!` would panic with a backtrace.

/// `println!` to standard output, as an `io::Result` to `?` on.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `print!` to standard output, as an `io::Result` to `?` on.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

pub mod accounts;
pub mod bench;
pub mod demo;
pub mod dialer;
pub mod links;
pub mod plugin;
pub mod plugin_new;
pub mod plugin_test;
pub mod report;
pub mod serve;
pub mod sync;
pub mod trust;
pub mod wfo;
