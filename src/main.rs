use std::process::ExitCode;

fn main() -> ExitCode {
    let job = rollover::cli::parse_job();
    match rollover::run(job) {
        Ok(code) => code,
        Err(err) => {
            rollover::messages::error(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}
