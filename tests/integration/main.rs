//! Integration tests: they run the real binary in temp directories, feed it
//! through real pipes and signal real processes.

mod cli;
mod clients;
mod compress;
mod crashes;
mod cronconf;
mod datenames;
mod docs;
mod faults;
mod finisher;
mod finishing;
mod logrotate;
mod migration;
mod nights;
mod others;
mod output;
mod overload;
mod owed;
mod person;
mod props;
mod reading;
mod signals;
mod space;
mod tools;
mod util;
mod write;
