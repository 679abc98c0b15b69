use std::process::ExitCode;

fn main() -> ExitCode {
    tokenhound::cli::main()
}
