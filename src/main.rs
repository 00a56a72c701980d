use std::process::ExitCode;

use rollover::cli::Parsed;

fn main() -> ExitCode {
    let job = match rollover::cli::parse_job() {
        Parsed::Run(job) => job,
        Parsed::Exit(e) => {
            // Help and version on stdout, a usage error on stderr; a
            // stream that went away changes nothing.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match rollover::run(*job) {
        Ok(code) => code,
        Err(err) => {
            rollover::messages::error(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}
